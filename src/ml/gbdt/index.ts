export {
  BinMapper,
  type BinMapperOptions,
  type BinMapperState,
  type BinnedMatrix,
  type GbdtMatrix,
  MAX_CATEGORY_CODE,
} from "./bin-mapper.js";
export { type GbdtTrainOptions, trainGbdt } from "./gradient-boosting.js";
export { type GrowerParams, TreeGrower } from "./grower.js";
export {
  buildHistogram,
  HIST_STRIDE,
  HistogramLayout,
  type HistogramSource,
  type SlotMatrix,
  slotMatrix,
  subtractHistogram,
} from "./histogram.js";
export { LEVEL_BATCH, type LevelJob, partitionChunk } from "./level-jobs.js";
export { createLoss, type GbdtObjective, type Loss, type LossOptions, quantileOf, sigmoid } from "./losses.js";
export { GBDT_BLOB_NAMES, GbdtModel, type GbdtModelInit, type GbdtModelJson, type PredictOptions } from "./model.js";
export { mergeSplit, type NodeContext, type NodeWork, SPLIT_WORDS, searchNode, writeSplit } from "./node-search.js";
export { PARALLEL_PREDICT_ROWS } from "./parallel-predict.js";
export { type GbdtParams, type ResolvedGbdtParams, resolveParams } from "./params.js";
export { addTreeBinned, childOf, leafOf, PackedForest } from "./predictor.js";
export {
  CATEGORY_BITSET_WORDS,
  CATEGORY_SUPPORT,
  findBestSplit,
  leafScore,
  leafWeight,
  MAX_CATEGORIES_LEFT,
  type NodeSums,
  SplitInfo,
  type SplitParams,
  SplitScratch,
  thresholdL1,
} from "./splitter.js";
export { type CategoryTables, categoryTablesOf, TreeEnsemble, type TreeEnsembleArrays } from "./tree-ensemble.js";
export {
  FEATURE_SHARE_MIN,
  float64Array,
  type NodeJob,
  PARALLEL_CELLS,
  SPLIT_ROWS,
  TreeKernels,
} from "./tree-kernels.js";
export { TreeShapExplainer, type TreeShapResult, treeExpectedValues, treeShap } from "./tree-shap.js";
export { XGBOOST_OBJECTIVES, XgboostModel, type XgboostState } from "./xgboost-json.js";
