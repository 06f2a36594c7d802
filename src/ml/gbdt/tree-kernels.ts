/**
 * The hot loops of growing a tree: a node's histograms and split searches (see `node-search.ts`) and the
 * partition of its rows. With `threads = 2`, a helper thread shares the work in one of two ways, by the width of
 * the tree's features:
 *
 * - **Wide** (≥ {@link FEATURE_SHARE_MIN} features): the helper takes the second half of the features end to end.
 *   It builds, subtracts and searches the histogram slots of its features, this thread those of the first half,
 *   and only the helper's best split per node crosses back. Histogram buffers are on shared memory, but each
 *   thread writes and reads only its own features' slots, so no histogram moves between the cores' caches.
 * - **Narrow**: both threads would read every row for a few features each, and the rows' gathers dominate; so the
 *   helper takes the second half of a large node's rows (≥ {@link SPLIT_ROWS}) into a histogram of its own, which
 *   this thread adds to its half before the search. Measured on 180,000 × 10 rows, splitting features there was
 *   slower than one thread; on 18,000 × 50, splitting features cut the search time by a third.
 *
 * It is compute parallelism only: the helper gets every array through shared memory, does no I/O, and is told what
 * to do through an Int32Array of control words (Atomics), so training stays synchronous. Both threads spin briefly
 * before sleeping: a node takes tens of microseconds, and waking a sleeping thread costs about as much. The
 * partition stays on this thread: two half-partitions plus joining the runs were slower than one pass.
 *
 * Results do not depend on the thread count: every feature's histogram is summed over the same rows in the same
 * order (a narrow tree's large node always as two halves), and the halves' best splits are merged as one scan in
 * feature order would (see `mergeSplit`). When the helper cannot start, runs late (a busy machine), or a job
 * throws, this thread does the helper's share itself.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { SlipwayError } from "../../core/index.js";
import { addHistogram, type HistogramLayout, type HistogramSource, type SlotMatrix } from "./histogram.js";
import {
  fillGoesLeft,
  type LevelScope,
  type LevelTables,
  levelTables,
  partitionRows,
  runLevelJob,
} from "./level-jobs.js";
import {
  accumulateNode,
  finishNode,
  mergeSplit,
  NODE_KERNELS,
  type NodeContext,
  type NodeWork,
  SPLIT_WORDS,
  searchNode,
  writeSplit,
} from "./node-search.js";
import { CATEGORY_BITSET_WORDS, type NodeSums, SplitInfo, type SplitParams, SplitScratch } from "./splitter.js";
import {
  CONTROL_WORDS,
  type HelperData,
  helperSource,
  NUMBER_WORDS,
  NUMBERS,
  OP_EXIT,
  OP_HISTOGRAM,
  OP_LEVEL,
  OP_SEARCH,
  WORDS,
} from "./tree-helper.js";

/** Rows × features from which `trainGbdt` uses two threads by default. */
export const PARALLEL_CELLS = 1_000_000;

/** Trees over at least this many features share them between the threads; narrower trees share rows. */
export const FEATURE_SHARE_MIN = 16;

/** In a narrow tree, histograms of nodes with at least this many rows are summed as two halves of the rows. */
export const SPLIT_ROWS = 8192;

/** A node's work for {@link TreeKernels.search}, with histograms named by their ids. */
export interface NodeJob {
  /** Receives the histogram of `rowIndex[start … end)`. */
  built: number;
  start: number;
  end: number;
  /** The parent's histogram, which becomes the sibling's (parent − built); −1 for none. */
  parent: number;
  /** The sibling's rows (used only to rebuild its histogram when the helper fails mid-job). */
  siblingStart: number;
  siblingEnd: number;
  /** Totals of the built node, to search it; null to not search it. */
  builtSums: NodeSums | null;
  /** Totals of the sibling, to search it; null to not search it. */
  parentSums: NodeSums | null;
}

/** A Float64Array on shared memory when `shared`, else an ordinary one. */
export function float64Array(length: number, shared: boolean): Float64Array {
  return shared ? new Float64Array(new SharedArrayBuffer(length * 8)) : new Float64Array(length);
}

