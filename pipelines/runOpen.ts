/**
 * Opening a training run (runTraining's first part): the input and a
 * pre-flight check of every image it will read, then the model, the trainer,
 * the log and the evaluation history, fresh or from the run's checkpoint.
 * Everything opened is pushed onto `release` as soon as it exists, so the
 * caller's `finally` frees it whichever step fails.
 */
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { formatCheckpointError, readCheckpoint, type WeightEvent } from '../src/checkpoint/index.js';
import type { AttributeDataset, SplitName } from '../src/data/attributeDataset.js';
import { describeBadImages, preflightImages, type PreflightEntry } from '../src/data/preflight.js';
import type { InputSettings } from '../src/data/workers/input.js';
import { type LogRecord, readTrainingLog, TrainingLogWriter } from '../src/log/trainingLog.js';
import type { ModelMeta } from '../src/model/meta.js';
import { buildModel, describeModelError, loadModel } from '../src/model/index.js';
import { balancedClassWeights, countLabels } from '../src/train/classWeights.js';
import { learningRateAt } from '../src/train/schedule.js';
import { createTrainer, describeTrainerError, type Trainer } from '../src/train/trainer.js';
import { withInGraphWeighting } from '../src/train/withInGraphWeighting.js';
import type { Vector, WeightingStrategy } from '../src/weighting/index.js';
import { type BatchSources, openBatchSources } from './batches.js';
import { type EvalLine, modelMeta, readEvals } from './runFiles.js';
import { CONFIG_JSON, EVALS_JSONL, LOG_JSONL, METRICS_JSON, type PreflightSummary, type ProgressLike, type RunError, runError, type RunUi, type TrainConfig } from './runTypes.js';

/** What runTraining frees at the end, last opened first. */
export type ReleaseList = (() => void | Promise<void>)[];

/** What the run keeps changing as it goes: read by the step-end hooks and the finish. */
export interface RunProgress {
  /** The weights in force for the next iteration. */
  current: Vector;
  lastRecord: LogRecord | undefined;
  lastEval: EvalLine | undefined;
  /** The iteration of the newest checkpoint (-1: none yet). */
  checkpointIteration: number;
  readonly weightHistory: WeightEvent[];
  readonly evals: EvalLine[];
  skippedImages: number;
  /** The loop's progress display (a plain logger until the loop starts). */
  display: ProgressLike;
}

/** An opened run: its input, model, trainer and log, and where it starts. */
export interface OpenedRun {
  readonly dataset: AttributeDataset;
  readonly config: TrainConfig;
  readonly out: string;
  readonly sources: BatchSources;
  /** Closes the input once (the loop closes it early; `release` has it too). */
  readonly closeSources: () => Promise<void>;
  readonly preflight: PreflightSummary;
  readonly model: tf.LayersModel;
  readonly meta: ModelMeta;
  readonly trainer: Trainer;
  readonly log: TrainingLogWriter;
  /** Closes the log once. */
  readonly closeLog: () => void;
  readonly evalsPath: string;
  /** The log's records so far (empty when fresh). */
  readonly history: LogRecord[];
  /** Iterations already done (0 when fresh). */
  readonly start: number;
  /** The weights the checkpoint saved (resumed runs). */
  readonly checkpointWeights: Vector | undefined;
  readonly progress: RunProgress;
}

export const writeAtomic = async (path: string, text: string): Promise<void> => {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
};

/** Every image the run reads: all of train and val, and the final evaluation's splits. */
function* runImages(dataset: AttributeDataset, config: TrainConfig): Generator<PreflightEntry> {
  const splits = new Set<SplitName>(['train', 'val', ...config.finalSplits]);
  for (const split of splits) {
    const view = dataset.splits[split];
    for (let i = 0; i < view.size; i++) yield { split, path: view.imagePath(i) };
  }
}

interface StartingPoint {
  readonly model: tf.LayersModel;
  readonly history: LogRecord[];
  readonly logText: string;
  readonly weightHistory: WeightEvent[];
  readonly checkpointWeights: Vector | undefined;
  readonly checkpointIteration: number;
  readonly trainerState: unknown;
}

