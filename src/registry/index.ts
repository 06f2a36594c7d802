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
