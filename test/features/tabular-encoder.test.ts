import { describe, expect, it } from "vitest";
import { isSlipwayError, type SlipwayError } from "../../src/core/errors.js";
import { frameOf } from "../../src/core/frame.js";
import {
  encodedFeatureNames,
  encodeFrame,
  encodeRecords,
  fitTabularEncoder,
  type TabularEncoderState,
} from "../../src/features/index.js";

const train = frameOf({
  f1: { kind: "number", values: Float64Array.from([1, 2, 3, Number.NaN]) },
  f2: { kind: "string", values: ["b", "a", null, "b"] },
  f3: { kind: "number", values: Float64Array.from([5, 5, 5, 5]) },
});

function caught(fn: () => unknown): SlipwayError {
  try {
    fn();
  } catch (e) {
    if (isSlipwayError(e)) return e;
    throw e;
  }
  throw new Error("expected a SlipwayError");
}

describe("fitTabularEncoder", () => {
  it("learns means, population sds and sorted categories from the training rows only", () => {
    const state = fitTabularEncoder(train, ["f1", "f2", "f3"]);
    // f1: finite values 1, 2, 3 → mean 2, sd √(2/3); f3 is constant → sd 1.
    expect(state.columns[0]).toEqual({ column: "f1", kind: "number", mean: 2, sd: Math.sqrt(2 / 3) });
    expect(state.columns[1]).toEqual({ column: "f2", kind: "string", categories: ["a", "b"] });
    expect(state.columns[2]).toEqual({ column: "f3", kind: "number", mean: 5, sd: 1 });
    expect(encodedFeatureNames(state)).toEqual(["f1", "f2=a", "f2=b", "f2=<other>", "f2=<missing>", "f3"]);

    // Encoding other rows uses the training statistics, not theirs.
    const test = frameOf({
      f1: { kind: "number", values: Float64Array.from([2, 10]) },
      f2: { kind: "string", values: ["c", "a"] },
      f3: { kind: "number", values: Float64Array.from([7, 5]) },
    });
    const { rows, cols, data } = encodeFrame(state, test);
    expect([rows, cols]).toEqual([2, 6]);
    const sd = Math.sqrt(2 / 3);
    expect(Array.from(data)).toEqual([0, 0, 0, 1, 0, 2, 8 / sd, 1, 0, 0, 0, 0]);
  });

  it("imputes missing numbers with the mean and flags missing text", () => {
    const state = fitTabularEncoder(train, ["f1", "f2"]);
    const { data } = encodeFrame(state, train);
    expect(data[3 * 5]).toBe(0); // NaN in f1 → mean → 0
    expect(Array.from(data.subarray(2 * 5 + 1, 3 * 5))).toEqual([0, 0, 0, 1]); // null in f2 → missing
  });

  it("keeps the 50 most frequent categories and sends the rest to other", () => {
    const values: string[] = [];
    // Category cK appears K + 1 times, so c10..c59 are the 50 most frequent.
    for (let k = 0; k < 60; k++) for (let r = 0; r <= k; r++) values.push(`c${k}`);
    const frame = frameOf({ cat: { kind: "string", values } });
    const state = fitTabularEncoder(frame, ["cat"]);
    const encoding = state.columns[0];
    expect(encoding.kind === "string" && encoding.categories.length).toBe(50);
    expect(encoding.kind === "string" && encoding.categories.includes("c9")).toBe(false);
    const { data, cols } = encodeRecords(state, [{ cat: "c9" }, { cat: "c59" }, { cat: "never-seen" }]);
    expect(cols).toBe(52);
    expect(data[50]).toBe(1); // c9 → other
    expect(data[cols + 50]).toBe(0);
    expect(data[2 * cols + 50]).toBe(1); // unseen → other
  });

  it("names missing and duplicated feature columns", () => {
    const error = caught(() => fitTabularEncoder(train, ["f1", "nope", "f1"]));
    expect(error.code).toBe("SLP_INPUT_INVALID");
    expect(error.details).toEqual([
      { field: "nope", reason: "no such column" },
      { field: "f1", reason: "listed twice" },
    ]);
  });
});

