/**
 * Sample autocorrelation and seasonal-period detection (Box, Jenkins & Reinsel, Time Series Analysis, §2.1.4):
 * r_k = Σ_{t<n−k} (y_t − ȳ)(y_{t+k} − ȳ) / Σ_t (y_t − ȳ)².
 */
export function autocorrelation(y: Float64Array, maxLag: number): Float64Array {
  const n = y.length;
  const out = new Float64Array(maxLag + 1);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let denom = 0;
  for (let i = 0; i < n; i++) denom += (y[i] - mean) * (y[i] - mean);
  if (denom === 0) return out;
  for (let k = 0; k <= Math.min(maxLag, n - 1); k++) {
    let s = 0;
    for (let t = 0; t + k < n; t++) s += (y[t] - mean) * (y[t + k] - mean);
    out[k] = s / denom;
  }
  return out;
}

/** Residuals of the least-squares line through (t, y_t), so a trend does not masquerade as autocorrelation. */
export function detrend(y: Float64Array): Float64Array {
  const n = y.length;
  const tMean = (n - 1) / 2;
  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += y[i];
  yMean /= n;
  let sty = 0;
  let stt = 0;
  for (let i = 0; i < n; i++) {
    sty += (i - tMean) * (y[i] - yMean);
    stt += (i - tMean) * (i - tMean);
  }
  const slope = stt > 0 ? sty / stt : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = y[i] - yMean - slope * (i - tMean);
  return out;
}

/**
 * The seasonal period of a regularly spaced series, or null. A calendar candidate (12 for monthly data, 7 for
 * daily, …) is kept when the detrended series' autocorrelation at that lag (or the nearest integer lag) exceeds
 * both the white-noise band 2/√n and `minCorrelation`; without a candidate, or when it fails, the lag in
 * [2, n/3] with the highest autocorrelation that is a local peak above the same bar is taken. At least two full
 * periods of data are required, so a period is never read off a single cycle.
 */
export function detectSeasonPeriod(
  y: Float64Array,
  candidate: number | null,
  options: { minCorrelation?: number } = {},
): number | null {
  const n = y.length;
  const minCorrelation = options.minCorrelation ?? 0.2;
  const maxLag = Math.floor(n / 3);
  if (maxLag < 2) return null;
  const r = autocorrelation(detrend(y), maxLag + 1);
  const bar = Math.max(minCorrelation, 2 / Math.sqrt(n));
  if (candidate !== null && candidate * 2 <= n) {
    const lag = Math.round(candidate);
    if (lag <= maxLag + 1 && r[lag] > bar) return candidate;
  }
  let best = -1;
  for (let k = 2; k <= maxLag; k++) {
    const isPeak = r[k] >= r[k - 1] && r[k] >= r[k + 1];
    if (isPeak && r[k] > bar && (best < 0 || r[k] > r[best])) best = k;
  }
  return best > 0 ? best : null;
}
