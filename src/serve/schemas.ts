import { Type } from "@sinclair/typebox";

/** Route schemas: one definition feeds validation, serialisation and (later) the OpenAPI document. */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Array(Type.Object({ field: Type.String(), reason: Type.String() })),
  }),
});

export const ModelParams = Type.Object({ name: Type.String({ pattern: "^[A-Za-z0-9._-]{1,128}$" }) });
export const VersionParams = Type.Object({
  name: Type.String({ pattern: "^[A-Za-z0-9._-]{1,128}$" }),
  version: Type.String({ pattern: "^[1-9][0-9]{0,8}$" }),
});

export const Level = Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.95 });

export function forecastBody(maxHorizon: number) {
  return Type.Object(
    {
      horizon: Type.Integer({ minimum: 1, maximum: maxHorizon }),
      level: Type.Optional(Level),
      /** The series to forecast, for a model trained on several (`--id COL`). */
      id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    },
    { additionalProperties: false },
  );
}

export const PredictBody = Type.Object(
  {
    instances: Type.Array(Type.Object({}, { additionalProperties: true }), { minItems: 1, maxItems: 100_000 }),
    level: Type.Optional(Level),
    /** Attach to each prediction an `explanation`: every feature's contribution and the expected value. */
    explain: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);
