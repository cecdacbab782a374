/**
 * `awmtl compare --pipeline P --data DIR --strategies vlt,ew,dwa,uw,rlw,gradnorm,famo
 *  --seeds N [--iterations I] --out DIR [--json] [train options]`
 *
 * Trains every strategy with the same seeds, data order and budget, and prints
 * the comparison table (Markdown, or with --json the table as JSON); the table,
 * its pictures and every run are written under OUT (see pipelines/compare.ts).
 */
import { shellWord } from '../../pipelines/runFiles.js';
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import { listenForStop } from '../signals.js';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { collectComparison, COMPARE_FILES, plannedRuns, runComparison, type StrategyChoice } from '../../pipelines/compare.js';
import type { PipelineDefinition } from '../../pipelines/definition.js';
import { findPipeline, pipelineNames } from '../../pipelines/index.js';
import type { TrainConfig } from '../../pipelines/train.js';
import { backendChoiceError, isBackendChoice, selectBackend } from '../../src/backend/index.js';
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
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import { epochSampler } from '../../src/data/sampler.js';
import { compareJson } from '../../src/report/compare.js';
import { createStrategy, findStrategy, formatParamError, strategyNames } from '../../src/weighting/index.js';
import { cliUi } from '../ui.js';
import { configFromArgs, inputSettingsFromArgs, trainOptionSpec } from './train.js';

/** Options of compare itself (the rest are train's). */
const OWN = ['strategies', 'seeds', 'first-seed', 'dwa-level', 'no-reuse', 'plan', 'collect'] as const;

/** Strategy parameters given on the command line go to the strategies that take them; --seed is per run. */
const strategyParams = (): string[] => {
  const names = new Set<string>();
  for (const s of strategyNames()) for (const p of Object.keys(findStrategy(s)?.paramsHelp ?? {})) if (p !== 'seed') names.add(p);
  return [...names];
};

export const compareOptionSpec = (): OptionSpec => {
  const spec: OptionSpec = { ...trainOptionSpec() };
  delete spec.resume;
  delete spec.strategy;
  delete spec.seed;
  delete spec.dashboard;
  delete spec.host;
  spec.strategies = { type: 'string' };
  spec.seeds = { type: 'string' };
  spec['first-seed'] = { type: 'string' };
  spec['dwa-level'] = { type: 'string' };
  spec['no-reuse'] = { type: 'boolean' };
  spec.plan = { type: 'boolean' };
  spec.collect = { type: 'boolean' };
  return spec;
};

export const compareUsage = (): string => {
  const lines = [
    'usage: awmtl compare --pipeline NAME --data DIR [--strategies LIST] [--seeds N] [--iterations I] [--out DIR] [--json] [train options]',
    '',
    'Trains every strategy with the same seeds, data order and budget (each run in OUT/<strategy>-s<seed>/),',
    'then prints the table: mean accuracy and mA per strategy (mean ± std over seeds) and the per-attribute',
    'differences from EW. OUT receives compare.md, compare.csv, compare-attributes.csv, compare.json,',
    'compare.svg (the table as a picture) and compare-weights.svg (each strategy\'s weight curves).',
    'Finished runs with identical settings are reused (an interrupted comparison continues).',
    '',
    `  --strategies LIST       comma-separated, from ${strategyNames().join(', ')} (default: all)`,
    '  --seeds N               number of seeds (default 1): seeds S, S+1, ..., S+N-1',
    '  --first-seed S          the first seed (default 0); a strategy with a seed (rlw) uses the run\'s',
    '  --dwa-level LEVEL       window (default: DWA updates every --k iterations) or epoch (k = iterations of one epoch)',
    '  --no-reuse              train every run again, even if its folder holds a finished run',
    '  --out DIR               output folder (default runs/compare-<pipeline>-<date>)',
    '  --json                  print the table as JSON ({"rows": [{"strategy", "mean", "std", ...}], ...}; fractions)',
    '  --plan                  train nothing: print the `awmtl train` command of every run, one per line (its',
    '                          --out is the run folder), for a scheduler: ... --plan | parallel -j 4',
    '  --collect               train nothing: build the table from the run folders of the same command line,',
    '                          naming the missing and unfinished runs (exit 1 if any)',
    '',
    'With EW among the strategies, the table ends with every strategy\'s paired difference from EW and its',
    '95% confidence intervals: over seeds (Student t) and by a paired bootstrap over the test images',
    '(OUT/<run>/predictions-test.json), with a plain verdict: better, worse or not distinguishable.',
    '',
    'Strategy options go to every listed strategy that takes them:',
  ];
  for (const s of strategyNames()) {
    for (const [p, help] of Object.entries(findStrategy(s)?.paramsHelp ?? {})) {
      if (p !== 'seed') lines.push(`  --${p.padEnd(21)} [${s}] ${help}`);
    }
  }
  lines.push('', "Train options (see 'awmtl train --help'): --backend, --threads, --backbone, --width-multiplier, --size, --crop,");
  lines.push('--loss, --optimizer, --lr, --momentum, --weight-decay, --batch-size, --val-batch-size, --val-draw,');
  lines.push('--iterations | --epochs, --eval-every, --eval-limit, --checkpoint-every, --no-flip, --skip-bad-images, --prefetch,');
  lines.push("and the pipeline's data options.");
  return lines.join('\n');
};

