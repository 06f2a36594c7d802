/**
 * Reading and checking XGBoost 1.7 model JSON (see `xgboost-json.ts` for the semantics): the text (with the
 * non-finite tokens XGBoost writes), every field a prediction needs with its pointer in errors, the trees
 * concatenated into flat arrays, and the consistency of a stored state.
 */
import { invalidInput, SlipwayError } from "../../core/errors.js";

/** The objectives this reader predicts for; any other is refused when the model is read. */
export const XGBOOST_OBJECTIVES = [
  "reg:squarederror",
  "reg:pseudohubererror",
  "count:poisson",
  "binary:logistic",
  "multi:softprob",
] as const;
export type XgboostObjective = (typeof XGBOOST_OBJECTIVES)[number];

/** The JSON half of {@link XgboostState}. */
export type XgboostStateJson = {
  family: "xgboost";
  version: 1;
  objective: XgboostObjective;
  numFeatures: number;
  /** Values per row in predictions: the class count for multi:softprob, else 1. */
  numOutputs: number;
  /** base_score as stored, on the response scale (a probability for logistic, a mean count for poisson). */
  baseScore: number;
  featureNames: string[];
};

/**
 * The typed-array half of {@link XgboostState}: trees flattened into one node array, each tree's nodes numbered
 * breadth-first so children follow their parent and a node's right child is its left child + 1.
 */
export type XgboostBlobs = {
  /** Per tree: the index of its root node. */
  treeRoots: Float64Array;
  /** Per tree: the output (class) it adds to. */
  treeOutputs: Float64Array;
  /** Per tree: the factor on its output (1 for gbtree, weight_drop for dart), a float32 value. */
  treeWeights: Float64Array;
  /** Per node: the split feature, or -1 for a leaf. */
  nodeFeatures: Float64Array;
  /** Per node: the float32 threshold of a numeric split or the float32 value of a leaf (0 for a categorical split). */
  nodeValues: Float64Array;
  /** Per node: the index of the left child (the right child is the next node); 0 for a leaf. */
  nodeChildren: Float64Array;
  /** Per node: 1 if a missing value goes left. */
  nodeDefaultLeft: Float64Array;
  /** Per node: [start, end) in `categories` of the categories that go right, or -1, -1 for a numeric split or leaf. */
  nodeCategoryStarts: Float64Array;
  nodeCategoryEnds: Float64Array;
  /** Category codes, ascending within each node's range. */
  categories: Float64Array;
};

/** A stored model: plain JSON plus Float64Array blobs, as a model bundle holds it. */
export type XgboostState = { json: XgboostStateJson; blobs: XgboostBlobs };

/** The margin every output starts from: XGBoost's ProbToMargin of base_score, in float32 as XGBoost computes it. */
export function baseMarginOf(objective: XgboostObjective, baseScore: number): number {
  const b = Math.fround(baseScore);
  if (objective === "binary:logistic") return Math.fround(-Math.log(Math.fround(Math.fround(1 / b) - 1)));
  if (objective === "count:poisson") return Math.fround(Math.log(b));
  return b;
}

/** Categories are integer codes below 2^24, the largest range a float32 holds exactly (XGBoost's limit too). */
const MAX_CATEGORY = 16_777_216;

type JsonObject = Record<string, unknown>;

