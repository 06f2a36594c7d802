/**
 * Statistics of a training column that fitting learns. "Missing" throughout is a non-finite value (NaN, as
 * frames store it) or a `null` string; statistics skip missing values.
 *
 * Learnt values are returned with −0 turned into 0 (`x + 0`): JSON writes −0 as 0, and a fitted pipeline must
 * give the same bits before and after a round trip.
 */

/** Count, mean and population sd of the finite values (two passes, for accuracy). */
export function meanAndSd(values: Float64Array): { count: number; mean: number; sd: number } {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      count++;
      sum += values[i];
    }
  }
  if (count === 0) return { count, mean: 0, sd: 1 };
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) squares += (values[i] - mean) ** 2;
  }
  const sd = Math.sqrt(squares / count);
  // A constant column can leave rounding noise (~1e-17·|mean|) in sd; dividing by it would blow noise up to O(1).
  return { count, mean, sd: sd > 1e-12 * Math.abs(mean) && sd > 0 ? sd : 1 };
}

export function minAndMax(values: Float64Array): { count: number; min: number; max: number } {
  let count = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    count++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return count === 0 ? { count, min: 0, max: 0 } : { count, min: min + 0, max: max + 0 };
}

/** The finite values, sorted ascending (a copy). */
function sortedFinite(values: Float64Array): Float64Array {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) count++;
  const out = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[k++] = values[i];
  return out.sort();
}

/** Median of the finite values (mean of the middle two for an even count); NaN when there are none. */
export function median(values: Float64Array): number {
  const s = sortedFinite(values);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return (n % 2 === 1 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2) + 0;
}

/** The most frequent finite value, the smallest on a tie; NaN when there are none. */
export function mostFrequentNumber(values: Float64Array): number {
  const s = sortedFinite(values);
  let best = Number.NaN;
  let bestRun = 0;
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j < s.length && s[j] === s[i]) j++;
    // Strictly greater: on a tie the earlier (smaller) value stays.
    if (j - i > bestRun) {
      best = s[i];
      bestRun = j - i;
    }
    i = j;
  }
  return best + 0;
}

/** Locale-independent string order, so fitted state does not depend on the machine's ICU data. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * How often each category occurs: text values as they are, numbers as their decimal text (`String(v)`, which
 * reads back to the same double).
 */
export function categoryCounts(
  column: { kind: "string"; values: (string | null)[] } | { kind: "number" | "time"; values: Float64Array },
): Map<string, number> {
  const counts = new Map<string, number>();
  if (column.kind === "string") {
    for (const v of column.values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    return counts;
  }
  // Count by number first: one string per distinct value instead of one per row.
  const byNumber = new Map<number, number>();
  for (const v of column.values) if (Number.isFinite(v)) byNumber.set(v, (byNumber.get(v) ?? 0) + 1);
  for (const [v, n] of byNumber) counts.set(String(v), n);
  return counts;
}

/** The most frequent category, the first in code-unit order on a tie; `null` when there are none. */
export function mostFrequentCategory(counts: Map<string, number>): string | null {
  let best: string | null = null;
  let bestCount = 0;
  for (const [v, n] of counts) {
    if (n > bestCount || (n === bestCount && best !== null && compareCodeUnits(v, best) < 0)) {
      best = v;
      bestCount = n;
    }
  }
  return best;
}
