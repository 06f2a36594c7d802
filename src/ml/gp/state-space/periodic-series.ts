/**
 * The cosine series of scikit-learn's ExpSineSquared kernel (Solin & Särkkä, "Explicit link between periodic
 * covariance functions and state space models", AISTATS 2014):
 *   exp(−2 sin²(πτ/p) / ℓ²) = e^{−z} e^{z cos ω₀τ} = Σ_{j≥0} q_j² cos(j ω₀ τ),   z = ℓ⁻², ω₀ = 2π/p,
 * with q₀² = e^{−z} I₀(z) and q_j² = 2 e^{−z} I_j(z) (modified Bessel functions of the first kind). Each harmonic is
 * a two-state undamped oscillator, so a truncated series is a linear state-space model.
 */

export interface PeriodicSeries {
  /** q_j², j = 0 … J. */
  weights: Float64Array;
  /** The variance left out by the truncation, Σ_{j>J} q_j² (the weights of the full series sum to k(0) = 1). */
  tail: number;
}

/**
 * The weights q_j² up to the smallest J whose left-out tail is at most `tolerance`, or up to `maxHarmonics`.
 * I_j(z) comes from Miller's backward recurrence I_{j−1} = I_{j+1} + (2j / z) I_j, normalised by the identity
 * I₀(z) + 2 Σ_{j≥1} I_j(z) = e^z, so e^{−z} I_j(z) is obtained without ever forming e^z (z may be in the hundreds).
 */
export function periodicSeries(lengthScale: number, tolerance: number, maxHarmonics: number): PeriodicSeries {
  const z = 1 / (lengthScale * lengthScale);
  // The weights spread like exp(−j² / 2z): past z = J²/4 the first J harmonics leave over 1e-3 out, so do not
  // run a recurrence of order z (ℓ may be 1e-5) to find that out.
  if (z > (maxHarmonics * maxHarmonics) / 4) return { weights: Float64Array.of(1), tail: 1 };
  // Start far enough above the significant orders that the recurrence's start-up error has decayed.
  const top = Math.max(maxHarmonics, Math.ceil(z + 12 * Math.sqrt(z) + 40));
  const values = new Float64Array(top + 2);
  values[top] = 1e-280;
  for (let j = top; j >= 1; j--) {
    values[j - 1] = values[j + 1] + ((2 * j) / z) * values[j];
    if (values[j - 1] > 1e250) {
      // Rescale to stay finite; only ratios matter until the normalisation.
      for (let i = j - 1; i <= top; i++) values[i] *= 1e-250;
    }
  }
  let norm = values[0];
  for (let j = 1; j <= top; j++) norm += 2 * values[j];
  const all = new Float64Array(top + 1);
  all[0] = values[0] / norm;
  for (let j = 1; j <= top; j++) all[j] = (2 * values[j]) / norm;
  // Tails summed from the top, smallest first, so a 1e-12 tail is not lost to cancellation against 1.
  const tails = new Float64Array(top + 1);
  let tail = 0;
  for (let j = top; j >= 0; j--) {
    tails[j] = tail;
    tail += all[j];
  }
  let J = 0;
  while (J < maxHarmonics && tails[J] > tolerance) J++;
  return { weights: all.slice(0, J + 1), tail: tails[J] };
}
