/**
 * The training run shared by every prebuilt pipeline (CelebA, Market-1501,
 * Duke): pull-driven train and validation batch streams, paired, through the
 * adaptive training loop (step -> windowed trend -> weights -> feedback), with
 * the run's log, periodic evaluation and checkpoints, then the final model,
 * metrics and report.
 *
 *   demand ─┬─ pullBatches(train) ─┐
 *           └─ pullBatches(val) ───┴─ pairBatches ─ adaptiveTraining ─ take ─ log / eval / checkpoint
 *                                                        ▲        │
 *                                                        └weights─┘
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, defer, lastValueFrom, startWith, Subject, take, tap } from 'rxjs';
import { adaptiveTraining } from '../operators/adaptiveTraining.js';
import { pairBatches } from '../operators/pairBatches.js';
import { pullBatches } from '../operators/pullBatches.js';
import { type CheckpointState, formatCheckpointError, readCheckpoint, type WeightEvent, writeCheckpoint } from '../src/checkpoint/index.js';
import type { Batch } from '../src/data/batch.js';
import type { AttributeDataset, SplitView } from '../src/data/attributeDataset.js';
import type { ImageOptions } from '../src/data/images.js';
import type { ValDraw } from '../src/data/sampler.js';
import type { InputSettings } from '../src/data/workers/input.js';
import { type LogRecord, readTrainingLog, TrainingLogWriter } from '../src/log/trainingLog.js';
import { buildModel, describeModelError, loadModel, type ModelMeta, saveModel } from '../src/model/index.js';
import type { LossKind } from '../src/train/losses.js';
import type { OptimizerConfig } from '../src/train/optimizers.js';
import { withInGraphWeighting } from '../src/train/inGraph.js';
import { createTrainer, describeTrainerError, type Trainer, TrainerInputError } from '../src/train/trainer.js';
import { createStrategy, formatParamError, type Vector } from '../src/weighting/index.js';
import { BatchFailure, openBatchSources } from './batches.js';
import { evaluateSplit, type ExtraMetrics, type SplitEvaluation } from './evaluate.js';
import { writeRunReport } from './report.js';

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

export interface ProgressLike {
  update(done: number, fields?: readonly string[]): void;
  done(done: number, fields?: readonly string[]): void;
  log(message: string): void;
}

/** How a run talks to its user: the CLI prints, tests collect or stay silent. */
export interface RunUi {
  info(message: string): void;
  progress(label: string, total: number): ProgressLike;
}

export const silentUi: RunUi = {
  info: () => undefined,
  progress: () => ({ update: () => undefined, done: () => undefined, log: () => undefined }),
};

export type RunError = { readonly _tag: 'RunError'; readonly message: string };
const runError = (message: string): RunError => ({ _tag: 'RunError', message });

export interface RunSummary {
  readonly out: string;
  readonly iterations: number;
  readonly finalWeights: Vector;
  readonly evaluations: Readonly<Partial<Record<'val' | 'test', SplitEvaluation>>>;
  /** Majority-class baseline (the train split's most frequent label per task) on each evaluated split. */
  readonly baselines: Readonly<Partial<Record<'val' | 'test', Baseline>>>;
  readonly skippedImages: number;
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

/** Raised inside the stream to stop it with a message; turned back into a Left at the end. */
class Stop extends Error {}

const modelMeta = (dataset: AttributeDataset, config: TrainConfig): ModelMeta => ({
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
  },
});

/** The weights in force after a record (its decision's when it has one). */
const weightsAfter = (record: LogRecord): Vector => record.decision?.weights ?? record.weights;

const weightEvent = (record: LogRecord): WeightEvent | undefined =>
  record.decision === undefined
    ? undefined
    : record.decision._tag === 'Updated'
      ? { iteration: record.iteration, weights: [...record.decision.weights] }
      : { iteration: record.iteration, skipped: record.decision.reason };

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export interface Baseline {
  readonly perTask: readonly number[];
  readonly meanAccuracy: number;
}

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

const checkConfig = (dataset: AttributeDataset, config: TrainConfig): string | undefined => {
  if (!Number.isInteger(config.iterations) || config.iterations < 1) return `iterations must be a positive integer, got ${config.iterations}`;
  if (dataset.splits.train.size === 0) return 'the train split is empty';
  if (dataset.splits.val.size === 0) return 'the validation split is empty (VLT needs validation batches)';
  return undefined;
};

/**
 * Train (or, with resume, continue training) a model on a dataset.
 * The backend must already be chosen (see src/backend).
 */
