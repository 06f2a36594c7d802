import { type Static, Type } from "@sinclair/typebox";

const Name = Type.String({ pattern: "^[A-Za-z0-9._-]{1,64}$" });

export const ColumnSchemaType = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.Union([
      Type.Literal("number"),
      Type.Literal("integer"),
      Type.Literal("string"),
      Type.Literal("boolean"),
      Type.Literal("time"),
    ]),
    required: Type.Optional(Type.Boolean()),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    values: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

/** The project file (`slipway.config.json`, or `.js`/`.mjs` exporting `defineProject({...})` as default). */
export const ProjectSchema = Type.Object(
  {
    name: Name,
    dataset: Type.Object(
      {
        name: Name,
        /** Folder (relative to the project) whose CSV files add to the dataset. */
        source: Type.String({ default: "data/raw" }),
        timeColumn: Type.Optional(Type.String()),
        columns: Type.Array(ColumnSchemaType, { minItems: 1 }),
        quarantine: Type.Object(
          {
            /** A file with at least this many rows … */
            minRows: Type.Integer({ minimum: 1, default: 20 }),
            /** … and more than this share of bad rows is quarantined whole. */
            maxRejectedShare: Type.Number({ minimum: 0, maximum: 1, default: 0.05 }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    model: Type.Object(
      {
        name: Name,
        task: Type.Union([
          Type.Literal("forecast"),
          Type.Literal("regression"),
          Type.Literal("binary"),
          Type.Literal("multiclass"),
        ]),
        target: Type.String(),
        family: Type.Union(
          [
            Type.Literal("auto"),
            Type.Literal("gp"),
            Type.Literal("linear"),
            Type.Literal("ets"),
            Type.Literal("gbdt"),
            Type.Literal("lstm"),
          ],
          { default: "auto" },
        ),
        /** Family hyperparameters, validated by the family. */
        params: Type.Record(Type.String(), Type.Unknown(), { default: {} }),
        seed: Type.Integer({ default: 42 }),
      },
      { additionalProperties: false },
    ),
    evaluation: Type.Object(
      {
        /** The last `holdout` rows are the evaluation window. */
        holdout: Type.Integer({ minimum: 1, default: 12 }),
      },
      { default: {}, additionalProperties: false },
    ),
    gate: Type.Object(
      {
        metric: Type.Union([Type.Literal("rmse"), Type.Literal("mae")], { default: "rmse" }),
        /** The candidate passes when its metric ≤ champion's × (1 + tolerance). */
        tolerance: Type.Number({ minimum: 0, default: 0 }),
      },
      { default: {}, additionalProperties: false },
    ),
    release: Type.Object(
      {
        policy: Type.Union([Type.Literal("auto"), Type.Literal("manual")], { default: "auto" }),
        /**
         * Gate conditions a version must meet to reach production, on its registered metrics: absolute (`max`,
         * `min`) or relative to the champion's (`maxRatio: 1.02`: ≤ 1.02 × the production version's). Each has at
         * least one bound. Applied to the model by `slipway up` as the policy is.
         */
        gate: Type.Array(
          Type.Object(
            {
              metric: Type.String({ pattern: "^[A-Za-z0-9_.-]{1,64}$" }),
              max: Type.Optional(Type.Number()),
              maxRatio: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
              min: Type.Optional(Type.Number()),
              minRatio: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
            },
            { additionalProperties: false },
          ),
          { default: [], maxItems: 32 },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
    serve: Type.Object(
      {
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080 }),
        host: Type.String({ default: "127.0.0.1" }),
        maxHorizon: Type.Integer({ minimum: 1, default: 1000 }),
        /** Route groups that need an API token besides the admin routes: `predict`, `read` (model listing). */
        protect: Type.Array(Type.Union([Type.Literal("predict"), Type.Literal("read")]), {
          default: [],
          uniqueItems: true,
        }),
        /** Time limits per route group, in milliseconds (predict: predict, forecast, V2 infer; admin; read). */
        timeouts: Type.Object(
          {
            predict: Type.Integer({ minimum: 1, default: 10_000 }),
            admin: Type.Integer({ minimum: 1, default: 30_000 }),
            read: Type.Integer({ minimum: 1, default: 10_000 }),
          },
          { default: {}, additionalProperties: false },
        ),
      },
      { default: {}, additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export type ProjectConfig = Static<typeof ProjectSchema>;
/** What users write: everything that has a default may be left out. */
export type ProjectInput = Omit<ProjectConfig, "evaluation" | "gate" | "release" | "serve" | "dataset" | "model"> & {
  dataset: Omit<ProjectConfig["dataset"], "source" | "quarantine"> &
    Partial<Pick<ProjectConfig["dataset"], "source" | "quarantine">>;
  model: Omit<ProjectConfig["model"], "family" | "params" | "seed"> &
    Partial<Pick<ProjectConfig["model"], "family" | "params" | "seed">>;
  evaluation?: Partial<ProjectConfig["evaluation"]>;
  gate?: Partial<ProjectConfig["gate"]>;
  release?: Partial<ProjectConfig["release"]>;
  serve?: Partial<ProjectConfig["serve"]>;
};
