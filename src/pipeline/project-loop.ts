import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type FSWatcher, watch } from "chokidar";
import type { ProjectConfig } from "../config/index.js";
import { type Family, type Frame, isSlipwayError, SlipwayError, sliceFrame } from "../core/index.js";
import { evaluateModel, fitFamily, sortByTime, type TrainSpec, trainModel } from "../models/index.js";
import { normalizeCondition } from "../registry/index.js";
import type { PipelineContext } from "./context.js";
import { type DatasetSpec, ingestFile, latestDatasetVersion } from "./ingest.js";
import { CODE_VERSION, finishRun, readGateBundle, registerModel, startRun } from "./register-model.js";
import type { JobRunner } from "./runner.js";

export interface GateDecision {
  passed: boolean;
  metric: string;
  candidate: number;
  champion: number | null;
  championVersion: number | null;
  reason: string;
}

export interface CandidateOutcome {
  datasetVersion: number;
  decision: GateDecision | null;
  version: number | null;
  skipped?: string;
  /** Set when the version was registered but the release policy's gate conditions refused its release. */
  refused?: string;
}

/**
 * The closed loop of a project on one process: files in the source folder are ingested as jobs, a new dataset
 * version queues a training job, the candidate is gated against the champion on the same evaluation window, and
 * a passing candidate is registered and released by the project's policy.
 */
export class ProjectLoop {
  private watcher: FSWatcher | null = null;
  readonly sourceDir: string;
  readonly dataset: DatasetSpec;

  private policyApplied = false;

  constructor(
    private readonly ctx: PipelineContext,
    private readonly config: ProjectConfig,
    projectDir: string,
    private readonly runner: JobRunner,
  ) {
    this.sourceDir = resolve(projectDir, config.dataset.source);
    this.dataset = {
      name: config.dataset.name,
      schema: {
        columns: config.dataset.columns.map((c) => ({ ...c })),
        ...(config.dataset.timeColumn ? { timeColumn: config.dataset.timeColumn } : {}),
      },
      quarantine: { ...config.dataset.quarantine },
    };
    runner.register("ingest", async (payload) => {
      const { file } = payload as { file: string };
      const result = await ingestFile(this.ctx, this.dataset, file);
      if (result.datasetVersion !== null) await this.runner.enqueue("train", { datasetVersion: result.datasetVersion });
      return result;
    });
    runner.register("train", async (payload) => {
      const { datasetVersion } = payload as { datasetVersion?: number };
      return this.trainCandidate(datasetVersion);
    });
  }

  /** Queues every CSV in the source folder (already-ingested files are skipped by content hash), then training. */
  /**
   * The project file's release policy and gate conditions, applied once per process to a model registered before
   * (audited): a `slipway policy` change made while the process runs lasts until it restarts.
   */
  private async applyPolicy(): Promise<void> {
    if (this.policyApplied) return;
    this.policyApplied = true;
    const { name } = this.config.model;
    const { policy, gate } = this.config.release;
    const current = await this.ctx.registry.releasePolicyOf(name);
    const sameGate = JSON.stringify(current.gate) === JSON.stringify(gate.map(normalizeCondition));
    if (current.policy !== policy || !sameGate) {
      await this.ctx.registry.updatePolicy(
        name,
        { ...(current.policy !== policy ? { policy } : {}), ...(!sameGate ? { gate } : {}) },
        { actor: "slipway", reason: "the project file's release policy" },
      );
    }
  }

  async ingestAll(): Promise<void> {
    let names: string[] = [];
    try {
      names = (await readdir(this.sourceDir)).filter((n) => n.toLowerCase().endsWith(".csv")).sort();
    } catch (error) {
      throw new SlipwayError("SLP_CONFIG_INVALID", `cannot read the source folder ${this.sourceDir}`, [
        { field: "/dataset/source", reason: (error as Error).message },
      ]);
    }
    for (const name of names) await this.runner.enqueue("ingest", { file: join(this.sourceDir, name) });
    // Trains the latest version if no model was trained on it yet (for instance after a crash).
    await this.runner.enqueue("train", {});
  }