describe("encodeRecords", () => {
  const state = fitTabularEncoder(train, ["f1", "f2", "f3"]);

  it("gives the same encoding as the frame path, and after a JSON round-trip of the state", () => {
    const copy: TabularEncoderState = JSON.parse(JSON.stringify(state));
    const records = [
      { f1: 1, f2: "b", f3: 5 },
      { f1: "2", f2: "a", f3: 5 },
      { f1: 3, f2: null, f3: 5 },
      { f1: null, f2: "b", f3: 5 },
    ];
    const fromRecords = encodeRecords(copy, records);
    const fromFrame = encodeFrame(state, train);
    expect(Array.from(fromRecords.data)).toEqual(Array.from(fromFrame.data));
    expect(Array.from(encodeFrame(copy, train).data)).toEqual(Array.from(fromFrame.data));
  });

  it("stringifies numbers for text columns and parses numeric strings", () => {
    const numeric = fitTabularEncoder(frameOf({ code: { kind: "string", values: ["1", "2"] } }), ["code"]);
    expect(Array.from(encodeRecords(numeric, [{ code: 2 }]).data)).toEqual([0, 1, 0, 0]);
    expect(encodeRecords(state, [{ f1: " 3.5 ", f2: "a", f3: "5" }]).data[0]).toBeCloseTo(1.5 / Math.sqrt(2 / 3), 14);
  });

  it("reads booleans in a number column as 1 and 0, and numbers only in plain decimal or exponent form", () => {
    const flags = fitTabularEncoder(frameOf({ on: { kind: "number", values: Float64Array.from([0, 1]) } }), ["on"]);
    expect(Array.from(encodeRecords(flags, [{ on: true }, { on: false }, { on: "1e0" }]).data)).toEqual([1, -1, 1]);
    const error = caught(() => encodeRecords(flags, [{ on: "0x1" }, { on: "Infinity" }, { on: "1e999" }]));
    expect(error.details.map((d) => d.field)).toEqual(["/instances/0/on", "/instances/1/on", "/instances/2/on"]);
  });

  it("collects every problem in every row before throwing", () => {
    const error = caught(() =>
      encodeRecords(state, [
        { f1: 1, f2: "a" },
        { f1: "abc", f2: true, f3: 1 },
        { f1: "", f2: { x: 1 }, f3: [1] },
        "not an object",
      ]),
    );
    expect(error.code).toBe("SLP_INPUT_INVALID");
    expect(error.details).toEqual([
      { field: "/instances/0/f3", reason: "required" },
      { field: "/instances/1/f1", reason: "expected a number" },
      { field: "/instances/1/f2", reason: "expected a string" },
      { field: "/instances/2/f1", reason: "expected a number" },
      { field: "/instances/2/f2", reason: "expected a string" },
      { field: "/instances/2/f3", reason: "expected a number" },
      { field: "/instances/3", reason: "expected an object" },
    ]);
  });

  it("escapes column names and honours the pointer prefix", () => {
    const odd = fitTabularEncoder(frameOf({ "a/b~c": { kind: "number", values: Float64Array.from([1, 2]) } }), [
      "a/b~c",
    ]);
    const error = caught(() => encodeRecords(odd, [{}], "/inputs"));
    expect(error.details).toEqual([{ field: "/inputs/0/a~1b~0c", reason: "required" }]);
  });

  it("accepts epoch milliseconds or zoned ISO-8601 strings for time columns", () => {
    const t0 = Date.UTC(2024, 0, 1);
    const timeState = fitTabularEncoder(frameOf({ at: { kind: "time", values: Float64Array.from([t0, t0 + 2]) } }), [
      "at",
    ]);
    const { data } = encodeRecords(timeState, [{ at: "2024-01-01T00:00:00.002Z" }, { at: t0 }]);
    expect(Array.from(data)).toEqual([1, -1]);
    const error = caught(() => encodeRecords(timeState, [{ at: "2024-01-01T00:00:00" }]));
    expect(error.details[0].field).toBe("/instances/0/at");
  });
});

describe("encodeFrame", () => {
  it("names frame columns that are absent or of the wrong kind", () => {
    const state = fitTabularEncoder(train, ["f1", "f2", "f3"]);
    const wrong = frameOf({
      f1: { kind: "string", values: ["x"] },
      f2: { kind: "number", values: Float64Array.of(1) },
    });
    const error = caught(() => encodeFrame(state, wrong));
    expect(error.details).toEqual([
      { field: "f1", reason: "expected a numeric column" },
      { field: "f3", reason: "required" },
    ]);
  });
});
