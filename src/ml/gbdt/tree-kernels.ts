/**
 * The hot loops of growing a tree: accumulating a node's histogram, searching its best split, and partitioning
 * its rows. With `threads = 2`, one helper thread takes the second half of a large node's rows while this thread
 * builds the first half's histogram (this thread then merges the two), and the numeric features of the second
 * half of the feature list in a split search. Partitioning stays here (see {@link TreeKernels.partition}). It is
 * compute parallelism only: the helper gets every array through shared memory, does no I/O, and is told what to
 * do through an Int32Array of control words (Atomics), so training stays synchronous. Both threads spin briefly
 * before sleeping: a job takes tens of microseconds, and waking a sleeping thread costs about as much.
 *
 * Results do not depend on the thread count: a large node's histogram is always summed as two halves merged in
 * the same order (on one thread the second half simply runs on the calling thread), and split searches in parts
 * keep the split one pass finds. When the helper cannot start, or a job throws, this thread does the work itself.
 */
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
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
import {
  findBestSplit,
  leafScore,
  type NodeSums,
  SCAN_ALL,
  SCAN_CATEGORICAL,
  type SplitInfo,
  type SplitParams,
  type SplitScratch,
  scanFeatures,
  type scanNumeric,
  splitKernelSource,
} from "./splitter.js";

/** Histograms of nodes with fewer rows are built in one piece on the calling thread. */
export const SPLIT_ROWS = 8192;

/** Split searches over fewer histogram slots run in one piece on the calling thread. */
export const SPLIT_SCAN_SLOTS = 2048;

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
const HIST_ID = 13;
const CONTROL_WORDS = 14;
/** Float64 words of a split search: the node's sums and the parameters in, the best split out. */
const SCAN_IN = 0;
const SCAN_OUT = 9;
const SCAN_WORDS = 19;
const OP_HISTOGRAM = 1;
const OP_EXIT = 3;
const OP_SCAN = 4;

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
  scan: SharedArrayBuffer;
  binCount: Int32Array;
  /** Histogram buffers arrive here as {id, buffer} when the calling thread creates them. */
  port: MessagePort;
  rows: number;
  cols: number;
}

