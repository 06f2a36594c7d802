/**
 * The two hot loops of growing a tree: accumulating a node's histogram and partitioning its rows. With
 * `threads = 2`, one helper thread takes the second half of a large node's rows while this thread builds the
 * first half's histogram, and this thread merges the two. It is compute parallelism only: the helper gets every
 * array through shared memory, does no I/O, and is told what to do through an Int32Array of control words
 * (Atomics), so training stays synchronous. Both threads spin briefly before sleeping: a job takes tens of
 * microseconds, and waking a sleeping thread costs about as much.
 *
 * What was measured and left out: partitions (see {@link TreeKernels.partition}) and split searches on the helper
 * (half the features each) were slower than one thread, because the data the helper reads was just written by
 * this thread and crosses between the cores' caches; the same cost bounds the histogram hand-off to large nodes.
 *
 * Results do not depend on the thread count: a large node's histogram is always summed as two halves merged in
 * the same order (on one thread the second half simply runs on this thread). When the helper cannot start, or a
 * job throws, this thread does the work itself.
 */
import { Worker } from "node:worker_threads";
import { SlipwayError } from "../../core/index.js";
import {
  accumulateHistogram,
  addHistogram,
  buildHistogram,
  fillConstantHessian,
  type HistogramLayout,
  type HistogramSource,
  histogramKernelSource,
  type SlotMatrix,
  zeroHistogram,
} from "./histogram.js";

/** Histograms of nodes with fewer rows are built in one piece on the calling thread. */
export const SPLIT_ROWS = 8192;

/** Rows × features from which `trainGbdt` uses two threads by default. */
export const PARALLEL_CELLS = 1_000_000;

/**
 * Stable partition of `rowIndex[start … end)` by `goesLeft[code]`: rows going left are packed from `start` in
 * place, rows going right are written to `scratch` from `start`. Returns the end of the left rows. Both
 * destinations are written every row, so there is no data-dependent branch (a split's direction is a coin flip
 * for the branch predictor).
 */
export function partitionChunk(
  rowIndex: Int32Array,
  scratch: Int32Array,
  codes: Uint8Array,
  colBase: number,
  goesLeft: Uint8Array,
  start: number,
  end: number,
): number {
  let l = start;
  let r = start;
  for (let i = start; i < end; i++) {
    const row = rowIndex[i];
    const t = goesLeft[codes[colBase + row]];
    // l ≤ i, so the slot written was already read.
    rowIndex[l] = row;
    scratch[r] = row;
    l += t;
    r += 1 - t;
  }
  return l;
}

/** Control words shared with the helper. */
const SEQ = 0;
const DONE = 1;
const OP = 2;
const START = 3;
const END = 4;
const WITH_HESS = 5;
const FEATURES = 6;
const GRAD_OFFSET = 7;
const HESS_OFFSET = 8;
const READY = 11;
const FAILED = 12;
const CONTROL_WORDS = 13;
const OP_HISTOGRAM = 1;
const OP_EXIT = 3;

/** What the helper receives at start; every buffer is a SharedArrayBuffer. */
interface HelperData {
  control: SharedArrayBuffer;
  features: SharedArrayBuffer;
  offsets: Int32Array;
  slots: SharedArrayBuffer;
  slotsAre16Bit: boolean;
  grad: SharedArrayBuffer;
  hess: SharedArrayBuffer;
  rowIndex: SharedArrayBuffer;
  aux: SharedArrayBuffer;
  rows: number;
  cols: number;
}

/** The kernels the helper calls, defined in its own scope from their source text. */
interface HelperKernels {
  zeroHistogram: typeof zeroHistogram;
  accumulateHistogram: typeof accumulateHistogram;
}

/**
 * The helper's loop. Self-contained (its source is what the helper runs): control word indices are repeated as
 * literals, in the order of the constants above.
 */
function helperMain(data: HelperData, kernels: HelperKernels): void {
  const control = new Int32Array(data.control);
  const features = new Int32Array(data.features);
  const slots = data.slotsAre16Bit ? new Uint16Array(data.slots) : new Uint32Array(data.slots);
  const rowIndex = new Int32Array(data.rowIndex);
  const aux = new Float64Array(data.aux);
  Atomics.store(control, 11, 1);
  Atomics.notify(control, 11);
  let seq = 0;
  for (;;) {
    // Spin (about a millisecond) before sleeping: during training the next job follows within microseconds.
    for (let spin = 0; spin < 200000 && Atomics.load(control, 0) === seq; spin++);
    if (Atomics.load(control, 0) === seq) Atomics.wait(control, 0, seq);
    const next = Atomics.load(control, 0);
    if (next === seq) continue;
    seq = next;
    const op = control[2];
    if (op === 3) return;
    try {
      if (op === 1) {
        const fs = features.subarray(0, control[6]);
        const grad = new Float64Array(data.grad, control[7] * 8, data.rows);
        const hess = new Float64Array(data.hess, control[8] * 8, data.rows);
        kernels.zeroHistogram(aux, data.offsets, fs);
        kernels.accumulateHistogram(
          aux,
          slots,
          data.cols,
          fs,
          grad,
          hess,
          control[5] === 1,
          rowIndex,
          control[3],
          control[4],
        );
      }
    } catch {
      // Reported through the control word; the calling thread redoes the job.
      control[12] = 1;
    }
    Atomics.store(control, 1, seq);
    Atomics.notify(control, 1);
  }
}