function fail(field: string, reason: string, message = "XGBoost model JSON is invalid"): never {
  throw invalidInput(message, [{ field, reason }]);
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pointer(at: string, key: string | number): string {
  return `${at}/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`;
}

function objectAt(obj: JsonObject, key: string, at: string): JsonObject {
  const v = obj[key];
  if (!isObject(v)) fail(pointer(at, key), v === undefined ? "missing" : "expected an object");
  return v;
}

function arrayAt(obj: JsonObject, key: string, at: string, length?: number): unknown[] {
  const v = obj[key];
  if (!Array.isArray(v)) fail(pointer(at, key), v === undefined ? "missing" : "expected an array");
  if (length !== undefined && v.length !== length)
    fail(pointer(at, key), `expected ${length} entries, got ${v.length}`);
  return v;
}

/** A number, possibly written as a string as XGBoost writes parameters ("5E-1", "3", or "[5E-1]" since 2.1). */
function numberAt(obj: JsonObject, key: string, at: string): number {
  const v = obj[key];
  let x = Number.NaN;
  if (typeof v === "number") x = v;
  else if (typeof v === "string") {
    const s = v.trim();
    const inner = s.startsWith("[") && s.endsWith("]") ? s.slice(1, -1).trim() : s;
    if (inner !== "" && !inner.includes(",")) x = Number(inner);
  }
  if (!Number.isFinite(x)) fail(pointer(at, key), v === undefined ? "missing" : `expected a number, got ${show(v)}`);
  return x;
}

function integerAt(obj: JsonObject, key: string, at: string, min: number): number {
  const x = numberAt(obj, key, at);
  if (!Number.isInteger(x) || x < min) fail(pointer(at, key), `expected an integer ≥ ${min}, got ${show(obj[key])}`);
  return x;
}

/** An array of integers in [min, max]. */
function integersAt(obj: JsonObject, key: string, at: string, length: number | undefined, min: number, max: number) {
  const v = arrayAt(obj, key, at, length);
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isInteger(x) || x < min || x > max)
      fail(pointer(pointer(at, key), i), `expected an integer in [${min}, ${max}], got ${show(x)}`);
    out[i] = x;
  }
  return out;
}

/** 0/1 flags; booleans too (XGBoost before 1.6 wrote default_left as booleans). */
function flagsAt(obj: JsonObject, key: string, at: string, length: number): Uint8Array {
  const v = arrayAt(obj, key, at, length);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const x = v[i];
    if (x === 1 || x === true) out[i] = 1;
    else if (x !== 0 && x !== false) fail(pointer(pointer(at, key), i), `expected 0 or 1, got ${show(x)}`);
  }
  return out;
}

/** Numbers, where null and the strings "NaN", "Infinity", "-Infinity" (see parseModelText) stand for those values. */
function numbersAt(obj: JsonObject, key: string, at: string, length: number): Float64Array {
  const v = arrayAt(obj, key, at, length);
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    const x = v[i];
    if (typeof x === "number") out[i] = x;
    else if (x === null || x === "NaN") out[i] = Number.NaN;
    else if (x === "Infinity" || x === "-Infinity") out[i] = Number(x);
    else fail(pointer(pointer(at, key), i), `expected a number, got ${show(x)}`);
  }
  return out;
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/**
 * JSON.parse for XGBoost's text, which writes non-finite floats as the bare tokens NaN, Infinity and -Infinity.
 * Those tokens (outside strings) are quoted first, and the number readers above accept the quoted forms.
 */
export function parseModelText(text: string): unknown {
  const source = /NaN|Infinity/.test(text) ? quoteNonFiniteTokens(text) : text;
  try {
    return JSON.parse(source);
  } catch (e) {
    throw new SlipwayError(
      "SLP_INPUT_INVALID",
      "XGBoost model text is not JSON",
      [{ field: "", reason: e instanceof Error ? e.message : String(e) }],
      { cause: e },
    );
  }
}

function quoteNonFiniteTokens(text: string): string {
  const parts: string[] = [];
  let last = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    for (const token of ["NaN", "Infinity", "-Infinity"]) {
      if (c === token[0] && text.startsWith(token, i)) {
        parts.push(text.slice(last, i), `"${token}"`);
        i += token.length - 1;
        last = i + 1;
        break;
      }
    }
  }
  parts.push(text.slice(last));
  return parts.join("");
}

function isObjective(s: unknown): s is XgboostObjective {
  return (XGBOOST_OBJECTIVES as readonly unknown[]).includes(s);
}

/** One tree's reachable nodes, numbered breadth-first from 0; `children` and category ranges are tree-local. */
interface FlatTree {
  size: number;
  features: Int32Array;
  values: Float64Array;
  children: Int32Array;
  defaultLeft: Uint8Array;
  catStarts: Int32Array;
  catEnds: Int32Array;
  categories: Float64Array;
}

