/**
 * `awmtl train --pipeline celeba --data DIR [options]`: train a multi-task
 * model with adaptive task weighting; `--resume OUT` continues a run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { CONFIG_JSON, runTraining, type RunSummary, type TrainConfig } from '../../pipelines/train.js';
import { findPipeline, pipelineNames, type PipelineDefinition } from '../../pipelines/index.js';
import { selectBackend } from '../../src/backend/index.js';
import { epochSampler } from '../../src/data/sampler.js';
import type { InputSettings } from '../../src/data/workers/input.js';
import { checkRunFolder, lockRunFolder } from '../../pipelines/runFolder.js';
import type { RunUi } from '../../pipelines/runUi.js';
import { runFolderState } from '../../src/run/folder.js';
import type { RunLock } from '../../src/run/lock.js';
import { describeException, EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import { backendOptions } from '../options/backendOptions.js';
import { dashboardFromValues, dashboardOptions } from '../options/dashboardOptions.js';
import { inputOptions, inputSettings } from '../options/inputOptions.js';
import { type CommandSpec, flag, type Parsed, text } from '../options/optionTable.js';
import { pipelineOption } from '../options/pipelineOptions.js';
import { runCommand } from '../options/runCommand.js';
import { listenForStop, type StopSignals } from '../signals.js';
import { cliUi, printSummary } from '../ui.js';
import { startDashboard } from './dashboard.js';
import { configFromValues, runSettingsOptions, strategyChoiceOptions, strategyFromValues } from './trainOptions.js';

/** train's options: the run settings, the strategy and seed, and how to run (backend, input, folder, output). */
export const trainOptions = () => ({
  pipeline: pipelineOption({ default: 'celeba' }),
  resume: text({ metavar: 'OUT', help: 'continue the run in OUT from its last checkpoint (a finished one with a larger --iterations)' }),
  overwrite: flag('replace the run that --out already holds (without it, such a folder is refused)'),
  ...runSettingsOptions(),
  ...strategyChoiceOptions(),
  ...backendOptions,
  ...inputOptions(),
  json: flag('print the summary as JSON on stdout'),
  ...dashboardOptions,
});

export const trainSpec = (): CommandSpec<ReturnType<typeof trainOptions>> => ({
  name: 'train',
  synopsis: ['train --pipeline NAME --data DIR [--out DIR] [options]', 'train --resume OUT [--iterations N]'],
  description:
    'Trains a multi-task attribute classifier with adaptive task weighting. OUT receives\n' +
    'model/ (tfjs layers model), checkpoint, log.jsonl, evals.jsonl, metrics.json, report.html.\n' +
    "Strategy options ([vlt] ...) apply to the strategies named; pipeline options ([celeba] ...) to those pipelines.",
  options: trainOptions(),
});

/** What --resume takes besides itself: the rest comes from the run's config.json. */
const RESUME_OPTIONS = ['resume', 'iterations', 'json', 'backend', 'threads', 'skip-bad-images', 'dashboard', 'host', 'cache', 'no-cache', 'workers'];

export const trainCommand = async (argv: readonly string[]): Promise<number> => runCommand(trainSpec(), argv, (p) => train(p));

