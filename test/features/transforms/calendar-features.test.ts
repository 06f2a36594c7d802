import { describe, expect, it } from "vitest";
import { frameOf } from "../../../src/core/frame.js";
import { TransformPipeline } from "../../../src/features/index.js";
import { Rng } from "../../../src/ml/random.js";
import { time } from "./caught.js";

describe("calendar features", () => {
  it("gives day of week (Monday 0), day of month, month, quarter, year, hour and weekend in UTC", () => {
    const fitted = TransformPipeline.fromConfig({ transforms: [{ type: "calendar", column: "at" }] }).fit(
      frameOf({ at: time(["2024-01-01T00:00:00Z"]) }),
    );
    expect(fitted.featureNames).toEqual([
      "at_day_of_week",
      "at_day_of_month",
      "at_month",
      "at_quarter",
      "at_year",
      "at_hour",
      "at_weekend",
    ]);
    // 2024-01-01 was a Monday; 2024-08-17 a Saturday; 1969-12-31 a Wednesday.
    const m = fitted.transform([
      { at: "2024-01-01" },
      { at: "2024-08-17T23:30:00+00:00" },
      { at: "1969-12-31T05:00:00Z" },
    ]);
    expect(Array.from(m.data)).toEqual([0, 1, 1, 1, 2024, 0, 0, 5, 17, 8, 3, 2024, 23, 1, 2, 31, 12, 4, 1969, 5, 0]);
  });

  it("writes cyclic parts as sin/cos pairs so the period wraps", () => {
    const fitted = TransformPipeline.fromConfig({
      transforms: [{ type: "calendar", column: "at", features: [], cyclic: ["month", "dayOfWeek"], prefix: "" }],
    }).fit(frameOf({ at: time(["2024-01-01"]) }));
    expect(fitted.featureNames).toEqual(["month_sin", "month_cos", "day_of_week_sin", "day_of_week_cos"]);
    const m = fitted.transform([{ at: "2024-01-01" }, { at: "2024-12-01" }]);
    expect(Array.from(m.data.subarray(0, 4))).toEqual([0, 1, 0, 1]);
    expect(m.data[4]).toBeCloseTo(Math.sin((2 * Math.PI * 11) / 12), 15);
    expect(m.data[5]).toBeCloseTo(Math.cos((2 * Math.PI * 11) / 12), 15);
  });

  it("agrees with Date's UTC fields over random instants, 1900 to 2100", () => {
    const rng = new Rng(7);
    const times = Float64Array.from({ length: 2000 }, () => Math.floor(-2.2e12 + rng.next() * 6.3e12));
    const fitted = TransformPipeline.fromConfig({
      transforms: [{ type: "calendar", column: "at", features: ["dayOfWeek", "dayOfMonth", "month", "year", "hour"] }],
    }).fit(frameOf({ at: { kind: "time", values: times } }));
    const m = fitted.transform(frameOf({ at: { kind: "time", values: times } }));
    for (let i = 0; i < times.length; i++) {
      const d = new Date(times[i]);
      expect(Array.from(m.data.subarray(i * 5, i * 5 + 5))).toEqual([
        (d.getUTCDay() + 6) % 7,
        d.getUTCDate(),
        d.getUTCMonth() + 1,
        d.getUTCFullYear(),
        d.getUTCHours(),
      ]);
    }
  });
});
