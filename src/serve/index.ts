export { buildServer, type ServeDeps } from "./app.js";
export { ServiceMetrics } from "./metrics.js";
export { ModelCache } from "./model-cache.js";
export { modelView } from "./routes/models.js";
