import { describe, expect, it } from "vitest";
import { frameOf, takeRows } from "../../../src/core/frame.js";
import { TransformPipeline } from "../../../src/features/index.js";
import { columnOfMatrix, num } from "./caught.js";

describe("standard scaling", () => {
  it("uses the training mean and population sd, and maps a constant column to 0", () => {
    const train = frameOf({ x: num([1, 2, 3]), c: num([5, 5, 5]) });
    const fitted = TransformPipeline.fromConfig({ transforms: [{ type: "standard", columns: ["x", "c"] }] }).fit(train);
    expect(fitted.featureNames).toEqual(["x", "c"]);
    const sd = Math.sqrt(2 / 3);
    const m = fitted.transform(frameOf({ x: num([1, 2, 3, 5]), c: num([5, 5, 5, 7]) }));
    expect(columnOfMatrix(m, 0)).toEqual([-1 / sd, 0, 1 / sd, 3 / sd]);
    // Constant in training: sd is taken as 1, so training rows map to 0 and a new value to its offset.
    expect(columnOfMatrix(m, 1)).toEqual([0, 0, 0, 2]);
  });

  it("learns from the training rows only: test rows use the train statistics", () => {
    const all = frameOf({ x: num([1, 2, 3, 4, 100, 200]) });
    const train = takeRows(all, [0, 1, 2, 3]);
    const test = takeRows(all, [4, 5]);
    const spec = { transforms: [{ type: "standard", columns: ["x"] }] };
    const fromTrain = TransformPipeline.fromConfig(spec).fit(train).transform(test);
    const fromAll = TransformPipeline.fromConfig(spec).fit(all).transform(test);
    // Train: mean 2.5, population sd √1.25.
    expect(columnOfMatrix(fromTrain, 0)).toEqual([(100 - 2.5) / Math.sqrt(1.25), (200 - 2.5) / Math.sqrt(1.25)]);
    expect(columnOfMatrix(fromAll, 0)).not.toEqual(columnOfMatrix(fromTrain, 0));
  });

  it("skips missing training values when fitting", () => {
    const fitted = TransformPipeline.fromConfig({
      transforms: [{ type: "standard", columns: ["x"] }],
      allowMissing: true,
    }).fit(frameOf({ x: num([1, null, 3]) }));
    expect(columnOfMatrix(fitted.transform(frameOf({ x: num([2, null]) })), 0)).toEqual([0, Number.NaN]);
  });
});

describe("min-max scaling", () => {
  it("maps the training range onto [0, 1] and extrapolates beyond it", () => {
    const fitted = TransformPipeline.fromConfig({ transforms: [{ type: "minmax", columns: ["x"] }] }).fit(
      frameOf({ x: num([0, 5, 10]) }),
    );
    const m = fitted.transform(frameOf({ x: num([0, 5, 10, 20, -10]) }));
    expect(columnOfMatrix(m, 0)).toEqual([0, 0.5, 1, 2, -1]);
  });

  it("honours a custom range and clipping, and maps a constant column to the low end", () => {
    const fitted = TransformPipeline.fromConfig({
      transforms: [
        { type: "minmax", columns: ["x"], range: [-1, 1], clip: true },
        { type: "minmax", columns: ["c"] },
      ],
    }).fit(frameOf({ x: num([0, 10]), c: num([3, 3]) }));
    const m = fitted.transform(frameOf({ x: num([5, 30, -30]), c: num([3, 3, 3]) }));
    expect(columnOfMatrix(m, 0)).toEqual([0, 1, -1]);
    expect(columnOfMatrix(m, 1)).toEqual([0, 0, 0]);
  });
});