  /** Watches the source folder: a new or changed CSV is ingested once its size has settled. */
  watch(): void {
    this.watcher = watch(this.sourceDir, {
      ignoreInitial: true,
      depth: 0,
      awaitWriteFinish: { stabilityThreshold: 200, pollInterval: 50 },
    });
    const onFile = (path: string) => {
      if (!path.toLowerCase().endsWith(".csv")) return;
      void this.runner
        .enqueue("ingest", { file: path })
        .catch((e) => this.ctx.logger.error({ err: e }, "enqueue failed"));
    };
    this.watcher.on("add", onFile).on("change", onFile);
  }

  async close(): Promise<void> {
    await this.watcher?.close();
  }

  /** Trains, gates, registers and releases a candidate on a dataset version (default: the latest). */
  async trainCandidate(datasetVersion?: number): Promise<CandidateOutcome> {
    const { config, ctx } = this;
    const latest = await latestDatasetVersion(ctx, config.dataset.name);
    if (!latest) return { datasetVersion: 0, decision: null, version: null, skipped: "no data yet" };
    if (datasetVersion !== undefined && datasetVersion !== latest.version) {
      return {
        datasetVersion,
        decision: null,
        version: null,
        skipped: `superseded by dataset version ${latest.version}`,
      };
    }
    if (await this.alreadyTrained(latest.version)) {
      return { datasetVersion: latest.version, decision: null, version: null, skipped: "already trained" };
    }
    const m = config.model;
    const timeColumn = config.dataset.timeColumn;
    const targetColumn = config.dataset.columns.find((c) => c.name === m.target);
    const spec: TrainSpec = {
      task: m.task,
      target: m.target,
      ...(timeColumn ? { timeColumn } : {}),
      ...(targetColumn ? { targetColumn } : {}),
      features: config.dataset.columns.filter((c) => c.name !== m.target && c.name !== timeColumn),
      params: { ...m.params },
      seed: m.seed,
    };
    const frame = timeColumn ? sortByTime(latest.frame, timeColumn) : latest.frame;
    const holdout = config.evaluation.holdout;
    const run = await startRun(ctx, m.name, m.task, m.family, spec.params);
    try {
      const result = trainModel(frame, spec, m.family, { kind: "holdout", rows: holdout });
      const decision = await this.gate(frame, spec, holdout, result.metrics);
      const lineage = {
        dataset: config.dataset.name,
        datasetVersion: latest.version,
        datasetHash: latest.contentHash,
        seed: m.seed,
        params: spec.params,
        codeVersion: CODE_VERSION,
        evaluation: { plan: "holdout", rows: holdout, gate: decision },
        candidates: result.candidates,
      };
      ctx.bus.emit("gate.decided", {
        model: m.name,
        candidate: 0,
        champion: decision.championVersion,
        passed: decision.passed,
        reason: decision.reason,
      });
      if (!decision.passed) {
        await finishRun(ctx, run.runId, "gate_failed", { family: result.family, metrics: result.metrics, lineage });
        ctx.logger.warn({ model: m.name, ...decision }, "candidate failed the gate");
        return { datasetVersion: latest.version, decision, version: null };
      }
      const version = await registerModel(ctx, {
        name: m.name,
        runId: run.runId,
        model: result.model,
        ...(result.scored ? { scored: result.scored } : {}),
        metrics: result.metrics,
        lineage,
        releasePolicy: config.release.policy,
      });
      await finishRun(ctx, run.runId, "succeeded", { family: result.family, metrics: result.metrics, lineage });
      await this.applyPolicy();
      // Under `manual`, staging moves and an approval request opens; under `auto`, production moves. Either way
      // the policy's gate conditions apply, and a refusal is audited by the registry.
      let release: Awaited<ReturnType<typeof ctx.registry.promote>>;
      try {
        release = await ctx.registry.promote(m.name, version, {
          actor: "slipway",
          reason: decision.reason,
          action: "release",
        });
      } catch (error) {
        if (!isSlipwayError(error) || error.code !== "SLP_GATE_FAILED") throw error;
        ctx.logger.warn({ model: m.name, version, details: error.details }, "release refused by the policy's gate");
        return { datasetVersion: latest.version, decision, version, refused: error.message };
      }
      ctx.logger.info(
        { model: m.name, version, alias: release.alias, status: release.status, metrics: result.metrics },
        "released",
      );
      return { datasetVersion: latest.version, decision, version };
    } catch (error) {
      await finishRun(ctx, run.runId, "failed", { error: (error as Error).message });
      throw error;
    }
  }

