/**
 * Gate conditions of a release policy: thresholds on a candidate version's registered metrics, absolute or relative
 * to the champion's (the version `production` points at). A promotion to production passes when every bound holds.
 * Ratio bounds pass when there is no champion, or when the champion has no finite value of the metric (it cannot
 * hold a candidate back); absolute bounds always apply, and a candidate without a finite value fails them all.
 */
import { type ErrorDetail, SlipwayError } from "../core/index.js";

/**
 * One metric's bounds; at least one is set. `maxRatio: 1.02` means candidate ≤ champion × 1.02 (for metrics where
 * lower is better, such as rmse); `minRatio: 0.98` means candidate ≥ champion × 0.98 (higher is better, such as r2).
 */
export interface GateCondition {
  metric: string;
  max?: number;
  maxRatio?: number;
  min?: number;
  minRatio?: number;
}

export type GateBound = "max" | "maxRatio" | "min" | "minRatio";
const BOUNDS: readonly GateBound[] = ["max", "maxRatio", "min", "minRatio"];

export interface GateBoundResult {
  metric: string;
  bound: GateBound;
  /** The bound as written: the threshold, or the ratio to the champion. */
  limit: number;
  candidate: number | null;
  champion: number | null;
  /** What the candidate was compared with (null when a ratio bound had no champion value to apply to). */
  threshold: number | null;
  passed: boolean;
  reason: string;
}

export interface GateCheck {
  passed: boolean;
  /** True when the check failed and a person released the version anyway. */
  forced: boolean;
  candidateVersion: number;
  championVersion: number | null;
  results: GateBoundResult[];
}

export const METRIC_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_GATE_CONDITIONS = 32;

/** Evaluates every bound of every condition. */
export function evaluateGate(
  conditions: readonly GateCondition[],
  candidate: { version: number; metrics: Record<string, number> },
  champion: { version: number; metrics: Record<string, number> } | null,
): GateCheck {
  const results: GateBoundResult[] = [];
  for (const c of conditions) {
    const v = finite(candidate.metrics[c.metric]);
    const ch = champion ? finite(champion.metrics[c.metric]) : null;
    for (const bound of BOUNDS) {
      const limit = c[bound];
      if (limit === undefined) continue;
      results.push(checkBound(c.metric, bound, limit, v, ch, champion?.version ?? null));
    }
  }
  return {
    passed: results.every((r) => r.passed),
    forced: false,
    candidateVersion: candidate.version,
    championVersion: champion?.version ?? null,
    results,
  };
}

function checkBound(
  metric: string,
  bound: GateBound,
  limit: number,
  candidate: number | null,
  champion: number | null,
  championVersion: number | null,
): GateBoundResult {
  const base = { metric, bound, limit, candidate, champion };
  const isMax = bound === "max" || bound === "maxRatio";
  const isRatio = bound === "maxRatio" || bound === "minRatio";
  if (isRatio && (championVersion === null || champion === null)) {
    const why = championVersion === null ? "no champion" : `champion v${championVersion} has no ${metric}`;
    return {
      ...base,
      threshold: null,
      passed: true,
      reason: `${metric}: ${why}, ${formatBound(bound, limit)} not applied`,
    };
  }
  const threshold = isRatio ? (champion as number) * limit : limit;
  const what = isRatio
    ? `${fmt(limit)} × champion v${championVersion}'s ${fmt(champion as number)} = ${fmt(threshold)}`
    : fmt(threshold);
  if (candidate === null) {
    return {
      ...base,
      threshold,
      passed: false,
      reason: `${metric}: the candidate has no ${metric} (needs ${isMax ? "≤" : "≥"} ${what})`,
    };
  }
  const passed = isMax ? candidate <= threshold : candidate >= threshold;
  const op = passed ? (isMax ? "≤" : "≥") : isMax ? ">" : "<";
  return { ...base, threshold, passed, reason: `${metric}: candidate ${fmt(candidate)} ${op} ${what}` };
}

