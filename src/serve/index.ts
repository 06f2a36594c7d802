export { buildServer, type ServeDeps } from "./app.js";
export { actorOf, requireScope } from "./auth.js";
export { ServiceMetrics } from "./metrics.js";
export { ModelCache, routingPoint } from "./model-cache.js";
export {
  approvalView,
  approveView,
  descriptionView,
  gateView,
  promoteView,
  splitView,
  tagsView,
  tokenView,
} from "./routes/admin.js";
export { modelView } from "./routes/models.js";
export type { ShadowOptions } from "./shadow.js";
export { DEFAULT_TIMEOUTS, type RouteTimeouts } from "./timeouts.js";
export { grants, hashToken, parseScopes, SCOPES, type Scope, type TokenInfo, TokenStore } from "./tokens.js";
