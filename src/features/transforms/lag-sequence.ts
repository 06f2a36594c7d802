/**
 * The observations a lag step looks back over: past entries (the stored history, or history sent with the
 * request) merged with the input rows into one sequence per entity in time order.
 */

/** Observations of the input rows: group id (≥ 0), time and value per row. */
export interface SeriesRows {
  group: Int32Array;
  time: Float64Array;
  value: Float64Array;
}

/** Observations from before the input; `historyRow` is the row of a request's history table, −1 when stored. */
export interface PastEntries extends SeriesRows {
  historyRow: Int32Array;
}

/** Entries sorted by (group, time); `row` is the input row of an entry, −1 for a past one. */
export interface Sequence {
  length: number;
  group: Int32Array;
  time: Float64Array;
  value: Float64Array;
  row: Int32Array;
}

/** Two observations of one entity at one time: two input rows, or two rows of the request's history. */
export interface Duplicate {
  source: "input" | "history";
  first: number;
  second: number;
  group: number;
  time: number;
}

/**
 * Merges past entries and input rows. An input row replaces a past entry of its entity at the same time (the
 * input is the fresher record; refitting on training rows thus sees exactly them, not their stored copies).
 * Two input rows, or two history rows, at one time are reported as duplicates and the second is left out.
 */
export function mergeSequence(input: SeriesRows, past: PastEntries): { sequence: Sequence; duplicates: Duplicate[] } {
  const m = past.group.length;
  const total = m + input.group.length;
  // Entry e < m is past entry e; entry e ≥ m is input row e − m.
  const group = new Int32Array(total);
  const time = new Float64Array(total);
  group.set(past.group, 0);
  group.set(input.group, m);
  time.set(past.time, 0);
  time.set(input.time, m);
  const order = new Int32Array(total);
  for (let e = 0; e < total; e++) order[e] = e;
  // Past before input at equal times, so the replacement rule below sees the past entry first; then entry order,
  // so the result does not depend on the sort's stability.
  order.sort((a, b) => group[a] - group[b] || time[a] - time[b] || (a < m ? 0 : 1) - (b < m ? 0 : 1) || a - b);

  const keep = new Int32Array(total);
  const duplicates: Duplicate[] = [];
  let k = 0;
  for (let j = 0; j < total; j++) {
    const e = order[j];
    if (k > 0) {
      const prev = keep[k - 1];
      if (group[prev] === group[e] && time[prev] === time[e]) {
        if (prev < m && e >= m) keep[k - 1] = e;
        else
          duplicates.push(
            e >= m
              ? { source: "input", first: prev - m, second: e - m, group: group[e], time: time[e] }
              : {
                  source: "history",
                  first: past.historyRow[prev],
                  second: past.historyRow[e],
                  group: group[e],
                  time: time[e],
                },
          );
        continue;
      }
    }
    keep[k++] = e;
  }

  const sequence: Sequence = {
    length: k,
    group: new Int32Array(k),
    time: new Float64Array(k),
    value: new Float64Array(k),
    row: new Int32Array(k),
  };
  for (let p = 0; p < k; p++) {
    const e = keep[p];
    sequence.group[p] = group[e];
    sequence.time[p] = time[e];
    sequence.value[p] = e < m ? past.value[e] : input.value[e - m];
    sequence.row[p] = e < m ? -1 : e - m;
  }
  return { sequence, duplicates };
}

/** Where each group's entries start in a sequence (`starts[g]` … `starts[g + 1]`), for `groupCount` groups. */
export function groupStarts(sequence: Sequence, groupCount: number): Int32Array {
  const starts = new Int32Array(groupCount + 1);
  for (let p = 0; p < sequence.length; p++) starts[sequence.group[p] + 1]++;
  for (let g = 0; g < groupCount; g++) starts[g + 1] += starts[g];
  return starts;
}
