/**
 * Shadow traffic off the response path and off the serving thread: a shadow copy starts only once the champion's
 * answer is done (the response's `close` event, which also comes when the client went away) and its prediction runs
 * on a worker thread the runner owns, so a slow shadow holds up neither the answer it copies nor the requests that
 * arrive while it runs. At most `maxInFlight` copies are in flight (waiting for their answer or on the worker);
 * past that, copies are dropped and counted, never queued without bound. A failing shadow, or a worker that died
 * under it, is counted and reported through `onError`, never to the client; the next copy starts a new worker.
 */
import type { FastifyReply } from "fastify";
import { SlipwayError } from "../core/index.js";
import { readBundleFiles } from "../models/index.js";
import type { ArtifactStore } from "../store/index.js";
import type { ShadowJob } from "./shadow-protocol.js";
import { type ShadowResult, ShadowThread } from "./shadow-thread.js";

export type { ShadowJob } from "./shadow-protocol.js";

/** How a server runs its shadow copies. */
export interface ShadowOptions {
  /** Copies in flight at most; past that, copies are dropped. */
  maxInFlight?: number;
  /**
   * URL of a module whose `loadModel(store, artifactKey)` export loads a shadow model on the worker (a wrapped or
   * instrumented model, say); the bundle loader `loadBundledModel` when absent.
   */
  loadModel?: string;
}

export interface ShadowHooks {
  /** A copy failed (the prediction threw, its bundle did not load, or the worker died). */
  onError: (error: unknown, job: ShadowJob) => void;
  /** A copy was dropped: too many in flight, or the runner is closed. */
  onDrop?: (job: ShadowJob) => void;
}

export class ShadowRunner {
  private inFlight = 0;
  private thread: ShadowThread | null = null;
  private closed = false;
  private readonly maxInFlight: number;
  dropped = 0;
  failed = 0;

  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly hooks: ShadowHooks,
    private readonly options: ShadowOptions = {},
  ) {
    this.maxInFlight = options.maxInFlight ?? 64;
  }

  /** Runs `job` on the worker after `reply` is sent, and hands its outputs to `onOutputs` (on this thread). */
  after(reply: FastifyReply, job: ShadowJob, onOutputs: (result: ShadowResult) => void): void {
    if (this.closed || this.inFlight >= this.maxInFlight) {
      this.dropped++;
      this.hooks.onDrop?.(job);
      return;
    }
    this.inFlight++;
    reply.raw.once("close", () => {
      this.run(job)
        .then(onOutputs)
        .catch((error: unknown) => {
          // Copies cut short by close() are not failures of the shadow.
          if (this.closed) return;
          this.failed++;
          this.hooks.onError(error, job);
        })
        .finally(() => {
          this.inFlight--;
        });
    });
  }

  /** Terminates the worker; copies still in flight are abandoned and later ones dropped. */
  async close(): Promise<void> {
    this.closed = true;
    const thread = this.thread;
    this.thread = null;
    await thread?.terminate();
  }

  private async run(job: ShadowJob): Promise<ShadowResult> {
    if (this.closed) throw new SlipwayError("SLP_INTERNAL", "the shadow runner is closed");
    if (this.thread === null || !this.thread.isAlive) {
      this.thread = ShadowThread.start(
        this.options.loadModel !== undefined ? { loadModel: this.options.loadModel } : {},
      );
    }
    return this.thread.run(job, () => readBundleFiles(this.artifacts, job.artifactKey));
  }
}
