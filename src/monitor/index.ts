export { type PredictionLogEntry, PredictionLogWriter } from "./prediction-log.js";
export {
  EVENT_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
  WebhookChannel,
  type WebhookOptions,
} from "./webhook.js";