/** Validates a parsed `save_model` document and flattens its trees into an {@link XgboostState}. */
export function readXgboostJson(root: unknown): XgboostState {
  if (!isObject(root)) fail("", "expected the object save_model writes");
  if (root.version !== undefined) {
    const version = arrayAt(root, "version", "");
    if (typeof version[0] !== "number" || version[0] < 1) fail("/version/0", "expected XGBoost 1.0 or later");
  }
  const learner = objectAt(root, "learner", "");
  const objectiveName = objectAt(learner, "objective", "/learner").name;
  if (!isObjective(objectiveName)) {
    fail(
      "/learner/objective/name",
      `objective ${show(objectiveName)} is not supported; supported: ${XGBOOST_OBJECTIVES.join(", ")}`,
      "XGBoost objective is not supported",
    );
  }
  const objective = objectiveName;
  const P = "/learner/learner_model_param";
  const param = objectAt(learner, "learner_model_param", "/learner");
  const numFeatures = integerAt(param, "num_feature", P, 0);
  const numClass = integerAt(param, "num_class", P, 0);
  if (param.num_target !== undefined && integerAt(param, "num_target", P, 1) !== 1)
    fail(`${P}/num_target`, "multi-target models are not supported", "XGBoost model is not supported");
  if (objective === "multi:softprob" ? numClass < 2 : numClass > 1)
    fail(`${P}/num_class`, `${numClass} does not fit objective ${objective}`);
  const numOutputs = objective === "multi:softprob" ? numClass : 1;
  const baseScore = numberAt(param, "base_score", P);
  if (objective === "binary:logistic" && !(baseScore > 0 && baseScore < 1))
    fail(`${P}/base_score`, `binary:logistic needs a probability in (0, 1), got ${baseScore}`);
  if (objective === "count:poisson" && !(baseScore > 0))
    fail(`${P}/base_score`, `count:poisson needs a positive mean, got ${baseScore}`);

  const G = "/learner/gradient_booster";
  const booster = objectAt(learner, "gradient_booster", "/learner");
  let modelAt: string;
  let model: JsonObject;
  if (booster.name === "gbtree") {
    modelAt = `${G}/model`;
    model = objectAt(booster, "model", G);
  } else if (booster.name === "dart") {
    modelAt = `${G}/gbtree/model`;
    model = objectAt(objectAt(booster, "gbtree", G), "model", `${G}/gbtree`);
  } else {
    const reason =
      booster.name === "gblinear"
        ? "gblinear is a linear booster, not trees; supported: gbtree, dart"
        : `booster ${show(booster.name)} is not supported; supported: gbtree, dart`;
    fail(`${G}/name`, reason, "XGBoost booster is not supported");
  }
  const trees = arrayAt(model, "trees", modelAt);
  const treeOutputs = integersAt(model, "tree_info", modelAt, trees.length, 0, numOutputs - 1);
  const treeParam = model.gbtree_model_param;
  if (isObject(treeParam) && treeParam.num_trees !== undefined) {
    const declared = integerAt(treeParam, "num_trees", `${modelAt}/gbtree_model_param`, 0);
    if (declared !== trees.length)
      fail(`${modelAt}/gbtree_model_param/num_trees`, `says ${declared} trees, trees holds ${trees.length}`);
  }
  const treeWeights = new Float64Array(trees.length).fill(1);
  if (booster.name === "dart") {
    const w = numbersAt(booster, "weight_drop", G, trees.length);
    for (let t = 0; t < w.length; t++) {
      if (!Number.isFinite(w[t])) fail(`${G}/weight_drop/${t}`, "expected a finite weight");
      treeWeights[t] = Math.fround(w[t]);
    }
  }
  const featureNames: string[] = [];
  if (Array.isArray(learner.feature_names)) {
    const names = learner.feature_names;
    if (names.length !== 0 && names.length !== numFeatures)
      fail("/learner/feature_names", `expected ${numFeatures} names, got ${names.length}`);
    names.forEach((name, j) => {
      if (typeof name !== "string") fail(`/learner/feature_names/${j}`, "expected a string");
      featureNames.push(name);
    });
  }

  const flat = trees.map((tree, t) => readTree(tree, `${modelAt}/trees/${t}`, numFeatures));
  return {
    json: { family: "xgboost", version: 1, objective, numFeatures, numOutputs, baseScore, featureNames },
    blobs: concatTrees(flat, Float64Array.from(treeOutputs), treeWeights),
  };
}

