import { columnOf, type FittedStep, type OutputColumn } from "./fitted-step.js";
import type { PassthroughSpec } from "./transform-spec.js";
import type { WorkColumn, WorkTable } from "./work-table.js";

/** Numeric or time columns into the features unchanged (times as epoch ms). Nothing is learnt. */
export class Passthrough implements FittedStep {
  readonly outputs: OutputColumn[];
  readonly consumes: string[] = [];

  constructor(
    readonly spec: PassthroughSpec,
    kinds: readonly OutputColumn["kind"][],
  ) {
    this.outputs = spec.columns.map((name, c) => ({ name, kind: kinds[c] }));
  }

  apply(table: WorkTable): WorkColumn[] {
    // The same arrays: no step writes into a column it reads, so sharing is safe.
    return this.spec.columns.map((name) => columnOf(table, name));
  }

  fittedJson(): Record<string, unknown> {
    return {};
  }

  fittedState() {
    return { json: {}, blobs: {} };
  }
}
