/**
 * What happens after each training step, as a list of hooks run in order on
 * each log record: check the losses are finite, append to the log and the
 * weight history, set the next iteration's learning rate (a schedule's),
 * update the progress display, stop on the signal (with a
 * checkpoint), evaluate every evalEvery iterations, checkpoint every
 * checkpointEvery iterations. A hook stops the run by throwing `Stop` (with a
 * message) or `Stopped` (the signal, checkpoint written).
 */
import { writeFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import { type CheckpointState, formatCheckpointError, writeCheckpoint } from '../src/checkpoint/index.js';
import type { LogRecord } from '../src/log/trainingLog.js';
import { describeModelError, saveModel } from '../src/model/index.js';
import { learningRateAt, type LearningRateSchedule } from '../src/train/schedule.js';
import { evaluateSplit } from './evaluate.js';
import { mean, nonFiniteTasks, progressFields, weightEvent, weightsAfter } from './runFiles.js';
import type { OpenedRun } from './runOpen.js';

/** Raised inside the stream to stop it with a message; turned back into a Left at the end. */
export class Stop extends Error {}

/** Raised inside the stream when the stop signal was seen and the checkpoint written. */
export class Stopped extends Error {
  constructor(readonly iteration: number) {
    super(`stopped at iteration ${iteration}`);
  }
}

/** One step-end hook: runs after iteration `record.iteration`, before the next step starts. */
export type StepEndHook = (record: LogRecord, run: OpenedRun) => void | Promise<void>;

/** Writes the checkpoint of `iteration` (the log synced first); a failure stops the run. */
export const writeRunCheckpoint = async (run: OpenedRun, iteration: number): Promise<void> => {
  run.log.sync();
  const state: CheckpointState = {
    format: 'awmtl-checkpoint',
    version: 1,
    iteration,
    weights: [...run.progress.current],
    weightHistory: run.progress.weightHistory,
    rng: { seed: run.config.seed, scheme: 'counter', nextIteration: iteration + 1 },
    trainer: await run.trainer.getState(),
    config: run.config as unknown as Record<string, unknown>,
    createdAt: new Date().toISOString(),
  };
  const written = await writeCheckpoint(run.out, state, async (dir) => E.mapLeft(describeModelError)(await saveModel(run.model, dir, run.meta)));
  if (E.isLeft(written)) throw new Stop(`checkpoint failed: ${formatCheckpointError(written.left)}`);
  run.progress.checkpointIteration = iteration;
};

/** A resumed run's first record: its weights, replayed from the log, should be the checkpoint's. */
export const warnOnReplayedWeights: StepEndHook = (record, run) => {
  const saved = run.checkpointWeights;
  if (record.iteration !== run.start + 1 || saved === undefined) return;
  const same = record.weights.length === saved.length && record.weights.every((w, j) => w === saved[j]);
  if (!same) run.progress.display.log('warning: the weights replayed from the log differ from the checkpoint; using the replayed ones');
};

/** A loss that is not finite stops the run, saying which tasks and what to try. */
export const stopOnNonFiniteLoss: StepEndHook = (record, run) => {
  const names = run.dataset.tasks.map((t) => t.name);
  const train = nonFiniteTasks(record.trainLoss, names);
  const val = nonFiniteTasks(record.valLoss, names);
  if (train.length === 0 && val.length === 0) return;
  const series = [
    ...(train.length > 0 ? [`the train loss of ${train.join(', ')}`] : []),
    ...(val.length > 0 ? [`the validation loss of ${val.join(', ')}`] : []),
  ];
  const done = run.progress.checkpointIteration;
  const kept = done >= 0 ? `the checkpoint of iteration ${done} and the log are kept` : 'no checkpoint was written yet';
  throw new Stop(
    `iteration ${record.iteration}: ${series.join(' and ')} ${train.length + val.length === 1 ? 'is' : 'are'} not finite: ` +
      `the training diverged; try a lower --lr (it was ${run.config.optimizer.learningRate}); ${kept}`,
  );
};

/** The record goes to the log; a weight update to the weight history; its weights are in force next. */
export const appendToLog: StepEndHook = (record, run) => {
  run.log.append(record);
  run.progress.lastRecord = record;
  const event = weightEvent(record);
  if (event !== undefined) run.progress.weightHistory.push(event);
  run.progress.current = weightsAfter(record);
};

export const showProgress: StepEndHook = (record, run) => {
  const p = run.progress;
  p.display.update(record.iteration, progressFields(record, p.current, p.lastEval?.meanAccuracy));
};

const isLast = (record: LogRecord, run: OpenedRun): boolean => record.iteration >= run.config.iterations;

/** When the signal is aborted: a checkpoint, then Stopped (not after the last iteration: the run finishes). */
export const stopOnSignal =
  (signal: AbortSignal | undefined): StepEndHook =>
  async (record, run) => {
    if (signal?.aborted !== true || isLast(record, run)) return;
    await writeRunCheckpoint(run, record.iteration);
    throw new Stopped(record.iteration);
  };

/** Evaluates the validation split (up to config.evalLimit images) every `every` iterations. */
export const evaluateEvery =
  (every: number): StepEndHook =>
  async (record, run) => {
    if (every <= 0 || record.iteration % every !== 0 || isLast(record, run)) return;
    const { config, dataset } = run;
    const result = await evaluateSplit(run.trainer, dataset, 'val', { ...config, loader: run.sources.loader }, config.evalLimit);
    if (E.isLeft(result)) throw new Stop(result.left.message);
    const line = {
      iteration: record.iteration,
      split: 'val',
      images: result.right.images,
      meanAccuracy: result.right.metrics.meanAccuracy,
      meanBalancedAccuracy: result.right.metrics.meanBalancedAccuracy,
      meanLoss: mean(result.right.loss),
      loss: result.right.loss,
    };
    run.progress.evals.push(line);
    run.progress.lastEval = line;
    await writeFile(run.evalsPath, `${JSON.stringify(line)}\n`, { flag: 'a' });
    run.progress.display.log(`iteration ${line.iteration}: val mean accuracy ${(line.meanAccuracy * 100).toFixed(2)}% on ${line.images} images`);
  };

/** A checkpoint every `every` iterations (the finish writes the last one). */
export const checkpointEvery =
  (every: number): StepEndHook =>
  async (record, run) => {
    if (every <= 0 || record.iteration % every !== 0 || isLast(record, run)) return;
    await writeRunCheckpoint(run, record.iteration);
  };

/** Sets the learning rate of the next iteration from the schedule (a pure function of the iteration). */
export const followSchedule =
  (schedule: LearningRateSchedule): StepEndHook =>
  (record, run) => {
    if (schedule.name === 'constant' || isLast(record, run)) return;
    run.trainer.setLearningRate(learningRateAt(schedule, run.config.optimizer.learningRate, record.iteration + 1, run.config.iterations));
  };

/** The hooks of a run, in the order they run after each step. */
export const stepEndHooks = (run: OpenedRun, signal: AbortSignal | undefined): readonly StepEndHook[] => [
  warnOnReplayedWeights,
  stopOnNonFiniteLoss,
  appendToLog,
  ...(run.config.lrSchedule === undefined ? [] : [followSchedule(run.config.lrSchedule)]),
  showProgress,
  stopOnSignal(signal),
  evaluateEvery(run.config.evalEvery),
  checkpointEvery(run.config.checkpointEvery),
];
