/**
 * `awmtl train --pipeline celeba --data DIR [options]`: train a multi-task
 * model with adaptive task weighting; `--resume OUT` continues a run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { CONFIG_JSON, runTraining, type RunSummary, type TrainConfig } from '../../pipelines/train.js';
import { findPipeline, pipelineNames, type PipelineDefinition } from '../../pipelines/index.js';
import type { DataOptionValue } from '../../pipelines/definition.js';
import { selectBackend } from '../../src/backend/index.js';
import {
  flagOption,
  isNonNegativeInteger,
  isPositiveInteger,
  numberOption,
  type OptionSpec,
  parseCommandArgs,
  type Parsed,
  stringOption,
  usageError,
  type UsageError,
} from '../../src/cli/args.js';
import { CROP_PRESETS, type Crop, type ImageOptions } from '../../src/data/images.js';
import { DEFAULT_BACKBONE, knownBackbones } from '../../src/model/index.js';
import { ADAM_DEFAULTS, parseOptimizerConfig, SGD_DEFAULTS } from '../../src/train/optimizers.js';
import { epochSampler } from '../../src/data/sampler.js';
import type { InputSettings } from '../../src/data/workers/input.js';
import { findStrategy, strategyNames } from '../../src/weighting/index.js';
import { cliUi, printSummary } from '../ui.js';

const strategyParamNames = (): string[] => {
  const names = new Set<string>();
  for (const s of strategyNames()) for (const p of Object.keys(findStrategy(s)?.paramsHelp ?? {})) names.add(p);
  return [...names];
};

export const trainOptionSpec = (): OptionSpec => {
  const spec: OptionSpec = {
    pipeline: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
    backbone: { type: 'string' },
    'width-multiplier': { type: 'string' },
    size: { type: 'string' },
    crop: { type: 'string' },
    loss: { type: 'string' },
    optimizer: { type: 'string' },
    lr: { type: 'string' },
    momentum: { type: 'string' },
    'weight-decay': { type: 'string' },
    'batch-size': { type: 'string' },
    'val-batch-size': { type: 'string' },
    'val-draw': { type: 'string' },
    iterations: { type: 'string' },
    epochs: { type: 'string' },
    strategy: { type: 'string' },
    seed: { type: 'string' },
    'eval-every': { type: 'string' },
    'eval-limit': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    'no-flip': { type: 'boolean' },
    'skip-bad-images': { type: 'boolean' },
    prefetch: { type: 'string' },
    cache: { type: 'string' },
    'no-cache': { type: 'boolean' },
    workers: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const p of strategyParamNames()) spec[p] = { type: 'string' };
  for (const name of pipelineNames()) {
    for (const [opt, d] of Object.entries(findPipeline(name)?.dataOptions ?? {})) spec[opt] = { type: d.type };
  }
  return spec;
};

export const trainUsage = (): string => {
  const lines = [
    'usage: awmtl train --pipeline NAME --data DIR [--out DIR] [options]',
    '       awmtl train --resume OUT [--iterations N]',
    '',
    'Trains a multi-task attribute classifier with adaptive task weighting. OUT receives',
    'model/ (tfjs layers model), checkpoint, log.jsonl, evals.jsonl, metrics.json, report.html.',
    '',
    `  --pipeline NAME         ${pipelineNames().join(', ')} (default celeba)`,
    '  --data DIR              the dataset folder (the real dataset layout)',
    '  --out DIR               output folder (default runs/<pipeline>-<date>)',
    '  --resume OUT            continue the run in OUT from its last checkpoint',
    '  --backend NAME          auto (default: tensorflow if installed, else wasm, else cpu), wasm, cpu, tensorflow',
    '  --threads N             backend threads',
    `  --backbone NAME         ${knownBackbones().join(', ')} (default ${DEFAULT_BACKBONE})`,
    '  --width-multiplier X    scale the filters of a built-in backbone',
    '  --size HxW | N          input size (default: the pipeline\'s, e.g. 64x64 for celeba)',
    `  --crop NAME             none, ${Object.keys(CROP_PRESETS).join(', ')} (default: the pipeline's)`,
    '  --loss bce|mse          per-task loss: BCE with logits (default) or MSE on +-1 (the paper\'s)',
    '  --optimizer adam|sgd    adam (default; lr 1e-3) or sgd (momentum 0.9, weight decay 5e-4, lr 1e-4)',
    '  --lr X --momentum X --weight-decay X',
    '  --batch-size N          train batch (default 32)',
    '  --val-batch-size N      validation batch drawn each iteration (default: the train batch)',
    '  --val-draw MODE         replacement (default, as the Caffe reference) or reshuffle',
    '  --iterations N | --epochs E   training budget',
    `  --strategy NAME         ${strategyNames().join(', ')} (default vlt)`,
  ];
  for (const s of strategyNames()) {
    for (const [p, help] of Object.entries(findStrategy(s)?.paramsHelp ?? {})) lines.push(`  --${p.padEnd(21)} [${s}] ${help}`);
  }
  lines.push(
    '  --seed S                seed of everything random (default 0)',
    '  --eval-every N          evaluate on the validation split every N iterations',
    '  --eval-limit N          images per interim evaluation (default 2000)',
    '  --checkpoint-every N    checkpoint every N iterations (and at the end)',
    '  --no-flip               no horizontal-flip augmentation',
    '  --skip-bad-images       skip unreadable images (counted in the report) instead of stopping',
    '  --prefetch N            batches prepared ahead per stream (default 4; slack against stalls of the input)',
    '  --cache DIR             root of the preprocessed image caches (awmtl prepare; default $AWMTL_CACHE,',
    '                          else $XDG_CACHE_HOME/awmtl, else ~/.cache/awmtl); used when present and valid',
    '  --no-cache              decode the image files even if a valid cache exists',
    '  --workers N             image decoding threads (default: 1 with a cache, else min(cores - 1, 4); 0 = main thread)',
    '  --json                  print the summary as JSON on stdout',
  );
  // Pipeline options, each listed once with the pipelines that take it.
  const byOption = new Map<string, { help: string; pipelines: string[] }>();
  for (const name of pipelineNames()) {
    for (const [opt, d] of Object.entries(findPipeline(name)?.dataOptions ?? {})) {
      const key = `${opt}\u0000${d.help}`;
      const entry = byOption.get(key) ?? { help: d.help, pipelines: [] };
      entry.pipelines.push(name);
      byOption.set(key, entry);
    }
  }
  for (const [key, { help, pipelines }] of byOption) lines.push(`  --${key.split('\u0000')[0].padEnd(21)} [${pipelines.join(', ')}] ${help}`);
  return lines.join('\n');
};

export const parseSize = (text: string): E.Either<UsageError, { height: number; width: number }> => {
  const m = /^(\d+)(?:x(\d+))?$/.exec(text.trim());
  if (m === null) return E.left(usageError(`--size must be HxW or N, e.g. 64x64 or 128x64, got ${JSON.stringify(text)}`));
  const height = Number(m[1]);
  const width = m[2] === undefined ? height : Number(m[2]);
  if (height < 8 || width < 8 || height > 1024 || width > 1024) {
    return E.left(usageError(`--size: each side must be between 8 and 1024, got ${height}x${width}`));
  }
  return E.right({ height, width });
};

export const parseCrop = (text: string): E.Either<UsageError, Crop> =>
  text === 'none' || text in CROP_PRESETS
    ? E.right(text as Crop)
    : E.left(usageError(`--crop must be none or one of ${Object.keys(CROP_PRESETS).join(', ')}, got ${JSON.stringify(text)}`));

const oneOf = <T extends string>(parsed: Parsed, name: string, values: readonly T[], fallback: T): E.Either<UsageError, T> => {
  const raw = stringOption(parsed, name);
  if (raw === undefined) return E.right(fallback);
  return (values as readonly string[]).includes(raw)
    ? E.right(raw as T)
    : E.left(usageError(`--${name} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`));
};

const orFail = <A>(e: E.Either<UsageError, A>): A => {
  if (E.isLeft(e)) throw new UsageFailure(e.left.message);
  return e.right;
};

class UsageFailure extends Error {}

const INPUT_OPTIONS = ['cache', 'no-cache', 'workers'];

/** --cache DIR, --no-cache, --workers N: how images are read (not part of the run's config: they do not change its batches). */
export const inputSettingsFromArgs = (parsed: Parsed): E.Either<UsageError, InputSettings> => {
  const cache = stringOption(parsed, 'cache');
  const off = flagOption(parsed, 'no-cache');
  if (cache !== undefined && off) return E.left(usageError('give --cache DIR or --no-cache, not both'));
  const workers = numberOption(parsed, 'workers', -1, isNonNegativeInteger, 'a non-negative integer');
  if (E.isLeft(workers)) return workers;
  return E.right({
    ...(off ? { cache: false as const } : cache === undefined ? {} : { cache }),
    ...(workers.right < 0 ? {} : { workers: workers.right }),
  });
};

