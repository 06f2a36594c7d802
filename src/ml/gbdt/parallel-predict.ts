/**
 * Batch prediction on two threads: a helper thread scores the second half of a large batch while the calling
 * thread scores the first, for forests without categorical splits. The helper is started on the first large batch
 * of a forest and kept (unref'd, asleep between batches) for the next ones; it is stopped when the forest is
 * garbage-collected. The forest's arrays are copied once into shared memory; each batch copies its second half's
 * rows in and the scores out (a few percent of the work). Prediction stays synchronous: the calling thread waits
 * on a control word (Atomics), and any failure of the helper makes it score those rows itself.
 */
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import type { GbdtMatrix } from "./bin-mapper.js";
import {
  type createForestScorer,
  type ForestScorer,
  type NumericForest,
  numericKernelSource,
  predictNumericRows,
} from "./forest-kernels.js";
import { forestKernelModule } from "./wasm-forest-kernel.js";

/** Batches with fewer rows are scored on the calling thread alone (the hand-off costs ~0.1 ms). */
export const PARALLEL_PREDICT_ROWS = 4096;

const SEQ = 0;
const DONE = 1;
const ROWS = 2;
const COLS = 3;
const GENERATION = 4;
const FAILED = 5;
const READY = 6;
const EXIT = 7;
const CONTROL_WORDS = 8;

/** How long the calling thread waits for the helper before scoring its rows itself. */
const START_TIMEOUT_MS = 10_000;
const JOB_TIMEOUT_MS = 60_000;

interface HelperData {
  control: SharedArrayBuffer;
  forest: SharedArrayBuffer;
  values: SharedArrayBuffer;
  roots: SharedArrayBuffer;
  groupDepth: SharedArrayBuffer;
  baseline: SharedArrayBuffer;
  outputs: number;
  treeCount: number;
  port: MessagePort;
  /** The compiled WebAssembly kernel (see `wasm-forest-kernel.ts`), null where there is none. */
  kernelModule: object | null;
}

interface HelperKernels {
  predictNumericRows: typeof predictNumericRows;
  createForestScorer: typeof createForestScorer;
  receiveMessageOnPort: (
    port: MessagePort,
  ) => { message: { generation: number; input: SharedArrayBuffer; output: SharedArrayBuffer } } | undefined;
}

/** The helper's loop; self-contained (its source is what the helper runs): control indices are literals. */
function helperMain(data: HelperData, kernels: HelperKernels): void {
  const control = new Int32Array(data.control);
  const forest = {
    numbers: new Float64Array(data.forest),
    ints: new Int32Array(data.forest),
    values: new Float64Array(data.values),
    roots: new Int32Array(data.roots),
    groupDepth: new Int32Array(data.groupDepth),
    outputs: data.outputs,
    treeCount: data.treeCount,
  };
  const baseline = new Float64Array(data.baseline);
  const scorer = data.kernelModule === null ? null : kernels.createForestScorer(data.kernelModule, forest);
  let input: Float64Array = new Float64Array(0);
  let output: Float64Array = new Float64Array(0);
  let generation = 0;
  Atomics.store(control, 6, 1);
  Atomics.notify(control, 6);
  let seq = 0;
  for (;;) {
    for (let spin = 0; spin < 20000 && Atomics.load(control, 0) === seq; spin++);
    if (Atomics.load(control, 0) === seq) Atomics.wait(control, 0, seq);
    const next = Atomics.load(control, 0);
    if (next === seq) continue;
    seq = next;
    if (control[7] === 1) return;
    try {
      while (generation !== control[4]) {
        const m = kernels.receiveMessageOnPort(data.port);
        if (m === undefined) throw new Error("batch buffers were never sent");
        generation = m.message.generation;
        input = new Float64Array(m.message.input);
        output = new Float64Array(m.message.output);
      }
      kernels.predictNumericRows(forest, baseline, input, control[3], output, 0, control[2], scorer);
    } catch {
      control[5] = 1;
    }
    Atomics.store(control, 1, seq);
    Atomics.notify(control, 1);
  }
}

function helperSource(): string {
  return [
    '"use strict";',
    'const { workerData, receiveMessageOnPort } = require("node:worker_threads");',
    numericKernelSource(),
    `(${helperMain.toString()})(workerData, { predictNumericRows, createForestScorer, receiveMessageOnPort });`,
  ].join("\n");
}

