/**
 * Maps timestamps to a regular step index and back, so forecasters work on 0, 1, 2, … and answer in calendar time.
 * Monthly, quarterly and yearly series step in calendar months (months have different lengths); everything else
 * steps in a fixed number of milliseconds.
 */
export interface TimeIndex {
  unit: "month" | "ms";
  /** Months per step (unit month) or milliseconds per step (unit ms). */
  step: number;
  /** Epoch ms of step 0. */
  origin: number;
  /** Day of month and time of day of step 0, kept for month units. */
  dayOfMonth: number;
  msOfDay: number;
  /** Whether every observed time was at midnight UTC (answers are then written as dates). */
  dateOnly: boolean;
}

const DAY_MS = 86_400_000;

/** Infers the regular step of sorted, distinct epoch-ms times (at least two). */
export function inferTimeIndex(times: Float64Array): TimeIndex {
  const n = times.length;
  if (n < 2) throw new RangeError("a time index needs at least two observations");
  const origin = times[0];
  const first = new Date(origin);
  let dateOnly = true;
  let sameDay = true;
  for (let i = 0; i < n; i++) {
    const d = new Date(times[i]);
    if (times[i] % DAY_MS !== 0) dateOnly = false;
    if (d.getUTCDate() !== first.getUTCDate() || times[i] % DAY_MS !== origin % DAY_MS) sameDay = false;
  }
  const base = { origin, dayOfMonth: first.getUTCDate(), msOfDay: ((origin % DAY_MS) + DAY_MS) % DAY_MS, dateOnly };
  if (sameDay && first.getUTCDate() <= 28) {
    let step = 0;
    for (let i = 1; i < n; i++) step = gcd(step, monthsBetween(times[i - 1], times[i]));
    if (step > 0) return { unit: "month", step, ...base };
  }
  const diffs = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) diffs[i - 1] = times[i] - times[i - 1];
  diffs.sort();
  const step = diffs[0] > 0 ? diffs[0] : diffs[Math.floor((n - 1) / 2)];
  return { unit: "ms", step, ...base };
}

/** The (fractional) step index of a time. */
export function timeToIndex(index: TimeIndex, t: number): number {
  if (index.unit === "ms") return (t - index.origin) / index.step;
  const months = monthsBetween(index.origin, t);
  const anchor = addMonths(index.origin, months);
  const next = addMonths(index.origin, months + 1);
  return (months + (t - anchor) / (next - anchor)) / index.step;
}

/** The time of an integer step index. */
export function indexToTime(index: TimeIndex, i: number): number {
  return index.unit === "ms" ? index.origin + i * index.step : addMonths(index.origin, i * index.step);
}

/** Writes a time as the data had it: a date (`2021-01-01`) for daily or coarser data, else full ISO-8601. */
export function formatTime(index: TimeIndex, t: number): string {
  const iso = new Date(t).toISOString();
  return index.dateOnly ? iso.slice(0, 10) : iso;
}

/** The natural seasonal period in steps (12 for monthly, 7 for daily, …), or null when there is none. */
export function defaultSeasonPeriod(index: TimeIndex): number | null {
  if (index.unit === "month") return index.step === 1 ? 12 : index.step === 3 ? 4 : null;
  const s = index.step;
  if (s === DAY_MS) return 7;
  if (s === 7 * DAY_MS) return 52.1775;
  if (s === 3_600_000) return 24;
  return null;
}

function monthsBetween(a: number, b: number): number {
  const da = new Date(a);
  const db = new Date(b);
  let m = (db.getUTCFullYear() - da.getUTCFullYear()) * 12 + (db.getUTCMonth() - da.getUTCMonth());
  if (addMonths(a, m) > b) m -= 1;
  return m;
}

function addMonths(t: number, months: number): number {
  const d = new Date(t);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime();
}

function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y) [x, y] = [y, x % y];
  return x;
}
