export { type CsvRecord, type CsvText, type MalformedRow, readCsvFile, readCsvText } from "./csv-reader.js";
export { appendFrames, contentHash, type MergeResult, mergeByTime } from "./dataset-merge.js";
export { deserializeFrame, type FrameJson, frameToRows, serializeFrame } from "./frame-json.js";
export { type InferOptions, inferSchema } from "./infer-schema.js";
export {
  isMissing,
  type ParsedCell,
  parseBoolean,
  parseCell,
  parseNumber,
  parseTime,
  parseTimeDetailed,
} from "./parse-value.js";
export {
  csvField,
  quarantineWholeFile,
  shouldQuarantineWholeFile,
  type WholeFileRule,
  writeRejected,
} from "./quarantine.js";
export { type RejectedRow, type ValidationResult, validateRecords } from "./validate.js";
