export {
  type AuditEntry,
  type ModelRef,
  type ModelSummary,
  type ModelVersionRecord,
  parseModelRef,
  Registry,
  type ReleasePolicy,
} from "./registry.js";
export type { Actor, ApprovalRequest, PromoteResult } from "./releases.js";
export type { TrafficSplit } from "./traffic.js";
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