function sharedCopy<T extends Uint8Array | Uint16Array | Uint32Array>(a: T): T {
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

/** Histogram, split-search and partition kernels over one training set's arrays, on one or two threads. */
export class TreeKernels {
  /** Column-major bin codes (what partitioning reads). */
  readonly codes: Uint8Array;
  /** Row-major histogram slots (what accumulation reads). */
  readonly slots: SlotMatrix;
  /** Row order of the tree being grown; each node owns a contiguous range. */
  readonly rowIndex: Int32Array;
  /** The jobs of a level batch (see `level-jobs.ts`), written by the grower before {@link runLevel}. */
  readonly level: LevelTables;
  private readonly rows: number;
  private readonly shared: boolean;
  private readonly ctx: NodeContext;
  private readonly scope: LevelScope;
  private readonly aux: Float64Array;
  private readonly histograms: Float64Array[] = [];
  private readonly freeHistograms: number[] = [];
  /** This tree's features, whether the threads share them, and this thread's share (all without a helper). */
  private features: Int32Array = new Int32Array(0);
  private sharesFeatures = false;
  private ownFeatures: Int32Array = new Int32Array(0);
  private control: Int32Array | null = null;
  private numbers: Float64Array | null = null;
  private results: Float64Array | null = null;
  private resultBits: Uint32Array | null = null;
  private sharedFeatures: Int32Array | null = null;
  private port: MessagePort | null = null;
  /** Hand-off timing over the current window of jobs (see {@link noteTiming}). */
  private postedAt = 0;
  private ownTime = 0;
  private waitTime = 0;
  private jobs = 0;
  private worker: Worker | null = null;
  private seq = 0;
  private readonly spare = [new SplitInfo(), new SplitInfo()];
  /** Why the helper stopped being used, if it did (kept for diagnosis; the work is redone locally). */
  helperError: unknown = null;

  /**
   * `grad` and `hess` must be on shared memory when `threads` > 1 (see {@link float64Array}); `codes` and
   * `slots` are copied there.
   */
  constructor(
    private readonly layout: HistogramLayout,
    codes: Uint8Array,
    slots: SlotMatrix,
    rows: number,
    grad: Float64Array,
    hess: Float64Array,
    isCategorical: Uint8Array,
    params: SplitParams,
    threads: number,
  ) {
    this.rows = rows;
    this.shared = threads > 1 && grad.buffer instanceof SharedArrayBuffer && hess.buffer instanceof SharedArrayBuffer;
    const shared = this.shared;
    this.codes = shared ? sharedCopy(codes) : codes;
    this.slots = shared ? sharedCopy(slots) : slots;
    const int32 = (n: number) => (shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n));
    this.rowIndex = int32(rows);
    this.aux = float64Array(layout.length, shared);
    this.level = levelTables(SPLIT_WORDS, shared);
    this.ctx = {
      kernels: NODE_KERNELS,
      layout,
      isCategorical,
      rowIndex: this.rowIndex,
      params,
      scratch: new SplitScratch(),
    };
    this.scope = {
      ctx: this.ctx,
      codes: this.codes,
      rows,
      scratch: int32(rows),
      goesLeft: new Uint8Array(256),
      histograms: this.histograms,
      builtBest: new SplitInfo(),
      parentBest: new SplitInfo(),
      builtSums: { grad: 0, hess: 0, count: 0 },
      parentSums: { grad: 0, hess: 0, count: 0 },
      splitWords: SPLIT_WORDS,
      searchNode,
      writeSplit,
    };
    if (shared) this.startHelper(grad, hess, isCategorical, params);
  }

  /** Whether a helper thread is running. */
  get parallel(): boolean {
    return this.worker !== null;
  }

  private startHelper(grad: Float64Array, hess: Float64Array, isCategorical: Uint8Array, params: SplitParams): void {
    const block = (bytes: number) => new SharedArrayBuffer(bytes);
    const control = new Int32Array(block(CONTROL_WORDS * 4));
    const numbers = new Float64Array(block(NUMBER_WORDS * 8));
    const results = new Float64Array(block(2 * SPLIT_WORDS * 8));
    const resultBits = new Uint32Array(block(2 * CATEGORY_BITSET_WORDS * 4));
    const features = new Int32Array(block(this.layout.binCount.length * 4));
    const { port1, port2 } = new MessageChannel();
    const buffer = (a: ArrayBufferView) => a.buffer as SharedArrayBuffer;
    const data: HelperData = {
      words: WORDS,
      numbers: NUMBERS,
      control: buffer(control),
      numberBlock: buffer(numbers),
      results: buffer(results),
      resultBits: buffer(resultBits),
      features: buffer(features),
      aux: buffer(this.aux),
      codes: buffer(this.codes),
      scratch: buffer(this.scope.scratch),
      level: {
        ints: buffer(this.level.ints),
        numbers: buffer(this.level.numbers),
        results: buffer(this.level.results),
        resultBits: buffer(this.level.resultBits),
      },
      offsets: this.layout.offsets,
      binCount: this.layout.binCount,
      isCategorical,
      params: { ...params },
      slots: buffer(this.slots),
      slotsAre16Bit: this.slots instanceof Uint16Array,
      grad: buffer(grad),
      hess: buffer(hess),
      rowIndex: buffer(this.rowIndex),
      port: port2,
      rows: this.rows,
      cols: this.layout.binCount.length,
      histogramLength: this.layout.length,
      splitWords: SPLIT_WORDS,
      bitsetWords: CATEGORY_BITSET_WORDS,
    };
    let worker: Worker;
    try {
      worker = new Worker(helperSource(), { eval: true, workerData: data, transferList: [port2] });
    } catch (e) {
      this.helperError = e;
      port1.close();
      return;
    }
    worker.unref();
    // Events arrive only once training yields; a failure is already handled through the control words.
    worker.on("error", (e) => {
      this.helperError = e;
    });
    if (
      Atomics.wait(control, WORDS.READY, 0, HELPER_TIMEOUT_MS) === "timed-out" &&
      Atomics.load(control, WORDS.READY) !== 1
    ) {
      this.helperError = new Error("the helper thread did not start");
      port1.close();
      void worker.terminate();
      return;
    }
    this.worker = worker;
    this.control = control;
    this.numbers = numbers;
    this.results = results;
    this.resultBits = resultBits;
    this.sharedFeatures = features;
    this.port = port1;
    for (const h of this.histograms) port1.postMessage(h.buffer);
  }

  /** Stops the helper (it exits on its own; nothing to wait for). */
  close(): void {
    if (this.control === null) return;
    this.post(OP_EXIT);
    this.control = null;
    this.worker = null;
    this.port?.close();
    this.port = null;
    this.ownFeatures = this.features;
  }

  /** A histogram buffer's id (see {@link histogram}); buffers are reused after {@link releaseHistogram}. */
  acquireHistogram(): number {
    const free = this.freeHistograms.pop();
    if (free !== undefined) return free;
    const h = float64Array(this.layout.length, this.shared);
    this.histograms.push(h);
    this.port?.postMessage(h.buffer);
    return this.histograms.length - 1;
  }

  releaseHistogram(id: number): void {
    this.freeHistograms.push(id);
  }

  /** Marks every histogram free (a tree abandoned half-grown). */
  releaseAllHistograms(): void {
    this.freeHistograms.length = 0;
    for (let id = this.histograms.length - 1; id >= 0; id--) this.freeHistograms.push(id);
  }

  /** The buffer of a histogram id (its slots are filled only for the features of the tree's searches). */
  histogram(id: number): Float64Array {
    return this.histograms[id];
  }

  /** Sets the features of the tree about to grow (ascending). */
  setFeatures(features: Int32Array): void {
    this.features = features;
    this.sharesFeatures = features.length >= FEATURE_SHARE_MIN;
    this.ownFeatures = features;
    if (this.control === null) return;
    this.sharedFeatures!.set(features);
    if (this.sharesFeatures) this.ownFeatures = features.subarray(0, features.length >>> 1);
  }

  /**
   * Runs one node's work over this tree's features (see `searchNode`): `builtBest` and `parentBest` receive the
   * best splits of the built node and of its sibling (feature −1 for none).
   */
  search(job: NodeJob, source: HistogramSource, builtBest: SplitInfo, parentBest: SplitInfo): void {
    const work: NodeWork = {
      built: this.histograms[job.built],
      start: job.start,
      end: job.end,
      parent: job.parent >= 0 ? this.histograms[job.parent] : null,
      builtSums: job.builtSums,
      parentSums: job.parentSums,
    };
    const features = this.features;
    if (!this.sharesFeatures) {
      if (job.end - job.start < SPLIT_ROWS) searchNode(this.ctx, source, features, work, builtBest, parentBest);
      else this.searchInHalves(work, source, builtBest, parentBest);
      return;
    }
    const own = this.ownFeatures.length;
    const posted = own < features.length && this.post(OP_SEARCH, source, own, features.length, job);
    searchNode(this.ctx, source, this.ownFeatures, work, builtBest, parentBest);
    if (!posted) return;
    const results = this.results!;
    const bits = this.resultBits!;
    if (!this.await()) this.redoHelperShare(job, work, source, results, bits);
    mergeSplit(builtBest, results, 0, bits, 0);
    mergeSplit(parentBest, results, SPLIT_WORDS, bits, CATEGORY_BITSET_WORDS);
  }

  /** A narrow tree's large node: the second half of its rows on the helper (or here), then the search here. */
  private searchInHalves(work: NodeWork, source: HistogramSource, builtBest: SplitInfo, parentBest: SplitInfo): void {
    const { features, ctx, aux } = this;
    const mid = work.start + ((work.end - work.start) >>> 1);
    const posted =
      this.control !== null &&
      this.post(OP_HISTOGRAM, source, 0, features.length, { ...HALF_JOB, start: mid, end: work.end });
    accumulateNode(work.built, ctx, source, features, work.start, mid);
    if (!posted || !this.await()) accumulateNode(aux, ctx, source, features, mid, work.end);
    addHistogram(work.built, aux, this.layout.offsets, features);
    finishNode(ctx, source, features, work, builtBest, parentBest);
  }

  /**
   * Runs the `count` jobs written in {@link level}, on both threads when the helper runs (each claims the next
   * job until none is left). False when the helper failed in the middle: its jobs may be half done (rows half
   * partitioned), so the caller grows the tree again, on this thread alone (the helper is stopped).
   */
  runLevel(count: number, source: HistogramSource): boolean {
    const features = this.features;
    if (this.control === null) {
      for (let i = 0; i < count; i++) runLevelJob(this.scope, this.level, i, source, features);
      return true;
    }
    const control = this.control;
    control[WORDS.JOBS] = count;
    Atomics.store(control, WORDS.NEXT_JOB, 0);
    this.post(OP_LEVEL, source, 0, features.length);
    for (let i = Atomics.add(control, WORDS.NEXT_JOB, 1); i < count; i = Atomics.add(control, WORDS.NEXT_JOB, 1)) {
      runLevelJob(this.scope, this.level, i, source, features);
    }
    return this.await();
  }

  /** Result `r` of the last level batch (2i: job i's built child, 2i + 1: its sibling) into `split`. */
  levelResult(r: number, split: SplitInfo): void {
    split.reset();
    mergeSplit(split, this.level.results, r * SPLIT_WORDS, this.level.resultBits, r * CATEGORY_BITSET_WORDS);
  }

  /** Stable partition of `rowIndex[start … end)` by `split`; returns the first index of the right part. */
  partition(split: SplitInfo, start: number, end: number): number {
    const f = split.feature;
    const missing = this.layout.binCount[f];
    fillGoesLeft(this.scope.goesLeft, split.isCategorical, split.bin, missing, split.defaultLeft, split.catBits, 0);
    return partitionRows(this.scope, f, start, end);
  }

  /**
   * The helper's share of a search job it failed, done here into `results`: its slots of the parent histogram may
   * be half subtracted, so the sibling's histogram is rebuilt from the sibling's rows.
   */
  private redoHelperShare(
    job: NodeJob,
    work: NodeWork,
    source: HistogramSource,
    results: Float64Array,
    bits: Uint32Array,
  ): void {
    const theirs = this.features.subarray(this.features.length >>> 1);
    const [a, b] = this.spare;
    searchNode(this.ctx, source, theirs, { ...work, parent: null }, a, b);
    writeSplit(a, results, 0, bits, 0);
    b.reset();
    if (work.parent !== null) {
      const sibling = { ...work, built: work.parent, start: job.siblingStart, end: job.siblingEnd, parent: null };
      searchNode(this.ctx, source, theirs, { ...sibling, builtSums: job.parentSums }, b, a);
    }
    writeSplit(b, results, SPLIT_WORDS, bits, CATEGORY_BITSET_WORDS);
  }

  /** Posts an operation over features `from … to` of this tree, with the node of `job` when it has one. */
  private post(op: number, source?: HistogramSource, from = 0, to = 0, job?: NodeJob): boolean {
    const control = this.control!;
    if (source !== undefined) {
      control[WORDS.FEATURES_FROM] = from;
      control[WORDS.FEATURES_TO] = to;
      control[WORDS.GRAD_OFFSET] = source.grad.byteOffset / 8;
      control[WORDS.HESS_OFFSET] = source.hess.byteOffset / 8;
      control[WORDS.HISTOGRAMS] = this.histograms.length;
      this.numbers![NUMBERS.CONSTANT_HESSIAN] = source.constantHessian;
    }
    if (job !== undefined) this.writeJob(job);
    this.postedAt = performance.now();
    control[WORDS.OP] = op;
    this.seq++;
    Atomics.store(control, WORDS.SEQ, this.seq);
    Atomics.notify(control, WORDS.SEQ);
    return true;
  }

  private writeJob(job: NodeJob): void {
    const control = this.control!;
    const numbers = this.numbers!;
    control[WORDS.START] = job.start;
    control[WORDS.END] = job.end;
    control[WORDS.BUILT] = job.built;
    control[WORDS.PARENT] = job.parent;
    control[WORDS.SEARCH_BUILT] = job.builtSums === null ? 0 : 1;
    control[WORDS.SEARCH_PARENT] = job.parentSums === null ? 0 : 1;
    if (job.builtSums !== null) {
      numbers[NUMBERS.BUILT_SUMS] = job.builtSums.grad;
      numbers[NUMBERS.BUILT_SUMS + 1] = job.builtSums.hess;
      numbers[NUMBERS.BUILT_SUMS + 2] = job.builtSums.count;
    }
    if (job.parentSums !== null) {
      numbers[NUMBERS.PARENT_SUMS] = job.parentSums.grad;
      numbers[NUMBERS.PARENT_SUMS + 1] = job.parentSums.hess;
      numbers[NUMBERS.PARENT_SUMS + 2] = job.parentSums.count;
    }
  }

  /**
   * Waits for the posted job; false (and the helper is dropped) when it failed. It spins briefly first: the
   * helper usually finishes within microseconds of this thread's share, and waking from a futex costs tens of
   * microseconds.
   */
  private await(): boolean {
    const control = this.control!;
    const ownDone = performance.now();
    for (let spin = 0; spin < SPIN_CHECKS && Atomics.load(control, WORDS.DONE) !== this.seq; spin++);
    for (;;) {
      const done = Atomics.load(control, WORDS.DONE);
      if (done === this.seq) break;
      if (
        Atomics.wait(control, WORDS.DONE, done, HELPER_TIMEOUT_MS) === "timed-out" &&
        Atomics.load(control, WORDS.DONE) === done
      ) {
        throw new SlipwayError("SLP_INTERNAL", "the GBDT helper thread stopped answering");
      }
    }
    if (control[WORDS.FAILED] !== 0) {
      const reason = this.port === null ? undefined : receiveMessageOnPort(this.port)?.message;
      this.helperError = new Error(`a job failed on the helper thread: ${String(reason)}`);
      this.close();
      return false;
    }
    this.noteTiming(ownDone);
    return true;
  }

  /**
   * Drops the helper when waiting for it costs more than it saves: sharing a job pays off while the wait after
   * this thread's share is shorter than that share. On a machine whose other core is busy, the helper's share
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
}

/** The fields of a histogram-only job that do not vary. */
const HALF_JOB: NodeJob = {
  built: 0,
  start: 0,
  end: 0,
  parent: -1,
  siblingStart: 0,
  siblingEnd: 0,
  builtSums: null,
  parentSums: null,
};