function helperSource(): string {
  return [
    '"use strict";',
    'const { workerData } = require("node:worker_threads");',
    histogramKernelSource(),
    `(${helperMain.toString()})(workerData, { zeroHistogram, accumulateHistogram });`,
  ].join("\n");
}

/** A Float64Array on shared memory when `shared`, else an ordinary one. */
export function float64Array(length: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
}

function sharedCopy<T extends Uint16Array | Uint32Array>(a: T): T {
  const buffer = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return new (a.constructor as new (b: SharedArrayBuffer) => T)(buffer);
}

/** Checks of the done word before the calling thread sleeps (a few tens of microseconds). */
const SPIN_CHECKS = 20_000;

/** Jobs per timing window, and the share of this thread's own time its waits may reach (see noteTiming). */
const TIMING_WINDOW = 512;
const MAX_WAIT_SHARE = 1;

/** How long the calling thread waits for the helper before treating it as lost. */
const HELPER_TIMEOUT_MS = 60_000;

/** Histogram and partition kernels over one training set's arrays, on one or two threads. */
export class TreeKernels {
  /** Column-major bin codes (what partitioning reads). */
  readonly codes: Uint8Array;
  /** Row-major histogram slots (what accumulation reads). */
  readonly slots: SlotMatrix;
  /** Row order of the tree being grown; each node owns a contiguous range. */
  readonly rowIndex: Int32Array;
  /** Per split: 1 for the codes that go left (filled by the grower before {@link partition}). */
  readonly goesLeft: Uint8Array;
  private readonly scratch: Int32Array;
  private readonly aux: Float64Array;
  private readonly rows: number;
  private control: Int32Array | null = null;
  private sharedFeatures: Int32Array | null = null;
  /** Hand-off timing over the current window of jobs (see {@link noteTiming}). */
  private postedAt = 0;
  private ownTime = 0;
  private waitTime = 0;
  private jobs = 0;
  private worker: Worker | null = null;
  private seq = 0;
  /** Why the helper stopped being used, if it did (kept for diagnosis; the work is redone locally). */
  helperError: unknown = null;