/** The kernels the helper calls, defined in its own scope from their source text. */
interface HelperKernels {
  zeroHistogram: typeof zeroHistogram;
  accumulateHistogram: typeof accumulateHistogram;
  scanNumeric: typeof scanNumeric;
  receiveMessageOnPort: (port: MessagePort) => { message: { id: number; buffer: SharedArrayBuffer } } | undefined;
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
  const scan = new Float64Array(data.scan);
  const layout = { binCount: data.binCount, offsets: data.offsets };
  const hists: Float64Array[] = [];
  const best = {
    gain: 0,
    feature: -1,
    bin: 0,
    defaultLeft: false,
    isCategorical: false,
    leftGrad: 0,
    leftHess: 0,
    leftCount: 0,
    rightGrad: 0,
    rightHess: 0,
    rightCount: 0,
  };
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
      } else if (op === 4) {
        const id = control[13];
        while (hists[id] === undefined) {
          const m = kernels.receiveMessageOnPort(data.port);
          if (m === undefined) throw new Error(`histogram ${id} was never sent`);
          hists[m.message.id] = new Float64Array(m.message.buffer);
        }
        const sums = { grad: scan[0], hess: scan[1], count: scan[2] };
        const params = {
          lambda: scan[4],
          alpha: scan[5],
          gamma: scan[6],
          minChildWeight: scan[7],
          minSamplesLeaf: scan[8],
        };
        best.gain = 0;
        best.feature = -1;
        for (let k = 0; k < control[6]; k++) {
          const f = features[k];
          if (layout.binCount[f] >= 2) kernels.scanNumeric(hists[id], layout, f, sums, scan[3], params, best);
        }
        scan[9] = best.gain;
        scan[10] = best.feature;
        scan[11] = best.bin;
        scan[12] = best.defaultLeft ? 1 : 0;
        scan[13] = best.leftGrad;
        scan[14] = best.leftHess;
        scan[15] = best.leftCount;
        scan[16] = best.rightGrad;
        scan[17] = best.rightHess;
        scan[18] = best.rightCount;
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
    'const { workerData, receiveMessageOnPort } = require("node:worker_threads");',
    histogramKernelSource(),
    splitKernelSource(),
    `(${helperMain.toString()})(workerData, {`,
    "  zeroHistogram, accumulateHistogram, scanNumeric, receiveMessageOnPort",
    "});",
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
  private scan: Float64Array | null = null;
  private port: MessagePort | null = null;
  /** Histogram buffers the helper has been sent, by buffer. */
  private readonly histIds = new WeakMap<Float64Array, number>();
  private histCount = 0;
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
    const scan = new Float64Array(new SharedArrayBuffer(SCAN_WORDS * 8));
    const channel = new MessageChannel();
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
      scan: scan.buffer as SharedArrayBuffer,
      binCount: this.layout.binCount,
      port: channel.port2,
      rows: this.rows,
      cols: this.layout.binCount.length,
    };
    let worker: Worker;
    try {
      worker = new Worker(helperSource(), { eval: true, workerData: data, transferList: [channel.port2] });
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
    this.scan = scan;
    this.port = channel.port1;
    this.port.unref();
  }

  /** A new histogram buffer: on shared memory, and known to the helper, when there is one. */
  newHistogram(): Float64Array {
    if (this.port === null) return new Float64Array(this.layout.length);
    const hist = float64Array(this.layout.length, true);
    const id = this.histCount++;
    this.histIds.set(hist, id);
    this.port.postMessage({ id, buffer: hist.buffer });
    return hist;
  }

  /** Stops the helper (it exits on its own; nothing to wait for). */
  close(): void {
    if (this.control === null) return;
    this.post(OP_EXIT);
    this.control = null;
    this.worker = null;
    this.port?.close();
    this.port = null;
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

  /**
   * The best split of a node (see `findBestSplit` in `splitter.ts`). With the helper, it scans the numeric
   * features of the second half of `features` while this thread scans the rest; the better result wins, the
   * lower feature on a tie, which is the split one pass in feature order finds.
   */
  findBestSplit(
    hist: Float64Array,
    features: Int32Array,
    isCategorical: Uint8Array,
    sums: NodeSums,
    params: SplitParams,
    best: SplitInfo,
    scratch: SplitScratch,
  ): boolean {
    const layout = this.layout;
    const id = this.histIds.get(hist);
    const F = features.length;
    if (
      this.control === null ||
      id === undefined ||
      F < 2 ||
      layout.offsets[layout.binCount.length] < SPLIT_SCAN_SLOTS
    ) {
      return findBestSplit(hist, layout, features, isCategorical, sums, params, best, scratch);
    }
    const half = F >>> 1;
    const helperFeatures = this.sharedFeatures!;
    let m = 0;
    for (let k = half; k < F; k++) if (isCategorical[features[k]] === 0) helperFeatures[m++] = features[k];
    const control = this.control;
    const scan = this.scan!;
    scan[SCAN_IN] = sums.grad;
    scan[SCAN_IN + 1] = sums.hess;
    scan[SCAN_IN + 2] = sums.count;
    scan[SCAN_IN + 3] = leafScoreOf(sums, params);
    scan[SCAN_IN + 4] = params.lambda;
    scan[SCAN_IN + 5] = params.alpha;
    scan[SCAN_IN + 6] = params.gamma;
    scan[SCAN_IN + 7] = params.minChildWeight;
    scan[SCAN_IN + 8] = params.minSamplesLeaf;
    control[FEATURES] = m;
    control[HIST_ID] = id;
    this.post(OP_SCAN);
    best.reset();
    scanFeatures(hist, layout, features, 0, half, isCategorical, SCAN_ALL, sums, params, best, scratch);
    scanFeatures(hist, layout, features, half, F, isCategorical, SCAN_CATEGORICAL, sums, params, best, scratch);
    if (!this.await()) return findBestSplit(hist, layout, features, isCategorical, sums, params, best, scratch);
    const gain = scan[SCAN_OUT];
    const feature = scan[SCAN_OUT + 1];
    if (feature >= 0 && (best.feature < 0 || gain > best.gain || (gain === best.gain && feature < best.feature))) {
      best.gain = gain;
      best.feature = feature;
      best.bin = scan[SCAN_OUT + 2];
      best.defaultLeft = scan[SCAN_OUT + 3] === 1;
      best.isCategorical = false;
      best.leftGrad = scan[SCAN_OUT + 4];
      best.leftHess = scan[SCAN_OUT + 5];
      best.leftCount = scan[SCAN_OUT + 6];
      best.rightGrad = scan[SCAN_OUT + 7];
      best.rightHess = scan[SCAN_OUT + 8];
      best.rightCount = scan[SCAN_OUT + 9];
    }
    return best.feature >= 0;
  }
}

/** The parent's score in the gain formula, as `scanFeatures` computes it. */
function leafScoreOf(sums: NodeSums, params: SplitParams): number {
  return leafScore(sums.grad, sums.hess, params.lambda, params.alpha);
}
