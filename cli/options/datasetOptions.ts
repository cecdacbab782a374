/**
 * The options of the input commands (prepare, bench input): --pipeline, --data, --size, --crop
 * and the pipeline's data options, and the dataset they name, loaded with its image settings.
 */
import * as E from 'fp-ts/lib/Either.js';
import { findPipeline } from '../../pipelines/index.js';
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import type { ImageOptions } from '../../src/data/images.js';
import { dynamic, type Values } from './optionTable.js';
import { dataOption, dataOptions, dataOptionValues, imageOptions, pipelineOption } from './pipelineOptions.js';

export const datasetOptions = () => ({
  pipeline: pipelineOption({ default: 'celeba' }),
  data: dataOption('the dataset folder (may be read-only: the cache is written elsewhere)'),
  ...imageOptions,
  ...dynamic(dataOptions()),
});

/** Loads the dataset named by --pipeline/--data (+ data options) and resolves --size/--crop against its defaults. */
export const datasetFromValues = async (
  v: Values<ReturnType<typeof datasetOptions>>,
  given: ReadonlySet<string>,
): Promise<E.Either<{ readonly message: string; readonly usage: boolean }, { dataset: AttributeDataset; image: ImageOptions; data: string }>> => {
  const pipeline = v.pipeline ?? findPipeline('celeba');
  if (pipeline === undefined) return E.left({ message: 'the celeba pipeline is missing', usage: false });
  if (v.data === undefined) return E.left({ message: '--data DIR is required', usage: true });
  const options = dataOptionValues(pipeline, v as Readonly<Record<string, unknown>>, given);
  if (E.isLeft(options)) return E.left({ message: options.left.message, usage: true });
  const image: ImageOptions = { ...pipeline.imageDefaults, ...(v.size ?? {}), ...(v.crop === undefined ? {} : { crop: v.crop }) };
  const dataset = await pipeline.load(v.data, options.right, 0);
  if (E.isLeft(dataset)) return E.left({ message: dataset.left.message, usage: false });
  return E.right({ dataset: dataset.right, image, data: v.data });
};
