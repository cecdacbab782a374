/** What a prebuilt pipeline provides: how to load its dataset, and its defaults. */
import type * as E from 'fp-ts/lib/Either.js';
import type { AttributeDataset } from '../src/data/attributeDataset.js';
import type { ImageOptions } from '../src/data/images.js';
import type { ExtraMetrics } from './evaluate.js';

export type DataOptionValue = string | number | boolean;

export interface DataOptionSpec {
  readonly type: 'string' | 'boolean';
  readonly help: string;
}

export interface PipelineDefaults {
  readonly batchSize: number;
  readonly iterations: number;
  readonly k: number;
  readonly evalEvery: number;
  readonly checkpointEvery: number;
  /** Loss when --loss is not given (default 'bce'). */
  readonly loss?: 'bce' | 'wbce' | 'mse';
  /** Adam's learning rate when --lr is not given (default the optimiser's, ADAM_DEFAULTS). */
  readonly adamLearningRate?: number;
}

export interface PipelineDefinition {
  readonly name: string;
  readonly summary: string;
  /** Pipeline-specific options of `awmtl train/eval` (e.g. --split, --only-present-images). */
  readonly dataOptions: Readonly<Record<string, DataOptionSpec>>;
  readonly defaults: PipelineDefaults;
  /** Image preprocessing by default: size, crop, normalisation (--size and --crop override). */
  readonly imageDefaults: ImageOptions;
  /** Figures added to the standard metrics at evaluation (e.g. Market's official protocol). */
  readonly extraMetrics?: (dataset: AttributeDataset) => ExtraMetrics | undefined;
  /** Load the dataset from a folder (the layout of the real dataset). */
  load(
    data: string,
    options: Readonly<Record<string, DataOptionValue>>,
    seed: number,
  ): Promise<E.Either<{ readonly message: string }, AttributeDataset>>;
}
