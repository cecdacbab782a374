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
import { collectComparison, COMPARE_FILES, DEFAULT_BASELINE, plannedRunState, plannedRuns, runComparison, type StrategyChoice } from '../../pipelines/compare.js';
import type { PipelineDefinition } from '../../pipelines/definition.js';
import { findPipeline } from '../../pipelines/index.js';
import type { TrainConfig } from '../../pipelines/train.js';
import { selectBackend } from '../../src/backend/index.js';
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import { epochSampler } from '../../src/data/sampler.js';
import { compareJson } from '../../src/report/compare.js';
import { createStrategy, findStrategy, formatParamError, strategyNames } from '../../src/weighting/index.js';
import { backendOptions } from '../options/backendOptions.js';
import { inputOptions, inputSettings } from '../options/inputOptions.js';
import { choice, type CommandSpec, dynamic, flag, integer, type Parsed, text, usageError, type UsageError, without } from '../options/optionTable.js';
import { pipelineOption } from '../options/pipelineOptions.js';
import { givenStrategyParams, strategyOptions, strategyParamNames } from '../options/strategyOptions.js';
import { runCommand } from '../options/runCommand.js';
import { cliUi } from '../ui.js';
import { configFromValues, runSettingsOptions } from './trainOptions.js';

/** Options of compare itself (the others are passed on to each run's train settings). */
const OWN = ['strategies', 'seeds', 'first-seed', 'level', 'baseline', 'no-reuse', 'plan', 'collect'] as const;

export const compareOptions = () => ({
  pipeline: pipelineOption({ default: 'celeba' }),
  ...without(runSettingsOptions(), 'out'),
  out: text({ metavar: 'DIR', help: 'output folder', defaultText: 'runs/compare-<pipeline>-<date>' }),
  strategies: text({ metavar: 'LIST', help: `comma-separated, from ${strategyNames().join(', ')}`, defaultText: 'all' }),
  seeds: integer({ default: 1, help: 'number of seeds: seeds S, S+1, ..., S+N-1' }),
  'first-seed': integer({ metavar: 'S', min: 0, default: 0, help: "the first seed; a strategy with a seed (rlw) uses the run's" }),
  level: choice(['window', 'epoch'] as const, {
    metavar: 'LEVEL',
    default: 'window',
    help:
      'window: every strategy as its options say; epoch: a strategy with an epoch-level form\n' +
      `(${strategyNames().filter((n) => findStrategy(n)?.epochLevel !== undefined).map((n) => `${n}: --${findStrategy(n)?.epochLevel?.param}`).join(', ')}) gets that option set to the iterations of one epoch`,
  }),
  baseline: text({ metavar: 'NAME', default: DEFAULT_BASELINE, help: 'the strategy the others are measured against (deltas, paired differences)' }),
  'no-reuse': flag('train every run again, even if its folder holds a finished run'),
  overwrite: flag('passed on to the train commands of --plan (they replace what their --out holds)'),
  json: flag('print the table as JSON ({"rows": [{"strategy", "mean", "std", ...}], ...}; fractions)'),
  plan: flag(
    'train nothing: print the `awmtl train` command of every run, one per line (its\n' +
      '--out is the run folder), for a scheduler: ... --plan | parallel -j 4; finished runs are left out,\n' +
      'interrupted ones get `awmtl train --resume DIR`, and runs of the same settings on fewer iterations\n' +
      '(constant or step rate) `awmtl train --resume DIR --iterations N`',
  ),
  collect: flag(
    'train nothing: build the table from the run folders of the same command line,\n' + 'naming the missing, unfinished and shorter runs (exit 1 if any)',
  ),
  ...dynamic(strategyOptions(['seed'])),
  ...backendOptions,
  ...inputOptions(),
});

export const compareSpec = (): CommandSpec<ReturnType<typeof compareOptions>> => ({
  name: 'compare',
  synopsis: ['compare --pipeline NAME --data DIR [--strategies LIST] [--seeds N] [--iterations I] [--out DIR] [--json] [train options]'],
  description: [
    'Trains every strategy with the same seeds, data order and budget (each run in OUT/<strategy>-s<seed>/),',
    'then prints the table: mean accuracy and mA per strategy (mean ± std over seeds) and the per-attribute',
    'differences from the baseline. OUT receives compare.md, compare.csv, compare-attributes.csv, compare.json,',
    "compare.svg (the table as a picture) and compare-weights.svg (each strategy's weight curves).",
    'Finished runs with identical settings are reused (an interrupted comparison continues), and runs of the same\n' +
      'settings on a shorter budget (constant or step rate) are extended with --resume rather than redone.',
    '',
    "With the baseline (--baseline, EW by default) among the strategies, the table ends with every strategy's paired difference from it and its",
    '95% confidence intervals: over seeds (Student t) and by a paired bootstrap over the test images',
    '(OUT/<run>/predictions-test.json), with a plain verdict: better, worse or not distinguishable.',
    '',
    'Strategy options ([vlt] ...) go to every listed strategy that takes them; the train options are those',
    "of 'awmtl train' (--strategy and --seed are set per run).",
  ].join('\n'),
  options: compareOptions(),
});