interface CompareArgs {
  readonly pipeline: PipelineDefinition;
  readonly partial: Omit<TrainConfig, 'iterations'>;
  readonly iterations?: number;
  readonly epochs?: number;
  readonly strategies: readonly StrategyChoice[];
  readonly seeds: readonly number[];
  readonly dwaLevel: 'window' | 'epoch';
  readonly reuse: boolean;
  readonly json: boolean;
  readonly mode: 'run' | 'plan' | 'collect';
  /** The train options as given (for --plan's commands). */
  readonly trainArgs: readonly string[];
}

/** Compare's arguments: train's settings through train's own parser, plus the strategies and seeds. */
export const parseCompareArgs = (parsed: Parsed): E.Either<UsageError, CompareArgs> => {
  const pipelineName = stringOption(parsed, 'pipeline') ?? 'celeba';
  const pipeline = findPipeline(pipelineName);
  if (pipeline === undefined) return E.left(usageError(`unknown pipeline "${pipelineName}" (known: ${pipelineNames().join(', ')})`));
  const list = (stringOption(parsed, 'strategies') ?? strategyNames().join(','))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) return E.left(usageError('--strategies: no strategy given'));
  for (const name of list) {
    if (findStrategy(name) === undefined) return E.left(usageError(`--strategies: unknown strategy "${name}" (known: ${strategyNames().join(', ')})`));
  }
  const dup = list.find((s, i) => list.indexOf(s) !== i);
  if (dup !== undefined) return E.left(usageError(`--strategies: ${dup} is listed twice`));
  const count = numberOption(parsed, 'seeds', 1, isPositiveInteger, 'a positive integer');
  if (E.isLeft(count)) return count;
  const first = numberOption(parsed, 'first-seed', 0, isNonNegativeInteger, 'a non-negative integer');
  if (E.isLeft(first)) return first;
  const level = stringOption(parsed, 'dwa-level') ?? 'window';
  if (level !== 'window' && level !== 'epoch') return E.left(usageError(`--dwa-level must be window or epoch, got ${JSON.stringify(level)}`));

  // Strategy parameters: each given one goes to the listed strategies that take it; k defaults to the pipeline's.
  const params = new Map<string, Record<string, string | number>>(list.map((s) => [s, {}]));
  for (const p of strategyParams()) {
    const value = stringOption(parsed, p);
    const takers = list.filter((s) => p in (findStrategy(s)?.paramsHelp ?? {}));
    if (value === undefined) {
      if (p === 'k') for (const s of takers) params.get(s)!.k = pipeline.defaults.k;
      continue;
    }
    if (takers.length === 0) return E.left(usageError(`--${p} does not apply to any of the strategies (${list.join(', ')})`));
    for (const s of takers) params.get(s)![p] = value;
  }
  for (const s of list) {
    const check = createStrategy(s, params.get(s)!);
    if (E.isLeft(check)) return E.left(usageError(formatParamError(check.left)));
  }

  // Train's parser for everything else (strategy and seed are set per run).
  const values: Parsed['values'] = {};
  for (const [key, value] of Object.entries(parsed.values)) {
    if (!(OWN as readonly string[]).includes(key) && !strategyParams().includes(key)) values[key] = value;
  }
  const base = configFromArgs({ values, positionals: parsed.positionals }, pipeline);
  if (E.isLeft(base)) return base;
  if (parsed.positionals.length > 0) return E.left(usageError(`unexpected argument ${JSON.stringify(parsed.positionals[0])}`));
  const plan = flagOption(parsed, 'plan');
  const collect = flagOption(parsed, 'collect');
  if (plan && collect) return E.left(usageError('--plan and --collect: give one'));
  if ((plan || collect) && stringOption(parsed, 'out') === undefined) return E.left(usageError(`--${plan ? 'plan' : 'collect'} needs --out DIR (where the runs go)`));
  const out = stringOption(parsed, 'out') ?? join('runs', `compare-${pipeline.name}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  // Train options as given, for the planned commands: everything but compare's own, the strategy parameters, the budget and --out.
  const trainArgs: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    if (['out', 'json', 'iterations', 'epochs', 'help'].includes(key) || value === undefined || value === false) continue;
    trainArgs.push(`--${key}`);
    if (value !== true) trainArgs.push(String(value));
  }
  return E.right({
    pipeline,
    partial: { ...base.right.config, out },
    ...(base.right.iterations === undefined ? {} : { iterations: base.right.iterations }),
    ...(base.right.epochs === undefined ? {} : { epochs: base.right.epochs }),
    strategies: list.map((name) => ({ name, params: params.get(name)! })),
    seeds: Array.from({ length: count.right }, (_, i) => first.right + i),
    dwaLevel: level,
    reuse: !flagOption(parsed, 'no-reuse'),
    json: flagOption(parsed, 'json'),
    mode: plan ? 'plan' : collect ? 'collect' : 'run',
    trainArgs,
  });
};

export const compareCommand = async (argv: readonly string[]): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('compare', message, code);
  const parsed = parseCommandArgs(argv, compareOptionSpec());
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  if (flagOption(parsed.right, 'help')) {
    process.stdout.write(`${compareUsage()}\n`);
    return 0;
  }
  const args = parseCompareArgs(parsed.right);
  if (E.isLeft(args)) return fail(args.left.message);
  const { pipeline, partial } = args.right;
  if (args.right.mode !== 'run') return planOrCollect(args.right);
  const input = inputSettingsFromArgs(parsed.right);
  if (E.isLeft(input)) return fail(input.left.message);
  const ui = cliUi();
  const backend = stringOption(parsed.right, 'backend') ?? 'auto';
  if (!isBackendChoice(backend)) return fail(backendChoiceError(backend));
  const threads = numberOption(parsed.right, 'threads', 1, isPositiveInteger, 'a positive integer');
  if (E.isLeft(threads)) return fail(threads.left.message);
  try {
    await selectBackend({ backend: backend as 'auto', threads: threads.right, log: (m) => ui.info(m) });
  } catch (error) {
    return fail((error as Error).message, EXIT_FAILURE);
  }

  const loaded = new Map<number, AttributeDataset>();
  const dataset = async (seed: number): Promise<E.Either<{ readonly message: string }, AttributeDataset>> => {
    const known = loaded.get(seed);
    if (known !== undefined) return E.right(known);
    const result = await pipeline.load(partial.data, partial.dataOptions, seed);
    if (E.isRight(result)) {
      if (loaded.size === 0) for (const w of result.right.warnings) ui.info(`warning: ${w}`);
      loaded.set(seed, result.right);
    }
    return result;
  };
  ui.info(`loading ${pipeline.name} from ${partial.data}`);
  const firstSet = await dataset(args.right.seeds[0]);
  if (E.isLeft(firstSet)) return fail(firstSet.left.message, EXIT_FAILURE);
  const splits = firstSet.right.splits;
  ui.info(`${firstSet.right.tasks.length} tasks; train ${splits.train.size}, val ${splits.val.size}, test ${splits.test.size} images`);
  const perEpoch = epochSampler(splits.train.size, partial.batchSize, 0).batchesPerEpoch;
  const iterations =
    args.right.epochs !== undefined ? Math.max(1, Math.round(args.right.epochs * perEpoch)) : (args.right.iterations ?? pipeline.defaults.iterations);
  if (args.right.epochs !== undefined) ui.info(`${args.right.epochs} epochs = ${iterations} iterations of ${partial.batchSize}`);
  const strategies = args.right.strategies.map((s) =>
    s.name === 'dwa' && args.right.dwaLevel === 'epoch' ? { ...s, params: { ...s.params, k: perEpoch } } : s,
  );
  if (args.right.dwaLevel === 'epoch') ui.info(`dwa at epoch level: k = ${perEpoch} iterations per epoch`);
  const { strategy: _s, seed: _seed, out, ...base } = { ...partial, iterations };
  ui.info(
    `comparing ${strategies.map((s) => s.name).join(', ')} on seeds ${args.right.seeds.join(', ')}: ${strategies.length * args.right.seeds.length} runs of ${iterations} iterations; output: ${out}`,
  );
  const stop = listenForStop();
  let result;
  try {
    result = await runComparison(
      { base, strategies, seeds: args.right.seeds, out, reuse: args.right.reuse },
      { dataset, extraMetrics: (d) => pipeline.extraMetrics?.(d) },
      { ui, input: input.right, signal: stop.signal },
    );
  } finally {
    stop.dispose();
  }
  if (E.isLeft(result)) {
    if (result.left._tag === 'RunStopped') {
      process.stderr.write(`awmtl: compare: ${result.left.message}\n`);
      return stop.exitCode() ?? 130;
    }
    return fail(result.left.message, EXIT_FAILURE);
  }
  process.stdout.write(args.right.json ? `${compareJson(result.right.table)}\n` : `${result.right.markdown}`);
  ui.info(`written in ${out}: ${Object.values(COMPARE_FILES).join(', ')}`);
  return result.right.failures.length > 0 ? 1 : 0;
};

/** A word as a POSIX shell reads it back: bare when safe, else single-quoted. */

/** --plan and --collect: no training here (the dataset is loaded only to turn --epochs or --dwa-level epoch into iterations). */
const planOrCollect = async (args: CompareArgs): Promise<number> => {
  const { pipeline, partial } = args;
  const fail = (message: string): number => reportFailure('compare', message, 1);
  let perEpoch: number | undefined;
  if (args.epochs !== undefined || args.dwaLevel === 'epoch') {
    const loaded = await pipeline.load(partial.data, partial.dataOptions, args.seeds[0]);
    if (E.isLeft(loaded)) return fail(loaded.left.message);
    perEpoch = epochSampler(loaded.right.splits.train.size, partial.batchSize, 0).batchesPerEpoch;
  }
  const iterations =
    args.epochs !== undefined ? Math.max(1, Math.round(args.epochs * (perEpoch as number))) : (args.iterations ?? pipeline.defaults.iterations);
  const strategies = args.strategies.map((s) => (s.name === 'dwa' && args.dwaLevel === 'epoch' ? { ...s, params: { ...s.params, k: perEpoch as number } } : s));
  const { strategy: _s, seed: _seed, out, ...base } = { ...partial, iterations };
  const config = { base, strategies, seeds: args.seeds, out };
  if (args.mode === 'plan') {
    for (const run of plannedRuns(config)) {
      const params = Object.entries(run.choice.params).flatMap(([p, v]) => (p === 'seed' ? [] : [`--${p}`, String(v)]));
      const words = ['awmtl', 'train', ...args.trainArgs, '--iterations', String(iterations), '--strategy', run.choice.name, ...params, '--seed', String(run.seed), '--out', run.config.out];
      process.stdout.write(`${words.map(shellWord).join(' ')}\n`);
    }
    return 0;
  }
  const result = await collectComparison(config);
  if (E.isLeft(result)) return fail(result.left.message);
  process.stdout.write(args.json ? `${compareJson(result.right.table)}\n` : result.right.markdown);
  for (const f of result.right.failures) process.stderr.write(`awmtl: compare: ${f.strategy} seed ${f.seed}: ${f.message}\n`);
  process.stderr.write(`collected ${result.right.table.rows.reduce((a, r) => a + r.runs, 0)} of ${plannedRuns(config).length} runs; written in ${out}: ${result.right.files.join(', ')}\n`);
  return result.right.failures.length > 0 ? 1 : 0;
};
