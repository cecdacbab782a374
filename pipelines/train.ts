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
 *
 * A run goes: open the run folder (locked; fresh, resumed or overwritten),
 * open the input and check every image it will read (pre-flight), build or
 * load the model, loop, finish (final checkpoint, model, evaluations, report,
 * metrics.json last: its presence marks a finished run). Whatever happens, the
 * trainer, the model, the log, the input workers and the lock are released
 * (`finally`). A stop signal ends the loop after the current step, with a
 * checkpoint to resume from.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, defer, lastValueFrom, startWith, Subject, take, tap } from 'rxjs';
import { adaptiveTraining } from '../operators/adaptiveTraining.js';
import { pairBatches } from '../operators/pairBatches.js';
import { pullBatches } from '../operators/pullBatches.js';
import { type CheckpointState, formatCheckpointError, readCheckpoint, type WeightEvent, writeCheckpoint } from '../src/checkpoint/index.js';
import type { AttributeDataset, SplitName } from '../src/data/attributeDataset.js';
import type { Batch } from '../src/data/batch.js';
import { describeBadImages, preflightImages, type PreflightEntry } from '../src/data/preflight.js';
import type { InputSettings } from '../src/data/workers/input.js';
import { CACHE_REPAIR_ADVICE } from '../src/data/workers/work.js';
import type { RunLock } from '../src/run/lock.js';
import { type LogRecord, readTrainingLog, TrainingLogWriter } from '../src/log/trainingLog.js';
import { buildModel, describeModelError, loadModel, saveModel } from '../src/model/index.js';
import { balancedClassWeights, countLabels } from '../src/train/classWeights.js';
import { withInGraphWeighting } from '../src/train/withInGraphWeighting.js';
import { createTrainer, describeTrainerError, type Trainer, TrainerInputError } from '../src/train/trainer.js';
import { createStrategy, formatParamError, type Vector } from '../src/weighting/index.js';
import { BatchFailure, openBatchSources } from './batches.js';
import { evaluateSplit, type ExtraMetrics, type SplitEvaluation } from './evaluate.js';
import { majorityBaseline, mean, metricsJson, modelMeta, nonFiniteTasks, prepareVerifyCommand, progressFields, readEvals, weightEvent, weightsAfter } from './runFiles.js';
import { checkRunFolder, lockRunFolder, prepareRunFolder } from './runFolder.js';
import { writePredictions } from './predictions.js';
import { writeRunReport } from './report.js';
import {
  type Baseline,
  CONFIG_JSON,
  EVALS_JSONL,
  LOG_JSONL,
  METRICS_JSON,
  MODEL_DIR,
  type PreflightSummary,
  type ProgressLike,
  REPORT_HTML,
  type RunError,
  runError,
  type RunSummary,
  type RunUi,
  silentUi,
  type TrainConfig,
} from './runTypes.js';

export * from './runTypes.js';
export { majorityBaseline } from './runFiles.js';

export interface RunOptions {
  /** Continue the run in config.out from its last checkpoint. */
  readonly resume?: boolean;
  /** Replace a run that config.out already holds (without this, such a folder is refused). */
  readonly overwrite?: boolean;
  readonly ui?: RunUi;
  readonly extraMetrics?: ExtraMetrics;
  /** Preprocessed cache and worker threads (default: the default cache if valid, default workers). */
  readonly input?: InputSettings;
  /** When aborted, the run stops after the current step with a checkpoint (Left RunStopped). */
  readonly signal?: AbortSignal;
  /**
   * The lock of config.out, when the caller took it already (the CLI does, before loading data);
   * the caller releases it. Without, the run locks the folder itself for its life.
   */
  readonly lock?: RunLock;
}

/** Raised inside the stream to stop it with a message; turned back into a Left at the end. */
class Stop extends Error {}
/** Raised inside the stream when the stop signal was seen and the checkpoint written. */
class Stopped extends Error {
  constructor(readonly iteration: number) {
    super(`stopped at iteration ${iteration}`);
  }
}

