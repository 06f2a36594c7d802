import type { EtsConfig, EtsStates } from "./ets-model.js";

/**
 * Heuristic initial states, the starting point of the likelihood search (Hyndman et al. 2008, §2.6.1):
 * 1. seasonal factors from a classical decomposition of the first few complete seasons (at most four): a centred
 *    moving average (2×m for even m, m for odd m) estimates the trend, the data are detrended (y − f or y / f),
 *    each phase's detrended values are averaged, and the factors normalised to sum to 0 (additive) or m
 *    (multiplicative);
 * 2. level and trend from the least-squares line through the first ten seasonally adjusted values, at t = 1 … 10,
 *    so its intercept is ℓ₀ (the state before y₁) and its slope b₀; without a trend ℓ₀ is their mean.
 * Missing values (NaN) are skipped. Needs at least two complete seasons for a seasonal model.
 */
export function initialStates(config: EtsConfig, y: Float64Array): EtsStates {
  const m = config.period;
  const season = new Float64Array(m);
  const multiplicative = config.season === "multiplicative";
  if (config.season !== "none") seasonalFactors(y, m, multiplicative, season);
  const count = Math.min(10, y.length);
  // Least squares through (t, a_t), t = 1 … count, a_t the seasonally adjusted value.
  let n = 0;
  let st = 0;
  let sa = 0;
  let stt = 0;
  let sta = 0;
  for (let i = 0; i < count; i++) {
    const v = y[i];
    if (Number.isNaN(v)) continue;
    const a = config.season === "none" ? v : multiplicative ? v / season[i % m] : v - season[i % m];
    const t = i + 1;
    n++;
    st += t;
    sa += a;
    stt += t * t;
    sta += t * a;
  }
  if (n === 0) return { level: 0, trend: 0, season };
  const denominator = n * stt - st * st;
  const slope = config.trend !== "none" && denominator > 0 ? (n * sta - st * sa) / denominator : 0;
  const level = config.trend !== "none" ? (sa - slope * st) / n : sa / n;
  return { level, trend: slope, season };
}

/** Classical-decomposition seasonal factors of the first min(4, ⌊n/m⌋) seasons, written into `out`. */
function seasonalFactors(y: Float64Array, m: number, multiplicative: boolean, out: Float64Array): void {
  const seasons = Math.min(4, Math.floor(y.length / m));
  const length = seasons * m;
  const sums = new Float64Array(m);
  const counts = new Float64Array(m);
  const half = Math.floor(m / 2);
  const even = m % 2 === 0;
  for (let t = half; t + half < length; t++) {
    // Centred moving average: for even m the two end points weigh ½ (a 2×m MA), so it is centred on t.
    let f = 0;
    let ok = true;
    if (even) {
      for (let j = -half; j <= half; j++) {
        const v = y[t + j];
        if (Number.isNaN(v)) {
          ok = false;
          break;
        }
        f += j === -half || j === half ? 0.5 * v : v;
      }
    } else {
      for (let j = -half; j <= half; j++) {
        const v = y[t + j];
        if (Number.isNaN(v)) {
          ok = false;
          break;
        }
        f += v;
      }
    }
    const v = y[t];
    if (!ok || Number.isNaN(v)) continue;
    f /= m;
    const d = multiplicative ? v / f : v - f;
    if (!Number.isFinite(d)) continue;
    sums[t % m] += d;
    counts[t % m]++;
  }
  let mean = 0;
  for (let j = 0; j < m; j++) {
    out[j] = counts[j] > 0 ? sums[j] / counts[j] : multiplicative ? 1 : 0;
    mean += out[j];
  }
  mean /= m;
  for (let j = 0; j < m; j++) out[j] = multiplicative ? out[j] / mean : out[j] - mean;
}
