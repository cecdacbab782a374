/**
 * `awmtl`: the main API. Train a multi-task attribute classifier with adaptive
 * task weighting, evaluate it, predict with it; the weighting strategies and
 * the datasets. The building blocks have their own entry points:
 * `awmtl/operators` (the RxJS operators), `awmtl/weighting` (strategies and
 * the pure VLT math), `awmtl/pipelines`, `awmtl/data` and `awmtl/testing`.
 *
 * ```js
 * import { selectBackend, findPipeline, runTraining } from 'awmtl';
 * await selectBackend({ backend: 'auto' });
 * const celeba = findPipeline('celeba');
 * const dataset = await celeba.load('/data/celeba', {}, 0);
 * ```
 */
export { type BackendChoice, type BackendInfo, selectBackend, selectedBackend } from './src/backend/index.js';
export { runTraining, type OpenedRun, type RunOptions, type RunProgress, type StepEndHook } from './pipelines/train.js';
export { type RunError, type RunSummary, type RunUi, type TrainConfig, trainConfig } from './pipelines/runTypes.js';
export { learningRateAt, type LearningRateSchedule } from './src/train/schedule.js';
export { silentUi } from './pipelines/runUi.js';
export { evaluateSplit, type SplitEvaluation } from './pipelines/evaluate.js';
export { predictImages, type ImagePrediction, type PredictResult } from './pipelines/predict.js';
export { openModel, type OpenedModel } from './pipelines/model.js';
export { findPipeline, pipelineNames, type PipelineDefinition } from './pipelines/index.js';
export { runComparison } from './pipelines/compare.js';
export {
  createStrategy,
  findStrategy,
  registerStrategy,
  strategyNames,
  type StrategyDefinition,
  type WeightDecision,
  type WeightingStrategy,
} from './src/weighting/index.js';
export type { AttributeDataset, SplitView } from './src/data/attributeDataset.js';
export { binaryTask, multiClassTask, type TaskSpec } from './src/tasks.js';
export { buildModel, loadModel, saveModel, knownBackbones } from './src/model/index.js';
