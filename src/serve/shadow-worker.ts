/**
 * The shadow worker thread's entry (started by `shadow-thread.ts` from the built file). It keeps the shadow models
 * the serving thread posted bundles for, runs one job at a time and answers each with its outputs or its error.
 */
import { parentPort, workerData } from "node:worker_threads";
import { isSlipwayError, SlipwayError } from "../core/index.js";
import { type FittedModel, loadBundledModel } from "../models/index.js";
import type { ArtifactStore } from "../store/index.js";
import type { FromShadowWorker, ShadowJob, ShadowWorkerData, ToShadowWorker } from "./shadow-protocol.js";

type LoadModel = (store: ArtifactStore, artifactKey: string) => Promise<FittedModel>;

/** A bundle's files as posted by the serving thread, read through the `ArtifactStore` contract the loader takes. */
class PostedBundle implements ArtifactStore {
  readonly description = "a bundle posted to the shadow worker";

  constructor(private readonly files: Map<string, Uint8Array>) {}

  async get(key: string): Promise<Buffer> {
    const bytes = this.files.get(key);
    if (bytes === undefined) throw new SlipwayError("SLP_MODEL_NOT_FOUND", `artifact ${key} was not posted`);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  async exists(key: string): Promise<boolean> {
    return this.files.has(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.files.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  async put(key: string): Promise<void> {
    throw new SlipwayError("SLP_INTERNAL", `the shadow worker's bundle is read-only (put ${key})`);
  }

  async delete(key: string): Promise<void> {
    throw new SlipwayError("SLP_INTERNAL", `the shadow worker's bundle is read-only (delete ${key})`);
  }
}

async function loaderFrom(data: ShadowWorkerData): Promise<LoadModel> {
  if (data.loadModel === undefined) return loadBundledModel;
  const loaded: { loadModel?: unknown } = await import(data.loadModel);
  if (typeof loaded.loadModel !== "function") {
    throw new SlipwayError("SLP_INTERNAL", `${data.loadModel} has no loadModel export`);
  }
  return loaded.loadModel as LoadModel;
}

function predictOn(model: FittedModel, job: ShadowJob): unknown[] {
  return job.kind === "predict"
    ? model.predict(job.instances, job.level, "/instances")
    : model.forecast(job.horizon, job.level, job.id);
}

function main(): void {
  const port = parentPort;
  if (port === null) throw new SlipwayError("SLP_INTERNAL", "shadow-worker.js runs only as a worker thread");
  const loader = loaderFrom(workerData as ShadowWorkerData);
  // A loader that fails to import fails every load that awaits it; this only keeps it from counting as unhandled.
  loader.catch(() => undefined);
  const models = new Map<string, Promise<FittedModel>>();
  const answer = (m: FromShadowWorker) => port.postMessage(m);

  port.on("message", async (m: ToShadowWorker) => {
    if (m.type === "load") {
      const model = loader.then((load) => load(new PostedBundle(m.files), m.artifactKey));
      // Likewise, a failed load is reported by every job that awaits it.
      model.catch(() => undefined);
      models.set(m.key, model);
      return;
    }
    if (m.type === "forget") {
      models.delete(m.key);
      return;
    }
    try {
      const model = models.get(m.key);
      if (model === undefined) throw new SlipwayError("SLP_INTERNAL", `shadow model ${m.key} was never posted`);
      const fitted = await model;
      const started = performance.now();
      const outputs = predictOn(fitted, m.job);
      answer({ jobId: m.jobId, ok: true, outputs, latencyMs: performance.now() - started });
    } catch (error) {
      answer({
        jobId: m.jobId,
        ok: false,
        code: isSlipwayError(error) ? error.code : "SLP_INTERNAL",
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
}

main();
