import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readCsvText } from "../../src/data/csv-reader.js";
import { quarantineWholeFile, shouldQuarantineWholeFile, writeRejected } from "../../src/data/quarantine.js";
import { validateRecords } from "../../src/data/validate.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "slipway-quarantine-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const header = ["date", "note", "volume"];

describe("writeRejected", () => {
  it("writes the header plus _line,_error and each row's fields, CSV-quoted", async () => {
    const path = await writeRejected(dir, "calls.csv", header, [
      {
        line: 3,
        raw: '2020-01-02,"a, b",abc',
        fields: ["2020-01-02", "a, b", "abc"],
        error: 'volume: expected a number, got "abc"',
      },
      { line: 7, raw: '2020-01-05,"two\nlines",x', fields: ["2020-01-05", "two\nlines", "x"], error: "volume: bad" },
    ]);
    expect(path).toBe(join(dir, "calls.csv.rejected.csv"));
    const text = await readFile(join(dir, "calls.csv.rejected.csv"), "utf8");
    expect(text).toBe(
      "date,note,volume,_line,_error\n" +
        '2020-01-02,"a, b",abc,3,"volume: expected a number, got ""abc"""\n' +
        '2020-01-05,"two\nlines",x,7,volume: bad\n',
    );
    // The quarantine file is itself valid CSV that reads back to the same fields.
    const back = readCsvText(text);
    expect(back.malformed).toEqual([]);
    expect(back.records[0].fields).toEqual(["2020-01-02", "a, b", "abc", "3", 'volume: expected a number, got "abc"']);
  });

  it("appends to an existing file under one header and leaves no temp files", async () => {
    await writeRejected(dir, "calls.csv", header, [{ line: 2, raw: "a,b,c", fields: ["a", "b", "c"], error: "e1" }]);
    await writeRejected(dir, "calls.csv", header, [{ line: 9, raw: "d,e,f", fields: ["d", "e", "f"], error: "e2" }]);
    const text = await readFile(join(dir, "calls.csv.rejected.csv"), "utf8");
    expect(text).toBe("date,note,volume,_line,_error\na,b,c,2,e1\nd,e,f,9,e2\n");
    expect(await readdir(dir)).toEqual(["calls.csv.rejected.csv"]);
  });

  it("keeps malformed rows: a short row padded, an unreadable one as raw text in the first cell", async () => {
    const { malformed } = readCsvText('date,note,volume\n2020-01-01,x\n2020-01-02,"bad"q,1\n');
    await writeRejected(dir, "in.csv", header, malformed);
    const back = readCsvText(await readFile(join(dir, "in.csv.rejected.csv"), "utf8"));
    expect(back.records.map((r) => r.fields.slice(0, 4))).toEqual([
      ["2020-01-01", "x", "", "2"],
      ['2020-01-02,"bad"q,1', "", "", "3"],
    ]);
  });

  it("writes nothing for no rows and refuses to mix a different header into an existing file", async () => {
    expect(await writeRejected(dir, "calls.csv", header, [])).toBeNull();
    expect(await readdir(dir)).toEqual([]);
    await writeRejected(dir, "calls.csv", header, [{ line: 2, raw: "a,b,c", fields: ["a", "b", "c"], error: "e" }]);
    await expect(
      writeRejected(dir, "calls.csv", ["x"], [{ line: 2, raw: "1", fields: ["1"], error: "e" }]),
    ).rejects.toMatchObject({ code: "SLP_DATA_INVALID" });
  });

  it("takes the rejected rows of validateRecords directly", async () => {
    const { header: h, records } = readCsvText("a,b\n1,2\nx,3\n");
    const { rejected } = validateRecords({ columns: [{ name: "a", type: "number" }] }, h, records);
    await writeRejected(dir, "t.csv", h, rejected);
    expect(await readFile(join(dir, "t.csv.rejected.csv"), "utf8")).toBe(
      'a,b,_line,_error\nx,3,3,"a: expected a number, got ""x"""\n',
    );
  });
});

describe("quarantineWholeFile", () => {
  it("copies the file and writes the reason beside it", async () => {
    const source = join(dir, "src", "calls.csv");
    await mkdir(join(dir, "src"));
    await writeFile(source, "a,b\n1,2\n");
    const out = join(dir, "quarantine");
    const { path, reasonPath } = await quarantineWholeFile(out, source, "40% of rows rejected");
    expect(path).toBe(join(out, "calls.csv"));
    expect(await readFile(path, "utf8")).toBe("a,b\n1,2\n");
    expect(await readFile(reasonPath, "utf8")).toContain("40% of rows rejected");
    expect((await readdir(out)).sort()).toEqual(["calls.csv", "calls.csv.reason.txt"]);
  });
});

describe("shouldQuarantineWholeFile", () => {
  it("applies the 20-row, 5% rule", () => {
    expect(shouldQuarantineWholeFile(19, 19)).toBe(false);
    expect(shouldQuarantineWholeFile(20, 1)).toBe(false); // exactly 5% is not more than 5%
    expect(shouldQuarantineWholeFile(20, 2)).toBe(true);
    expect(shouldQuarantineWholeFile(100, 5)).toBe(false);
    expect(shouldQuarantineWholeFile(100, 6)).toBe(true);
    expect(shouldQuarantineWholeFile(0, 0)).toBe(false);
    expect(shouldQuarantineWholeFile(10, 1, { minRows: 5, maxRejectedShare: 0.2 })).toBe(false);
    expect(shouldQuarantineWholeFile(10, 3, { minRows: 5, maxRejectedShare: 0.2 })).toBe(true);
  });
});
