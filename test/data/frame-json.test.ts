import { describe, expect, it } from "vitest";
import { frameOf } from "../../src/core/index.js";
import { deserializeFrame, frameToRows, serializeFrame } from "../../src/data/frame-json.js";

const frame = frameOf({
  date: { kind: "time", values: Float64Array.from([Date.UTC(2020, 0, 1), Number.NaN]) },
  volume: { kind: "number", values: Float64Array.from([0.1 + 0.2, Number.NaN]) },
  ratio: { kind: "number", values: Float64Array.from([Number.POSITIVE_INFINITY, -1e-300]) },
  note: { kind: "string", values: ['a "quoted" note', null] },
});

describe("frameToRows", () => {
  it("gives one record per row, times as ISO strings and missing as null", () => {
    expect(frameToRows(frame)).toEqual([
      { date: "2020-01-01T00:00:00.000Z", volume: 0.1 + 0.2, ratio: Number.POSITIVE_INFINITY, note: 'a "quoted" note' },
      { date: null, volume: null, ratio: -1e-300, note: null },
    ]);
  });
});

describe("serializeFrame / deserializeFrame", () => {
  it("round-trips every value exactly, NaN as null and infinities included", () => {
    const json = serializeFrame(frame);
    expect(JSON.parse(json).columns[1]).toEqual({ name: "volume", kind: "number", values: [0.1 + 0.2, null] });
    const back = deserializeFrame(json);
    expect(back.rowCount).toBe(2);
    expect([...back.columns.keys()]).toEqual(["date", "volume", "ratio", "note"]);
    for (const [name, col] of frame.columns) {
      const got = back.columns.get(name);
      expect(got?.kind).toBe(col.kind);
      expect(got?.values).toEqual(col.values);
    }
  });

  it("round-trips an empty frame", () => {
    const empty = frameOf({ a: { kind: "number", values: new Float64Array(0) } });
    const back = deserializeFrame(serializeFrame(empty));
    expect(back.rowCount).toBe(0);
    expect(back.columns.get("a")?.kind).toBe("number");
  });

  it("throws SLP_DATA_INVALID naming the broken part", () => {
    const cases: [string, string][] = [
      ["not json", "body"],
      ['{"format":"other"}', "/format"],
      [
        '{"format":"slipway.frame","version":1,"rowCount":1,"columns":[{"name":"a","kind":"number","values":["x"]}]}',
        "/columns/0/values/0",
      ],
      [
        '{"format":"slipway.frame","version":1,"rowCount":2,"columns":[{"name":"a","kind":"string","values":["x"]}]}',
        "/columns/0/values",
      ],
      [
        '{"format":"slipway.frame","version":1,"rowCount":1,"columns":[{"name":"a","kind":"bool","values":[1]}]}',
        "/columns/0/kind",
      ],
    ];
    for (const [json, field] of cases)
      expect(() => deserializeFrame(json), json).toThrowError(
        expect.objectContaining({ code: "SLP_DATA_INVALID", details: [expect.objectContaining({ field })] }),
      );
  });
});
