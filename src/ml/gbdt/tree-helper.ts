/**
 * The helper thread of `tree-kernels.ts`: its control words, what it receives at start, and its loop. The loop
 * runs from source text (a worker started from a string cannot import modules), so it and the kernels it calls
 * reference only what its scope defines.
 */
import type { MessagePort, receiveMessageOnPort } from "node:worker_threads";
import { histogramKernelSource } from "./histogram.js";
import { levelJobSource, type runLevelJob } from "./level-jobs.js";
import type { accumulateNode, NodeKernels, searchNode, writeSplit } from "./node-search.js";
import { nodeSearchSource } from "./node-search.js";
import { type SplitInfo, type SplitParams, type SplitScratch, splitterKernelSource } from "./splitter.js";

/** Control words shared with the helper (passed to it by name). */
export const WORDS = {
  SEQ: 0,
  DONE: 1,
  OP: 2,
  READY: 3,
  FAILED: 4,
  START: 5,
  END: 6,
  BUILT: 7,
  PARENT: 8,
  SEARCH_BUILT: 9,
  SEARCH_PARENT: 10,
  FEATURES_FROM: 11,
  FEATURES_TO: 12,
  GRAD_OFFSET: 13,
  HESS_OFFSET: 14,
  HISTOGRAMS: 15,
  JOBS: 16,
  NEXT_JOB: 17,
} as const;
export const CONTROL_WORDS = 18;
/** Float64 words: the constant hessian, then the built node's and the sibling's totals. */
export const NUMBERS = { CONSTANT_HESSIAN: 0, BUILT_SUMS: 1, PARENT_SUMS: 4 } as const;
export const NUMBER_WORDS = 7;
/** Operations: search this tree's second half of the features; the second half of a node's rows; a level's jobs. */
export const OP_SEARCH = 1;
export const OP_HISTOGRAM = 2;
export const OP_LEVEL = 3;
export const OP_EXIT = 4;

/** What the helper receives at start; every array it writes, or that this thread rewrites, is shared memory. */
export interface HelperData {
  words: typeof WORDS;
  numbers: typeof NUMBERS;
  control: SharedArrayBuffer;
  numberBlock: SharedArrayBuffer;
  results: SharedArrayBuffer;
  resultBits: SharedArrayBuffer;
  features: SharedArrayBuffer;
  /** The narrow trees' second-half histogram. */
  aux: SharedArrayBuffer;
  /** Column-major bin codes and the partition's scratch rows (level jobs partition on either thread). */
  codes: SharedArrayBuffer;
  scratch: SharedArrayBuffer;
  level: {
    ints: SharedArrayBuffer;
    numbers: SharedArrayBuffer;
    results: SharedArrayBuffer;
    resultBits: SharedArrayBuffer;
  };
  offsets: Int32Array;
  binCount: Int32Array;
  isCategorical: Uint8Array;
  params: SplitParams;
  slots: SharedArrayBuffer;
  slotsAre16Bit: boolean;
  grad: SharedArrayBuffer;
  hess: SharedArrayBuffer;
  rowIndex: SharedArrayBuffer;
  /** New histogram buffers arrive here, one message each, before the first job that uses them. */
  port: MessagePort;
  rows: number;
  cols: number;
  histogramLength: number;
  splitWords: number;
  bitsetWords: number;
}

/** What the helper's scope provides besides its own source: the kernels and the synchronous message receive. */
interface HelperScope {
  kernels: NodeKernels;
  searchNode: typeof searchNode;
  accumulateNode: typeof accumulateNode;
  writeSplit: typeof writeSplit;
  runLevelJob: typeof runLevelJob;
  SplitInfo: typeof SplitInfo;
  SplitScratch: typeof SplitScratch;
  receiveMessageOnPort: typeof receiveMessageOnPort;
}

