export type { PipelineContext } from "./context.js";
export { type DatasetSpec, type IngestResult, ingestFile, latestDatasetVersion } from "./ingest.js";
export { type CandidateOutcome, decideGate, type GateDecision, ProjectLoop } from "./project-loop.js";
export { CODE_VERSION, type Lineage, registerModel } from "./register-model.js";
export { type JobContext, type JobHandler, JobRunner, type RunnerOptions } from "./runner.js";
export { type TrainFileRequest, type TrainFileResult, trainFromFile } from "./train-file.js";