const checkConfig = (dataset: AttributeDataset, config: TrainConfig): string | undefined => {
  if (!Number.isInteger(config.iterations) || config.iterations < 1) return `iterations must be a positive integer, got ${config.iterations}`;
  if (dataset.splits.train.size === 0) return 'the train split is empty';
  if (dataset.splits.val.size === 0) return 'the validation split is empty (VLT needs validation batches)';
  return undefined;
};

/** Every image the run reads: all of train and val, and the final evaluation's splits. */
function* runImages(dataset: AttributeDataset, config: TrainConfig): Generator<PreflightEntry> {
  const splits = new Set<SplitName>(['train', 'val', ...config.finalSplits]);
  for (const split of splits) {
    const view = dataset.splits[split];
    for (let i = 0; i < view.size; i++) yield { split, path: view.imagePath(i) };
  }
}

const writeAtomic = async (path: string, text: string): Promise<void> => {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
};

/** A failure that escaped the stream, as one line (the exception is kept as the cause). */
const failureOf = (error: unknown): RunError => {
  if (error instanceof Stop || error instanceof BatchFailure) return runError(error.message);
  if (error instanceof TrainerInputError) return runError(describeTrainerError(error.error));
  const e = error as NodeJS.ErrnoException;
  const what = e instanceof Error ? (e.code !== undefined && e.path !== undefined ? `${e.path}: ${e.code}` : e.message.split('\n')[0]) : String(error);
  return runError(`training failed: ${what}`, error);
};

/**
 * Train (or, with resume, continue training) a model on a dataset.
 * The backend must already be chosen (see src/backend).
 */
export const runTraining = async (
  dataset: AttributeDataset,
  config: TrainConfig,
  options: RunOptions = {},
): Promise<E.Either<RunError, RunSummary>> => {
  const ui = options.ui ?? silentUi;
  const started = performance.now();
  const invalid = checkConfig(dataset, config);
  if (invalid !== undefined) return E.left(runError(invalid));
  const strategy = createStrategy(config.strategy.name, config.strategy.params);
  if (E.isLeft(strategy)) return E.left(runError(formatParamError(strategy.left)));
  const out = config.out;
  const resume = options.resume === true;
  const mode = resume ? 'resume' : options.overwrite === true ? 'overwrite' : 'fresh';
  const release: (() => void | Promise<void>)[] = [];
  if (options.lock === undefined) {
    const locked = lockRunFolder(out);
    if (E.isLeft(locked)) return E.left(runError(locked.left));
    if (locked.right.notice !== undefined) ui.info(locked.right.notice);
    release.push(() => locked.right.lock.release());
  }
  const checked = checkRunFolder(out, mode);
  const prepared = E.isLeft(checked) ? checked : prepareRunFolder(out, mode);
  if (E.isLeft(prepared)) {
    for (const r of release) void r();
    return E.left(runError(prepared.left));
  }
  try {
    return await trainInFolder(dataset, config, { ...options, resume }, strategy.right, ui, started, release);
  } catch (error) {
    return E.left(failureOf(error));
  } finally {
    for (const r of release.reverse()) {
      try {
        await r();
      } catch {
        // releasing the rest matters more
      }
    }
  }
};

type Strategy = Extract<ReturnType<typeof createStrategy>, { _tag: 'Right' }>['right'];

