import { describe, expect, it } from "vitest";
import { type DatasetSchema, type Frame, frameOf, numericColumn, takeRows } from "../../src/core/index.js";
import { appendFrames, contentHash, mergeByTime } from "../../src/data/dataset-merge.js";

const day = (d: number) => Date.UTC(2020, 0, d);

function series(days: number[], volumes: number[], notes: (string | null)[]): Frame {
  return frameOf({
    date: { kind: "time", values: Float64Array.from(days.map(day)) },
    volume: { kind: "number", values: Float64Array.from(volumes) },
    note: { kind: "string", values: notes },
  });
}

const schema: DatasetSchema = {
  timeColumn: "date",
  columns: [
    { name: "date", type: "time" },
    { name: "volume", type: "number" },
    { name: "note", type: "string" },
  ],
};

describe("mergeByTime", () => {
  it("sorts the union by time and lets an incoming row replace the row with the same time", () => {
    const existing = series([1, 3, 5], [10, 30, 50], ["a", "c", "e"]);
    const incoming = series([4, 3, 2], [40, 33, 20], ["d", "c2", null]);
    const { frame, replacedTimes, addedRows } = mergeByTime(existing, incoming, "date");
    expect([...numericColumn(frame, "date")]).toEqual([1, 2, 3, 4, 5].map(day));
    expect([...numericColumn(frame, "volume")]).toEqual([10, 20, 33, 40, 50]);
    expect(frame.columns.get("note")?.values).toEqual(["a", null, "c2", "d", "e"]);
    expect(replacedTimes).toEqual([day(3)]);
    expect(addedRows).toBe(2);
  });

  it("sorts a first batch, keeping the later of two rows with one time", () => {
    const { frame, replacedTimes, addedRows } = mergeByTime(
      null,
      series([2, 1, 2], [1, 2, 3], ["x", "y", "z"]),
      "date",
    );
    expect([...numericColumn(frame, "volume")]).toEqual([2, 3]);
    expect(replacedTimes).toEqual([]);
    expect(addedRows).toBe(2);
  });

  it("fills a column the older frame lacks with missing values", () => {
    const old = frameOf({ date: { kind: "time", values: Float64Array.from([day(1)]) } });
    const { frame } = mergeByTime(old, series([2], [5], ["n"]), "date");
    expect([...numericColumn(frame, "volume")]).toEqual([Number.NaN, 5]);
    expect(frame.columns.get("note")?.values).toEqual([null, "n"]);
  });

  it("appends when there is no time column", () => {
    const a = series([1], [1], ["a"]);
    const { frame, replacedTimes, addedRows } = mergeByTime(a, series([1], [2], ["b"]));
    expect(frame.rowCount).toBe(2);
    expect([...numericColumn(frame, "volume")]).toEqual([1, 2]);
    expect(replacedTimes).toEqual([]);
    expect(addedRows).toBe(1);
  });

  it("throws SLP_DATA_INVALID for a missing time or a column whose kind differs", () => {
    const holed = frameOf({ date: { kind: "time", values: Float64Array.from([Number.NaN]) } });
    expect(() => mergeByTime(null, holed, "date")).toThrowError(expect.objectContaining({ code: "SLP_DATA_INVALID" }));
    const textVolume = frameOf({
      date: { kind: "time", values: Float64Array.from([day(9)]) },
      volume: { kind: "string", values: ["1"] },
    });
    expect(() => mergeByTime(series([1], [1], ["a"]), textVolume, "date")).toThrowError(
      expect.objectContaining({ code: "SLP_DATA_INVALID" }),
    );
  });
});

describe("appendFrames", () => {
  it("keeps the rows of the first frame then the second", () => {
    const out = appendFrames(series([1, 2], [1, 2], ["a", "b"]), series([1], [3], [null]));
    expect(out.rowCount).toBe(3);
    expect(out.columns.get("note")?.values).toEqual(["a", "b", null]);
  });
});

describe("contentHash", () => {
  const frame = series([1, 2, 3], [1.5, Number.NaN, 3], ["a", null, "null"]);

  it("is a sha256 hex that does not depend on row order or on how the rows arrived", () => {
    const hash = contentHash(frame, schema);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(takeRows(frame, [2, 0, 1]), schema)).toBe(hash);
    const merged = mergeByTime(series([3, 1], [3, 1.5], ["null", "a"]), series([2], [Number.NaN], [null]), "date");
    expect(contentHash(merged.frame, schema)).toBe(hash);
  });

  it("changes when any value, the missing/text distinction or a column type changes", () => {
    const hash = contentHash(frame, schema);
    expect(contentHash(series([1, 2, 3], [1.5, Number.NaN, 3.0001], ["a", null, "null"]), schema)).not.toBe(hash);
    expect(contentHash(series([1, 2, 3], [1.5, Number.NaN, 3], ["a", null, null]), schema)).not.toBe(hash);
    expect(contentHash(series([1, 2, 3], [1.5, 0, 3], ["a", null, "null"]), schema)).not.toBe(hash);
    const retyped: DatasetSchema = {
      ...schema,
      columns: schema.columns.map((c) => ({ ...c, type: c.name === "volume" ? "integer" : c.type })),
    };
    expect(contentHash(frame, retyped)).not.toBe(hash);
  });

  it("ignores columns the schema does not declare and throws for a declared one that is absent", () => {
    const withExtra = frameOf(new Map([...frame.columns, ["extra", { kind: "number", values: new Float64Array(3) }]]));
    expect(contentHash(withExtra, schema)).toBe(contentHash(frame, schema));
    const wider: DatasetSchema = { columns: [...schema.columns, { name: "absent", type: "number" }] };
    expect(() => contentHash(frame, wider)).toThrowError(expect.objectContaining({ code: "SLP_DATA_INVALID" }));
  });
});