/** A fresh model (config.json written), or the checkpoint's model, log and state (resume). */
const startingPoint = async (
  dataset: AttributeDataset,
  config: TrainConfig,
  resume: boolean,
  ui: RunUi,
  release: ReleaseList,
): Promise<E.Either<RunError, StartingPoint>> => {
  const out = config.out;
  if (!resume) {
    await writeAtomic(join(out, CONFIG_JSON), `${JSON.stringify(config, null, 2)}\n`);
    const built = await buildModel({
      backbone: config.backbone,
      inputShape: [config.image.height, config.image.width, 3],
      tasks: dataset.tasks,
      seed: config.seed,
      ...(config.widthMultiplier === undefined ? {} : { widthMultiplier: config.widthMultiplier }),
    });
    if (E.isLeft(built)) return E.left(runError(describeModelError(built.left)));
    const model = built.right;
    release.push(() => {
      model.dispose();
    });
    return E.right({ model, history: [], logText: '', weightHistory: [], checkpointWeights: undefined, checkpointIteration: -1, trainerState: undefined });
  }
  const checkpoint = await readCheckpoint(out);
  if (E.isLeft(checkpoint)) return E.left(runError(`cannot resume: ${formatCheckpointError(checkpoint.left)}`));
  const loaded = await loadModel(checkpoint.right.modelDir);
  if (E.isLeft(loaded)) return E.left(runError(`cannot resume: ${describeModelError(loaded.left)}`));
  const model = loaded.right.model;
  release.push(() => {
      model.dispose();
    });
  const done = checkpoint.right.state.iteration;
  const log = readTrainingLog(join(out, LOG_JSONL), done);
  if (E.isLeft(log)) return E.left(runError(`cannot resume: ${log.left.file} line ${log.left.line}: ${log.left.message}`));
  if (log.right.records.length !== done) {
    return E.left(runError(`cannot resume: ${join(out, LOG_JSONL)} has ${log.right.records.length} iterations, the checkpoint ${done}`));
  }
  // A continuation (more iterations) is not finished until it ends again; config.json says how far it goes.
  await rm(join(out, METRICS_JSON), { force: true });
  await writeAtomic(join(out, CONFIG_JSON), `${JSON.stringify(config, null, 2)}\n`);
  ui.info(`resuming ${out} at iteration ${done + 1} of ${config.iterations}`);
  return E.right({
    model,
    history: log.right.records,
    logText: log.right.text,
    weightHistory: [...checkpoint.right.state.weightHistory],
    checkpointWeights: checkpoint.right.state.weights,
    checkpointIteration: done,
    trainerState: checkpoint.right.state.trainer,
  });
};

/** The trainer over the model; an in-graph strategy's weighting (UW, GradNorm) goes with it. */
const openTrainer = (
  dataset: AttributeDataset,
  config: TrainConfig,
  strategy: WeightingStrategy,
  model: tf.LayersModel,
  release: ReleaseList,
): E.Either<RunError, Trainer> => {
  const tasks = dataset.tasks;
  const inGraph = strategy.inGraph?.(tasks.length, tf);
  const classWeights = config.loss === 'wbce' ? balancedClassWeights(tasks, countLabels(tasks, dataset.splits.train)) : undefined;
  const created = createTrainer({
    model,
    tasks,
    loss: config.loss,
    optimizer: config.optimizer,
    ...(classWeights === undefined ? {} : { classWeights }),
    ...(inGraph === undefined ? {} : { weighting: inGraph }),
  });
  if (E.isLeft(created)) {
    inGraph?.dispose();
    return E.left(runError(describeTrainerError(created.left)));
  }
  // The wrapper reports the in-graph weights in each step result, and owns the weighting.
  const trainer = inGraph === undefined ? created.right : withInGraphWeighting(created.right, inGraph);
  release.push(() => trainer.dispose());
  return E.right(trainer);
};

export interface OpenOptions {
  readonly resume: boolean;
  readonly input?: InputSettings;
}

