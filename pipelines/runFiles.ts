/**
 * The pieces of a run's files that are pure or nearly so: the model's
 * metadata, weight events for the checkpoint, the majority-class baseline,
 * evals.jsonl and the per-split block of metrics.json.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { WeightEvent } from '../src/checkpoint/index.js';
import type { AttributeDataset, SplitView } from '../src/data/attributeDataset.js';
import type { EvalLine } from '../src/log/runEvents.js';
import type { LogRecord } from '../src/log/trainingLog.js';
import type { ModelMeta } from '../src/model/index.js';
import { balancedClassWeights, countLabels } from '../src/train/classWeights.js';
import type { Vector } from '../src/weighting/index.js';
import type { SplitEvaluation } from './evaluate.js';
import type { Baseline, TrainConfig } from './runTypes.js';

export const modelMeta = (dataset: AttributeDataset, config: TrainConfig): ModelMeta => ({
  backbone: config.backbone,
  inputShape: [config.image.height, config.image.width, 3],
  tasks: dataset.tasks,
  normalisation: config.image.normalisation,
  extra: {
    pipeline: config.pipeline,
    crop: config.image.crop ?? 'none',
    data: config.data,
    dataOptions: config.dataOptions,
    seed: config.seed,
    loss: config.loss,
    // eval and predict rebuild the same loss from these (the train split's label weights)
    ...(config.loss === 'wbce' ? { classWeights: balancedClassWeights(dataset.tasks, countLabels(dataset.tasks, dataset.splits.train)) } : {}),
  },
});

/** The weights in force after a record (its decision's when it has one). */
export const weightsAfter = (record: LogRecord): Vector => record.decision?.weights ?? record.weights;

export const weightEvent = (record: LogRecord): WeightEvent | undefined =>
  record.decision === undefined
    ? undefined
    : record.decision._tag === 'Updated'
      ? { iteration: record.iteration, weights: [...record.decision.weights] }
      : { iteration: record.iteration, skipped: record.decision.reason };

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Majority-class baseline: predict each task's most frequent train label; its accuracy on a split. */
export const majorityBaseline = (dataset: AttributeDataset, split: SplitView): Baseline => {
  const m = dataset.tasks.length;
  const train = dataset.splits.train;
  const row = new Float32Array(m);
  const counts = dataset.tasks.map((t) => new Float64Array(t.kind === 'binary' ? 2 : t.classes.length));
  for (let i = 0; i < train.size; i++) {
    train.labelsInto(i, row, 0);
    for (let j = 0; j < m; j++) if (row[j] >= 0) counts[j][row[j]] += 1;
  }
  const majority = counts.map((c) => c.indexOf(Math.max(...c)));
  const correct = new Float64Array(m);
  const labelled = new Float64Array(m);
  for (let i = 0; i < split.size; i++) {
    split.labelsInto(i, row, 0);
    for (let j = 0; j < m; j++) {
      if (row[j] < 0) continue;
      labelled[j] += 1;
      if (row[j] === majority[j]) correct[j] += 1;
    }
  }
  const perTask = Array.from(correct, (c, j) => (labelled[j] > 0 ? c / labelled[j] : NaN));
  const defined = perTask.filter((x) => !Number.isNaN(x));
  return { perTask, meanAccuracy: mean(defined) };
};

export const progressFields = (record: LogRecord, weights: Vector, valAccuracy: number | undefined): string[] => {
  const fields = [`train ${mean(record.trainLoss).toFixed(4)}`, `val ${mean(record.valLoss).toFixed(4)}`];
  fields.push(`w ${Math.min(...weights).toFixed(2)}..${Math.max(...weights).toFixed(2)}`);
  if (valAccuracy !== undefined) fields.push(`acc ${(valAccuracy * 100).toFixed(1)}%`);
  return fields;
};

export type { EvalLine } from '../src/log/runEvents.js';

/** The evaluations of evals.jsonl up to an iteration (a torn last line from a kill ends the list). */
export const readEvals = async (path: string, upTo: number): Promise<EvalLine[]> => {
  if (!existsSync(path)) return [];
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const out: EvalLine[] = [];
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as EvalLine;
      if (parsed.iteration <= upTo) out.push(parsed);
    } catch {
      break;
    }
  }
  return out;
};

export const metricsJson = (evaluation: SplitEvaluation) => ({
  images: evaluation.images,
  skippedImages: evaluation.skipped,
  meanAccuracy: evaluation.metrics.meanAccuracy,
  meanBalancedAccuracy: evaluation.metrics.meanBalancedAccuracy,
  mA: evaluation.metrics.labelBased.mA,
  instance: evaluation.metrics.instanceBased,
  loss: evaluation.loss,
  perTask: evaluation.metrics.perTask.map((t) => ({
    task: t.task,
    accuracy: t.accuracy,
    balancedAccuracy: t.balancedAccuracy,
    labelled: t.labelled,
  })),
  ...(evaluation.extra === undefined ? {} : evaluation.extra),
});

/** A loss series' tasks that are not finite, as `name (value)`. */
export const nonFiniteTasks = (losses: readonly number[], names: readonly string[]): string[] =>
  losses.flatMap((v, j) => (Number.isFinite(v) ? [] : [`${names[j] ?? `task ${j + 1}`} (${v})`]));

/** The exact `awmtl prepare --verify` command that repairs the cache a run reads. */
export const prepareVerifyCommand = (config: TrainConfig, cache: string | false | undefined): string => {
  const crop = config.image.crop;
  const args = [
    'awmtl prepare --verify',
    `--pipeline ${config.pipeline}`,
    `--data ${shellWord(config.data)}`,
    `--size ${config.image.height}x${config.image.width}`,
    ...(typeof crop === 'string' ? [`--crop ${crop}`] : []),
    ...(typeof cache === 'string' ? [`--cache ${shellWord(cache)}`] : []),
    ...Object.entries(config.dataOptions).map(([k, v]) => (v === true ? `--${k}` : `--${k} ${shellWord(String(v))}`)),
  ];
  return args.join(' ');
};

/** A word as a POSIX shell reads it back (quoted when it holds anything beyond a safe set). */
export const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