/** Reads one tree, checking that the nodes reachable from the root form a tree, and renumbers them breadth-first. */
function readTree(tree: unknown, at: string, numFeatures: number): FlatTree {
  if (!isObject(tree)) fail(at, "expected an object");
  const tp = objectAt(tree, "tree_param", at);
  const n = integerAt(tp, "num_nodes", `${at}/tree_param`, 1);
  if (tp.size_leaf_vector !== undefined && numberAt(tp, "size_leaf_vector", `${at}/tree_param`) > 1)
    fail(`${at}/tree_param/size_leaf_vector`, "vector leaves are not supported", "XGBoost model is not supported");
  const left = integersAt(tree, "left_children", at, n, -1, n - 1);
  const right = integersAt(tree, "right_children", at, n, -1, n - 1);
  const splitIndices = integersAt(tree, "split_indices", at, n, 0, 2 ** 31 - 1);
  const conditions = numbersAt(tree, "split_conditions", at, n);
  const defaults = flagsAt(tree, "default_left", at, n);
  const splitTypes = tree.split_type === undefined ? new Uint8Array(n) : flagsAt(tree, "split_type", at, n);

  // Each categorical node's range in `categories` (XGBoost lists the categories that go right).
  const rangeStart = new Int32Array(n).fill(-1);
  const rangeSize = new Int32Array(n);
  let rawCategories = new Int32Array(0);
  let categoryTotal = 0;
  if (splitTypes.includes(1)) {
    const nodes = integersAt(tree, "categories_nodes", at, undefined, 0, n - 1);
    const segments = integersAt(tree, "categories_segments", at, nodes.length, 0, 2 ** 31 - 1);
    const sizes = integersAt(tree, "categories_sizes", at, nodes.length, 1, 2 ** 31 - 1);
    rawCategories = integersAt(tree, "categories", at, undefined, 0, MAX_CATEGORY - 1);
    for (let j = 0; j < nodes.length; j++) {
      if (splitTypes[nodes[j]] !== 1)
        fail(`${at}/categories_nodes/${j}`, `node ${nodes[j]} is not a categorical split`);
      if (segments[j] + sizes[j] > rawCategories.length)
        fail(`${at}/categories_segments/${j}`, `range ends past the ${rawCategories.length} categories`);
      rangeStart[nodes[j]] = segments[j];
      rangeSize[nodes[j]] = sizes[j];
      categoryTotal += sizes[j];
    }
  }

  const out: FlatTree = {
    size: 0,
    features: new Int32Array(n),
    values: new Float64Array(n),
    children: new Int32Array(n),
    defaultLeft: new Uint8Array(n),
    catStarts: new Int32Array(n).fill(-1),
    catEnds: new Int32Array(n).fill(-1),
    categories: new Float64Array(categoryTotal),
  };
  // order[q] is the original id of new node q; a node's children are appended as a pair, so right = left + 1.
  const order = new Int32Array(n);
  const isSeen = new Uint8Array(n);
  isSeen[0] = 1;
  let tail = 1;
  let categoryCount = 0;
  for (let q = 0; q < tail; q++) {
    const id = order[q];
    if (left[id] === -1) {
      if (right[id] !== -1) fail(`${at}/right_children/${id}`, "a leaf (left child -1) must have right child -1");
      if (!Number.isFinite(conditions[id])) fail(`${at}/split_conditions/${id}`, "a leaf value must be finite");
      out.features[q] = -1;
      out.values[q] = Math.fround(conditions[id]);
      continue;
    }
    for (const [key, child] of [
      ["left_children", left[id]],
      ["right_children", right[id]],
    ] as const) {
      if (child < 0) fail(`${at}/${key}/${id}`, "a split needs two children");
      if (isSeen[child]) fail(`${at}/${key}/${id}`, `node ${child} is reached twice: the nodes do not form a tree`);
      isSeen[child] = 1;
    }
    if (splitIndices[id] >= numFeatures)
      fail(`${at}/split_indices/${id}`, `feature ${splitIndices[id]} is not below num_feature ${numFeatures}`);
    out.features[q] = splitIndices[id];
    out.defaultLeft[q] = defaults[id];
    out.children[q] = tail;
    order[tail++] = left[id];
    order[tail++] = right[id];
    if (splitTypes[id] === 1) {
      if (rangeStart[id] < 0) fail(`${at}/split_type/${id}`, "a categorical split without categories_nodes entry");
      out.catStarts[q] = categoryCount;
      for (let c = 0; c < rangeSize[id]; c++) out.categories[categoryCount++] = rawCategories[rangeStart[id] + c];
      out.catEnds[q] = categoryCount;
      out.categories.subarray(out.catStarts[q], categoryCount).sort();
    } else {
      if (Number.isNaN(conditions[id])) fail(`${at}/split_conditions/${id}`, "a numeric split's threshold is NaN");
      out.values[q] = Math.fround(conditions[id]);
    }
  }
  out.size = tail;
  out.categories = out.categories.subarray(0, categoryCount);
  return out;
}