  /**
   * Scores the production version on the same window as the candidate: its hyperparameters, refitted on the same
   * training rows, predicting the same held-out rows. The hyperparameters are the scored model's when the version
   * keeps one (a forecaster registered as a fresh fit on every row has learnt from this window). The candidate passes when its metric is at most the
   * champion's × (1 + tolerance), or when there is no champion.
   */
  private async gate(
    frame: Frame,
    spec: TrainSpec,
    holdout: number,
    metrics: Record<string, number>,
  ): Promise<GateDecision> {
    const { metric, tolerance } = this.config.gate;
    const candidate = metrics[metric] as number;
    const aliases = await this.ctx.registry.aliasesOf(this.config.model.name);
    const championVersion = aliases.production ?? null;
    if (championVersion === null) return decideGate(metric, candidate, null, tolerance);
    const record = await this.ctx.registry.getVersion(this.config.model.name, championVersion);
    let champion = Number.NaN;
    try {
      const { state } = await readGateBundle(this.ctx.stores.artifacts, record.artifactKey);
      const n = frame.rowCount;
      const train = sliceFrame(frame, 0, n - holdout);
      const test = sliceFrame(frame, n - holdout, n);
      const replay = fitFamily(record.family as Exclude<Family, "auto">, train, spec, { hyperparametersFrom: state });
      champion = evaluateModel(replay, test, spec)[metric] as number;
    } catch (error) {
      // A champion that can no longer be replayed (its family or task changed) cannot hold a candidate back.
      this.ctx.logger.warn(
        { err: error, model: record.model, version: record.version },
        "champion could not be replayed",
      );
    }
    return decideGate(metric, candidate, { version: championVersion, score: champion }, tolerance);
  }

  private async alreadyTrained(datasetVersion: number): Promise<boolean> {
    const rows = await this.ctx.stores.metadata.db
      .selectFrom("runs")
      .select("lineage_json")
      .where("model", "=", this.config.model.name)
      .where("status", "in", ["succeeded", "gate_failed"])
      .execute();
    return rows.some((r) => {
      const l = JSON.parse(r.lineage_json) as { dataset?: string; datasetVersion?: number };
      return l.dataset === this.config.dataset.name && l.datasetVersion === datasetVersion;
    });
  }
}

/**
 * The gate rule (lower metric is better): the candidate passes when there is no champion, or when its score is at
 * most the champion's × (1 + tolerance). A candidate whose score is not a number never passes; a champion whose
 * score is not a number (it could not be replayed) never blocks.
 */
export function decideGate(
  metric: string,
  candidate: number,
  champion: { version: number; score: number } | null,
  tolerance: number,
): GateDecision {
  const base = { metric, candidate, champion: champion?.score ?? null, championVersion: champion?.version ?? null };
  if (!Number.isFinite(candidate))
    return { ...base, passed: false, reason: `gate failed: candidate ${metric} is ${candidate}` };
  if (champion === null) return { ...base, passed: true, reason: "gate passed: first version, no champion" };
  const passed = !Number.isFinite(champion.score) || candidate <= champion.score * (1 + tolerance);
  const detail = `${metric} ${fmt(candidate)} vs champion v${champion.version} ${fmt(champion.score)} (tolerance ${tolerance * 100}%)`;
  return { ...base, passed, reason: `gate ${passed ? "passed" : "failed"}: ${detail}` };
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toPrecision(6) : String(v);
}