/** The helper's loop. Self-contained: its source is what the helper runs. */
function helperMain(data: HelperData, k: HelperScope): void {
  const W = data.words;
  const N = data.numbers;
  const control = new Int32Array(data.control);
  const numbers = new Float64Array(data.numberBlock);
  const results = new Float64Array(data.results);
  const resultBits = new Uint32Array(data.resultBits);
  const features = new Int32Array(data.features);
  const slots = data.slotsAre16Bit ? new Uint16Array(data.slots) : new Uint32Array(data.slots);
  const aux = new Float64Array(data.aux);
  const histograms: Float64Array[] = [];
  const ctx = {
    kernels: k.kernels,
    layout: { offsets: data.offsets, binCount: data.binCount, length: data.histogramLength },
    isCategorical: data.isCategorical,
    rowIndex: new Int32Array(data.rowIndex),
    params: data.params,
    scratch: new k.SplitScratch(),
  };
  const builtBest = new k.SplitInfo();
  const parentBest = new k.SplitInfo();
  const builtSums = { grad: 0, hess: 0, count: 0 };
  const parentSums = { grad: 0, hess: 0, count: 0 };
  const source = {
    slots,
    cols: data.cols,
    grad: new Float64Array(data.grad, 0, data.rows) as Float64Array,
    hess: new Float64Array(data.hess, 0, data.rows) as Float64Array,
    constantHessian: 0,
  };
  const work = {
    built: new Float64Array(0) as Float64Array,
    start: 0,
    end: 0,
    parent: null as Float64Array | null,
    builtSums: null as typeof builtSums | null,
    parentSums: null as typeof parentSums | null,
  };
  const level = {
    ints: new Int32Array(data.level.ints),
    numbers: new Float64Array(data.level.numbers),
    results: new Float64Array(data.level.results),
    resultBits: new Uint32Array(data.level.resultBits),
  };
  const scope = {
    ctx,
    codes: new Uint8Array(data.codes),
    rows: data.rows,
    scratch: new Int32Array(data.scratch),
    goesLeft: new Uint8Array(256),
    histograms,
    builtBest,
    parentBest,
    builtSums,
    parentSums,
    splitWords: data.splitWords,
    searchNode: k.searchNode,
    writeSplit: k.writeSplit,
  };
  Atomics.store(control, W.READY, 1);
  Atomics.notify(control, W.READY);
  let seq = 0;
  for (;;) {
    // Spin (about a millisecond) before sleeping: during training the next job follows within microseconds.
    for (let spin = 0; spin < 200000 && Atomics.load(control, W.SEQ) === seq; spin++);
    if (Atomics.load(control, W.SEQ) === seq) Atomics.wait(control, W.SEQ, seq);
    const next = Atomics.load(control, W.SEQ);
    if (next === seq) continue;
    seq = next;
    const op = control[W.OP];
    if (op === 4) return;
    try {
      while (histograms.length < control[W.HISTOGRAMS]) {
        const m = k.receiveMessageOnPort(data.port);
        if (m === undefined) throw new Error("a histogram buffer did not arrive");
        histograms.push(new Float64Array(m.message as SharedArrayBuffer));
      }
      if (source.grad.byteOffset !== control[W.GRAD_OFFSET] * 8) {
        source.grad = new Float64Array(data.grad, control[W.GRAD_OFFSET] * 8, data.rows);
      }
      if (source.hess.byteOffset !== control[W.HESS_OFFSET] * 8) {
        source.hess = new Float64Array(data.hess, control[W.HESS_OFFSET] * 8, data.rows);
      }
      source.constantHessian = numbers[N.CONSTANT_HESSIAN];
      builtSums.grad = numbers[N.BUILT_SUMS];
      builtSums.hess = numbers[N.BUILT_SUMS + 1];
      builtSums.count = numbers[N.BUILT_SUMS + 2];
      parentSums.grad = numbers[N.PARENT_SUMS];
      parentSums.hess = numbers[N.PARENT_SUMS + 1];
      parentSums.count = numbers[N.PARENT_SUMS + 2];
      work.built = histograms[control[W.BUILT]];
      work.start = control[W.START];
      work.end = control[W.END];
      work.parent = control[W.PARENT] >= 0 ? histograms[control[W.PARENT]] : null;
      work.builtSums = control[W.SEARCH_BUILT] === 1 ? builtSums : null;
      work.parentSums = control[W.SEARCH_PARENT] === 1 ? parentSums : null;
      const fs = features.subarray(control[W.FEATURES_FROM], control[W.FEATURES_TO]);
      if (op === 3) {
        // Level jobs are claimed one at a time from a counter this thread shares with the calling one.
        for (
          let i = Atomics.add(control, W.NEXT_JOB, 1);
          i < control[W.JOBS];
          i = Atomics.add(control, W.NEXT_JOB, 1)
        ) {
          k.runLevelJob(scope, level, i, source, fs);
        }
      } else if (op === 2) {
        k.accumulateNode(aux, ctx, source, fs, work.start, work.end);
      } else {
        k.searchNode(ctx, source, fs, work, builtBest, parentBest);
        k.writeSplit(builtBest, results, 0, resultBits, 0);
        k.writeSplit(parentBest, results, data.splitWords, resultBits, data.bitsetWords);
      }
    } catch (e) {
      // Reported through the control word (and the reason through the port); the calling thread redoes the job.
      data.port.postMessage(String(e));
      control[W.FAILED] = 1;
    }
    Atomics.store(control, W.DONE, seq);
    Atomics.notify(control, W.DONE);
  }
}

export function helperSource(): string {
  return [
    '"use strict";',
    'const { workerData, receiveMessageOnPort } = require("node:worker_threads");',
    histogramKernelSource(),
    splitterKernelSource(),
    nodeSearchSource(),
    levelJobSource(),
    `(${helperMain.toString()})(workerData, {
      kernels: { zeroHistogram, accumulateHistogram, fillConstantHessian, subtractHistogram, findBestSplit },
      searchNode, accumulateNode, writeSplit, runLevelJob, SplitInfo, SplitScratch, receiveMessageOnPort });`,
  ].join("\n");
}
