import { type ErrorDetail, invalidInput } from "../../core/errors.js";
import { featureNamesOf } from "./feature-matrix.js";
import type { FittedStep } from "./fitted-step.js";
import {
  checkKeys,
  pointerTo,
  readArray,
  readBoolean,
  readEnum,
  readObject,
  readString,
  stringItem,
} from "./json-reader.js";
import { parsePipelineConfig } from "./parse-config.js";
import { type PipelinePlan, planPipeline } from "./pipeline-plan.js";
import { loadStep } from "./step-registry.js";
import type { PipelineConfig } from "./transform-spec.js";
import type { InputColumn } from "./work-table.js";

const KINDS = ["number", "time", "string"] as const;

function readInputs(obj: Record<string, unknown>, details: ErrorDetail[]): InputColumn[] | undefined {
  return readArray(
    obj,
    "inputs",
    "",
    details,
    (v, at): InputColumn | undefined => {
      const entry = readObject(v, at, details);
      if (!entry) return undefined;
      const name = readString(entry, "name", at, details);
      const kind = readEnum(entry, "kind", at, details, KINDS);
      const required = readBoolean(entry, "required", at, details);
      if (name === undefined || kind === undefined) return undefined;
      if (required === undefined) details.push({ field: pointerTo(at, "required"), reason: "required" });
      return { name, kind, required: required ?? true };
    },
    { required: true },
  );
}

/** Step i's blobs, by their local names (`times`, not `features.2.times`). */
function stepBlobs(blobs: Record<string, Float64Array>, prefix: string | undefined, i: number) {
  const local: Record<string, Float64Array> = {};
  if (prefix === undefined) return local;
  const start = `${prefix}.${i}.`;
  for (const [name, array] of Object.entries(blobs))
    if (name.startsWith(start)) local[name.slice(start.length)] = array;
  return local;
}

function sameInputs(a: readonly InputColumn[], b: readonly InputColumn[]): boolean {
  return (
    a.length === b.length &&
    a.every((c, i) => c.name === b[i].name && c.kind === b[i].kind && c.required === b[i].required)
  );
}

/**
 * Reads a stored fitted pipeline (`FittedPipelineJson`): the config is parsed and planned again, every step's
 * parameters are checked, and the stored inputs and feature names must be what they imply. Problems are
 * `SLP_INPUT_INVALID`, each naming its JSON pointer.
 */
export function readFittedPipeline(
  json: unknown,
  blobs: Record<string, Float64Array>,
): { config: PipelineConfig; plan: PipelinePlan; steps: FittedStep[] } {
  const details: ErrorDetail[] = [];
  const fail = () => invalidInput("the stored feature pipeline is invalid", details);
  const obj = readObject(json, "/", details);
  if (!obj) throw fail();
  checkKeys(obj, "", ["format", "version", "config", "inputs", "featureNames", "steps", "blobPrefix"], details);
  readEnum(obj, "format", "", details, ["slipway.feature-pipeline"]);
  if (obj.version !== 1) details.push({ field: "/version", reason: "expected 1 (the only format this build reads)" });
  const inputs = readInputs(obj, details);
  const featureNames = readArray(obj, "featureNames", "", details, stringItem(details), { required: true });
  const steps = readArray(obj, "steps", "", details, (v) => v, { required: true });
  const blobPrefix = readString(obj, "blobPrefix", "", details, false);
  if (details.length > 0 || !inputs || !featureNames || !steps) throw fail();

  const config = parsePipelineConfig(obj.config, "/config");
  const kinds = new Map(inputs.map((c) => [c.name, c.kind]));
  const plan = planPipeline(config, (name) => kinds.get(name), "the stored inputs", "/config");
  if (!sameInputs(plan.inputs, inputs))
    details.push({ field: "/inputs", reason: "do not match what the config reads from the input" });
  if (steps.length !== config.transforms.length)
    details.push({ field: "/steps", reason: `expected ${config.transforms.length} fitted steps, one per transform` });
  if (details.length > 0) throw fail();

  const fitted: FittedStep[] = [];
  config.transforms.forEach((spec, i) => {
    const step = loadStep(
      spec,
      steps[i],
      pointerTo("/steps", i),
      details,
      stepBlobs(blobs, blobPrefix, i),
      plan.readKinds[i],
    );
    if (step) fitted.push(step);
  });
  if (details.length > 0) throw fail();
  const expected = featureNamesOf(fitted);
  if (expected.length !== featureNames.length || expected.some((n, j) => n !== featureNames[j]))
    details.push({ field: "/featureNames", reason: "do not match the fitted steps' outputs" });
  if (details.length > 0) throw fail();
  return { config, plan, steps: fitted };
}
