import { invalidInput } from "../../core/errors.js";
import type { Frame } from "../../core/frame.js";
import { assembleMatrix, type FeatureMatrix, featureNamesOf } from "./feature-matrix.js";
import type { FittedStep } from "./fitted-step.js";
import { pointerTo } from "./json-reader.js";
import { parsePipelineConfig } from "./parse-config.js";
import { type PipelinePlan, planPipeline } from "./pipeline-plan.js";
import { readFittedPipeline } from "./read-fitted-pipeline.js";
import { tableFromRecords } from "./record-table.js";
import { fitStep } from "./step-registry.js";
import type { PipelineConfig } from "./transform-spec.js";
import { type InputColumn, tableFromFrame, tableOfFrame, type WorkColumn, type WorkTable } from "./work-table.js";

/** Rows to transform: a frame, or JSON records (one object per row, as from a request body). */
export type TransformInput = Frame | readonly unknown[];

export interface TransformOptions {
  /** JSON pointer of the records in error details (default `/records`, giving `/records/3/price`). */
  pointerPrefix?: string;
  /**
   * Recent observations for the lag steps (rows with their entity, time and value columns; see
   * `historyColumns`). For every entity that has rows here, they replace the history stored at fit time.
   */
  history?: TransformInput;
  /** JSON pointer of history records in error details (default `/history`). */
  historyPointerPrefix?: string;
}

/** The stored form of a fitted pipeline: plain JSON (`toJSON`), or JSON plus blobs (`toState`). */
export interface FittedPipelineJson {
  format: "slipway.feature-pipeline";
  version: 1;
  config: PipelineConfig;
  inputs: InputColumn[];
  featureNames: string[];
  steps: Record<string, unknown>[];
  /** Set by `toState`: step i's blob `name` is stored as `<blobPrefix>.<i>.<name>`. */
  blobPrefix?: string;
}

function isRecordList(input: TransformInput): input is readonly unknown[] {
  return Array.isArray(input);
}

function writeOutputs(table: WorkTable, step: FittedStep, columns: WorkColumn[]): void {
  step.outputs.forEach((out, k) => {
    table.columns.set(out.name, columns[k]);
  });
}

/**
 * An ordered list of feature transforms (see `transform-spec.ts` for the config), validated on construction.
 * Each step reads input columns or earlier steps' outputs; `fit` learns every step on the training rows only.
 */
export class TransformPipeline {
  private constructor(readonly config: PipelineConfig) {}

  /** Validates a JSON config; unknown transforms or fields are `SLP_INPUT_INVALID` naming the field. */
  static fromConfig(config: unknown): TransformPipeline {
    return new TransformPipeline(parsePipelineConfig(config));
  }

  /**
   * Fits every step, in order, on `train` (the training split only: nothing about other rows may leak into
   * the statistics). Each step is fitted on the training rows as the steps before it transformed them.
   */
  fit(train: Frame): FittedTransformPipeline {
    const plan = planPipeline(this.config, (name) => train.columns.get(name)?.kind, "the training data");
    const table = tableOfFrame(train);
    const steps = this.config.transforms.map((spec, i) => {
      const step = fitStep(spec, table, pointerTo("/transforms", i), plan.readKinds[i]);
      writeOutputs(table, step, step.apply(table, { history: null }));
      return step;
    });
    return new FittedTransformPipeline(this.config, plan, steps);
  }
}

/**
 * A fitted pipeline: transforms frames or records into a feature matrix using only what fitting learnt, and
 * stores as JSON. The same rows give the same matrix, to the bit, from a frame or from records, before or
 * after a JSON round trip.
 */
export class FittedTransformPipeline {
  /** Matrix column names, in order. */
  readonly featureNames: readonly string[];
  /** Columns a frame or record must carry (optional ones may be absent: they read as missing). */
  readonly inputs: readonly InputColumn[];
  /** Columns of the history rows `transform` accepts for the lag steps; empty without lag steps. */
  readonly historyColumns: readonly InputColumn[];

  constructor(
    readonly config: PipelineConfig,
    plan: PipelinePlan,
    private readonly steps: readonly FittedStep[],
  ) {
    this.inputs = plan.inputs;
    this.historyColumns = plan.history;
    this.featureNames = featureNamesOf(steps);
  }

  /**
   * The feature matrix of `input`, one row per input row. Errors are `SLP_INPUT_INVALID` naming each field: a
   * missing or retyped column, an unparseable record field, or (unless `allowMissing`) a missing feature value.
   */
  transform(input: TransformInput, options: TransformOptions = {}): FeatureMatrix {
    const table = this.table(input, this.inputs, options.pointerPrefix ?? "/records");
    let history: WorkTable | null = null;
    if (options.history !== undefined) {
      const prefix = options.historyPointerPrefix ?? "/history";
      if (this.historyColumns.length === 0)
        throw invalidInput("history was sent, but the feature pipeline has no lag features", [
          { field: prefix, reason: "not used by this model" },
        ]);
      history = this.table(options.history, this.historyColumns, prefix);
    }
    for (const step of this.steps) writeOutputs(table, step, step.apply(table, { history }));
    return assembleMatrix(table, this.featureNames, this.config.allowMissing);
  }

  private table(input: TransformInput, columns: readonly InputColumn[], pointerPrefix: string): WorkTable {
    return isRecordList(input) ? tableFromRecords(input, columns, pointerPrefix) : tableFromFrame(input, columns);
  }

  /** Plain JSON of the config and every learnt parameter (stored history inline; NaN as null). */
  toJSON(): FittedPipelineJson {
    return {
      format: "slipway.feature-pipeline",
      version: 1,
      config: this.config,
      inputs: this.inputs.map((c) => ({ ...c })),
      featureNames: [...this.featureNames],
      steps: this.steps.map((s) => s.fittedJson()),
    };
  }

  /** As `toJSON`, with large arrays (lag histories) moved to blobs named `<blobPrefix>.<step>.<name>`. */
  toState(blobPrefix = "features"): { json: FittedPipelineJson; blobs: Record<string, Float64Array> } {
    const blobs: Record<string, Float64Array> = {};
    const steps = this.steps.map((step, i) => {
      const state = step.fittedState();
      for (const [name, array] of Object.entries(state.blobs)) blobs[`${blobPrefix}.${i}.${name}`] = array;
      return state.json;
    });
    return { json: { ...this.toJSON(), steps, blobPrefix }, blobs };
  }

  /** Rebuilds a pipeline from `toJSON` output (e.g. after `JSON.parse`), validating every field. */
  static fromJSON(json: unknown): FittedTransformPipeline {
    return FittedTransformPipeline.fromState({ json, blobs: {} });
  }

  /** Rebuilds a pipeline from `toState` output, validating every field. */
  static fromState(state: { json: unknown; blobs: Record<string, Float64Array> }): FittedTransformPipeline {
    const { config, plan, steps } = readFittedPipeline(state.json, state.blobs);
    return new FittedTransformPipeline(config, plan, steps);
  }
}