/** The run configuration from the command line (before the dataset is loaded; epochs resolved later). */
export const configFromArgs = (
  parsed: Parsed,
  pipeline: PipelineDefinition,
): E.Either<UsageError, { config: Omit<TrainConfig, 'iterations'>; iterations?: number; epochs?: number }> => {
  try {
    const data = stringOption(parsed, 'data');
    if (data === undefined) return E.left(usageError('--data DIR is required'));
    const defaults = pipeline.defaults;
    const size = stringOption(parsed, 'size');
    const crop = stringOption(parsed, 'crop');
    const image: ImageOptions = {
      ...pipeline.imageDefaults,
      ...(size === undefined ? {} : orFail(parseSize(size))),
      ...(crop === undefined ? {} : { crop: orFail(parseCrop(crop)) }),
    };
    const optimizerName = orFail(oneOf(parsed, 'optimizer', ['adam', 'sgd'] as const, 'adam'));
    const base = optimizerName === 'adam' ? ADAM_DEFAULTS : SGD_DEFAULTS;
    const lr = orFail(numberOption(parsed, 'lr', base.learningRate, (x) => x > 0, 'a positive number'));
    const optimizerRaw: Record<string, unknown> = { ...base, learningRate: lr };
    if (stringOption(parsed, 'momentum') !== undefined) {
      if (optimizerName !== 'sgd') return E.left(usageError('--momentum applies to --optimizer sgd'));
      optimizerRaw.momentum = orFail(numberOption(parsed, 'momentum', 0.9, (x) => x >= 0 && x < 1, 'in [0, 1)'));
    }
    if (stringOption(parsed, 'weight-decay') !== undefined) {
      optimizerRaw.weightDecay = orFail(numberOption(parsed, 'weight-decay', 0, (x) => x >= 0, 'a non-negative number'));
    }
    const optimizer = parseOptimizerConfig(optimizerRaw);
    if (E.isLeft(optimizer)) return E.left(usageError(`${optimizer.left.field}: ${optimizer.left.message}`));
    const batchSize = orFail(numberOption(parsed, 'batch-size', defaults.batchSize, isPositiveInteger, 'a positive integer'));
    const strategyName = stringOption(parsed, 'strategy') ?? 'vlt';
    const definition = findStrategy(strategyName);
    if (definition === undefined) return E.left(usageError(`unknown strategy "${strategyName}" (known: ${strategyNames().join(', ')})`));
    const strategyParams: Record<string, string | number> = {};
    for (const p of strategyParamNames()) {
      const v = stringOption(parsed, p);
      if (v === undefined) continue;
      if (p === 'seed' && !(p in definition.paramsHelp)) continue; // the run's --seed; a strategy with a seed (rlw) gets it too
      if (!(p in definition.paramsHelp)) return E.left(usageError(`--${p} does not apply to strategy ${strategyName}`));
      strategyParams[p] = v;
    }
    if ('k' in definition.paramsHelp && strategyParams.k === undefined) strategyParams.k = defaults.k;
    const dataOptions: Record<string, DataOptionValue> = {};
    for (const [opt, d] of Object.entries(pipeline.dataOptions)) {
      const v = d.type === 'boolean' ? (flagOption(parsed, opt) ? true : undefined) : stringOption(parsed, opt);
      if (v !== undefined) dataOptions[opt] = v;
    }
    for (const name of pipelineNames()) {
      if (name === pipeline.name) continue;
      for (const opt of Object.keys(findPipeline(name)?.dataOptions ?? {})) {
        if (!(opt in pipeline.dataOptions) && parsed.values[opt] !== undefined) {
          return E.left(usageError(`--${opt} does not apply to pipeline ${pipeline.name}`));
        }
      }
    }
    const iterationsRaw = stringOption(parsed, 'iterations');
    const epochsRaw = stringOption(parsed, 'epochs');
    if (iterationsRaw !== undefined && epochsRaw !== undefined) return E.left(usageError('give --iterations or --epochs, not both'));
    const iterations = iterationsRaw === undefined ? undefined : orFail(numberOption(parsed, 'iterations', 0, isPositiveInteger, 'a positive integer'));
    const epochs = epochsRaw === undefined ? undefined : orFail(numberOption(parsed, 'epochs', 0, (x) => x > 0, 'a positive number'));
    const widthMultiplier = stringOption(parsed, 'width-multiplier');
    const out = stringOption(parsed, 'out') ?? join('runs', `${pipeline.name}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
    const config: Omit<TrainConfig, 'iterations'> = {
      pipeline: pipeline.name,
      data,
      dataOptions,
      out,
      backbone: stringOption(parsed, 'backbone') ?? DEFAULT_BACKBONE,
      ...(widthMultiplier === undefined
        ? {}
        : { widthMultiplier: orFail(numberOption(parsed, 'width-multiplier', 1, (x) => x > 0 && x <= 8, 'in (0, 8]')) }),
      image,
      loss: orFail(oneOf(parsed, 'loss', ['bce', 'mse'] as const, 'bce')),
      optimizer: optimizer.right,
      batchSize,
      valBatchSize: orFail(numberOption(parsed, 'val-batch-size', batchSize, isPositiveInteger, 'a positive integer')),
      valDraw: orFail(oneOf(parsed, 'val-draw', ['replacement', 'reshuffle'] as const, 'replacement')),
      strategy: { name: strategyName, params: strategyParams },
      seed: orFail(numberOption(parsed, 'seed', 0, isNonNegativeInteger, 'a non-negative integer')),
      evalEvery: orFail(numberOption(parsed, 'eval-every', defaults.evalEvery, isNonNegativeInteger, 'a non-negative integer')),
      evalLimit: orFail(numberOption(parsed, 'eval-limit', 2000, isPositiveInteger, 'a positive integer')),
      checkpointEvery: orFail(numberOption(parsed, 'checkpoint-every', defaults.checkpointEvery, isNonNegativeInteger, 'a non-negative integer')),
      flip: !flagOption(parsed, 'no-flip'),
      skipBadImages: flagOption(parsed, 'skip-bad-images'),
      prefetch: orFail(numberOption(parsed, 'prefetch', 4, isPositiveInteger, 'a positive integer')),
      finalSplits: ['val', 'test'],
    };
    return E.right({ config, ...(iterations === undefined ? {} : { iterations }), ...(epochs === undefined ? {} : { epochs }) });
  } catch (error) {
    if (error instanceof UsageFailure) return E.left(usageError(error.message));
    throw error;
  }
};

export const trainCommand = async (argv: readonly string[]): Promise<number> => {
  const parsed = parseCommandArgs(argv, trainOptionSpec());
  const fail = (message: string, code = 2): number => {
    process.stderr.write(`awmtl train: ${message}\n${code === 2 ? "(see 'awmtl train --help')\n" : ''}`);
    return code;
  };
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  if (flagOption(parsed.right, 'help')) {
    process.stdout.write(`${trainUsage()}\n`);
    return 0;
  }
  const json = flagOption(parsed.right, 'json');
  const ui = cliUi();
  let config: TrainConfig;
  let resume = false;
  const resumeDir = stringOption(parsed.right, 'resume');
  if (resumeDir !== undefined) {
    const path = join(resumeDir, CONFIG_JSON);
    if (!existsSync(path)) return fail(`cannot resume: ${path} not found`, 1);
    const saved = JSON.parse(readFileSync(path, 'utf8')) as TrainConfig;
    const more = stringOption(parsed.right, 'iterations');
    const iterations = more === undefined ? saved.iterations : Number(more);
    if (!isPositiveInteger(iterations)) return fail(`--iterations must be a positive integer, got ${JSON.stringify(more)}`);
    const extra = Object.keys(parsed.right.values).filter((k) => !['resume', 'iterations', 'json', 'backend', 'threads', ...INPUT_OPTIONS].includes(k));
    if (extra.length > 0) return fail(`--resume takes its settings from ${path}; only --iterations, --backend, --threads, --cache, --no-cache, --workers and --json may be given (not --${extra[0]})`);
    config = { ...saved, out: resumeDir, iterations };
    resume = true;
  } else {
    const name = stringOption(parsed.right, 'pipeline') ?? 'celeba';
    const pipeline = findPipeline(name);
    if (pipeline === undefined) return fail(`unknown pipeline "${name}" (known: ${pipelineNames().join(', ')})`);
    const fromArgs = configFromArgs(parsed.right, pipeline);
    if (E.isLeft(fromArgs)) return fail(fromArgs.left.message);
    const { config: partial } = fromArgs.right;
    // Iterations are resolved after loading when given in epochs.
    config = { ...partial, iterations: fromArgs.right.iterations ?? pipeline.defaults.iterations };
    if (fromArgs.right.epochs !== undefined) (config as { epochs?: number }).epochs = fromArgs.right.epochs;
  }
  const pipeline = findPipeline(config.pipeline);
  if (pipeline === undefined) return fail(`unknown pipeline "${config.pipeline}"`, 1);
  const input = inputSettingsFromArgs(parsed.right);
  if (E.isLeft(input)) return fail(input.left.message);
  const backendChoice = stringOption(parsed.right, 'backend') ?? 'auto';
  if (!['auto', 'wasm', 'cpu', 'tensorflow'].includes(backendChoice)) return fail(`--backend must be auto, wasm, cpu or tensorflow, got ${JSON.stringify(backendChoice)}`);
  const threads = numberOption(parsed.right, 'threads', 1, isPositiveInteger, 'a positive integer');
  if (E.isLeft(threads)) return fail(threads.left.message);
  try {
    await selectBackend({ backend: backendChoice as 'auto', threads: threads.right, log: (m) => ui.info(m) });
  } catch (error) {
    return fail((error as Error).message, 1);
  }
  ui.info(`loading ${config.pipeline} from ${config.data}`);
  const dataset = await pipeline.load(config.data, config.dataOptions, config.seed);
  if (E.isLeft(dataset)) return fail(dataset.left.message, 1);
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
  const result = await runTraining(dataset.right, config, { resume, ui, input: input.right, ...(extraMetrics === undefined ? {} : { extraMetrics }) });
  if (E.isLeft(result)) return fail(result.left.message, 1);
  printSummary(result.right, dataset.right.tasks, json);
  return 0;
};

export type { RunSummary };