  /**
   * `grad` and `hess` must be on shared memory when `threads` > 1 (see {@link float64Array}); `slots` is copied
   * there.
   */
  constructor(
    private readonly layout: HistogramLayout,
    codes: Uint8Array,
    slots: SlotMatrix,
    rows: number,
    grad: Float64Array,
    hess: Float64Array,
    threads: number,
  ) {
    this.rows = rows;
    const shared = threads > 1 && grad.buffer instanceof SharedArrayBuffer && hess.buffer instanceof SharedArrayBuffer;
    this.codes = codes;
    this.slots = shared ? sharedCopy(slots) : slots;
    const int32 = (n: number) => (shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n));
    this.rowIndex = int32(rows);
    this.scratch = new Int32Array(rows);
    this.goesLeft = new Uint8Array(256);
    this.aux = float64Array(layout.length, shared);
    if (shared) this.startHelper(grad, hess);
  }

  /** Whether a helper thread is running. */
  get parallel(): boolean {
    return this.worker !== null;
  }

  private startHelper(grad: Float64Array, hess: Float64Array): void {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    const features = new Int32Array(new SharedArrayBuffer(this.layout.binCount.length * 4));
    const data: HelperData = {
      control: control.buffer as SharedArrayBuffer,
      features: features.buffer as SharedArrayBuffer,
      offsets: this.layout.offsets,
      slots: this.slots.buffer as SharedArrayBuffer,
      slotsAre16Bit: this.slots instanceof Uint16Array,
      grad: grad.buffer as SharedArrayBuffer,
      hess: hess.buffer as SharedArrayBuffer,
      rowIndex: this.rowIndex.buffer as SharedArrayBuffer,
      aux: this.aux.buffer as SharedArrayBuffer,
      rows: this.rows,
      cols: this.layout.binCount.length,
    };
    let worker: Worker;
    try {
      worker = new Worker(helperSource(), { eval: true, workerData: data });
    } catch (e) {
      this.helperError = e;
      return;
    }
    worker.unref();
    // Events arrive only once training yields; a failure is already handled through the control words.
    worker.on("error", (e) => {
      this.helperError = e;
    });
    if (Atomics.wait(control, READY, 0, HELPER_TIMEOUT_MS) === "timed-out" && Atomics.load(control, READY) !== 1) {
      this.helperError = new Error("the helper thread did not start");
      void worker.terminate();
      return;
    }
    this.worker = worker;
    this.control = control;
    this.sharedFeatures = features;
  }

  /** Stops the helper (it exits on its own; nothing to wait for). */
  close(): void {
    if (this.control === null) return;
    this.post(OP_EXIT);
    this.control = null;
    this.worker = null;
  }

  private post(op: number): void {
    const control = this.control!;
    this.postedAt = performance.now();
    control[OP] = op;
    this.seq++;
    Atomics.store(control, SEQ, this.seq);
    Atomics.notify(control, SEQ);
  }

  /**
   * Waits for the posted job; false (and the helper is dropped) when it failed. It spins briefly first: the
   * helper usually finishes within microseconds of the calling thread's half, and waking from a futex costs
   * tens of microseconds.
   */
  private await(): boolean {
    const control = this.control!;
    const ownDone = performance.now();
    for (let spin = 0; spin < SPIN_CHECKS && Atomics.load(control, DONE) !== this.seq; spin++);
    for (;;) {
      const done = Atomics.load(control, DONE);
      if (done === this.seq) break;
      if (
        Atomics.wait(control, DONE, done, HELPER_TIMEOUT_MS) === "timed-out" &&
        Atomics.load(control, DONE) === done
      ) {
        throw new SlipwayError("SLP_INTERNAL", "the GBDT helper thread stopped answering");
      }
    }
    if (control[FAILED] !== 0) {
      this.helperError = new Error("a job failed on the helper thread");
      this.close();
      return false;
    }
    this.noteTiming(ownDone);
    return true;
  }

  /**
   * Drops the helper when waiting for it costs more than it saves: a job split in two pays off while the wait
   * after this thread's half is shorter than that half. On a machine whose other core is busy, the helper's half
   * runs late and two threads are slower than one; training then goes on here alone (the model is the same).
   */
  private noteTiming(ownDone: number): void {
    this.ownTime += ownDone - this.postedAt;
    this.waitTime += performance.now() - ownDone;
    if (++this.jobs % TIMING_WINDOW !== 0) return;
    if (this.waitTime > MAX_WAIT_SHARE * this.ownTime) {
      this.helperError = new Error("the helper thread ran late (a busy machine): continuing on one thread");
      this.close();
    }
    this.ownTime = 0;
    this.waitTime = 0;
  }

  /** `hist` = the histogram of `features` over `rowIndex[start … end)`. */
  buildHistogram(hist: Float64Array, source: HistogramSource, features: Int32Array, start: number, end: number): void {
    const n = end - start;
    if (n < SPLIT_ROWS) {
      buildHistogram(hist, this.layout, source, features, this.rowIndex, start, end);
      return;
    }
    const { slots, cols, grad, hess, constantHessian } = source;
    const offsets = this.layout.offsets;
    const withHess = constantHessian === 0;
    const mid = start + (n >>> 1);
    let helped = false;
    if (this.control !== null) {
      const control = this.control;
      this.sharedFeatures!.set(features);
      control[START] = mid;
      control[END] = end;
      control[FEATURES] = features.length;
      control[WITH_HESS] = withHess ? 1 : 0;
      control[GRAD_OFFSET] = grad.byteOffset / 8;
      control[HESS_OFFSET] = hess.byteOffset / 8;
      this.post(OP_HISTOGRAM);
      helped = true;
    }
    zeroHistogram(hist, offsets, features);
    accumulateHistogram(hist, slots, cols, features, grad, hess, withHess, this.rowIndex, start, mid);
    if (!helped || !this.await()) {
      zeroHistogram(this.aux, offsets, features);
      accumulateHistogram(this.aux, slots, cols, features, grad, hess, withHess, this.rowIndex, mid, end);
    }
    addHistogram(hist, this.aux, offsets, features);
    if (!withHess) fillConstantHessian(hist, offsets, features, constantHessian);
  }

  /**
   * Stable partition of `rowIndex[start … end)` on feature `f` by {@link goesLeft}; returns the first index of
   * the right part. Always on the calling thread: measured, two half-partitions on two threads plus joining the
   * runs were slower than one pass at every node size (the loop is bound by memory, and the halves' rows then
   * move between the cores' caches).
   */
  partition(f: number, start: number, end: number): number {
    const { rowIndex, scratch, codes, goesLeft } = this;
    const l = partitionChunk(rowIndex, scratch, codes, f * this.rows, goesLeft, start, end);
    rowIndex.set(scratch.subarray(start, start + (end - l)), l);
    return l;
  }
}