function shared<T extends Float64Array | Int32Array>(a: T): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(buffer).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return buffer;
}

/** Stops a forest's helper when the forest is collected (the helper holds no reference to it). */
const helpers = new FinalizationRegistry<{ worker: Worker; control: Int32Array }>(({ worker, control }) => {
  control[EXIT] = 1;
  Atomics.add(control, SEQ, 1);
  Atomics.notify(control, SEQ);
  void worker.terminate();
});

/** One forest's helper thread. */
export class PredictHelper {
  private input: Float64Array = new Float64Array(0);
  private output: Float64Array = new Float64Array(0);
  private generation = 0;
  private seq = 0;
  /** False once the helper failed; then every batch is scored on the calling thread. */
  private usable = true;

  private constructor(
    private readonly forest: NumericForest,
    private readonly control: Int32Array,
    private readonly baseline: Float64Array,
    private readonly port: MessagePort | null,
  ) {}

  /** Starts the helper for `forest` (an unusable helper when the thread cannot start). */
  static start(forest: NumericForest): PredictHelper {
    const control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
    const baseline = new Float64Array(new SharedArrayBuffer(forest.outputs * 8));
    const channel = new MessageChannel();
    const data: HelperData = {
      control: control.buffer as SharedArrayBuffer,
      forest: shared(forest.numbers),
      values: shared(forest.values),
      roots: shared(forest.roots),
      groupDepth: shared(forest.groupDepth),
      baseline: baseline.buffer as SharedArrayBuffer,
      outputs: forest.outputs,
      treeCount: forest.treeCount,
      port: channel.port2,
      kernelModule: forestKernelModule(),
    };
    let worker: Worker;
    try {
      worker = new Worker(helperSource(), { eval: true, workerData: data, transferList: [channel.port2] });
    } catch {
      const helper = new PredictHelper(forest, control, baseline, null);
      helper.usable = false;
      return helper;
    }
    worker.unref();
    worker.on("error", () => {
      // A failed helper is seen through the control words; nothing to do here.
    });
    channel.port1.unref();
    const helper = new PredictHelper(forest, control, baseline, channel.port1);
    if (Atomics.wait(control, READY, 0, START_TIMEOUT_MS) === "timed-out" && Atomics.load(control, READY) !== 1) {
      helper.usable = false;
      void worker.terminate();
      return helper;
    }
    helpers.register(forest, { worker, control });
    return helper;
  }

  /**
   * Scores `X` into `out` on both threads; false (nothing written) when the helper is not usable, so the caller
   * scores alone.
   */
  predict(baseline: Float64Array, X: GbdtMatrix, out: Float64Array, scorer: ForestScorer | null = null): boolean {
    if (!this.usable || this.port === null) return false;
    const { rows, cols, data } = X;
    const K = this.forest.outputs;
    const mid = rows >>> 1;
    const n = rows - mid;
    if (this.input.length < n * cols || this.output.length < n * K) {
      this.input = new Float64Array(new SharedArrayBuffer(n * cols * 8));
      this.output = new Float64Array(new SharedArrayBuffer(n * K * 8));
      this.port.postMessage({ generation: ++this.generation, input: this.input.buffer, output: this.output.buffer });
    }
    this.input.set(data.subarray(mid * cols, rows * cols));
    this.baseline.set(baseline);
    const control = this.control;
    control[ROWS] = n;
    control[COLS] = cols;
    control[GENERATION] = this.generation;
    control[FAILED] = 0;
    this.seq++;
    Atomics.store(control, SEQ, this.seq);
    Atomics.notify(control, SEQ);
    predictNumericRows(this.forest, baseline, data, cols, out, 0, mid, scorer);
    for (let spin = 0; spin < 20000 && Atomics.load(control, DONE) !== this.seq; spin++);
    while (Atomics.load(control, DONE) !== this.seq) {
      const done = Atomics.load(control, DONE);
      if (Atomics.wait(control, DONE, done, JOB_TIMEOUT_MS) === "timed-out" && Atomics.load(control, DONE) === done) {
        this.usable = false;
        break;
      }
    }
    if (!this.usable || control[FAILED] !== 0) {
      this.usable = false;
      predictNumericRows(this.forest, baseline, data, cols, out, mid, rows, scorer);
      return true;
    }
    out.set(this.output.subarray(0, n * K), mid * K);
    return true;
  }
}
