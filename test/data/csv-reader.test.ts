import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSlipwayError } from "../../src/core/index.js";
import { readCsvFile, readCsvText } from "../../src/data/csv-reader.js";

describe("readCsvText", () => {
  it("reads quoted fields holding commas, quotes and newlines, with line numbers where each record starts", () => {
    const text = 'date,note,volume\n2020-01-01,"a, b",1\n2020-01-02,"two\nlines",2\n2020-01-03,"say ""hi""",3\n';
    const { header, records, malformed } = readCsvText(text);
    expect(header).toEqual(["date", "note", "volume"]);
    expect(malformed).toEqual([]);
    expect(records.map((r) => r.fields)).toEqual([
      ["2020-01-01", "a, b", "1"],
      ["2020-01-02", "two\nlines", "2"],
      ["2020-01-03", 'say "hi"', "3"],
    ]);
    // The multi-line record occupies lines 3 and 4, so the next one starts on line 5.
    expect(records.map((r) => r.line)).toEqual([2, 3, 5]);
    expect(records[1].raw).toBe('2020-01-02,"two\nlines",2');
  });

  it("handles CRLF line endings, a byte-order mark, blank lines and no final newline", () => {
    const text = "\ufeffa,b\r\n1,2\r\n\r\n3,4";
    const { header, records } = readCsvText(text);
    expect(header).toEqual(["a", "b"]);
    expect(records).toEqual([
      { line: 2, fields: ["1", "2"], raw: "1,2" },
      { line: 4, fields: ["3", "4"], raw: "3,4" },
    ]);
  });

  it("returns rows with the wrong number of fields as malformed, with their line, instead of throwing", () => {
    const { records, malformed } = readCsvText("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");
    expect(records.map((r) => r.line)).toEqual([2, 5]);
    expect(malformed).toEqual([
      { line: 3, raw: "4,5", fields: ["4", "5"], error: "expected 3 fields as in the header, got 2" },
      { line: 4, raw: "6,7,8,9", fields: ["6", "7", "8", "9"], error: "expected 3 fields as in the header, got 4" },
    ]);
  });

  it("confines bad quoting to its own row and keeps reading the rows after it", () => {
    const text = 'a,b\n1,"x"y\n2,ok\n3,b"c\n4,"never closed\n5,fine\n';
    const { records, malformed } = readCsvText(text);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [3, ["2", "ok"]],
      [6, ["5", "fine"]],
    ]);
    expect(malformed.map((m) => [m.line, m.raw, m.fields])).toEqual([
      [2, '1,"x"y', []],
      [4, '3,b"c', []],
      [5, '4,"never closed', []],
    ]);
    for (const m of malformed) expect(m.error).toMatch(/^malformed CSV/);
  });

  it("does not let a stray opening quote swallow later rows that hold quotes of their own", () => {
    const { records, malformed } = readCsvText('a,b\n4,"never closed\n5,fine\n6,"ok"\n7,"a ""b"""\n');
    expect(malformed.map((m) => [m.line, m.raw])).toEqual([[2, '4,"never closed']]);
    expect(records.map((r) => [r.line, r.fields])).toEqual([
      [3, ["5", "fine"]],
      [4, ["6", "ok"]],
      [5, ["7", 'a "b"']],
    ]);
  });

  it("reads many rows across batches with the same results", () => {
    const lines = ["i,s"];
    for (let i = 0; i < 1500; i++) lines.push(i === 1000 ? `${i},"bad"x` : `${i},"v ${i}"`);
    const { records, malformed } = readCsvText(lines.join("\n"));
    expect(records).toHaveLength(1499);
    expect(malformed.map((m) => m.line)).toEqual([1002]);
    expect(records[1200].fields).toEqual(["1201", "v 1201"]);
    expect(records[1200].line).toBe(1203);
  });

  it("trims spaces around header names", () => {
    expect(readCsvText(" a , b\n1,2").header).toEqual(["a", "b"]);
  });

  it("throws SLP_DATA_INVALID for an empty file or a malformed header", () => {
    for (const text of ["", "\n\n", 'a,"b\n1,2']) {
      try {
        readCsvText(text);
        expect.unreachable();
      } catch (err) {
        expect(isSlipwayError(err) && err.code).toBe("SLP_DATA_INVALID");
      }
    }
  });
});

describe("readCsvFile", () => {
  it("reads a file and reports a missing one as SLP_INPUT_INVALID", async () => {
    const dir = await mkdtemp(join(tmpdir(), "slipway-csv-"));
    try {
      const path = join(dir, "in.csv");
      await writeFile(path, "a,b\n1,2\n");
      expect((await readCsvFile(path)).records[0].fields).toEqual(["1", "2"]);
      await expect(readCsvFile(join(dir, "nope.csv"))).rejects.toMatchObject({ code: "SLP_INPUT_INVALID" });
      await writeFile(path, Buffer.from([0x61, 0x0a, 0xff, 0xfe, 0x0a]));
      await expect(readCsvFile(path)).rejects.toMatchObject({ code: "SLP_DATA_INVALID" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
