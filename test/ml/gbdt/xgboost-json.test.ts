import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isSlipwayError, type SlipwayError } from "../../../src/core/errors.js";
import { XgboostModel, type XgboostState } from "../../../src/ml/gbdt/xgboost-json.js";
import type { Matrix } from "../../../src/ml/linalg/matrix.js";

// Fixtures written by bench/python/xgboost_fixtures.py (XGBoost 1.7.4): NAME.model.txt is save_model's JSON, byte
// for byte; NAME.cases.txt (JSON) the inputs (null = missing) and XGBoost's margins and predictions, rows × outputs.
// The .txt extension keeps the linter, which formats every .json file and cannot parse NaN, off them.
const FIXTURES = new URL("../../fixtures/xgboost/", import.meta.url);

interface Cases {
  objective: string;
  booster: string;
  rows: number;
  cols: number;
  outputs: number;
  X: (number | null)[][];
  margin: number[];
  prediction: number[];
}

function load(name: string): { text: string; cases: Cases; X: Matrix } {
  const text = readFileSync(new URL(`${name}.model.txt`, FIXTURES), "utf8");
  const cases: Cases = JSON.parse(readFileSync(new URL(`${name}.cases.txt`, FIXTURES), "utf8"));
  const X: Matrix = { rows: cases.rows, cols: cases.cols, data: new Float64Array(cases.rows * cases.cols) };
  cases.X.forEach((row, i) => {
    row.forEach((v, j) => {
      X.data[i * cases.cols + j] = v === null ? Number.NaN : v;
    });
  });
  return { text, cases, X };
}

/**
 * The agreement the reader promises: |ours − XGBoost's| ≤ 1e-6 · max(1, |XGBoost's|), i.e. absolute below 1
 * (probabilities) and relative above (regression responses, counts). XGBoost's outputs are float32, whose
 * spacing is 6e-8 relative, so this is a few float32 steps of room for the float64 link functions.
 */
function expectAgree(actual: Float64Array, expected: number[]): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  }
  expect(worst).toBeLessThanOrEqual(1e-6);
}

function errorOf(fn: () => unknown): SlipwayError {
  try {
    fn();
  } catch (e) {
    if (isSlipwayError(e)) return e;
    throw e;
  }
  throw new Error("expected a SlipwayError");
}

const CASES = [
  { name: "regression", objective: "reg:squarederror", numClass: 0, outputs: 1 },
  { name: "pseudohuber", objective: "reg:pseudohubererror", numClass: 0, outputs: 1 },
  { name: "binary", objective: "binary:logistic", numClass: 2, outputs: 1 },
  { name: "multiclass", objective: "multi:softprob", numClass: 3, outputs: 3 },
  { name: "poisson", objective: "count:poisson", numClass: 0, outputs: 1 },
  { name: "categorical", objective: "reg:squarederror", numClass: 0, outputs: 1 },
  { name: "dart", objective: "reg:squarederror", numClass: 0, outputs: 1 },
] as const;

describe("XgboostModel against XGBoost 1.7.4", () => {
  it.each(CASES)("matches XGBoost's margins and predictions: $name", ({ name, objective, numClass, outputs }) => {
    const { text, cases, X } = load(name);
    const model = XgboostModel.fromJSON(text);
    expect(model.objective).toBe(objective);
    expect(model.numClass).toBe(numClass);
    expect(model.numOutputs).toBe(outputs);
    expect(model.numFeatures).toBe(cases.cols);
    expect(cases.outputs).toBe(outputs);
    const margin = model.predictRaw(X);
    expectAgree(margin, cases.margin);
    // The float32 steps are XGBoost's own, so the margins are not only close but identical.
    expect(Array.from(margin)).toEqual(cases.margin);
    expectAgree(model.predict(X), cases.prediction);
  });

  it("reads the parsed object as well as the text", () => {
    const { text, cases, X } = load("multiclass");
    const model = XgboostModel.fromJSON(JSON.parse(text));
    expectAgree(model.predict(X), cases.prediction);
  });

  it("reads text with XGBoost's bare NaN tokens (categorical thresholds), which JSON.parse alone rejects", () => {
    const { text } = load("categorical");
    expect(text).toContain("NaN");
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    expect(XgboostModel.fromJSON(text).treeCount).toBe(12);
  });

  it("restores from its state, through a JSON round trip of the plain part, and predicts identically", () => {
    for (const { name } of CASES) {
      const { text, X } = load(name);
      const model = XgboostModel.fromJSON(text);
      const state = model.toJSON();
      const stored: XgboostState = { json: JSON.parse(JSON.stringify(state.json)), blobs: state.blobs };
      const restored = XgboostModel.fromState(stored);
      expect(restored.predict(X)).toEqual(model.predict(X));
      expect(restored.predictRaw(X)).toEqual(model.predictRaw(X));
    }
  });

  it("writes into the caller's buffer", () => {
    const { text, X } = load("multiclass");
    const model = XgboostModel.fromJSON(text);
    const out = new Float64Array(X.rows * 3);
    expect(model.predict(X, out)).toBe(out);
    expect(out).toEqual(model.predict(X));
    const rowSums = Array.from({ length: X.rows }, (_, i) => out[3 * i] + out[3 * i + 1] + out[3 * i + 2]);
    for (const s of rowSums) expect(s).toBeCloseTo(1, 12);
  });
});

