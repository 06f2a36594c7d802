/**
 * The JSON document of a `SequenceRegressor`: format tag, version, config and the flat parameter vector as base64
 * of its little-endian float64 bytes (bit-exact). Parsing checks every field, since the document comes from a
 * bundle; the config's values are then checked by the regressor like any other config.
 */
import { invalidInput } from "../../core/index.js";
import { decodeFloat64Base64, encodeFloat64Base64 } from "./float64-base64.js";

export const REGRESSOR_JSON_FORMAT = "slipway.nn.sequence-regressor";

/** The config as stored (every field present). */
export interface StoredRegressorConfig {
  inputSize: number;
  layers: number[];
  dropout: number;
  outputSize: number;
  seed: number;
}

/** The JSON form of a regressor. */
export interface SequenceRegressorJson {
  format: typeof REGRESSOR_JSON_FORMAT;
  version: 1;
  config: StoredRegressorConfig;
  /** The flat parameter vector (layout: `SequenceNetwork.parameterLayout`), base64 of its little-endian bytes. */
  weights: string;
}

export function regressorToJson(config: StoredRegressorConfig, params: Float64Array): SequenceRegressorJson {
  return {
    format: REGRESSOR_JSON_FORMAT,
    version: 1,
    config: { ...config, layers: [...config.layers] },
    weights: encodeFloat64Base64(params),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The config and weights of a document, its fields type-checked. */
export function parseRegressorJson(json: unknown): { config: StoredRegressorConfig; weights: Float64Array } {
  if (!isRecord(json)) throw invalidInput("not a regressor document", [{ field: "/", reason: "expected an object" }]);
  if (json.format !== REGRESSOR_JSON_FORMAT || json.version !== 1) {
    throw invalidInput("not a regressor document", [
      { field: "/format", reason: `expected ${REGRESSOR_JSON_FORMAT} version 1, got ${String(json.format)}` },
    ]);
  }
  const c = json.config;
  if (!isRecord(c))
    throw invalidInput("regressor config missing", [{ field: "/config", reason: "expected an object" }]);
  const num = (key: string): number => {
    const v = c[key];
    if (typeof v !== "number") {
      throw invalidInput("regressor config field missing", [{ field: `/config/${key}`, reason: "expected a number" }]);
    }
    return v;
  };
  const layers = c.layers;
  if (!Array.isArray(layers) || !layers.every((u): u is number => typeof u === "number")) {
    throw invalidInput("regressor config field missing", [{ field: "/config/layers", reason: "expected numbers" }]);
  }
  if (typeof json.weights !== "string") {
    throw invalidInput("regressor weights missing", [{ field: "/weights", reason: "expected a base64 string" }]);
  }
  return {
    config: {
      inputSize: num("inputSize"),
      layers: [...layers],
      dropout: num("dropout"),
      outputSize: num("outputSize"),
      seed: num("seed"),
    },
    weights: decodeFloat64Base64(json.weights, "/weights"),
  };
}
