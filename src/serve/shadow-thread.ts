/**
 * One shadow worker thread as the serving thread sees it: posts bundles and jobs, matches answers to jobs, and
 * fails every waiting job when the thread dies (the runner then starts another on its next job).
 *
 * The thread runs `shadow-worker.js`, a real file: vitest rewrites imported bindings, so code handed to a worker
 * must not come from a module it transformed. Built, that file sits beside this one; when this file runs as
 * TypeScript source (the tests), the built copy in `dist/` is used.
 */
import { Worker } from "node:worker_threads";
import { ERROR_CODES, type ErrorCode, SlipwayError } from "../core/index.js";
import type { FromShadowWorker, ShadowJob, ShadowWorkerData, ToShadowWorker } from "./shadow-protocol.js";

/** Bundles a thread keeps at most (a shadow version and the ones it replaced lately); older ones are forgotten. */
const MAX_BUNDLES = 4;

export interface ShadowResult {
  outputs: unknown[];
  latencyMs: number;
}

function workerEntry(): URL {
  const fromSource = import.meta.url.endsWith(".ts");
  return new URL(fromSource ? "../../dist/serve/shadow-worker.js" : "./shadow-worker.js", import.meta.url);
}

function errorCode(code: string): ErrorCode {
  return code in ERROR_CODES ? (code as ErrorCode) : "SLP_INTERNAL";
}

export class ShadowThread {
  private nextJobId = 0;
  private readonly waiting = new Map<number, { resolve: (r: ShadowResult) => void; reject: (e: Error) => void }>();
  /** Bundles posted (or being read to post), by `model:version`, oldest first. */
  private readonly bundles = new Map<string, Promise<void>>();
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on("message", (m: FromShadowWorker) => {
      const w = this.waiting.get(m.jobId);
      this.waiting.delete(m.jobId);
      if (m.ok) w?.resolve({ outputs: m.outputs, latencyMs: m.latencyMs });
      else w?.reject(new SlipwayError(errorCode(m.code), `shadow prediction failed: ${m.message}`));
    });
    worker.on("error", (error) =>
      this.fail(new SlipwayError("SLP_INTERNAL", "the shadow worker failed", [], { cause: error })),
    );
    worker.on("exit", (code) => this.fail(new SlipwayError("SLP_INTERNAL", `the shadow worker exited (${code})`)));
    // Serving keeps the process alive; a thread left running must not.
    worker.unref();
  }

  static start(data: ShadowWorkerData): ShadowThread {
    return new ShadowThread(new Worker(workerEntry(), { workerData: data }));
  }

  /** False once the thread failed or exited; its jobs have been rejected. */
  get isAlive(): boolean {
    return this.failure === null;
  }

  /**
   * Runs `job` on the thread. The first job of a version posts its bundle first, as `readFiles` returns it (the
   * thread cannot share the serving thread's store object; a copy of the bytes works for every store backend).
   */
  async run(job: ShadowJob, readFiles: () => Promise<Map<string, Uint8Array>>): Promise<ShadowResult> {
    const key = `${job.model}:${job.version}`;
    let posted = this.bundles.get(key);
    if (posted === undefined) {
      posted = readFiles().then((files) => this.post({ type: "load", key, artifactKey: job.artifactKey, files }));
      this.bundles.set(key, posted);
      posted.catch(() => this.bundles.delete(key)); // the next job of the version reads it again
      this.forgetOldBundles();
    }
    await posted;
    if (this.failure) throw this.failure;
    const jobId = this.nextJobId++;
    return new Promise<ShadowResult>((resolve, reject) => {
      this.waiting.set(jobId, { resolve, reject });
      this.post({ type: "run", jobId, key, job });
    });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private forgetOldBundles(): void {
    for (const key of this.bundles.keys()) {
      if (this.bundles.size <= MAX_BUNDLES) return;
      this.bundles.delete(key);
      this.post({ type: "forget", key });
    }
  }

  private post(message: ToShadowWorker): void {
    if (this.failure) throw this.failure;
    this.worker.postMessage(message);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const w of this.waiting.values()) w.reject(this.failure);
    this.waiting.clear();
  }
}