/** Concatenates flat trees into the model's node arrays, turning tree-local indices into global ones. */
function concatTrees(trees: FlatTree[], treeOutputs: Float64Array, treeWeights: Float64Array): XgboostBlobs {
  const nodeCount = trees.reduce((s, t) => s + t.size, 0);
  const categoryCount = trees.reduce((s, t) => s + t.categories.length, 0);
  const b: XgboostBlobs = {
    treeRoots: new Float64Array(trees.length),
    treeOutputs,
    treeWeights,
    nodeFeatures: new Float64Array(nodeCount),
    nodeValues: new Float64Array(nodeCount),
    nodeChildren: new Float64Array(nodeCount),
    nodeDefaultLeft: new Float64Array(nodeCount),
    nodeCategoryStarts: new Float64Array(nodeCount),
    nodeCategoryEnds: new Float64Array(nodeCount),
    categories: new Float64Array(categoryCount),
  };
  let offset = 0;
  let catOffset = 0;
  trees.forEach((tree, t) => {
    b.treeRoots[t] = offset;
    for (let q = 0; q < tree.size; q++) {
      const i = offset + q;
      b.nodeFeatures[i] = tree.features[q];
      b.nodeValues[i] = tree.values[q];
      b.nodeChildren[i] = tree.features[q] >= 0 ? offset + tree.children[q] : 0;
      b.nodeDefaultLeft[i] = tree.defaultLeft[q];
      const isCategorical = tree.catStarts[q] >= 0;
      b.nodeCategoryStarts[i] = isCategorical ? catOffset + tree.catStarts[q] : -1;
      b.nodeCategoryEnds[i] = isCategorical ? catOffset + tree.catEnds[q] : -1;
    }
    b.categories.set(tree.categories, catOffset);
    offset += tree.size;
    catOffset += tree.categories.length;
  });
  return b;
}

const STATE_MESSAGE = "XGBoost model state is inconsistent";

/** Every blob of a state, for the state check. */
const BLOB_KEYS: readonly (keyof XgboostBlobs)[] = [
  "treeRoots",
  "treeOutputs",
  "treeWeights",
  "nodeFeatures",
  "nodeValues",
  "nodeChildren",
  "nodeDefaultLeft",
  "nodeCategoryStarts",
  "nodeCategoryEnds",
  "categories",
];

/**
 * Checks a stored state before use. Children must come after their parent, so every walk from a root ends at a
 * leaf within nodeCount steps even for a tampered state.
 */
