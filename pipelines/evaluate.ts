/**
 * Evaluation of a model on a split: batches in a fixed order, logits and
 * per-task losses from the trainer in inference mode, then the attribute
 * metrics (src/metrics) over the whole split.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { AttributeDataset, SplitName } from '../src/data/attributeDataset.js';
import type { ImageOptions } from '../src/data/images.js';
import { type InputSettings, openInput } from '../src/data/workers/input.js';
import type { BatchLoader } from '../src/data/workers/loader.js';
import { type AttributeReport, attributeMetrics } from '../src/metrics/index.js';
import { logitLayout } from '../src/tasks.js';
import type { Trainer } from '../src/train/trainer.js';
import { readAhead } from './batches.js';
import type { RunUi } from './train.js';

export interface SplitEvaluation {
  readonly split: SplitName;
  readonly images: number;
  readonly skipped: number;
  /** Mean per-task loss over the evaluated images. */
  readonly loss: readonly number[];
  readonly metrics: AttributeReport;
  /** Pipeline-specific extra figures (e.g. Market's official 12-task accuracy). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface EvaluateSettings {
  readonly image: ImageOptions;
  readonly valBatchSize: number;
  readonly skipBadImages: boolean;
  /** Load through this (a run's open input); without, the input is opened (cache if valid, workers) and closed here. */
  readonly loader?: BatchLoader;
  /** Cache and worker settings when the input is opened here. */
  readonly input?: InputSettings;
}

/**
 * Figures a pipeline adds to the standard metrics (e.g. Market-1501's official
 * 12-task accuracy): given the logits [rows, logit width] and labels [rows,
 * tasks] of the evaluated samples, and which split samples they are.
 */
export type ExtraMetrics = (input: {
  readonly split: SplitName;
  readonly logits: Float32Array;
  readonly labels: Float32Array;
  readonly samples: Int32Array;
}) => Readonly<Record<string, unknown>>;

/** Logits, labels and losses over (up to `limit` images of) a split, in split order. */
export const evaluateSplit = async (
  trainer: Trainer,
  dataset: AttributeDataset,
  split: SplitName,
  settings: EvaluateSettings,
  limit = Infinity,
  ui?: RunUi,
  extraMetrics?: ExtraMetrics,
): Promise<E.Either<{ readonly message: string }, SplitEvaluation>> => {
  const view = dataset.splits[split];
  const tasks = dataset.tasks;
  const m = tasks.length;
  const width = logitLayout(tasks).width;
  const total = Math.min(view.size, limit);
  const batchSize = Math.max(1, settings.valBatchSize);
  const logits = new Float32Array(total * width);
  const labels = new Float32Array(total * m);
  const lossSums = new Float64Array(m);
  const samples = new Int32Array(total);
  let filled = 0;
  let skipped = 0;
  const progress = ui?.progress(`eval ${split}`, total);
  const opened =
    settings.loader === undefined
      ? await openInput(dataset, settings.image, { settings: settings.input, splits: [split], limit: total, log: ui?.info })
      : undefined;
  if (opened !== undefined) ui?.info(opened.description);
  const loader = (settings.loader ?? opened?.loader) as BatchLoader;
  // Batch b covers images [b * batchSize, ...); the next one is loaded while this one is evaluated.
  const batches = readAhead(
    (b) => {
      const start = b * batchSize;
      const indices = Int32Array.from({ length: Math.min(batchSize, total - start) }, (_, i) => start + i);
      return loader.loadBatch(view, indices, m, { image: settings.image, skipBadImages: settings.skipBadImages }).then((loaded) => ({ indices, loaded }));
    },
    2,
    Math.ceil(total / batchSize) - 1,
  );
  try {
    for (let b = 0; b * batchSize < total; b++) {
      const start = b * batchSize;
      let next;
      try {
        next = await batches.get(b);
      } catch (error) {
        return E.left({ message: error instanceof Error ? error.message : String(error) });
      }
      const { indices, loaded } = next;
      if (E.isLeft(loaded)) return E.left({ message: loaded.left.message });
      const { batch, slots } = loaded.right;
      for (let i = 0; i < batch.size; i++) samples[filled + i] = indices[slots[i]];
      skipped += loaded.right.skipped.length;
      for (const s of loaded.right.skipped) progress?.log(`skipped image: ${s.message}`);
      const result = await trainer.evaluate(batch);
      logits.set(result.logits, filled * width);
      labels.set(batch.labels, filled * m);
      for (let j = 0; j < m; j++) lossSums[j] += result.loss[j] * batch.size;
      filled += batch.size;
      progress?.update(Math.min(start + batchSize, total));
    }
  } finally {
    await batches.drain();
    await opened?.close();
  }
  progress?.done(total);
  const rowsLogits = logits.subarray(0, filled * width);
  const rowsLabels = labels.subarray(0, filled * m);
  const metrics = attributeMetrics(rowsLogits, rowsLabels, tasks);
  const extra = extraMetrics?.({ split, logits: rowsLogits, labels: rowsLabels, samples: samples.subarray(0, filled) });
  return E.right({
    split,
    images: filled,
    skipped,
    loss: Array.from(lossSums, (s) => s / Math.max(1, filled)),
    metrics,
    ...(extra === undefined ? {} : { extra }),
  });
};
