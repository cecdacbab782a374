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
 * A run goes: lock and check the run folder (fresh, resumed or overwritten);
 * open the run (runOpen.ts: the input and a pre-flight check of every image it
 * will read, the model and trainer, fresh or from the checkpoint); loop, each
 * record through the step-end hooks (runHooks.ts: log, progress, stop signal,
 * evaluation, checkpoint, then the caller's own); finish (runFinish.ts: final
 * checkpoint, model, evaluations, report, metrics.json last: its presence
 * marks a finished run). Whatever happens, the
 * trainer, the model, the log, the input workers and the lock are released
 * (`finally`). A stop signal ends the loop after the current step, with a
 * checkpoint to resume from.
 */
import * as E from 'fp-ts/lib/Either.js';
import { concatMap, defer, lastValueFrom, startWith, Subject, take, tap } from 'rxjs';
import { adaptiveTraining } from '../operators/adaptiveTraining.js';
import { pairBatches } from '../operators/pairBatches.js';
import { pullBatches } from '../operators/pullBatches.js';
import type { AttributeDataset } from '../src/data/attributeDataset.js';
import type { Batch } from '../src/data/batch.js';
import type { InputSettings } from '../src/data/workers/input.js';
import { CACHE_REPAIR_ADVICE } from '../src/data/workers/work.js';
import type { RunLock } from '../src/run/lock.js';
import { checkSchedule } from '../src/train/schedule.js';
import { describeTrainerError, TrainerInputError } from '../src/train/trainer.js';
import { createStrategy, formatParamError, type Vector, type WeightingStrategy } from '../src/weighting/index.js';
import { BatchFailure } from './batches.js';
import type { ExtraMetrics } from './evaluate.js';
import { prepareVerifyCommand, progressFields } from './runFiles.js';
import { finishRun, type LoopTiming } from './runFinish.js';
import { type StepEndHook, stepEndHooks, Stop, Stopped } from './runHooks.js';
import { checkRunFolder, lockRunFolder, prepareRunFolder } from './runFolder.js';
import { type OpenedRun, openRun, type ReleaseList } from './runOpen.js';
import { type RunError, runError, type RunSummary, type RunUi, silentUi, type TrainConfig } from './runTypes.js';

export * from './runTypes.js';
export { majorityBaseline } from './runFiles.js';
export type { StepEndHook } from './runHooks.js';
export type { OpenedRun, RunProgress } from './runOpen.js';

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
  /**
   * Hooks run after each step, after the run's own (log, progress, stop signal, evaluation,
   * checkpoint), in order; the next step waits for them. A hook that throws ends the run with its
   * message (the last checkpoint stays).
   */
  readonly stepEndHooks?: readonly StepEndHook[];
}

