import { describe, expect, it } from "vitest";
import { defaultSeasonPeriod, formatTime, indexToTime, inferTimeIndex, timeToIndex } from "../../src/features/index.js";

const utc = (s: string) => Date.parse(s);

describe("time index", () => {
  it("steps monthly data in calendar months, whatever the month lengths", () => {
    const times = Float64Array.from(["2020-01-01", "2020-02-01", "2020-03-01", "2020-05-01"], utc);
    const index = inferTimeIndex(times);
    expect(index).toMatchObject({ unit: "month", step: 1, dateOnly: true });
    expect(Array.from(times, (t) => timeToIndex(index, t))).toEqual([0, 1, 2, 4]);
    expect(formatTime(index, indexToTime(index, 12))).toBe("2021-01-01");
    expect(defaultSeasonPeriod(index)).toBe(12);
  });

  it("recognises quarterly data and its period of 4", () => {
    const index = inferTimeIndex(Float64Array.from(["2019-01-01", "2019-04-01", "2019-07-01"], utc));
    expect(index).toMatchObject({ unit: "month", step: 3 });
    expect(defaultSeasonPeriod(index)).toBe(4);
    expect(formatTime(index, indexToTime(index, 2))).toBe("2019-07-01");
  });

  it("steps daily and hourly data in fixed milliseconds", () => {
    const daily = inferTimeIndex(Float64Array.from(["2020-02-27", "2020-02-28", "2020-02-29", "2020-03-01"], utc));
    expect(daily).toMatchObject({ unit: "ms", step: 86_400_000 });
    expect(defaultSeasonPeriod(daily)).toBe(7);
    expect(formatTime(daily, indexToTime(daily, 3))).toBe("2020-03-01");
    const hourly = inferTimeIndex(Float64Array.from(["2020-01-01T00:00:00Z", "2020-01-01T01:00:00Z"], utc));
    expect(hourly).toMatchObject({ unit: "ms", step: 3_600_000, dateOnly: false });
    expect(defaultSeasonPeriod(hourly)).toBe(24);
    expect(formatTime(hourly, indexToTime(hourly, 5))).toBe("2020-01-01T05:00:00.000Z");
  });

  it("places a mid-month time between its months", () => {
    const index = inferTimeIndex(Float64Array.from(["2020-01-01", "2020-02-01"], utc));
    expect(timeToIndex(index, utc("2020-01-16T12:00:00Z"))).toBeCloseTo(0.5, 12);
  });
});
