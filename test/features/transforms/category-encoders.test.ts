import { describe, expect, it } from "vitest";
import { frameOf } from "../../../src/core/frame.js";
import { MISSING_CODE, TransformPipeline, UNSEEN_CODE } from "../../../src/features/index.js";
import { columnOfMatrix, num, text } from "./caught.js";

function rowsOf(m: { rows: number; cols: number; data: Float64Array }): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

describe("one-hot encoding", () => {
  const train = frameOf({ store: text(["b", "a", "b", null, "c"]) });

  it("writes one indicator per sorted category, then other, unseen and missing", () => {
    const fitted = TransformPipeline.fromConfig({ transforms: [{ type: "onehot", columns: ["store"] }] }).fit(train);
    expect(fitted.featureNames).toEqual([
      "store=a",
      "store=b",
      "store=c",
      "store=<other>",
      "store=<unseen>",
      "store=<missing>",
    ]);
    const m = fitted.transform(frameOf({ store: text(["a", "c", "zzz", null]) }));
    expect(rowsOf(m)).toEqual([
      [1, 0, 0, 0, 0, 0],
      [0, 0, 1, 0, 0, 0],
      [0, 0, 0, 0, 1, 0], // never seen: the unseen bucket, never a known category
      [0, 0, 0, 0, 0, 1],
    ]);
  });

  it("folds categories beyond maxCategories or under minFrequency into other, and keeps them apart from unseen", () => {
    const fitted = TransformPipeline.fromConfig({
      transforms: [{ type: "onehot", columns: ["store"], maxCategories: 1 }],
    }).fit(train);
    expect(fitted.featureNames).toEqual(["store=b", "store=<other>", "store=<unseen>", "store=<missing>"]);
    const m = fitted.transform(frameOf({ store: text(["a", "b", "new"]) }));
    expect(rowsOf(m)).toEqual([
      [0, 1, 0, 0],
      [1, 0, 0, 0],
      [0, 0, 1, 0],
    ]);
    const byFrequency = TransformPipeline.fromConfig({
      transforms: [{ type: "onehot", columns: ["store"], minFrequency: 2 }],
    }).fit(train);
    expect(byFrequency.featureNames[0]).toBe("store=b");
    expect(byFrequency.featureNames).toHaveLength(4);
  });

  it("encodes numeric category columns by value", () => {
    const fitted = TransformPipeline.fromConfig({ transforms: [{ type: "onehot", columns: ["code"] }] }).fit(
      frameOf({ code: num([10, 2, 10]) }),
    );
    expect(fitted.featureNames.slice(0, 2)).toEqual(["code=10", "code=2"]);
    expect(rowsOf(fitted.transform([{ code: 2 }, { code: "10" }, { code: 3 }, { code: null }]))).toEqual([
      [0, 1, 0, 0, 0],
      [1, 0, 0, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 1],
    ]);
  });
});

describe("ordinal encoding", () => {
  it("codes sorted categories 0…K−1, other K, unseen −1 and missing −2", () => {
    const fitted = TransformPipeline.fromConfig({
      transforms: [{ type: "ordinal", columns: ["size"], minFrequency: 2 }],
    }).fit(frameOf({ size: text(["m", "s", "m", "s", "xl", "l", "l"]) }));
    expect(fitted.featureNames).toEqual(["size"]);
    const m = fitted.transform(frameOf({ size: text(["l", "m", "s", "xl", "xxs", null]) }));
    expect(columnOfMatrix(m, 0)).toEqual([0, 1, 2, 3, UNSEEN_CODE, MISSING_CODE]);
    expect([UNSEEN_CODE, MISSING_CODE]).toEqual([-1, -2]);
  });
});