export function checkState(state: XgboostState): void {
  const bad = (field: string, reason: string): never => fail(field, reason, STATE_MESSAGE);
  if (!isObject(state) || !isObject(state.json) || !isObject(state.blobs)) bad("", "expected { json, blobs }");
  const { json, blobs } = state;
  if (json.family !== "xgboost" || json.version !== 1) bad("/json/family", "expected xgboost version 1");
  if (!isObjective(json.objective)) bad("/json/objective", `expected one of ${XGBOOST_OBJECTIVES.join(", ")}`);
  if (!Number.isInteger(json.numFeatures) || json.numFeatures < 0) bad("/json/numFeatures", "expected an integer ≥ 0");
  const isMulti = json.objective === "multi:softprob";
  if (!Number.isInteger(json.numOutputs) || (isMulti ? json.numOutputs < 2 : json.numOutputs !== 1))
    bad("/json/numOutputs", `does not fit objective ${json.objective}`);
  if (!Number.isFinite(json.baseScore) || !Number.isFinite(baseMarginOf(json.objective, json.baseScore)))
    bad("/json/baseScore", `${json.baseScore} has no finite margin under ${json.objective}`);
  if (!Array.isArray(json.featureNames) || json.featureNames.some((s) => typeof s !== "string"))
    bad("/json/featureNames", "expected an array of strings");
  for (const key of BLOB_KEYS)
    if (!(blobs[key] instanceof Float64Array)) bad(`/blobs/${key}`, "expected a Float64Array");
  const T = blobs.treeRoots.length;
  const N = blobs.nodeFeatures.length;
  for (const key of BLOB_KEYS) {
    const expected = key.startsWith("tree") ? T : key.startsWith("node") ? N : blobs[key].length;
    if (blobs[key].length !== expected) bad(`/blobs/${key}`, `expected ${expected} values, got ${blobs[key].length}`);
  }
  const isIndex = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v < hi;
  for (let t = 0; t < T; t++) {
    if (!isIndex(blobs.treeRoots[t], 0, N)) bad(`/blobs/treeRoots/${t}`, `expected a node index below ${N}`);
    if (!isIndex(blobs.treeOutputs[t], 0, json.numOutputs)) bad(`/blobs/treeOutputs/${t}`, "expected an output index");
    if (!Number.isFinite(blobs.treeWeights[t])) bad(`/blobs/treeWeights/${t}`, "expected a finite weight");
  }
  const C = blobs.categories.length;
  for (let c = 0; c < C; c++)
    if (!isIndex(blobs.categories[c], 0, MAX_CATEGORY)) bad(`/blobs/categories/${c}`, "expected a category code");
  for (let i = 0; i < N; i++) {
    const f = blobs.nodeFeatures[i];
    const start = blobs.nodeCategoryStarts[i];
    const end = blobs.nodeCategoryEnds[i];
    if (!isIndex(f, -1, json.numFeatures)) bad(`/blobs/nodeFeatures/${i}`, "expected -1 or a feature index");
    if (f < 0) {
      if (!Number.isFinite(blobs.nodeValues[i])) bad(`/blobs/nodeValues/${i}`, "a leaf value must be finite");
      continue;
    }
    if (!isIndex(blobs.nodeChildren[i], i + 1, N - 1))
      bad(`/blobs/nodeChildren/${i}`, "children must follow their parent and lie within the node arrays");
    if (blobs.nodeDefaultLeft[i] !== 0 && blobs.nodeDefaultLeft[i] !== 1)
      bad(`/blobs/nodeDefaultLeft/${i}`, "expected 0 or 1");
    const isNumeric = start === -1 && end === -1 && !Number.isNaN(blobs.nodeValues[i]);
    if (!isNumeric && !(isIndex(start, 0, C) && isIndex(end, start + 1, C + 1)))
      bad(`/blobs/nodeCategoryStarts/${i}`, "expected -1, -1 with a threshold, or a non-empty category range");
  }
}