/** A one-split model: feature 0 < threshold goes to leaf -1, else leaf +1; missing goes right. */
function stump(threshold = 0.1): Record<string, unknown> {
  return {
    learner: {
      attributes: {},
      feature_names: [],
      feature_types: [],
      gradient_booster: {
        model: {
          gbtree_model_param: { num_parallel_tree: "1", num_trees: "1", size_leaf_vector: "0" },
          tree_info: [0],
          trees: [
            {
              base_weights: [0, -1, 1],
              categories: [],
              categories_nodes: [],
              categories_segments: [],
              categories_sizes: [],
              default_left: [0, 0, 0],
              id: 0,
              left_children: [1, -1, -1],
              loss_changes: [1, 0, 0],
              parents: [2147483647, 0, 0],
              right_children: [2, -1, -1],
              split_conditions: [threshold, -1, 1],
              split_indices: [0, 0, 0],
              split_type: [0, 0, 0],
              sum_hessian: [2, 1, 1],
              tree_param: { num_deleted: "0", num_feature: "2", num_nodes: "3", size_leaf_vector: "0" },
            },
          ],
        },
        name: "gbtree",
      },
      learner_model_param: {
        base_score: "5E-1",
        boost_from_average: "1",
        num_class: "0",
        num_feature: "2",
        num_target: "1",
      },
      objective: { name: "reg:squarederror", reg_loss_param: { scale_pos_weight: "1" } },
    },
    version: [1, 7, 4],
  };
}

/** The stump with `edit` applied to a deep copy. */
function editedStump(edit: (m: ReturnType<typeof asAny>) => void): Record<string, unknown> {
  const m = structuredClone(stump());
  edit(asAny(m));
  return m;
}

// Test-only: reach into the literal above to break it on purpose.
// biome-ignore lint/suspicious/noExplicitAny: deliberately malformed inputs
function asAny(m: Record<string, unknown>): any {
  return m;
}

describe("XgboostModel split rule", () => {
  it("compares the float32 value of the input with the float32 threshold", () => {
    const model = XgboostModel.fromJSON(stump(0.1));
    // 0.1 as float32 is 0.100000001490116…; the float64 0.1 lies below it but rounds to it, so it goes right.
    const X: Matrix = { rows: 4, cols: 2, data: Float64Array.from([0.1, 0, 0.09999999, 0, Number.NaN, 0, 0.2, 0]) };
    expect(Array.from(model.predictRaw(X))).toEqual([1.5, -0.5, 1.5, 1.5]);
  });
});

