import type { ColumnSchema, Frame } from "../../src/core/index.js";
import { frameOf } from "../../src/core/index.js";
import { Rng } from "../../src/ml/random.js";

/**
 * Seeded tabular rows with numbers, a text column and missing values, from a known function:
 *
 * - x1 ~ U(−3, 3), x2 ~ U(−2, 2), city one of four with effects north 3, south −2, east 0.5, west −1.5;
 * - "nonlinear": f = 4·sin(1.5·x1) + 1.5·x2² + effect; "linear": f = 2·x1 − 1.5·x2 + effect;
 * - y = f + N(0, 0.5²); label "yes" when y > 1; kind "low" (y < −1), "mid", "high" (y > 2.5);
 * - 5% of x1 and 5% of city are missing (null), drawn independently of everything else; y uses the true values.
 */
export interface TabularRow {
  x1: number | null;
  x2: number | null;
  city: string | null;
  y: number;
  label: string;
  kind: string;
  /** f without the noise, from the true (never missing) values. */
  truth: number;
}

export const CITIES = ["north", "south", "east", "west"] as const;
const CITY_EFFECT: Record<string, number> = { north: 3, south: -2, east: 0.5, west: -1.5 };
export const NOISE_SD = 0.5;

export type TabularShape = "nonlinear" | "linear";

export function truthOf(shape: TabularShape, x1: number, x2: number, city: string): number {
  const effect = CITY_EFFECT[city] as number;
  return shape === "nonlinear" ? 4 * Math.sin(1.5 * x1) + 1.5 * x2 * x2 + effect : 2 * x1 - 1.5 * x2 + effect;
}

export function tabularRows(n: number, seed: number, shape: TabularShape = "nonlinear"): TabularRow[] {
  const rng = new Rng(seed);
  const rows: TabularRow[] = [];
  for (let i = 0; i < n; i++) {
    const x1 = rng.uniform(-3, 3);
    const x2 = rng.uniform(-2, 2);
    const city = CITIES[rng.int(CITIES.length)] as string;
    const truth = truthOf(shape, x1, x2, city);
    const y = truth + NOISE_SD * rng.normal();
    const x1Missing = rng.next() < 0.05;
    const cityMissing = rng.next() < 0.05;
    rows.push({
      x1: x1Missing ? null : x1,
      x2,
      city: cityMissing ? null : city,
      y,
      label: y > 1 ? "yes" : "no",
      kind: y < -1 ? "low" : y > 2.5 ? "high" : "mid",
      truth,
    });
  }
  return rows;
}

/** The feature columns as a dataset schema declares them. */
export const FEATURES: ColumnSchema[] = [
  { name: "x1", type: "number" },
  { name: "x2", type: "number" },
  { name: "city", type: "string" },
];

export function frameOfRows(rows: readonly TabularRow[]): Frame {
  const num = (pick: (r: TabularRow) => number | null) => Float64Array.from(rows, (r) => pick(r) ?? Number.NaN);
  return frameOf({
    x1: { kind: "number", values: num((r) => r.x1) },
    x2: { kind: "number", values: num((r) => r.x2) },
    city: { kind: "string", values: rows.map((r) => r.city) },
    y: { kind: "number", values: num((r) => r.y) },
    label: { kind: "string", values: rows.map((r) => r.label) },
    kind: { kind: "string", values: rows.map((r) => r.kind) },
  });
}

/** The feature values of a row as a request instance (null for missing). */
export function instanceOf(row: TabularRow): Record<string, unknown> {
  return { x1: row.x1, x2: row.x2, city: row.city };
}

/**
 * The rows as CSV text, a missing value as an empty cell: `x1,x2,city,y,label,kind`, or only the features and
 * `target` (a trained model uses every other column as a feature).
 */
export function csvOfRows(rows: readonly TabularRow[], target?: "y" | "label" | "kind"): string {
  const cell = (v: number | string | null) => (v === null ? "" : typeof v === "number" ? v.toFixed(6) : v);
  const columns = target
    ? (["x1", "x2", "city", target] as const)
    : (["x1", "x2", "city", "y", "label", "kind"] as const);
  const lines = [columns.join(",")];
  for (const r of rows) lines.push(columns.map((c) => cell(r[c])).join(","));
  return `${lines.join("\n")}\n`;
}
