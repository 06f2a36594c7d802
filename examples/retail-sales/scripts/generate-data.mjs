#!/usr/bin/env node
// Generates the retail-sales example's daily unit sales of one store: a level of about 300 units, a weekly
// pattern (quiet early in the week, busy on Friday and Saturday) and noise, kept within 100–500 units as the
// seed system's generator did. Each day's noise is drawn from (seed, date) alone, so files cut from different
// stretches of days continue one series: `node scripts/generate-data.mjs > data/raw/sales-2026-01-01.csv` writes
// the committed 180 days from 2026-01-01, and `--start 2026-06-30 --days 30` the month after them.

export const HEADER = "date,sales";

/** Units above or below the level, Monday first. */
const WEEKLY = [-60, -40, -20, 0, 60, 110, -50];
const LEVEL = 300;
const NOISE_SD = 20;
const DAY_MS = 86_400_000;

/** mulberry32: a small seeded generator. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw for one day: the generator is seeded from the seed and the day, so no day depends on another. */
function noiseOf(seed, day) {
  const u = rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(day, 0x85ebca6b)) >>> 0);
  u();
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** `[date, sales]` rows for `days` days from `start` (YYYY-MM-DD). */
export function dailySales({ start = "2026-01-01", days = 180, seed = 7 } = {}) {
  const first = Date.parse(`${start}T00:00:00Z`);
  if (!Number.isFinite(first)) throw new Error(`--start must be a date YYYY-MM-DD, got ${start}`);
  const rows = [];
  for (let i = 0; i < days; i++) {
    const t = first + i * DAY_MS;
    const day = Math.round(t / DAY_MS);
    const weekday = (new Date(t).getUTCDay() + 6) % 7; // Monday = 0
    const value = LEVEL + WEEKLY[weekday] + NOISE_SD * noiseOf(seed, day);
    rows.push([new Date(t).toISOString().slice(0, 10), Math.round(Math.min(500, Math.max(100, value)))]);
  }
  return rows;
}

function argsOf(argv) {
  const opts = {};
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === "--start") opts.start = value;
    else if (flag === "--days") opts.days = Number(value);
    else if (flag === "--seed") opts.seed = Number(value);
    else throw new Error(`unknown option ${flag}; options: --start YYYY-MM-DD --days N --seed S`);
    if (value === undefined) throw new Error(`${flag} needs a value`);
  }
  for (const key of ["days", "seed"]) {
    if (opts[key] !== undefined && !(Number.isInteger(opts[key]) && opts[key] > 0))
      throw new Error(`--${key} must be a positive integer`);
  }
  return opts;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = [HEADER, ...dailySales(argsOf(process.argv.slice(2))).map((r) => r.join(","))];
  process.stdout.write(`${out.join("\n")}\n`);
}