/** The error a failed check refuses a promotion with: SLP_GATE_FAILED, one detail per failed bound. */
export function gateFailure(model: string, version: number, check: GateCheck): SlipwayError {
  const failed = check.results.filter((r) => !r.passed);
  return new SlipwayError(
    "SLP_GATE_FAILED",
    `version ${version} of ${model} fails the release gate: ${failed.map((r) => r.reason).join("; ")}`,
    failed.map((r) => ({ field: r.metric, reason: r.reason })),
  );
}

/** The failed bounds of a check, for an audit reason. */
export function failedSummary(check: GateCheck): string {
  return check.results
    .filter((r) => !r.passed)
    .map((r) => r.reason)
    .join("; ");
}

/** Every problem of a list of conditions, each naming its field under `at` (`/release/gate`, `--gate`). */
export function gateProblems(conditions: readonly GateCondition[], at: string): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (conditions.length > MAX_GATE_CONDITIONS) {
    problems.push({ field: at, reason: `at most ${MAX_GATE_CONDITIONS} conditions` });
  }
  conditions.forEach((c, i) => {
    const field = `${at}/${i}`;
    if (typeof c.metric !== "string" || !METRIC_NAME.test(c.metric)) {
      problems.push({ field: `${field}/metric`, reason: "a metric name is 1–64 characters of [A-Za-z0-9_.-]" });
    }
    const bounds = BOUNDS.filter((b) => c[b] !== undefined);
    if (bounds.length === 0) problems.push({ field, reason: "needs a bound: max, maxRatio, min or minRatio" });
    for (const b of bounds) {
      const v = c[b];
      const isRatio = b === "maxRatio" || b === "minRatio";
      if (typeof v !== "number" || !Number.isFinite(v) || (isRatio && v <= 0)) {
        problems.push({ field: `${field}/${b}`, reason: isRatio ? "a positive number" : "a finite number" });
      }
    }
  });
  return problems;
}

/**
 * Parses the CLI's syntax: `METRIC<=N` (max), `METRIC>=N` (min), `METRIC<=Nx` (maxRatio: ≤ N × the champion's),
 * `METRIC>=Nx` (minRatio). Null when the text is not of that form.
 */
export function parseGateCondition(text: string): GateCondition | null {
  const m = /^\s*([A-Za-z0-9_.-]{1,64})\s*(<=|>=)\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(x?)\s*$/i.exec(text);
  if (!m) return null;
  const [, metric, op, num, ratio] = m as unknown as [string, string, string, string, string];
  const value = Number(num);
  if (!Number.isFinite(value) || (ratio !== "" && value <= 0)) return null;
  const bound: GateBound = op === "<=" ? (ratio ? "maxRatio" : "max") : ratio ? "minRatio" : "min";
  return { metric, [bound]: value };
}

/** A condition in the CLI's syntax, one `METRIC<=N[x]` per bound, comma-separated. */
export function formatGateCondition(c: GateCondition): string {
  return BOUNDS.filter((b) => c[b] !== undefined)
    .map((b) => `${c.metric}${formatBound(b, c[b] as number)}`)
    .join(", ");
}

function formatBound(bound: GateBound, limit: number): string {
  const op = bound === "max" || bound === "maxRatio" ? "<=" : ">=";
  return `${op}${limit}${bound === "maxRatio" || bound === "minRatio" ? "x" : ""}`;
}

/** A condition with only the fields of `GateCondition`, bounds in a fixed order (for storage and comparison). */
export function normalizeCondition(c: GateCondition): GateCondition {
  const out: GateCondition = { metric: c.metric };
  for (const b of BOUNDS) if (c[b] !== undefined) out[b] = c[b];
  return out;
}

function finite(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

function fmt(v: number): string {
  return String(Number(v.toPrecision(6)));
}
