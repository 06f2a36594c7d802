import { describe, expect, it } from "vitest";
import { readCsvText } from "../../src/data/csv-reader.js";
import { inferSchema } from "../../src/data/infer-schema.js";
import { validateRecords } from "../../src/data/validate.js";

describe("inferSchema", () => {
  it("types each column from its non-missing cells", () => {
    const { header, records } = readCsvText(
      [
        "day,volume,flag,active,team,when,empty,",
        "2020-01-01,1,0,true,a,2020-01,,",
        "2020-01-02,NA,1,FALSE,b,2020-01-15T10:00:00Z,NA,",
        "2020-01-03,2.5e1,1,,3,,,",
      ].join("\n"),
    );
    const schema = inferSchema(header, records, { timeColumn: "day", target: "volume" });
    expect(schema).toEqual({
      timeColumn: "day",
      columns: [
        { name: "day", type: "time", required: true },
        { name: "volume", type: "number" },
        { name: "flag", type: "number" },
        { name: "active", type: "boolean" },
        { name: "team", type: "string" },
        { name: "when", type: "time" },
        { name: "empty", type: "string" },
      ],
    });
    // The inferred schema accepts the file it came from.
    expect(validateRecords(schema, header, records).rejected).toEqual([]);
  });

  it("types the named time column as time even when its cells are not dates, and sets no time column otherwise", () => {
    const { header, records } = readCsvText("t,y\n1,2\n3,4\n");
    expect(inferSchema(header, records, { timeColumn: "t" }).columns[0]).toEqual({
      name: "t",
      type: "time",
      required: true,
    });
    const plain = inferSchema(header, records);
    expect(plain.timeColumn).toBeUndefined();
    expect(plain.columns.map((c) => c.type)).toEqual(["number", "number"]);
  });

  it("falls back to string when a column mixes numbers and text", () => {
    const { header, records } = readCsvText("x\n1\nabc\n2020-01-01\n");
    expect(inferSchema(header, records).columns[0].type).toBe("string");
  });

  it("throws SLP_DATA_INVALID when the time column or target is not in the header", () => {
    const { header, records } = readCsvText("a,b\n1,2\n");
    expect(() => inferSchema(header, records, { timeColumn: "date", target: "y" })).toThrowError(
      expect.objectContaining({
        code: "SLP_DATA_INVALID",
        details: [
          { field: "date", reason: "missing from the header (named as timeColumn)" },
          { field: "y", reason: "missing from the header (named as target)" },
        ],
      }),
    );
  });
});
