/**
 * The shapes of a training run shared by its parts (pipelines/train.ts,
 * evaluate.ts, compare.ts and the CLI): the run's configuration, how it talks
 * to its user, its errors and its summary, and the library's defaults for a
 * config; every part imports them here rather than from each other.
 */
import type { ImageOptions } from '../src/data/images.js';
import type { ValDraw } from '../src/data/sampler.js';
import type { LossKind } from '../src/train/losses.js';
import type { LearningRateSchedule } from '../src/train/schedule.js';
import { ADAM_DEFAULTS, type OptimizerConfig } from '../src/train/optimizers.js';
import { DEFAULT_BACKBONE } from '../src/model/backbones.js';
import type { Vector } from '../src/weighting/index.js';
import type { SplitEvaluation } from './evaluate.js';

export const CONFIG_JSON = 'config.json';
export const LOG_JSONL = 'log.jsonl';
export const EVALS_JSONL = 'evals.jsonl';
export const METRICS_JSON = 'metrics.json';
export const REPORT_HTML = 'report.html';
export const MODEL_DIR = 'model';

/** Everything that defines a training run; saved as OUT/config.json so --resume needs nothing else. */
export interface TrainConfig {
  readonly pipeline: string;
  readonly data: string;
  /** Pipeline-specific data options (split, only-present-images, ...), kept for resume and eval. */
  readonly dataOptions: Readonly<Record<string, string | number | boolean>>;
  readonly out: string;
  readonly backbone: string;
  readonly widthMultiplier?: number;
  readonly image: ImageOptions;
  readonly loss: LossKind;
  readonly optimizer: OptimizerConfig;
  /** How the learning rate moves over the run (default constant; src/train/schedule.ts). */
  readonly lrSchedule?: LearningRateSchedule;
  readonly batchSize: number;
  readonly valBatchSize: number;
  readonly valDraw: ValDraw;
  readonly iterations: number;
  readonly strategy: { readonly name: string; readonly params: Readonly<Record<string, string | number>> };
  readonly seed: number;
  /** Evaluate on (up to evalLimit images of) the validation split every this many iterations; 0 = never. */
  readonly evalEvery: number;
  readonly evalLimit: number;
  /** Write a checkpoint every this many iterations (and always at the end); 0 = only at the end. */
  readonly checkpointEvery: number;
  readonly flip: boolean;
  readonly skipBadImages: boolean;
  /** Batches made ahead of the step (bounded; memory stays flat). */
  readonly prefetch: number;
  /** Final evaluation on these splits. */
  readonly finalSplits: readonly ('val' | 'test')[];
}

export { type ProgressLike, type RunUi, silentUi } from './runUi.js';

/**
 * Why a run did not finish: an error (`cause` keeps the exception behind an
 * unexpected one, for AWMTL_DEBUG), or a stop asked for by a signal after the
 * checkpoint of `iteration` was written.
 */
export type RunError =
  | { readonly _tag: 'RunError'; readonly message: string; readonly cause?: unknown }
  | { readonly _tag: 'RunStopped'; readonly message: string; readonly iteration: number; readonly out: string };

export const runError = (message: string, cause?: unknown): RunError =>
  cause === undefined ? { _tag: 'RunError', message } : { _tag: 'RunError', message, cause };

export interface Baseline {
  readonly perTask: readonly number[];
  readonly meanAccuracy: number;
}

export interface PreflightSummary {
  readonly checked: number;
  readonly fromCache: number;
  readonly decoded: number;
  readonly seconds: number;
  /** Unreadable images found (skipped with skipBadImages; otherwise the run stops before training). */
  readonly bad: readonly { readonly split: string; readonly path: string; readonly message: string }[];
}

export interface RunSummary {
  readonly out: string;
  readonly iterations: number;
  readonly finalWeights: Vector;
  readonly evaluations: Readonly<Partial<Record<'val' | 'test', SplitEvaluation>>>;
  /** Majority-class baseline (the train split's most frequent label per task) on each evaluated split. */
  readonly baselines: Readonly<Partial<Record<'val' | 'test', Baseline>>>;
  readonly skippedImages: number;
  readonly preflight: PreflightSummary;
  readonly seconds: number;
  /**
   * Seconds of the training loop spent neither in training steps nor in the
   * work after each (log, progress, evaluation, checkpoint): waiting for
   * batches, plus the main thread's own share of the input work (an upper
   * bound of the input stall).
   */
  readonly waitSeconds: number;
  /** waitSeconds / (waitSeconds + seconds in training steps). */
  readonly waitFraction: number;
  /** Where the images came from (cache or decoding, worker threads). */
  readonly input: string;
}

/**
 * A complete {@link TrainConfig} from the few fields a library user must give
 * (where the run goes, and its image size); everything else takes the CLI's
 * defaults: small CNN, BCE, Adam 1e-3, batch 32, VLT with k 50, 1,000 iterations,
 * seed 0, no interim evaluation, a checkpoint every 500 iterations, flips on.
 */
export const trainConfig = (
  fields: Partial<TrainConfig> & { readonly out: string; readonly image: TrainConfig['image'] },
): TrainConfig => ({
  pipeline: 'custom',
  data: '',
  dataOptions: {},
  backbone: DEFAULT_BACKBONE,
  loss: 'bce',
  optimizer: ADAM_DEFAULTS,
  batchSize: 32,
  valBatchSize: fields.batchSize ?? 32,
  valDraw: 'replacement',
  iterations: 1000,
  strategy: { name: 'vlt', params: { k: 50 } },
  seed: 0,
  evalEvery: 0,
  evalLimit: 2000,
  checkpointEvery: 500,
  flip: true,
  skipBadImages: false,
  prefetch: 4,
  finalSplits: ['val', 'test'],
  ...fields,
});
