/**
 * Gaussian log-likelihood and information criteria for a model with additive errors (Hyndman et al. 2008, chs. 5
 * and 7; FPP3 §8.6). With σ² at its maximum-likelihood value SSE/n, the log-likelihood concentrates to
 *   log L = −(n/2) (log(2π · SSE / n) + 1),
 * and with k the number of estimated parameters including σ²:
 *   AIC = −2 log L + 2k,   AICc = AIC + 2k(k + 1) / (n − k − 1),   BIC = AIC + k (log n − 2).
 */

/** Log-likelihood of n Gaussian errors with sum of squares `sse`, σ² concentrated out. */
export function gaussianLogLikelihood(sse: number, n: number): number {
  return -0.5 * n * (Math.log((2 * Math.PI * sse) / n) + 1);
}

export function aic(logLikelihood: number, k: number): number {
  return -2 * logLikelihood + 2 * k;
}

/** Small-sample corrected AIC; +∞ when n ≤ k + 1 (the correction is undefined: too many parameters). */
export function aicc(logLikelihood: number, k: number, n: number): number {
  if (n - k - 1 <= 0) return Number.POSITIVE_INFINITY;
  return aic(logLikelihood, k) + (2 * k * (k + 1)) / (n - k - 1);
}

export function bic(logLikelihood: number, k: number, n: number): number {
  return -2 * logLikelihood + k * Math.log(n);
}