const train = async (parsed: Parsed<ReturnType<typeof trainOptions>>): Promise<number> => {
  const v = parsed.values;
  const fail = (message: string, code = EXIT_USAGE, cause?: unknown): number => reportFailure('train', message, code, cause);
  const ui = cliUi();
  let config: TrainConfig;
  let resume = false;
  const overwrite = v.overwrite;
  const resumeDir = v.resume;
  if (resumeDir !== undefined) {
    if (overwrite) return fail('give --resume or --overwrite, not both');
    const extra = [...parsed.given].filter((k) => !RESUME_OPTIONS.includes(k));
    if (extra.length > 0) {
      return fail(`--resume takes its settings from ${join(resumeDir, CONFIG_JSON)}; only ${RESUME_OPTIONS.slice(1).map((o) => `--${o}`).join(', ')} may be given (not --${extra[0]})`);
    }
    const folder = checkRunFolder(resumeDir, 'resume');
    if (E.isLeft(folder)) return fail(folder.left, EXIT_FAILURE);
    const path = join(resumeDir, CONFIG_JSON);
    let saved: TrainConfig;
    try {
      saved = JSON.parse(readFileSync(path, 'utf8')) as TrainConfig;
    } catch (error) {
      return fail(`cannot resume: ${path}: ${describeException(error)}`, EXIT_FAILURE);
    }
    const iterations = v.iterations ?? saved.iterations;
    const state = folder.right;
    if (state._tag === 'Run' && state.finished && (state.checkpointIteration ?? 0) >= iterations) {
      process.stderr.write(
        `${resumeDir} is a finished run of ${state.checkpointIteration} iterations; nothing to do (pass --iterations N with N > ${state.checkpointIteration} to continue it)\n`,
      );
      return 0;
    }
    config = { ...saved, out: resumeDir, iterations, ...(v['skip-bad-images'] ? { skipBadImages: true } : {}) };
    resume = true;
  } else {
    const pipeline = v.pipeline ?? (findPipeline('celeba') as PipelineDefinition);
    const fromArgs = configFromValues(v, parsed.given, pipeline);
    if (E.isLeft(fromArgs)) return fail(fromArgs.left.message);
    const strategy = strategyFromValues(v.strategy, parsed.raw, pipeline);
    if (E.isLeft(strategy)) return fail(strategy.left.message);
    // Iterations are resolved after loading when given in epochs.
    config = { ...fromArgs.right.config, strategy: strategy.right, seed: v.seed, iterations: fromArgs.right.iterations ?? pipeline.defaults.iterations };
    if (fromArgs.right.epochs !== undefined) (config as { epochs?: number }).epochs = fromArgs.right.epochs;
  }
  const pipeline = findPipeline(config.pipeline);
  if (pipeline === undefined) return fail(`unknown pipeline "${config.pipeline}" (known: ${pipelineNames().join(', ')})`, EXIT_FAILURE);
  const input = inputSettings(v);
  if (E.isLeft(input)) return fail(input.left.message);
  const dashboard = dashboardFromValues(v);
  if (E.isLeft(dashboard)) return fail(dashboard.left.message);

  // The run folder: checked and locked before any data is read, held until the end.
  const mode = resume ? 'resume' : overwrite ? 'overwrite' : 'fresh';
  if (runFolderState(config.out)._tag === 'NotAFolder') return fail(`--out ${config.out} is a file, not a folder`);
  const locked = lockRunFolder(config.out);
  if (E.isLeft(locked)) return fail(locked.left, EXIT_FAILURE);
  if (locked.right.notice !== undefined) ui.info(locked.right.notice);
  const early = checkRunFolder(config.out, mode);
  if (E.isLeft(early)) {
    locked.right.lock.release();
    return fail(early.left, EXIT_FAILURE);
  }
  const stop = listenForStop();
  try {
    return await trainLocked(config, {
      resume,
      overwrite,
      json: v.json,
      ui,
      input: input.right,
      backendChoice: v.backend,
      threads: v.threads,
      pipeline,
      stop,
      lock: locked.right.lock,
      dashboard: dashboard.right,
    });
  } finally {
    stop.dispose();
    locked.right.lock.release();
  }
};

const trainLocked = async (
  start: TrainConfig,
  o: {
    resume: boolean;
    overwrite: boolean;
    json: boolean;
    ui: RunUi;
    input: InputSettings;
    backendChoice: string;
    threads: number;
    pipeline: PipelineDefinition;
    stop: StopSignals;
    lock: RunLock;
    dashboard: Parameters<typeof startDashboard>[0] | undefined;
  },
): Promise<number> => {
  const { ui, pipeline } = o;
  let config = start;
  const fail = (message: string, cause?: unknown): number => reportFailure('train', message, EXIT_FAILURE, cause);
  try {
    await selectBackend({ backend: o.backendChoice as 'auto', threads: o.threads, log: (m) => ui.info(m) });
  } catch (error) {
    return fail((error as Error).message);
  }
  ui.info(`loading ${config.pipeline} from ${config.data}`);
  const dataset = await pipeline.load(config.data, config.dataOptions, config.seed);
  if (E.isLeft(dataset)) return fail(dataset.left.message);
  for (const w of dataset.right.warnings) ui.info(`warning: ${w}`);
  const splits = dataset.right.splits;
  ui.info(`${dataset.right.tasks.length} tasks; train ${splits.train.size}, val ${splits.val.size}, test ${splits.test.size} images`);
  const epochs = (config as { epochs?: number }).epochs;
  if (epochs !== undefined) {
    const perEpoch = epochSampler(splits.train.size, config.batchSize, 0).batchesPerEpoch;
    const { epochs: _drop, ...rest } = config as TrainConfig & { epochs?: number };
    config = { ...rest, iterations: Math.max(1, Math.round(epochs * perEpoch)) };
    ui.info(`${epochs} epochs = ${config.iterations} iterations of ${config.batchSize}`);
  }
  ui.info(`output: ${config.out}`);
  const extraMetrics = pipeline.extraMetrics?.(dataset.right);
  // The dashboard reads the run folder's files, so training itself does not know it is watched.
  const watch = o.dashboard === undefined ? undefined : await startDashboard(o.dashboard, config.out, dataset.right.tasks.map((t) => t.name), ui.info);
  if (watch !== undefined && E.isLeft(watch)) return fail(watch.left);
  const result = await runTraining(dataset.right, config, {
    resume: o.resume,
    overwrite: o.overwrite,
    ui,
    input: o.input,
    signal: o.stop.signal,
    lock: o.lock,
    ...(extraMetrics === undefined ? {} : { extraMetrics }),
  }).finally(async () => (watch?._tag === 'Right' ? watch.right() : undefined));
  if (E.isLeft(result)) {
    if (result.left._tag === 'RunStopped') {
      process.stderr.write(`awmtl: train: ${result.left.message}\n`);
      return o.stop.exitCode() ?? 130;
    }
    return fail(result.left.message, result.left.cause);
  }
  printSummary(result.right, dataset.right.tasks, o.json);
  return o.stop.exitCode() ?? 0;
};

export type { RunSummary };
