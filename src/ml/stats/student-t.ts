/**
 * Student's t distribution: log-gamma, the regularised incomplete beta function, the t CDF and its quantile.
 *
 * The quantile starts from Hill's approximation (G. W. Hill, "Algorithm 396: Student's t-quantiles", CACM 13(10),
 * 1970, as used by R's qt.c) and is polished by safeguarded Newton steps on the exact tail probability
 * P(T > t) = ½·I_x(ν/2, ½) with x = ν/(ν + t²) (Abramowitz & Stegun 26.7.1 / 26.5.27), so its accuracy is that of
 * the incomplete beta (≈1e-14 relative), not of the starting guess.
 */

const LANCZOS_G = 7;
// Lanczos coefficients for g = 7, n = 9 (Godfrey); |relative error| of Γ below 2e-15 for Re(x) > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.9189385332046728;

/** ln Γ(x) for x > 0 (Lanczos approximation; reflection Γ(x)Γ(1−x) = π / sin(πx) below ½). */
export function logGamma(x: number): number {
  if (Number.isNaN(x) || x <= 0) return Number.NaN;
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * ln Γ(x) − [(x − ½)ln x − x + ½ln 2π], the Stirling remainder, by its asymptotic series (A&S 6.1.41); accurate
 * to ~1e-16 absolute for x ≥ 10.
 */
function stirlingRemainder(x: number): number {
  const r = 1 / (x * x);
  return (1 / 12 - r * (1 / 360 - r * (1 / 1260 - r * (1 / 1680 - r * (1 / 1188 - r * (691 / 360360 - r / 156)))))) / x;
}

/**
 * ln B(a, b). When the larger argument is big, ln Γ(a) − ln Γ(a + b) is formed from Stirling's series directly so
 * the two large log-gammas do not cancel (this keeps the t tail accurate for large ν).
 */
function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
  // ln Γ(A) − ln Γ(A + s) = −s ln A − (A + s − ½)·log1p(s/A) + s + R(A) − R(A + s), R = Stirling remainder.
  const diff =
    -small * Math.log(big) -
    (big + small - 0.5) * Math.log1p(small / big) +
    small +
    stirlingRemainder(big) -
    stirlingRemainder(big + small);
  return logGamma(small) + diff;
}

const CF_EPS = 1e-16;
const CF_TINY = 1e-300;
const CF_MAX_ITERATIONS = 100_000;

/** The continued fraction for I_x(a, b) (Numerical Recipes 6.4, modified Lentz); converges for x < (a+1)/(a+b+2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < CF_TINY) d = CF_TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= CF_MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < CF_EPS) break;
  }
  return h;
}

/**
 * I_x(a, b) given both x and y = 1 − x, so callers that know 1 − x exactly (the t tail) lose nothing to
 * cancellation. Uses the symmetry I_x(a, b) = 1 − I_y(b, a) where the direct fraction would converge slowly.
 */
function incompleteBeta(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  const logX = x > 0.5 ? Math.log1p(-y) : Math.log(x);
  const logY = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  const front = Math.exp(a * logX + b * logY - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(x, a, b)) / a;
  return 1 - (front * betaContinuedFraction(y, b, a)) / b;
}

/** The regularised incomplete beta function I_x(a, b) = B(x; a, b) / B(a, b), for 0 ≤ x ≤ 1, a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0) || !(b > 0) || !(x >= 0 && x <= 1)) return Number.NaN;
  return incompleteBeta(x, 1 - x, a, b);
}

/** P(T > |t|) for T ~ t_ν, as ½·I_{ν/(ν+t²)}(ν/2, ½) with both x and 1 − x formed without cancellation. */
function upperTail(t: number, df: number): number {
  const t2 = t * t;
  const x = df / (df + t2);
  const y = t2 / (df + t2);
  return 0.5 * incompleteBeta(x, y, df / 2, 0.5);
}

