/**
 * `awmtl/pipelines`: the prebuilt pipelines by name (CelebA, Market-1501,
 * DukeMTMC), the training run they share, evaluation and comparison.
 */
import { celeba } from './celeba.js';
import type { PipelineDefinition } from './definition.js';
import { duke } from './duke.js';
import { folder } from './folder.js';
import { market1501 } from './market1501.js';

const pipelines: readonly PipelineDefinition[] = [celeba, market1501, duke, folder];

export const pipelineNames = (): string[] => pipelines.map((p) => p.name);
export const findPipeline = (name: string): PipelineDefinition | undefined => pipelines.find((p) => p.name === name);
export type { PipelineDefinition } from './definition.js';
export { runTraining, type OpenedRun, type RunOptions, type RunProgress, type StepEndHook } from './train.js';
export * from './runTypes.js';
export { evaluateSplit, type ExtraMetrics, type SplitEvaluation } from './evaluate.js';
export { runComparison, type ComparisonConfig, type ComparisonResult, type StrategyChoice } from './compare.js';
export { createBatchSources, openBatchSources, type BatchSources } from './batches.js';
export { celeba } from './celeba.js';
export { market1501 } from './market1501.js';
export { duke } from './duke.js';