const checkConfig = (dataset: AttributeDataset, config: TrainConfig): string | undefined => {
  if (!Number.isInteger(config.iterations) || config.iterations < 1) return `iterations must be a positive integer, got ${config.iterations}`;
  if (dataset.splits.train.size === 0) return 'the train split is empty';
  if (dataset.splits.val.size === 0) return 'the validation split is empty (VLT needs validation batches)';
  if (config.lrSchedule !== undefined) {
    const checked = checkSchedule(config.lrSchedule, config.iterations);
    if (E.isLeft(checked)) return `${checked.left.field}: ${checked.left.message}`;
  }
  return undefined;
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
  const release: ReleaseList = [];
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
    const opened = await openRun(dataset, config, strategy.right, { resume, input: options.input }, ui, release);
    if (E.isLeft(opened)) return opened;
    const run = opened.right;
    const ended = await trainLoop(run, strategy.right, [...stepEndHooks(run, options.signal), ...(options.stepEndHooks ?? [])], { ui, signal: options.signal, input: options.input });
    if (E.isLeft(ended)) return ended;
    return await finishRun(run, ended.right, { ui, input: options.input, extraMetrics: options.extraMetrics, started });
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

/**
 * The loop: batches pulled on demand (a prefetch window ahead), paired,
 * through adaptiveTraining, each record through the step-end hooks before the
 * next step starts. Right: how its wall time split; Left: the run failed or
 * was stopped (RunStopped, with a checkpoint to resume from).
 */
const trainLoop = async (
  run: OpenedRun,
  strategy: WeightingStrategy,
  hooks: readonly StepEndHook[],
  options: { readonly ui: RunUi; readonly signal?: AbortSignal; readonly input?: InputSettings },
): Promise<E.Either<RunError, LoopTiming>> => {
  const { signal } = options;
  const { config, sources, trainer, progress, start, out } = run;
  const m = run.dataset.tasks.length;
  progress.display = options.ui.progress('train', config.iterations);
  progress.display.log(sources.description);
  const needed = config.iterations - start;
  let nextTrain = start + 1;
  let nextVal = start + 1;
  const trainBatch = (): Promise<Batch> => sources.train(nextTrain++);
  const valBatch = (): Promise<Batch> => sources.val(nextVal++);

  const demand = new Subject<void>();
  const prefetch = Math.max(1, Math.min(config.prefetch, needed));
  let requested = prefetch;
  const demand$ = demand.pipe(startWith(...new Array<void>(prefetch).fill(undefined)));
  const train$ = demand$.pipe(pullBatches(trainBatch));
  const val$ = demand$.pipe(pullBatches(valBatch));
  // The hooks (evaluation, checkpoints) run between two steps: the next step waits for
  // them (they read the model), while batches keep being prepared meanwhile.
  let between: Promise<unknown> = Promise.resolve();
  // Time accounting for waitSeconds: the loop's wall time = steps + the hooks + the rest (waiting).
  let stepSeconds = 0;
  let hookSeconds = 0;
  const step = async (request: { train: Batch; val: Batch; weights: Vector }) => {
    await between;
    const t0 = performance.now();
    try {
      return await trainer.step(request.train, request.val, request.weights);
    } finally {
      stepSeconds += (performance.now() - t0) / 1000;
    }
  };
  const afterStep = async (record: Parameters<StepEndHook>[0]) => {
    const t0 = performance.now();
    try {
      for (const hook of hooks) await hook(record, run);
      return record;
    } finally {
      hookSeconds += (performance.now() - t0) / 1000;
    }
  };

  let failure: unknown;
  const loopStarted = performance.now();
  if (needed > 0 && signal?.aborted !== true) {
    try {
      await lastValueFrom(
        defer(() =>
          train$.pipe(
            pairBatches(val$),
            adaptiveTraining(step, strategy, m, { history: run.history, firstIteration: start + 1 }),
            take(needed),
            tap(() => {
              if (requested < needed) {
                requested += 1;
                demand.next();
              }
            }),
            concatMap((record) => {
              const work = afterStep(record);
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
  const waitSeconds = Math.max(0, loopSeconds - stepSeconds - hookSeconds);
  const waitFraction = waitSeconds + stepSeconds > 0 ? waitSeconds / (waitSeconds + stepSeconds) : 0;
  demand.complete();
  await run.closeSources();
  if (failure === undefined && needed > 0 && signal?.aborted === true && (progress.lastRecord?.iteration ?? 0) < config.iterations) {
    // Stopped before the first step of this process: nothing new to checkpoint.
    if (progress.checkpointIteration < 0) {
      run.closeLog();
      return E.left(runError('stopped before iteration 1: nothing was trained; start the run again (with --overwrite)'));
    }
    failure = new Stopped(start);
  }
  if (failure instanceof Stopped) {
    run.closeLog();
    progress.display.log(`stopped at iteration ${failure.iteration}`);
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
  const last = progress.lastRecord;
  progress.display.done(config.iterations, last === undefined ? [] : progressFields(last, progress.current, progress.lastEval?.meanAccuracy));
  run.closeLog();
  return E.right({ stepSeconds, waitSeconds, waitFraction });
};
