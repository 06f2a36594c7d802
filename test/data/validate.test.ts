import { describe, expect, it } from "vitest";
import { type DatasetSchema, isSlipwayError, numericColumn } from "../../src/core/index.js";
import { readCsvText } from "../../src/data/csv-reader.js";
import { validateRecords } from "../../src/data/validate.js";

const schema: DatasetSchema = {
  timeColumn: "date",
  columns: [
    { name: "date", type: "time" },
    { name: "volume", type: "number", min: 0 },
    { name: "agents", type: "integer", required: true, max: 50 },
    { name: "open", type: "boolean" },
    { name: "shift", type: "string", values: ["day", "night"] },
  ],
};

function validate(text: string, s: DatasetSchema = schema) {
  const { header, records } = readCsvText(text);
  return validateRecords(s, header, records);
}

describe("validateRecords", () => {
  it("builds typed columns in schema order, with NA and empty cells as missing", () => {
    const { frame, accepted, rejected } = validate(
      "shift,extra,date,volume,agents,open\nday,x,2020-01-01,10.5,3,true\nnight,y,2020-01-02,NA,4,\n,z,2020-01-03,,5,0\n",
    );
    expect(rejected).toEqual([]);
    expect(accepted).toEqual([2, 3, 4]);
    expect([...frame.columns.keys()]).toEqual(["date", "volume", "agents", "open", "shift"]);
    expect(frame.columns.has("extra")).toBe(false);
    expect(frame.columns.get("date")?.kind).toBe("time");
    expect([...numericColumn(frame, "date")]).toEqual([0, 1, 2].map((d) => Date.UTC(2020, 0, 1 + d)));
    expect([...numericColumn(frame, "volume")]).toEqual([10.5, Number.NaN, Number.NaN]);
    expect([...numericColumn(frame, "open")]).toEqual([1, Number.NaN, 0]);
    expect(frame.columns.get("shift")?.values).toEqual(["day", "night", null]);
  });

  it("rejects bad rows with their line number and a reason naming each failing column", () => {
    const text = [
      "date,volume,agents,open,shift",
      "2020-01-01,1,1,true,day",
      "2020-01-02,abc,1,true,day",
      "2020-13-01,1,1.5,maybe,dusk",
      "2020-01-04,-1,,true,day",
      "2020-01-05,1,51,true,day",
      ",1,1,true,day",
      "2020-01-01,2,2,false,night",
      "2020-01-06,1,1",
    ].join("\n");
    const { header, records, malformed } = readCsvText(text);
    const { frame, accepted, rejected } = validateRecords(schema, header, records);
    expect(accepted).toEqual([2]);
    expect(frame.rowCount).toBe(1);
    expect(rejected.map((r) => [r.line, r.error])).toEqual([
      [3, 'volume: expected a number, got "abc"'],
      [
        4,
        'date: "2020-13-01" is not a real date: month 13 does not exist; agents: expected an integer, got "1.5"; ' +
          'open: expected true/false/1/0, got "maybe"; shift: "dusk" is not one of day, night',
      ],
      [5, 'volume: -1 is below the minimum 0; agents: required, got ""'],
      [6, "agents: 51 is above the maximum 50"],
      [7, 'date: required, got ""'],
      [8, 'date: duplicate time "2020-01-01", first on line 2'],
    ]);
    expect(rejected[0].raw).toBe("2020-01-02,abc,1,true,day");
    expect(rejected[0].fields).toEqual(["2020-01-02", "abc", "1", "true", "day"]);
    // The short row never reaches validation: the reader returns it as malformed.
    expect(malformed.map((m) => m.line)).toEqual([9]);
  });

  it("rejects a record whose field count differs from the header when one is passed in", () => {
    const { rejected } = validateRecords(
      { columns: [{ name: "a", type: "number" }] },
      ["a", "b"],
      [{ line: 2, fields: ["1"], raw: "1" }],
    );
    expect(rejected[0].error).toBe("expected 2 fields as in the header, got 1");
  });

  it("throws SLP_DATA_INVALID naming every schema column missing from the header", () => {
    try {
      validate("date,volume\n2020-01-01,1\n");
      expect.unreachable();
    } catch (err) {
      expect(isSlipwayError(err)).toBe(true);
      if (!isSlipwayError(err)) return;
      expect(err.code).toBe("SLP_DATA_INVALID");
      expect(err.details).toEqual([
        { field: "agents", reason: "missing from the header" },
        { field: "open", reason: "missing from the header" },
        { field: "shift", reason: "missing from the header" },
      ]);
    }
  });

  it("returns an empty frame with every schema column when no row passes", () => {
    const { frame, rejected } = validate("date,volume,agents,open,shift\n2020-01-01,x,1,1,day\n");
    expect(frame.rowCount).toBe(0);
    expect(frame.columns.size).toBe(5);
    expect(rejected).toHaveLength(1);
  });
});