/** The t density: 1 / (√ν B(ν/2, ½)) · (1 + t²/ν)^(−(ν+1)/2). */
function density(t: number, df: number, logNorm: number): number {
  return Math.exp(logNorm - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/** P(T ≤ t) for Student's t with `df` > 0 degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  const tail = upperTail(t, df);
  return t > 0 ? 1 - tail : tail;
}

/**
 * The p-quantile of Student's t with `df` > 0 degrees of freedom (df need not be an integer). Exact closed forms
 * for ν = 1 (Cauchy) and ν = 2; otherwise Hill (1970) refined by Newton on the exact tail. Relative accuracy is
 * about 1e-13 across p ∈ (0, 1), ν ≥ 1.
 */
export function studentTQuantile(p: number, df: number): number {
  if (Number.isNaN(p) || !(df > 0) || p < 0 || p > 1) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  // Work with the smaller tail q: 1 − p is exact for p > ½ (Sterbenz), so the upper quantiles lose nothing.
  const sign = p > 0.5 ? 1 : -1;
  const q = p > 0.5 ? 1 - p : p;
  let t: number;
  if (df === 1) {
    t = 1 / Math.tan(Math.PI * q); // Cauchy: P(T > t) = ½ − atan(t)/π.
  } else if (df === 2) {
    t = (1 - 2 * q) / Math.sqrt(2 * q * (1 - q)); // P(T > t) = ½(1 − t/√(2 + t²)), solved for t.
  } else {
    t = refine(hillQuantile(2 * q, df), q, df);
  }
  return sign * t;
}

/**
 * Newton on f(t) = P(T > t) − q for t > 0, kept inside a bracket [lo, hi] with bisection when a step leaves it.
 * f is convex and decreasing on t > 0 (its derivative −density is increasing), so steps from the left are monotone.
 */
function refine(start: number, q: number, df: number): number {
  const logNorm = -0.5 * Math.log(df) - logBeta(df / 2, 0.5);
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  let t = Number.isFinite(start) && start > 0 ? start : 1;
  for (let iteration = 0; iteration < 100; iteration++) {
    const f = upperTail(t, df) - q;
    if (f === 0) return t;
    if (f > 0) lo = t;
    else hi = t;
    let next = t + f / density(t, df, logNorm);
    if (!(next > lo && next < hi)) next = Number.isFinite(hi) ? 0.5 * (lo + hi) : 2 * t;
    if (Math.abs(next - t) <= 1e-15 * next) return next;
    t = next;
  }
  return t;
}

/**
 * Hill's approximation to the upper t quantile for a two-sided tail probability `P` = 2q (Algorithm 396, as in
 * R's qt.c). Used only as Newton's starting point, so its normal quantile may be crude.
 */
function hillQuantile(P: number, df: number): number {
  const a = 1 / (df - 0.5);
  const b = 48 / (a * a);
  let c = ((20700 * a) / b - 98) * a - 16;
  c = c * a + 96.36;
  const d = ((94.5 / (b + c) - 3) / b + 1) * Math.sqrt((a * Math.PI) / 2) * df;
  let y = (d * P) ** (2 / df);
  if ((df < 2.1 && P > 0.5) || y > 0.05 + a) {
    // Asymptotic inverse expansion about the normal.
    const x = roughNormalQuantile(0.5 * P);
    y = x * x;
    if (df < 5) c += 0.3 * (df - 4.5) * (x + 0.6);
    c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
    y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
    y = Math.expm1(a * y * y);
  } else {
    y =
      ((1 / (((df + 6) / (df * y) - 0.089 * d - 0.822) * (df + 2) * 3) + 0.5 / (df + 4)) * y - 1) *
        ((df + 1) / (df + 2)) +
      1 / y;
  }
  return Math.sqrt(df * y);
}

/** Lower-tail normal quantile for p ≤ ½ to about 4.5e-4 (Abramowitz & Stegun 26.2.23): a starting guess only. */
function roughNormalQuantile(p: number): number {
  const s = Math.sqrt(-2 * Math.log(p));
  const z = s - (2.515517 + s * (0.802853 + s * 0.010328)) / (1 + s * (1.432788 + s * (0.189269 + s * 0.001308)));
  return -z;
}