describe("XgboostModel validation", () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    [
      "an unsupported objective",
      () => editedStump((m) => (m.learner.objective.name = "rank:pairwise")),
      "/learner/objective/name",
      /not supported/,
    ],
    [
      "gblinear",
      () => editedStump((m) => (m.learner.gradient_booster.name = "gblinear")),
      "/learner/gradient_booster/name",
      /gblinear/,
    ],
    [
      "arrays of different lengths",
      () => editedStump((m) => m.learner.gradient_booster.model.trees[0].left_children.pop()),
      "/learner/gradient_booster/model/trees/0/left_children",
      /expected 3 entries/,
    ],
    [
      "a child index out of range",
      () => editedStump((m) => (m.learner.gradient_booster.model.trees[0].right_children[0] = 7)),
      "/learner/gradient_booster/model/trees/0/right_children/0",
      /integer in \[-1, 2\]/,
    ],
    [
      "nodes that do not form a tree",
      () => editedStump((m) => (m.learner.gradient_booster.model.trees[0].right_children[0] = 1)),
      "/learner/gradient_booster/model/trees/0/right_children/0",
      /reached twice/,
    ],
    [
      "a split feature beyond num_feature",
      () => editedStump((m) => (m.learner.gradient_booster.model.trees[0].split_indices[0] = 2)),
      "/learner/gradient_booster/model/trees/0/split_indices/0",
      /num_feature 2/,
    ],
    [
      "a non-numeric leaf",
      () => editedStump((m) => (m.learner.gradient_booster.model.trees[0].split_conditions[2] = "x")),
      "/learner/gradient_booster/model/trees/0/split_conditions/2",
      /expected a number/,
    ],
    [
      "tree_info of the wrong length",
      () => editedStump((m) => m.learner.gradient_booster.model.tree_info.push(0)),
      "/learner/gradient_booster/model/tree_info",
      /expected 1 entries/,
    ],
    [
      "a missing trees array",
      () => editedStump((m) => delete m.learner.gradient_booster.model.trees),
      "/learner/gradient_booster/model/trees",
      /missing/,
    ],
    [
      "a logistic base_score outside (0, 1)",
      () =>
        editedStump((m) => {
          m.learner.objective.name = "binary:logistic";
          m.learner.learner_model_param.base_score = "1.5E0";
        }),
      "/learner/learner_model_param/base_score",
      /probability/,
    ],
    [
      "softprob without num_class",
      () => editedStump((m) => (m.learner.objective.name = "multi:softprob")),
      "/learner/learner_model_param/num_class",
      /does not fit/,
    ],
    [
      "a multi-target model",
      () => editedStump((m) => (m.learner.learner_model_param.num_target = "2")),
      "/learner/learner_model_param/num_target",
      /multi-target/,
    ],
    ["text that is not JSON", () => '{"learner": {', "", /JSON/],
    ["a non-object", () => [1, 2, 3], "", /expected/],
  ];

  it.each(cases)("refuses %s, naming the field", (_, input, field, reason) => {
    const error = errorOf(() => XgboostModel.fromJSON(input()));
    expect(error.code).toBe("SLP_INPUT_INVALID");
    expect(error.details[0]?.field).toBe(field);
    expect(error.details[0]?.reason).toMatch(reason);
  });

  it("accepts the pre-1.6 boolean default_left", () => {
    const m = editedStump((m) => (m.learner.gradient_booster.model.trees[0].default_left = [true, false, false]));
    const X: Matrix = { rows: 1, cols: 2, data: Float64Array.from([Number.NaN, 0]) };
    expect(Array.from(XgboostModel.fromJSON(m).predictRaw(X))).toEqual([-0.5]);
  });

  it("refuses a batch with the wrong column count or output buffer", () => {
    const model = XgboostModel.fromJSON(stump());
    const X: Matrix = { rows: 2, cols: 3, data: new Float64Array(6) };
    expect(errorOf(() => model.predictRaw(X)).details[0]?.field).toBe("X");
    const ok: Matrix = { rows: 2, cols: 2, data: new Float64Array(4) };
    expect(errorOf(() => model.predict(ok, new Float64Array(3))).details[0]?.field).toBe("out");
  });

  it("refuses a tampered state whose child points back to its parent", () => {
    const state = XgboostModel.fromJSON(stump()).toJSON();
    state.blobs.nodeChildren[0] = 0;
    const error = errorOf(() => XgboostModel.fromState(state));
    expect(error.code).toBe("SLP_INPUT_INVALID");
    expect(error.details[0]?.field).toBe("/blobs/nodeChildren/0");
  });

  it("refuses a state whose blobs disagree in length", () => {
    const state = XgboostModel.fromJSON(stump()).toJSON();
    state.blobs.nodeValues = new Float64Array(2);
    expect(errorOf(() => XgboostModel.fromState(state)).details[0]?.field).toBe("/blobs/nodeValues");
  });
});