interface CompareArgs {
  readonly pipeline: PipelineDefinition;
  readonly partial: Omit<TrainConfig, 'iterations' | 'strategy' | 'seed'>;
  readonly iterations?: number;
  readonly epochs?: number;
  readonly strategies: readonly StrategyChoice[];
  readonly seeds: readonly number[];
  readonly level: 'window' | 'epoch';
  readonly baseline: string;
  readonly reuse: boolean;
  readonly json: boolean;
  readonly mode: 'run' | 'plan' | 'collect';
  /** The train options as given (for --plan's commands). */
  readonly trainArgs: readonly string[];
}

/** Compare's arguments: the run settings as train reads them, plus the strategies and seeds. */
export const parseCompareArgs = (parsed: Parsed<ReturnType<typeof compareOptions>>): E.Either<UsageError, CompareArgs> => {
  const { values: v, given, raw } = parsed;
  const pipeline = v.pipeline ?? (findPipeline('celeba') as PipelineDefinition);
  const list = (v.strategies ?? strategyNames().join(','))
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) return E.left(usageError('--strategies: no strategy given'));
  for (const name of list) {
    if (findStrategy(name) === undefined) return E.left(usageError(`--strategies: unknown strategy "${name}" (known: ${strategyNames().join(', ')})`));
  }
  const dup = list.find((s, i) => list.indexOf(s) !== i);
  if (dup !== undefined) return E.left(usageError(`--strategies: ${dup} is listed twice`));
  if (given.has('baseline') && !list.includes(v.baseline)) return E.left(usageError(`--baseline ${v.baseline} is not among the strategies compared (${list.join(', ')})`));

  // Strategy parameters: each given one goes to the listed strategies that take it; k defaults to the pipeline's.
  const paramNames = strategyParamNames(['seed']);
  const givenParams = givenStrategyParams(raw, paramNames);
  const params = new Map<string, Record<string, string | number>>(list.map((s) => [s, {}]));
  for (const p of paramNames) {
    const value = givenParams[p];
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

  const base = configFromValues(v, given, pipeline);
  if (E.isLeft(base)) return base;
  if (v.plan && v.collect) return E.left(usageError('--plan and --collect: give one'));
  if ((v.plan || v.collect) && v.out === undefined) return E.left(usageError(`--${v.plan ? 'plan' : 'collect'} needs --out DIR (where the runs go)`));
  const out = v.out ?? join('runs', `compare-${pipeline.name}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  // Train options as given, for the planned commands: everything but compare's own, the strategy parameters, the budget and --out.
  const trainArgs: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if ((OWN as readonly string[]).includes(key) || paramNames.includes(key) || ['out', 'json', 'iterations', 'epochs'].includes(key)) continue;
    trainArgs.push(`--${key}`);
    if (value !== true) trainArgs.push(value);
  }
  return E.right({
    pipeline,
    partial: { ...base.right.config, out },
    ...(base.right.iterations === undefined ? {} : { iterations: base.right.iterations }),
    ...(base.right.epochs === undefined ? {} : { epochs: base.right.epochs }),
    strategies: list.map((name) => ({ name, params: params.get(name)! })),
    seeds: Array.from({ length: v.seeds }, (_, i) => v['first-seed'] + i),
    level: v.level,
    baseline: v.baseline,
    reuse: !v['no-reuse'],
    json: v.json,
    mode: v.plan ? 'plan' : v.collect ? 'collect' : 'run',
    trainArgs,
  });
};

/**
 * At epoch level, every strategy whose definition declares an epoch-level form gets that
 * parameter set to the iterations of one epoch; the others run unchanged. Also the info line.
 */
export const atLevel = (
  strategies: readonly StrategyChoice[],
  level: 'window' | 'epoch',
  perEpoch: number | undefined,
): { strategies: StrategyChoice[]; info?: string } => {
  if (level === 'window' || perEpoch === undefined) return { strategies: [...strategies] };
  const set: string[] = [];
  const out = strategies.map((s) => {
    const param = findStrategy(s.name)?.epochLevel?.param;
    if (param === undefined) return s;
    set.push(`${s.name} --${param} ${perEpoch}`);
    return { ...s, params: { ...s.params, [param]: perEpoch } };
  });
  return {
    strategies: out,
    info:
      set.length === 0
        ? `epoch level: none of ${strategies.map((s) => s.name).join(', ')} has an epoch-level form; all run unchanged`
        : `epoch level (${perEpoch} iterations per epoch): ${set.join(', ')}; the others unchanged`,
  };
};

export const compareCommand = async (argv: readonly string[]): Promise<number> => runCommand(compareSpec(), argv, compare);

const compare = async (parsed: Parsed<ReturnType<typeof compareOptions>>): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('compare', message, code);
  const args = parseCompareArgs(parsed);
  if (E.isLeft(args)) return fail(args.left.message);
  const { pipeline, partial } = args.right;
  if (args.right.mode !== 'run') return planOrCollect(args.right);
  const input = inputSettings(parsed.values);
  if (E.isLeft(input)) return fail(input.left.message);
  const ui = cliUi();
  try {
    await selectBackend({ backend: parsed.values.backend, threads: parsed.values.threads, log: (m) => ui.info(m) });
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
  const levelled = atLevel(args.right.strategies, args.right.level, perEpoch);
  const strategies = levelled.strategies;
  if (levelled.info !== undefined) ui.info(levelled.info);
  const { out, ...base } = { ...partial, iterations };
  ui.info(
    `comparing ${strategies.map((s) => s.name).join(', ')} on seeds ${args.right.seeds.join(', ')}: ${strategies.length * args.right.seeds.length} runs of ${iterations} iterations; output: ${out}`,
  );
  const stop = listenForStop();
  let result;
  try {
    result = await runComparison(
      { base, strategies, seeds: args.right.seeds, out, reuse: args.right.reuse, baseline: args.right.baseline },
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

/** --plan and --collect: no training here (the dataset is loaded only to turn --epochs or --level epoch into iterations). */
const planOrCollect = async (args: CompareArgs): Promise<number> => {
  const { pipeline, partial } = args;
  const fail = (message: string): number => reportFailure('compare', message, EXIT_FAILURE);
  let perEpoch: number | undefined;
  if (args.epochs !== undefined || args.level === 'epoch') {
    const loaded = await pipeline.load(partial.data, partial.dataOptions, args.seeds[0]);
    if (E.isLeft(loaded)) return fail(loaded.left.message);
    perEpoch = epochSampler(loaded.right.splits.train.size, partial.batchSize, 0).batchesPerEpoch;
  }
  const iterations =
    args.epochs !== undefined ? Math.max(1, Math.round(args.epochs * (perEpoch as number))) : (args.iterations ?? pipeline.defaults.iterations);
  const levelled = atLevel(args.strategies, args.level, perEpoch);
  const strategies = levelled.strategies;
  if (levelled.info !== undefined) process.stderr.write(`${levelled.info}\n`);
  const { out, ...base } = { ...partial, iterations };
  const config = { base, strategies, seeds: args.seeds, out, baseline: args.baseline };
  if (args.mode === 'plan') {
    const reuse = args.reuse && !args.trainArgs.includes('--overwrite');
    let finished = 0;
    for (const run of plannedRuns(config)) {
      // What is left to do: a finished run is left out, an interrupted one resumed, one made on a shorter budget extended.
      const state = reuse ? plannedRunState(run.config) : { _tag: 'fresh' as const };
      if (state._tag === 'finished') {
        finished += 1;
        continue;
      }
      if (state._tag === 'running') {
        process.stderr.write(`${run.config.out}: running now (${state.holder}), left out of the plan\n`);
        continue;
      }
      if (state._tag !== 'fresh') {
        const more = state._tag === 'shorter' ? ['--iterations', String(iterations)] : [];
        process.stdout.write(`${['awmtl', 'train', '--resume', run.config.out, ...more].map(shellWord).join(' ')}\n`);
        continue;
      }
      const params = Object.entries(run.choice.params).flatMap(([p, v]) => (p === 'seed' ? [] : [`--${p}`, String(v)]));
      const words = ['awmtl', 'train', ...args.trainArgs, '--iterations', String(iterations), '--strategy', run.choice.name, ...params, '--seed', String(run.seed), '--out', run.config.out];
      process.stdout.write(`${words.map(shellWord).join(' ')}\n`);
    }
    if (finished > 0) process.stderr.write(`${finished} of ${plannedRuns(config).length} runs finished already (left out of the plan; --overwrite plans them again)\n`);
    return 0;
  }
  const result = await collectComparison(config);
  if (E.isLeft(result)) return fail(result.left.message);
  process.stdout.write(args.json ? `${compareJson(result.right.table)}\n` : result.right.markdown);
  for (const f of result.right.failures) process.stderr.write(`awmtl: compare: ${f.strategy} seed ${f.seed}: ${f.message}\n`);
  process.stderr.write(`collected ${result.right.table.rows.reduce((a, r) => a + r.runs, 0)} of ${plannedRuns(config).length} runs; written in ${out}: ${result.right.files.join(', ')}\n`);
  return result.right.failures.length > 0 ? 1 : 0;
};