export const runTraining = async (
  dataset: AttributeDataset,
  config: TrainConfig,
  options: {
    readonly resume?: boolean;
    readonly ui?: RunUi;
    readonly extraMetrics?: ExtraMetrics;
    /** Preprocessed cache and worker threads (default: the default cache if valid, default workers). */
    readonly input?: InputSettings;
  } = {},
): Promise<E.Either<RunError, RunSummary>> => {
  const ui = options.ui ?? silentUi;
  const started = performance.now();
  const invalid = checkConfig(dataset, config);
  if (invalid !== undefined) return E.left(runError(invalid));
  const strategy = createStrategy(config.strategy.name, config.strategy.params);
  if (E.isLeft(strategy)) return E.left(runError(formatParamError(strategy.left)));
  const tasks = dataset.tasks;
  const m = tasks.length;
  const out = config.out;
  await mkdir(out, { recursive: true });

  // Model, trainer state and history: fresh, or from the checkpoint.
  let history: LogRecord[] = [];
  let logText = '';
  let weightHistory: WeightEvent[] = [];
  let checkpointWeights: Vector | undefined;
  let model;
  let trainerState: unknown;
  if (options.resume === true) {
    const checkpoint = await readCheckpoint(out);
    if (E.isLeft(checkpoint)) return E.left(runError(`cannot resume: ${formatCheckpointError(checkpoint.left)}`));
    const loaded = await loadModel(checkpoint.right.modelDir);
    if (E.isLeft(loaded)) return E.left(runError(`cannot resume: ${describeModelError(loaded.left)}`));
    const done = checkpoint.right.state.iteration;
    const log = readTrainingLog(join(out, LOG_JSONL), done);
    if (E.isLeft(log)) return E.left(runError(`cannot resume: ${log.left.file} line ${log.left.line}: ${log.left.message}`));
    if (log.right.records.length !== done) {
      return E.left(runError(`cannot resume: ${join(out, LOG_JSONL)} has ${log.right.records.length} iterations, the checkpoint ${done}`));
    }
    model = loaded.right.model;
    history = log.right.records;
    logText = log.right.text;
    weightHistory = [...checkpoint.right.state.weightHistory];
    checkpointWeights = checkpoint.right.state.weights;
    trainerState = checkpoint.right.state.trainer;
    ui.info(`resuming ${out} at iteration ${done + 1} of ${config.iterations}`);
  } else {
    await writeFile(join(out, CONFIG_JSON), `${JSON.stringify(config, null, 2)}\n`);
    const built = await buildModel({
      backbone: config.backbone,
      inputShape: [config.image.height, config.image.width, 3],
      tasks,
      seed: config.seed,
      ...(config.widthMultiplier === undefined ? {} : { widthMultiplier: config.widthMultiplier }),
    });
    if (E.isLeft(built)) return E.left(runError(describeModelError(built.left)));
    model = built.right;
  }
  const start = history.length;
  // In-graph strategies (UW, GradNorm) train their weights with the network; the wrapper reports them and owns them.
  const inGraph = strategy.right.inGraph?.(m);
  const trainerE = createTrainer({ model, tasks, loss: config.loss, optimizer: config.optimizer, ...(inGraph === undefined ? {} : { weighting: inGraph }) });
  if (E.isLeft(trainerE)) {
    inGraph?.dispose();
    model.dispose();
    return E.left(runError(describeTrainerError(trainerE.left)));
  }
  const trainer: Trainer = inGraph === undefined ? trainerE.right : withInGraphWeighting(trainerE.right, inGraph);
  if (trainerState !== undefined) await trainer.setState(trainerState);

  const meta = modelMeta(dataset, config);
  const log = options.resume === true ? TrainingLogWriter.continueAfter(join(out, LOG_JSONL), logText) : TrainingLogWriter.create(join(out, LOG_JSONL));
  const evalsPath = join(out, EVALS_JSONL);
  const evals = await readEvals(evalsPath, start);
  await writeFile(evalsPath, evals.map((e) => `${JSON.stringify(e)}\n`).join(''));

  const progress = ui.progress('train', config.iterations);
  let skippedImages = 0;
  const sources = await openBatchSources(
    dataset,
    config,
    (skip) => {
      skippedImages += 1;
      progress.log(`skipped image: ${skip.message}`);
    },
    { input: options.input, log: (message) => progress.log(message) },
  );
  progress.log(sources.description);
  const needed = config.iterations - start;
  let nextTrain = start + 1;
  let nextVal = start + 1;
  const trainBatch = (): Promise<Batch> => sources.train(nextTrain++);
  const valBatch = (): Promise<Batch> => sources.val(nextVal++);

  let current: Vector = checkpointWeights ?? new Array<number>(m).fill(1);
  let lastRecord: LogRecord | undefined = history[history.length - 1];
  let lastEval = evals[evals.length - 1];

  const checkpoint = async (iteration: number): Promise<void> => {
    log.sync();
    const state: CheckpointState = {
      format: 'awmtl-checkpoint',
      version: 1,
      iteration,
      weights: [...current],
      weightHistory,
      rng: { seed: config.seed, scheme: 'counter', nextIteration: iteration + 1 },
      trainer: await trainer.getState(),
      config: config as unknown as Record<string, unknown>,
      createdAt: new Date().toISOString(),
    };
    const written = await writeCheckpoint(out, state, async (dir) =>
      E.mapLeft(describeModelError)(await saveModel(model, dir, meta)),
    );
    if (E.isLeft(written)) throw new Stop(`checkpoint failed: ${formatCheckpointError(written.left)}`);
  };

  const interimEval = async (iteration: number): Promise<void> => {
    const result = await evaluateSplit(trainer, dataset, 'val', { ...config, loader: sources.loader }, config.evalLimit);
    if (E.isLeft(result)) throw new Stop(result.left.message);
    const line = {
      iteration,
      split: 'val',
      images: result.right.images,
      meanAccuracy: result.right.metrics.meanAccuracy,
      meanBalancedAccuracy: result.right.metrics.meanBalancedAccuracy,
      meanLoss: mean(result.right.loss),
      loss: result.right.loss,
    };
    evals.push(line);
    lastEval = line;
    await writeFile(evalsPath, `${JSON.stringify(line)}\n`, { flag: 'a' });
    progress.log(`iteration ${iteration}: val mean accuracy ${(line.meanAccuracy * 100).toFixed(2)}% on ${line.images} images`);
  };

  const demand = new Subject<void>();
  const prefetch = Math.max(1, Math.min(config.prefetch, needed));
  let requested = prefetch;
  const demand$ = demand.pipe(startWith(...new Array<void>(prefetch).fill(undefined)));
  const train$ = demand$.pipe(pullBatches(trainBatch));
  const val$ = demand$.pipe(pullBatches(valBatch));
  // Evaluation and checkpoints run between two steps: the next step waits for
  // them (they read the model), while batches keep being prepared meanwhile.
  let between: Promise<unknown> = Promise.resolve();
  // Time accounting for waitSeconds: the loop's wall time = steps + the work after each (log, evaluation, checkpoint) + the rest (waiting).
  let stepSeconds = 0;
  let betweenSeconds = 0;
  const timed = async <A>(work: () => Promise<A>): Promise<A> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      betweenSeconds += (performance.now() - t0) / 1000;
    }
  };
  const step = async (request: { train: Batch; val: Batch; weights: Vector }) => {
    await between;
    const t0 = performance.now();
    try {
      return await trainer.step(request.train, request.val, request.weights);
    } finally {
      stepSeconds += (performance.now() - t0) / 1000;
    }
  };

  const afterStep = async (record: LogRecord): Promise<LogRecord> => {
    if (record.iteration === start + 1 && checkpointWeights !== undefined) {
      const same = record.weights.length === checkpointWeights.length && record.weights.every((w, j) => w === checkpointWeights?.[j]);
      if (!same) progress.log('warning: the weights replayed from the log differ from the checkpoint; using the replayed ones');
    }
    const finite = [...record.trainLoss, ...record.valLoss].every(Number.isFinite);
    if (!finite) throw new Stop(`iteration ${record.iteration}: a loss is not finite (train ${record.trainLoss.join(', ')})`);
    log.append(record);
    lastRecord = record;
    const event = weightEvent(record);
    if (event !== undefined) weightHistory.push(event);
    current = weightsAfter(record);
    progress.update(record.iteration, progressFields(record, current, lastEval?.meanAccuracy));
    if (config.evalEvery > 0 && record.iteration % config.evalEvery === 0 && record.iteration < config.iterations) {
      await interimEval(record.iteration);
    }
    if (config.checkpointEvery > 0 && record.iteration % config.checkpointEvery === 0 && record.iteration < config.iterations) {
      await checkpoint(record.iteration);
    }
    return record;
  };

  let failure: string | undefined;
  const loopStarted = performance.now();
  if (needed > 0) {
    try {
      await lastValueFrom(
        defer(() =>
          train$.pipe(
            pairBatches(val$),
            adaptiveTraining(step, strategy.right, m, { history, firstIteration: start + 1 }),
            take(needed),
            tap(() => {
              if (requested < needed) {
                requested += 1;
                demand.next();
              }
            }),
            concatMap((record) => {
              const work = timed(() => afterStep(record));
              between = work.catch(() => undefined);
              return work;
            }),
          ),
        ),
      );
    } catch (error) {
      failure =
        error instanceof Stop || error instanceof BatchFailure
          ? error.message
          : error instanceof TrainerInputError
            ? describeTrainerError(error.error)
            : `training failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
    }
  }
  const loopSeconds = (performance.now() - loopStarted) / 1000;
  const waitSeconds = Math.max(0, loopSeconds - stepSeconds - betweenSeconds);
  const waitFraction = waitSeconds + stepSeconds > 0 ? waitSeconds / (waitSeconds + stepSeconds) : 0;
  demand.complete();
  await sources.close();
  if (failure !== undefined) {
    log.close();
    trainer.dispose();
    model.dispose();
    progress.log(failure);
    return E.left(runError(failure));
  }
  progress.done(config.iterations, lastRecord === undefined ? [] : progressFields(lastRecord, current, lastEval?.meanAccuracy));
  log.close();

  // The end: checkpoint, model, final evaluation, metrics, report.
  try {
    await checkpoint(config.iterations);
  } catch (error) {
    return E.left(runError((error as Error).message));
  }
  const saved = await saveModel(model, join(out, MODEL_DIR), meta);
  if (E.isLeft(saved)) return E.left(runError(describeModelError(saved.left)));
  const evaluations: Partial<Record<'val' | 'test', SplitEvaluation>> = {};
  // The final evaluations open the input again; say so only if it differs from training's.
  const evalUi: RunUi = { ...ui, info: (message) => (message === sources.description ? undefined : ui.info(message)) };
  for (const split of config.finalSplits) {
    if (dataset.splits[split].size === 0) {
      ui.info(`final evaluation: the ${split} split is empty, skipped`);
      continue;
    }
    const result = await evaluateSplit(trainer, dataset, split, { ...config, input: options.input }, Infinity, evalUi, options.extraMetrics);
    if (E.isLeft(result)) return E.left(runError(result.left.message));
    evaluations[split] = result.right;
  }
  const baselines: Partial<Record<'val' | 'test', Baseline>> = {};
  for (const split of config.finalSplits) {
    if (evaluations[split] !== undefined) baselines[split] = majorityBaseline(dataset, dataset.splits[split]);
  }
  const metrics = {
    pipeline: config.pipeline,
    iterations: config.iterations,
    strategy: config.strategy,
    tasks: tasks.map((t) => t.name),
    finalWeights: current,
    baselines,
    splits: Object.fromEntries(Object.entries(evaluations).map(([k, v]) => [k, metricsJson(v)])),
    data: { ...dataset.facts, skippedImages, warnings: dataset.warnings },
    input: { source: sources.description, waitSeconds, waitFraction, stepSeconds },
  };
  await writeFile(join(out, METRICS_JSON), `${JSON.stringify(metrics, null, 2)}\n`);
  trainer.dispose();
  model.dispose();
  const logRead = readTrainingLog(join(out, LOG_JSONL));
  const allEvals = await readEvals(evalsPath, Infinity);
  await writeRunReport(join(out, REPORT_HTML), {
    title: `awmtl ${config.pipeline}: ${config.strategy.name}, ${config.iterations} iterations`,
    config,
    tasks,
    records: E.isRight(logRead) ? logRead.right.records : [],
    evals: allEvals,
    evaluations,
    baselines,
    weightHistory,
    facts: { ...dataset.facts, skippedImages },
    warnings: dataset.warnings,
  });
  return E.right({
    out,
    iterations: config.iterations,
    finalWeights: current,
    evaluations,
    baselines,
    skippedImages,
    seconds: (performance.now() - started) / 1000,
    waitSeconds,
    waitFraction,
    input: sources.description,
  });
};

const progressFields = (record: LogRecord, weights: Vector, valAccuracy: number | undefined): string[] => {
  const fields = [`train ${mean(record.trainLoss).toFixed(4)}`, `val ${mean(record.valLoss).toFixed(4)}`];
  fields.push(`w ${Math.min(...weights).toFixed(2)}..${Math.max(...weights).toFixed(2)}`);
  if (valAccuracy !== undefined) fields.push(`acc ${(valAccuracy * 100).toFixed(1)}%`);
  return fields;
};

export interface EvalLine {
  readonly iteration: number;
  readonly split: string;
  readonly images: number;
  readonly meanAccuracy: number;
  readonly meanBalancedAccuracy: number;
  readonly meanLoss: number;
  readonly loss: readonly number[];
}

const readEvals = async (path: string, upTo: number): Promise<EvalLine[]> => {
  if (!existsSync(path)) return [];
  const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const out: EvalLine[] = [];
  for (const line of lines) {
    try {
      const parsed = JSON.parse(line) as EvalLine;
      if (parsed.iteration <= upTo) out.push(parsed);
    } catch {
      break; // a torn last line from a kill
    }
  }
  return out;
};

const metricsJson = (evaluation: SplitEvaluation) => ({
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