/** Opens the run in config.out, whose folder is locked and prepared already. */
export const openRun = async (
  dataset: AttributeDataset,
  config: TrainConfig,
  strategy: WeightingStrategy,
  options: OpenOptions,
  ui: RunUi,
  release: ReleaseList,
): Promise<E.Either<RunError, OpenedRun>> => {
  const out = config.out;
  const m = dataset.tasks.length;
  // Skips are reported as batches are handed out, by the loop's display (made once the loop starts).
  const progress: RunProgress = {
    current: new Array<number>(m).fill(1),
    lastRecord: undefined,
    lastEval: undefined,
    checkpointIteration: -1,
    weightHistory: [],
    evals: [],
    skippedImages: 0,
    display: { update: () => undefined, done: () => undefined, log: (message) => ui.info(message) },
  };
  const sources = await openBatchSources(
    dataset,
    config,
    (skip) => {
      progress.skippedImages += 1;
      progress.display.log(`skipped image: ${skip.message}`);
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

  // Every image the run will read, checked before anything is written.
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
  const preflight: PreflightSummary = { checked: checked.checked, fromCache: checked.fromCache, decoded: checked.decoded, seconds: checked.seconds, bad: checked.bad };
  ui.info(
    `pre-flight: ${checked.checked} images checked in ${checked.seconds.toFixed(2)} s ` +
      `(${checked.fromCache} from the cache, ${checked.checked - checked.fromCache - checked.decoded} by their headers, ${checked.decoded} decoded)` +
      `${checked.bad.length === 0 ? '' : `; ${describeBadImages(checked.bad)}`}`,
  );
  if (checked.bad.length > 0) {
    if (!config.skipBadImages) return E.left(runError(`${describeBadImages(checked.bad)}; fix or remove them, or pass --skip-bad-images to skip them`));
    ui.info(`--skip-bad-images: ${checked.bad.length} unreadable image${checked.bad.length === 1 ? ' is' : 's are'} skipped wherever a batch or an evaluation meets ${checked.bad.length === 1 ? 'it' : 'them'}`);
  }

  const point = await startingPoint(dataset, config, options.resume, ui, release);
  if (E.isLeft(point)) return point;
  const { model, history } = point.right;
  const trainer = openTrainer(dataset, config, strategy, model, release);
  if (E.isLeft(trainer)) return trainer;
  if (point.right.trainerState !== undefined) await trainer.right.setState(point.right.trainerState);
  const start = history.length;
  // The first iteration of this process trains at the schedule's rate (a resumed run: the rate it would have had).
  if (config.lrSchedule !== undefined && config.lrSchedule.name !== 'constant' && start < config.iterations) {
    trainer.right.setLearningRate(learningRateAt(config.lrSchedule, config.optimizer.learningRate, start + 1, config.iterations));
  }

  const log = options.resume ? TrainingLogWriter.continueAfter(join(out, LOG_JSONL), point.right.logText) : TrainingLogWriter.create(join(out, LOG_JSONL));
  let logOpen = true;
  const closeLog = (): void => {
    if (logOpen) log.close();
    logOpen = false;
  };
  release.push(closeLog);
  const evalsPath = join(out, EVALS_JSONL);
  const evals = await readEvals(evalsPath, start);
  await writeFile(evalsPath, evals.map((e) => `${JSON.stringify(e)}\n`).join(''));

  progress.current = point.right.checkpointWeights ?? progress.current;
  progress.lastRecord = history[history.length - 1];
  progress.lastEval = evals[evals.length - 1];
  progress.checkpointIteration = point.right.checkpointIteration;
  progress.weightHistory.push(...point.right.weightHistory);
  progress.evals.push(...evals);
  return E.right({
    dataset,
    config,
    out,
    sources,
    closeSources,
    preflight,
    model,
    meta: modelMeta(dataset, config),
    trainer: trainer.right,
    log,
    closeLog,
    evalsPath,
    history,
    start,
    checkpointWeights: point.right.checkpointWeights,
    progress,
  });
};
