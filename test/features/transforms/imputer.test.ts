import { describe, expect, it } from "vitest";
import { frameOf } from "../../../src/core/frame.js";
import { TransformPipeline } from "../../../src/features/index.js";
import { columnOfMatrix, num, text } from "./caught.js";

const train = frameOf({ x: num([1, 2, 2, 10, null]), s: text(["a", "b", "b", null, "c"]) });

function impute(strategy: string, extra: Record<string, unknown> = {}) {
  return TransformPipeline.fromConfig({ transforms: [{ type: "impute", columns: ["x"], strategy, ...extra }] }).fit(
    train,
  );
}

describe("imputation", () => {
  it("fills with the training mean, median, most frequent value or a constant", () => {
    const rows = frameOf({ x: num([null, 7]) });
    expect(columnOfMatrix(impute("mean").transform(rows), 0)).toEqual([15 / 4, 7]);
    expect(columnOfMatrix(impute("median").transform(rows), 0)).toEqual([2, 7]);
    expect(columnOfMatrix(impute("mostFrequent").transform(rows), 0)).toEqual([2, 7]);
    expect(columnOfMatrix(impute("constant", { value: -1 }).transform(rows), 0)).toEqual([-1, 7]);
  });

  it("adds a missing indicator after the column when asked", () => {
    const fitted = impute("median", { indicator: true });
    expect(fitted.featureNames).toEqual(["x", "x_missing"]);
    const m = fitted.transform([{ x: null }, { x: 3 }]);
    expect(Array.from(m.data)).toEqual([2, 1, 3, 0]);
  });

  it("fills text columns with the most frequent category, feeding a later encoder", () => {
    const fitted = TransformPipeline.fromConfig({
      transforms: [
        { type: "impute", columns: ["s"], strategy: "mostFrequent", indicator: true },
        { type: "ordinal", columns: ["s"] },
      ],
    }).fit(train);
    expect(fitted.featureNames).toEqual(["s_missing", "s"]);
    // Categories a, b, c → 0, 1, 2; the missing training row was filled with b before the encoder was fitted.
    expect(Array.from(fitted.transform([{ s: null }, { s: "c" }]).data)).toEqual([1, 1, 0, 2]);
  });
});