const trainInFolder = async (
  dataset: AttributeDataset,
  config: TrainConfig,
  options: RunOptions & { resume: boolean },
  strategy: Strategy,
  ui: RunUi,
  started: number,
  release: (() => void | Promise<void>)[],
): Promise<E.Either<RunError, RunSummary>> => {
  const tasks = dataset.tasks;
  const m = tasks.length;
  const out = config.out;
  const resume = options.resume;

  // The input, and every image it will read checked before anything is written.
  let skippedImages = 0;
  // Skips are reported as batches are handed out, by the loop's progress (made once the loop starts).
  let progress: ProgressLike = { update: () => undefined, done: () => undefined, log: (message) => ui.info(message) };
  const sources = await openBatchSources(
    dataset,
    config,
    (skip) => {
      skippedImages += 1;
      progress.log(`skipped image: ${skip.message}`);
    },
    { input: options.input, log: (message) => ui.info(message) },
  );
  let sourcesOpen = true;
  const closeSources = async (): Promise<void> => {
    if (!sourcesOpen) return;
    sourcesOpen = false;
    await sources.close();
  };
  release.push(closeSources);
  const cache = sources.input.cache;
  const checked = await preflightImages(runImages(dataset, config), {
    cache:
      cache === undefined
        ? undefined
        : (path) => {
            const entry = cache.lookup(path);
            return entry === undefined ? 'unknown' : 'record' in entry ? 'ok' : 'bad';
          },
  });
  const preflight: PreflightSummary = {
    checked: checked.checked,
    fromCache: checked.fromCache,
    decoded: checked.decoded,
    seconds: checked.seconds,
    bad: checked.bad,
  };
  ui.info(
    `pre-flight: ${checked.checked} images checked in ${checked.seconds.toFixed(2)} s ` +
      `(${checked.fromCache} from the cache, ${checked.checked - checked.fromCache - checked.decoded} by their headers, ${checked.decoded} decoded)` +
      `${checked.bad.length === 0 ? '' : `; ${describeBadImages(checked.bad)}`}`,
  );
  if (checked.bad.length > 0) {
    if (!config.skipBadImages) return E.left(runError(`${describeBadImages(checked.bad)}; fix or remove them, or pass --skip-bad-images to skip them`));
    ui.info(`--skip-bad-images: ${checked.bad.length} unreadable image${checked.bad.length === 1 ? ' is' : 's are'} skipped wherever a batch or an evaluation meets ${checked.bad.length === 1 ? 'it' : 'them'}`);
  }

  // Model, trainer state and history: fresh, or from the checkpoint.
  let history: LogRecord[] = [];
  let logText = '';
  let weightHistory: WeightEvent[] = [];
  let checkpointWeights: Vector | undefined;
  let checkpointIteration = -1;
  let trainerState: unknown;
  let model: tf.LayersModel;
  if (resume) {
    const checkpoint = await readCheckpoint(out);
    if (E.isLeft(checkpoint)) return E.left(runError(`cannot resume: ${formatCheckpointError(checkpoint.left)}`));
    const loaded = await loadModel(checkpoint.right.modelDir);
    if (E.isLeft(loaded)) return E.left(runError(`cannot resume: ${describeModelError(loaded.left)}`));
    model = loaded.right.model;
    release.push(() => {
      model.dispose();
    });
    const done = checkpoint.right.state.iteration;
    const log = readTrainingLog(join(out, LOG_JSONL), done);
    if (E.isLeft(log)) return E.left(runError(`cannot resume: ${log.left.file} line ${log.left.line}: ${log.left.message}`));
    if (log.right.records.length !== done) {
      return E.left(runError(`cannot resume: ${join(out, LOG_JSONL)} has ${log.right.records.length} iterations, the checkpoint ${done}`));
    }
    history = log.right.records;
    logText = log.right.text;
    weightHistory = [...checkpoint.right.state.weightHistory];
    checkpointWeights = checkpoint.right.state.weights;
    checkpointIteration = done;
    trainerState = checkpoint.right.state.trainer;
    // A continuation (more iterations) is not finished until it ends again; config.json says how far it goes.
    await rm(join(out, METRICS_JSON), { force: true });
    await writeAtomic(join(out, CONFIG_JSON), `${JSON.stringify(config, null, 2)}\n`);
    ui.info(`resuming ${out} at iteration ${done + 1} of ${config.iterations}`);
  } else {
    await writeAtomic(join(out, CONFIG_JSON), `${JSON.stringify(config, null, 2)}\n`);
    const built = await buildModel({
      backbone: config.backbone,
      inputShape: [config.image.height, config.image.width, 3],
      tasks,
      seed: config.seed,
      ...(config.widthMultiplier === undefined ? {} : { widthMultiplier: config.widthMultiplier }),
    });
    if (E.isLeft(built)) return E.left(runError(describeModelError(built.left)));
    model = built.right;
    release.push(() => {
      model.dispose();
    });
  }
  const start = history.length;
  // In-graph strategies (UW, GradNorm) train their weights with the network; the wrapper reports them and owns them.
  const inGraph = strategy.inGraph?.(m, tf);
  const classWeights = config.loss === 'wbce' ? balancedClassWeights(tasks, countLabels(tasks, dataset.splits.train)) : undefined;
  const trainerE = createTrainer({
    model,
    tasks,
    loss: config.loss,
    optimizer: config.optimizer,
    ...(classWeights === undefined ? {} : { classWeights }),
    ...(inGraph === undefined ? {} : { weighting: inGraph }),
  });
  if (E.isLeft(trainerE)) {
    inGraph?.dispose();
    return E.left(runError(describeTrainerError(trainerE.left)));
  }
  const trainer: Trainer = inGraph === undefined ? trainerE.right : withInGraphWeighting(trainerE.right, inGraph);
  release.push(() => trainer.dispose());
  if (trainerState !== undefined) await trainer.setState(trainerState);

  const meta = modelMeta(dataset, config);
  const log = resume ? TrainingLogWriter.continueAfter(join(out, LOG_JSONL), logText) : TrainingLogWriter.create(join(out, LOG_JSONL));
  let logOpen = true;
  const closeLog = (): void => {
    if (logOpen) log.close();
    logOpen = false;
  };
  release.push(closeLog);
  const evalsPath = join(out, EVALS_JSONL);
  const evals = await readEvals(evalsPath, start);
  await writeFile(evalsPath, evals.map((e) => `${JSON.stringify(e)}\n`).join(''));

  progress = ui.progress('train', config.iterations);
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
    const written = await writeCheckpoint(out, state, async (dir) => E.mapLeft(describeModelError)(await saveModel(model, dir, meta)));
    if (E.isLeft(written)) throw new Stop(`checkpoint failed: ${formatCheckpointError(written.left)}`);
    checkpointIteration = iteration;
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

  const names = tasks.map((t) => t.name);
  const notFinite = (record: LogRecord): string | undefined => {
    const train = nonFiniteTasks(record.trainLoss, names);
    const val = nonFiniteTasks(record.valLoss, names);
    if (train.length === 0 && val.length === 0) return undefined;
    const series = [
      ...(train.length > 0 ? [`the train loss of ${train.join(', ')}`] : []),
      ...(val.length > 0 ? [`the validation loss of ${val.join(', ')}`] : []),
    ];
    const kept = checkpointIteration >= 0 ? `the checkpoint of iteration ${checkpointIteration} and the log are kept` : 'no checkpoint was written yet';
    return (
      `iteration ${record.iteration}: ${series.join(' and ')} ${train.length + val.length === 1 ? 'is' : 'are'} not finite: ` +
      `the training diverged; try a lower --lr (it was ${config.optimizer.learningRate}); ${kept}`
    );
  };

  const afterStep = async (record: LogRecord): Promise<LogRecord> => {
    if (record.iteration === start + 1 && checkpointWeights !== undefined) {
      const same = record.weights.length === checkpointWeights.length && record.weights.every((w, j) => w === checkpointWeights?.[j]);
      if (!same) progress.log('warning: the weights replayed from the log differ from the checkpoint; using the replayed ones');
    }
    const diverged = notFinite(record);
    if (diverged !== undefined) throw new Stop(diverged);
    log.append(record);
    lastRecord = record;
    const event = weightEvent(record);
    if (event !== undefined) weightHistory.push(event);
    current = weightsAfter(record);
    progress.update(record.iteration, progressFields(record, current, lastEval?.meanAccuracy));
    const last = record.iteration >= config.iterations;
    if (options.signal?.aborted === true && !last) {
      await checkpoint(record.iteration);
      throw new Stopped(record.iteration);
    }
    if (config.evalEvery > 0 && record.iteration % config.evalEvery === 0 && !last) await interimEval(record.iteration);
    if (config.checkpointEvery > 0 && record.iteration % config.checkpointEvery === 0 && !last) await checkpoint(record.iteration);
    return record;
  };

  let failure: unknown;
  const loopStarted = performance.now();
  if (needed > 0 && options.signal?.aborted !== true) {
    try {
      await lastValueFrom(
        defer(() =>
          train$.pipe(
            pairBatches(val$),
            adaptiveTraining(step, strategy, m, { history, firstIteration: start + 1 }),
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
      failure = error;
    }
  }
  const loopSeconds = (performance.now() - loopStarted) / 1000;
  const waitSeconds = Math.max(0, loopSeconds - stepSeconds - betweenSeconds);
  const waitFraction = waitSeconds + stepSeconds > 0 ? waitSeconds / (waitSeconds + stepSeconds) : 0;
  demand.complete();
  await closeSources();
  if (failure === undefined && needed > 0 && options.signal?.aborted === true && (lastRecord?.iteration ?? 0) < config.iterations) {
    // Stopped before the first step of this process: nothing new to checkpoint.
    if (checkpointIteration < 0) {
      closeLog();
      return E.left(runError('stopped before iteration 1: nothing was trained; start the run again (with --overwrite)'));
    }
    failure = new Stopped(start);
  }
  if (failure instanceof Stopped) {
    closeLog();
    progress.log(`stopped at iteration ${failure.iteration}`);
    return E.left({
      _tag: 'RunStopped',
      iteration: failure.iteration,
      out,
      message: `stopped at iteration ${failure.iteration}; continue with awmtl train --resume ${out}`,
    });
  }
  if (failure !== undefined) {
    const failed = failureOf(failure);
    return E.left(
      failed.message.includes(CACHE_REPAIR_ADVICE)
        ? { ...failed, message: failed.message.replace(CACHE_REPAIR_ADVICE, `repair the cache with: ${prepareVerifyCommand(config, options.input?.cache)} (or pass --no-cache)`) }
        : failed,
    );
  }
  progress.done(config.iterations, lastRecord === undefined ? [] : progressFields(lastRecord, current, lastEval?.meanAccuracy));
  closeLog();

  // The end: checkpoint (unless resumed from the final one), model, final evaluation, report, metrics.
  if (checkpointIteration !== config.iterations) await checkpoint(config.iterations);
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
    if (result.right.rows !== undefined) await writePredictions(out, dataset, split, result.right.rows);
  }
  const baselines: Partial<Record<'val' | 'test', Baseline>> = {};
  for (const split of config.finalSplits) {
    if (evaluations[split] !== undefined) baselines[split] = majorityBaseline(dataset, dataset.splits[split]);
  }
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
    facts: { ...dataset.facts, skippedImages, unreadableImages: preflight.bad.length },
    warnings: [...dataset.warnings, ...preflight.bad.map((b) => `skipped unreadable image (${b.split} split): ${b.message}`)],
  });
  const metrics = {
    pipeline: config.pipeline,
    iterations: config.iterations,
    strategy: config.strategy,
    tasks: tasks.map((t) => t.name),
    finalWeights: current,
    baselines,
    splits: Object.fromEntries(Object.entries(evaluations).map(([k, v]) => [k, metricsJson(v)])),
    data: { ...dataset.facts, skippedImages, unreadableImages: preflight.bad, warnings: dataset.warnings },
    preflight: { checked: preflight.checked, fromCache: preflight.fromCache, decoded: preflight.decoded, seconds: preflight.seconds },
    input: { source: sources.description, waitSeconds, waitFraction, stepSeconds },
  };
  // Written last: a run folder with metrics.json is a finished run.
  await writeAtomic(join(out, METRICS_JSON), `${JSON.stringify(metrics, null, 2)}\n`);
  return E.right({
    out,
    iterations: config.iterations,
    finalWeights: current,
    evaluations,
    baselines,
    skippedImages,
    preflight,
    seconds: (performance.now() - started) / 1000,
    waitSeconds,
    waitFraction,
    input: sources.description,
  });
};
