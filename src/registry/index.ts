export type { CanaryStepOutcome } from "./canary-stepper.js";
export {
  evaluateGate,
  formatGateCondition,
  type GateBound,
  type GateBoundResult,
  type GateCheck,
  type GateCondition,
  gateProblems,
  normalizeCondition,
  parseGateCondition,
} from "./gate.js";
export { gateText, type PolicyState } from "./policy.js";
export {
  type AuditEntry,
  type ModelRef,
  type ModelSummary,
  type ModelVersionRecord,
  parseModelRef,
  Registry,
  type ReleasePolicy,
} from "./registry.js";
export type { Actor, ApprovalRequest, ApproveResult, ForceableActor, PromoteResult } from "./releases.js";
export {
  type CanarySchedule,
  durationText,
  MAX_STEP_EVERY_MS,
  MIN_STEP_EVERY_MS,
  type ScheduleFieldNames,
  scheduleProblems,
  scheduleText,
  type TrafficSplit,
} from "./traffic.js";
export {
  type DescribeResult,
  descriptionProblem,
  MAX_DESCRIPTION_CHARS,
  MAX_TAG_VALUE_CHARS,
  MAX_TAGS,
  TAG_KEY,
  type TagChange,
  type TagFieldNames,
  type TagsResult,
  tagChangeProblems,
} from "./version-notes.js";
