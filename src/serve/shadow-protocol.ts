/** The messages between the serving thread and the shadow worker thread (see `shadow-thread.ts`). */

/** One shadow copy: the request it copies and the version that predicts it. */
export type ShadowJob = {
  requestId: string;
  model: string;
  version: number;
  /** Where the version's bundle lives in the artifact store. */
  artifactKey: string;
  level: number;
} & ({ kind: "predict"; instances: Record<string, unknown>[] } | { kind: "forecast"; horizon: number; id?: string });

/** What the worker is started with. */
export interface ShadowWorkerData {
  /** URL of a module whose `loadModel(store, key)` export loads a model; the bundle loader when absent. */
  loadModel?: string;
}

/** Serving thread to worker. `key` is `model:version`; a bundle is posted once before the first job that needs it. */
export type ToShadowWorker =
  | { type: "load"; key: string; artifactKey: string; files: Map<string, Uint8Array> }
  | { type: "forget"; key: string }
  | { type: "run"; jobId: number; key: string; job: ShadowJob };

/** Worker to serving thread: a job's outputs and how long the prediction took, or why it failed. */
export type FromShadowWorker =
  | { jobId: number; ok: true; outputs: unknown[]; latencyMs: number }
  | { jobId: number; ok: false; code: string; message: string };
