import { describe, expect, it } from "vitest";
import { isMissing, parseCell, parseNumber, parseTime } from "../../src/data/parse-value.js";

describe("isMissing", () => {
  it("treats empty, blank and NA as missing, and nothing else", () => {
    expect(["", "  ", "NA", " NA "].map(isMissing)).toEqual([true, true, true, true]);
    expect(["na", "N/A", "0", "null"].map(isMissing)).toEqual([false, false, false, false]);
  });
});

describe("parseNumber", () => {
  it("takes plain decimal and exponent forms", () => {
    expect(["1", "-2.5", "+3", ".5", "5.", "1e3", "-1.5E-2", " 7 "].map(parseNumber)).toEqual([
      1, -2.5, 3, 0.5, 5, 1000, -0.015, 7,
    ]);
  });

  it("refuses hex, infinities, separators, overflow and text", () => {
    for (const t of ["0x10", "Infinity", "NaN", "1,5", "1_000", "1e999", "abc", "1.2.3", "e5", "-"])
      expect(parseNumber(t)).toBeUndefined();
  });
});

describe("parseTime", () => {
  it("reads the ISO forms as UTC epoch ms", () => {
    expect(parseTime("2020-01")).toBe(Date.UTC(2020, 0, 1));
    expect(parseTime("2020-01-15")).toBe(Date.UTC(2020, 0, 15));
    expect(parseTime("2020-01-15T10:00:00Z")).toBe(Date.UTC(2020, 0, 15, 10));
    expect(parseTime("2020-01-15T10:00")).toBe(Date.UTC(2020, 0, 15, 10));
    expect(parseTime("2020-01-15T10:00:00.25")).toBe(Date.UTC(2020, 0, 15, 10, 0, 0, 250));
    expect(parseTime("2020-01-15T10:00:00+02:00")).toBe(Date.UTC(2020, 0, 15, 8));
    expect(parseTime("2020-01-15T10:00:00-0530")).toBe(Date.UTC(2020, 0, 15, 15, 30));
    expect(parseTime("2020-01-15 10:00:00")).toBe(Date.UTC(2020, 0, 15, 10));
    expect(parseTime("2020-02-29")).toBe(Date.UTC(2020, 1, 29));
    expect(parseTime("0099-01-01")).toBe(new Date("0099-01-01T00:00:00Z").getTime());
  });

  it("rejects impossible dates and other shapes", () => {
    for (const t of [
      "2020-13-01",
      "2020-00-10",
      "2020-02-30",
      "2019-02-29",
      "1900-02-29",
      "2020-04-31",
      "2020-01-15T24:00",
      "2020-01-15T10:60",
      "2020-01-15T10:00:00+25:00",
      "2020",
      "20200115",
      "15/01/2020",
      "2020-1-5",
    ])
      expect(parseTime(t), t).toBeUndefined();
  });
});

describe("parseCell", () => {
  it("returns null for missing cells of every type", () => {
    for (const type of ["number", "integer", "string", "boolean", "time"] as const)
      expect(parseCell("NA", type)).toEqual({ ok: true, value: null });
  });

  it("parses each type and gives a reason quoting the cell when it cannot", () => {
    expect(parseCell("1.5", "number")).toEqual({ ok: true, value: 1.5 });
    expect(parseCell("abc", "number")).toEqual({ ok: false, reason: 'expected a number, got "abc"' });
    expect(parseCell("3", "integer")).toEqual({ ok: true, value: 3 });
    expect(parseCell("1e2", "integer")).toEqual({ ok: true, value: 100 });
    expect(parseCell("1.5", "integer")).toEqual({ ok: false, reason: 'expected an integer, got "1.5"' });
    expect(parseCell("TRUE", "boolean")).toEqual({ ok: true, value: 1 });
    expect(parseCell("0", "boolean")).toEqual({ ok: true, value: 0 });
    expect(parseCell("yes", "boolean")).toEqual({ ok: false, reason: 'expected true/false/1/0, got "yes"' });
    expect(parseCell(" a ", "string")).toEqual({ ok: true, value: " a " });
    expect(parseCell("2020-01-02", "time")).toEqual({ ok: true, value: Date.UTC(2020, 0, 2) });
    const bad = parseCell("2020-13-01", "time");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toContain("not a real date");
  });
});
