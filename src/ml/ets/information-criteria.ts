/**
 * Gaussian log-likelihoods and information criteria of the ETS models (Hyndman et al. 2008, chs. 5 and 7; FPP3
 * §8.6). With additive errors and σ² at its maximum-likelihood value SSE/n, the log-likelihood concentrates to
 *   log L = −(n/2) (log(2π · SSE / n) + 1);
 * with multiplicative errors y_t = μ_t (1 + ε_t), each y_t is N(μ_t, μ_t² σ²) given the past, so with
 * SSE = Σ ε_t² it gains the Jacobian term −Σ log |μ_t| (Hyndman et al. 2008, §5.2). With k the number of
 * estimated parameters including σ²:
 *   AIC = −2 log L + 2k,   AICc = AIC + 2k(k + 1) / (n − k − 1),   BIC = AIC + k (log n − 2).
 */

/** Log-likelihood of n Gaussian errors with sum of squares `sse`, σ² concentrated out. */
export function gaussianLogLikelihood(sse: number, n: number): number {
  return -0.5 * n * (Math.log((2 * Math.PI * sse) / n) + 1);
}

/**
 * Log-likelihood of n multiplicative errors: SSE = Σ ε_t² of the relative errors ε_t = (y_t − μ_t)/μ_t and
 * `sumLogMean` = Σ log |μ_t| over the same observations, σ² concentrated out.
 */
export function relativeErrorLogLikelihood(sse: number, sumLogMean: number, n: number): number {
  return gaussianLogLikelihood(sse, n) - sumLogMean;
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
