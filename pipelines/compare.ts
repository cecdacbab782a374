/**
 * `awmtl compare`'s runner: trains every strategy with every seed under the
 * same settings (same data order and model initialisation per seed, same
 * budget: only the weighting differs), each run a {@link runTraining} into
 * OUT/<strategy>-s<seed>/, then writes the comparison table and its pictures:
 *
 *   compare.md, compare.csv, compare-attributes.csv, compare.json   the table
 *   compare.svg                                                     the table as a picture, with the per-attribute deltas
 *   compare-weights.svg                                             each strategy's weight curves (its first seed)
 *
 * A run folder that already holds metrics.json for the identical settings is
 * reused, so an interrupted comparison continues where it stopped. A failed
 * run is reported in the table and does not stop the others.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import type { AttributeDataset } from '../src/data/attributeDataset.js';
import { readTrainingLog } from '../src/log/trainingLog.js';
import {
  attributesCsv,
  compareJson,
  compareMarkdown,
  compareTable,
  type CompareTable,
  pct,
  type RunFailure,
  type RunResult,
  summaryCsv,
  valLossTrend,
} from '../src/report/compare.js';
import { compareTableSvg, type WeightCurve, weightCurvesSvg } from '../src/report/compareSvg.js';
import { type PairedDifference, pairedDifference, pairedMarkdown } from '../src/report/paired.js';
import { findStrategy } from '../src/weighting/index.js';
import { readPredictions, type SavedPredictions } from './predictions.js';
import type { ExtraMetrics } from './evaluate.js';
import type { InputSettings } from '../src/data/workers/input.js';
import { CONFIG_JSON, LOG_JSONL, METRICS_JSON, type RunError, type RunUi, runTraining, silentUi, type TrainConfig } from './train.js';
import { CHECKPOINT_POINTER } from '../src/checkpoint/index.js';
import { lockHolder } from '../src/run/lock.js';

export interface StrategyChoice {
  readonly name: string;
  readonly params: Readonly<Record<string, string | number>>;
}

export interface ComparisonConfig {
  /** Settings shared by every run; strategy, seed and out are set per run. */
  readonly base: Omit<TrainConfig, 'strategy' | 'seed' | 'out'>;
  readonly strategies: readonly StrategyChoice[];
  readonly seeds: readonly number[];
  readonly out: string;
  /** Reuse a run folder that holds metrics.json for the identical settings (default true). */
  readonly reuse?: boolean;
  /** The strategy every other is measured against: deltas and paired differences (default 'ew'). */
  readonly baseline?: string;
}

/** The default reference of a comparison: equal weighting, as in the literature. */
export const DEFAULT_BASELINE = 'ew';

export interface ComparisonData {
  /** The dataset of a seed (a seeded split depends on it). */
  readonly dataset: (seed: number) => Promise<E.Either<{ readonly message: string }, AttributeDataset>>;
  readonly extraMetrics?: (dataset: AttributeDataset) => ExtraMetrics | undefined;
}

export interface ComparisonResult {
  readonly table: CompareTable;
  readonly failures: readonly RunFailure[];
  /** Files written in OUT (names). */
  readonly files: readonly string[];
  readonly markdown: string;
  /** Paired differences against the baseline (empty when it is not compared). */
  readonly paired: readonly PairedDifference[];
}

export const COMPARE_FILES = {
  markdown: 'compare.md',
  csv: 'compare.csv',
  attributesCsv: 'compare-attributes.csv',
  json: 'compare.json',
  svg: 'compare.svg',
  weightsSvg: 'compare-weights.svg',
  pairedJson: 'compare-paired.json',
} as const;

export const runDir = (out: string, strategy: string, seed: number): string => join(out, `${strategy}-s${seed}`);

/**
 * The strategy of one run: a strategy that takes a `seed` (RLW) draws with the
 * run's seed unless one was given, so every seed of the comparison is one
 * random stream for everything.
 */
export const runStrategy = (choice: StrategyChoice, seed: number): TrainConfig['strategy'] => {
  const takesSeed = findStrategy(choice.name)?.paramsHelp.seed !== undefined;
  return { name: choice.name, params: takesSeed && choice.params.seed === undefined ? { ...choice.params, seed } : { ...choice.params } };
};

export const runConfig = (config: ComparisonConfig, choice: StrategyChoice, seed: number): TrainConfig => ({
  ...config.base,
  strategy: runStrategy(choice, seed),
  seed,
  out: runDir(config.out, choice.name, seed),
});

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** A finished run's figures (from metrics.json) and weight curve (from log.jsonl). */
export const readRunResult = (dir: string, strategy: string, seed: number): E.Either<string, { result: RunResult; curve: WeightCurve; tasks: string[] }> => {
  let metrics: {
    tasks?: unknown;
    finalWeights?: unknown;
    splits?: Record<string, Record<string, unknown> & { meanAccuracy?: number | null; mA?: number | null; perTask?: { accuracy: number | null }[] }>;
  };
  try {
    metrics = readJson(join(dir, METRICS_JSON)) as typeof metrics;
  } catch (error) {
    return E.left(`${join(dir, METRICS_JSON)}: ${(error as Error).message}`);
  }
  const split = metrics.splits?.test !== undefined ? 'test' : metrics.splits?.val !== undefined ? 'val' : undefined;
  if (split === undefined || metrics.splits === undefined) return E.left(`${join(dir, METRICS_JSON)}: no val or test evaluation`);
  const s = metrics.splits[split];
  const num = (x: unknown): number => (typeof x === 'number' ? x : NaN);
  const headline: Record<string, { label: string; value: number }> = {};
  for (const [key, value] of Object.entries(s)) {
    const v = value as { label?: unknown; mean?: unknown } | null;
    if (typeof v === 'object' && v !== null && typeof v.label === 'string' && typeof v.mean === 'number') headline[key] = { label: v.label, value: v.mean };
  }
  const log = readTrainingLog(join(dir, LOG_JSONL));
  if (E.isLeft(log)) return E.left(`${log.left.file} line ${log.left.line}: ${log.left.message}`);
  const records = log.right.records;
  const tasks = Array.isArray(metrics.tasks) ? metrics.tasks.map(String) : [];
  return E.right({
    tasks,
    result: {
      strategy,
      seed,
      out: dir,
      split,
      meanAccuracy: num(s.meanAccuracy),
      mA: num(s.mA),
      perTask: (s.perTask ?? []).map((t) => num(t.accuracy)),
      headline,
      seconds: records.reduce((a, r) => a + r.seconds, 0),
      finalWeights: Array.isArray(metrics.finalWeights) ? metrics.finalWeights.map(num) : [],
      valLossTrend: valLossTrend(records),
    },
    curve: { strategy, seed, iterations: records.map((r) => r.iteration), weights: records.map((r) => r.weights) },
  });
};

/** A run folder's config.json, or undefined when it has none or it does not parse. */
const savedConfig = (dir: string): unknown => {
  if (!existsSync(join(dir, CONFIG_JSON))) return undefined;
  try {
    return readJson(join(dir, CONFIG_JSON));
  } catch {
    return undefined;
  }
};

/** Settings as compared: strategy parameters as text (`train --k 50` keeps "50", compare's default k is the number 50). */
const looseConfig = (c: unknown): Record<string, unknown> => {
  const x = JSON.parse(JSON.stringify(c)) as Record<string, unknown> & { strategy?: { params?: Record<string, unknown> } };
  if (x.strategy?.params !== undefined) x.strategy.params = Object.fromEntries(Object.entries(x.strategy.params).map(([k, v]) => [k, String(v)]));
  return x;
};

/**
 * The budget of saved settings that are the planned ones stopped short: every setting equal but
 * `iterations`, fewer of them, and a learning-rate schedule that does not depend on the budget
 * (constant or step; a cosine curve does). Undefined otherwise.
 */
const shorterBudget = (saved: unknown, config: TrainConfig): number | undefined => {
  if (config.lrSchedule !== undefined && config.lrSchedule.name === 'cosine') return undefined;
  const { iterations, ...rest } = looseConfig(saved);
  const { iterations: planned, ...want } = looseConfig(config);
  return typeof iterations === 'number' && iterations < (planned as number) && isDeepStrictEqual(rest, want) ? iterations : undefined;
};

/**
 * The budget of the run in `config.out` when it is the planned run stopped short, with a
 * checkpoint to continue from (`shorterBudget`). Such a run is extended by `awmtl train --resume
 * DIR --iterations N` to the planned run, bit for bit (same data order, optimiser state and
 * weights as a run made at N from the start). Undefined otherwise.
 */
export const extendableFrom = (config: TrainConfig): number | undefined => {
  const saved = savedConfig(config.out);
  return saved === undefined || !existsSync(join(config.out, CHECKPOINT_POINTER)) ? undefined : shorterBudget(saved, config);
};

/**
 * What a planned run's folder holds: a run in progress (its folder locked by a live process), the
 * finished run (nothing to do), the same run interrupted (`train --resume DIR` continues it), the
 * run on a shorter budget (`extendableFrom`: `train --resume DIR --iterations N`), or nothing
 * usable (a fresh `train`).
 */
export type PlannedRunState =
  | { readonly _tag: 'finished' }
  | { readonly _tag: 'running'; readonly holder: string }
  | { readonly _tag: 'interrupted' }
  | { readonly _tag: 'shorter'; readonly iterations: number }
  | { readonly _tag: 'fresh' };

export const plannedRunState = (config: TrainConfig): PlannedRunState => {
  const holder = lockHolder(config.out);
  if (holder !== undefined) return { _tag: 'running', holder: holder.text };
  const saved = savedConfig(config.out);
  if (saved === undefined) return { _tag: 'fresh' };
  if (isDeepStrictEqual(looseConfig(saved), looseConfig(config))) {
    if (existsSync(join(config.out, METRICS_JSON))) return { _tag: 'finished' };
    if (existsSync(join(config.out, CHECKPOINT_POINTER))) return { _tag: 'interrupted' };
    return { _tag: 'fresh' };
  }
  const from = existsSync(join(config.out, CHECKPOINT_POINTER)) ? shorterBudget(saved, config) : undefined;
  return from === undefined ? { _tag: 'fresh' } : { _tag: 'shorter', iterations: from };
};

/**
 * Runs (or reuses) every strategy x seed and writes the comparison. Runs go
 * seed by seed (all strategies of the first seed first), so a partial
 * comparison already compares. Left only when nothing could be compared
 * (a dataset that does not load, no finished run).
 */
export const runComparison = async (
  config: ComparisonConfig,
  data: ComparisonData,
  options: { readonly ui?: RunUi; readonly input?: InputSettings; readonly signal?: AbortSignal } = {},
): Promise<E.Either<RunError, ComparisonResult>> => {
  const ui = options.ui ?? silentUi;
  const reuse = config.reuse ?? true;
  await mkdir(config.out, { recursive: true });
  const total = config.strategies.length * config.seeds.length;
  const results: RunResult[] = [];
  const failures: RunFailure[] = [];
  const curves = new Map<string, WeightCurve>();
  let tasks: string[] | undefined;
  let n = 0;
  for (const seed of config.seeds) {
    const dataset = await data.dataset(seed);
    if (E.isLeft(dataset)) return E.left({ _tag: 'RunError', message: dataset.left.message });
    tasks ??= dataset.right.tasks.map((t) => t.name);
    const extraMetrics = data.extraMetrics?.(dataset.right);
    for (const choice of config.strategies) {
      n += 1;
      const run = runConfig(config, choice, seed);
      const tag = `[${n}/${total}] ${choice.name} seed ${seed}`;
      const started = performance.now();
      let failure: string | undefined;
      // A live holder's folder is treated as fresh here: its lock refuses this run, which is reported as failed.
      const state = reuse ? plannedRunState(run) : ({ _tag: 'fresh' } as const);
      if (state._tag === 'finished') {
        ui.info(`${tag}: reusing the finished run in ${run.out}`);
      } else {
        ui.info(state._tag === 'shorter' ? `${tag}: extending the run in ${run.out} from ${state.iterations} to ${run.iterations} iterations` : `${tag}: started -> ${run.out}`);
        try {
          const done = await runTraining(dataset.right, run, {
            ui,
            ...(state._tag === 'interrupted' || state._tag === 'shorter' ? { resume: true as const } : { overwrite: true as const }),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            ...(extraMetrics === undefined ? {} : { extraMetrics }),
            ...(options.input === undefined ? {} : { input: options.input }),
          });
          if (E.isLeft(done)) {
            if (done.left._tag === 'RunStopped') {
              return E.left({ ...done.left, message: `${done.left.message}; the comparison continues from there when run again` });
            }
            failure = done.left.message;
          }
        } catch (error) {
          failure = `training failed: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      const read = failure === undefined ? readRunResult(run.out, choice.name, seed) : E.left(failure);
      if (E.isLeft(read)) {
        failures.push({ strategy: choice.name, seed, out: run.out, message: read.left });
        ui.info(`${tag}: FAILED: ${read.left}`);
        continue;
      }
      results.push(read.right.result);
      if (!curves.has(choice.name)) curves.set(choice.name, read.right.curve);
      const r = read.right.result;
      ui.info(
        `${tag}: finished in ${((performance.now() - started) / 1000).toFixed(1)} s: ${r.split} mean accuracy ${pct(r.meanAccuracy)}%, mA ${pct(r.mA)}%`,
      );
    }
  }
  return writeComparison(config, results, failures, curves, tasks ?? []);
};

/**
 * The paired differences against the baseline (when it is compared): per strategy and
 * metric, over the seeds where both finished, with the bootstrap over the
 * test images when both runs saved their predictions (pipelines/predictions.ts).
 */
export const pairedAgainstBaseline = (results: readonly RunResult[], strategies: readonly string[], baseline = DEFAULT_BASELINE): PairedDifference[] => {
  if (!strategies.includes(baseline)) return [];
  const find = (strategy: string, seed: number) => results.find((r) => r.strategy === strategy && r.seed === seed);
  const predictions = new Map<string, SavedPredictions | null>();
  const predictionsOf = (r: RunResult): SavedPredictions | null => {
    if (!predictions.has(r.out)) {
      const read = readPredictions(r.out, r.split as 'val' | 'test');
      predictions.set(r.out, E.isRight(read) ? read.right : null);
    }
    return predictions.get(r.out) ?? null;
  };
  const out: PairedDifference[] = [];
  for (const strategy of strategies) {
    if (strategy === baseline) continue;
    for (const metric of ['meanAccuracy', 'mA'] as const) {
      const runs = results
        .filter((r) => r.strategy === strategy && find(baseline, r.seed) !== undefined)
        .map((r) => {
          const b = find(baseline, r.seed) as RunResult;
          const [ps, pb] = [predictionsOf(r), predictionsOf(b)];
          return {
            seed: r.seed,
            strategy: r[metric],
            baseline: b[metric],
            ...(ps !== null && pb !== null ? { predictions: { strategy: ps, baseline: pb }, tasks: ps.tasks } : {}),
          };
        });
      if (runs.length === 0) continue;
      const tasks = runs.find((r) => r.tasks !== undefined)?.tasks ?? [];
      out.push(pairedDifference({ strategy, baseline, metric, tasks, runs }));
    }
  }
  return out;
};

/** Writes the table, its pictures and the paired differences into OUT. */
export const writeComparison = async (
  config: ComparisonConfig,
  results: readonly RunResult[],
  failures: readonly RunFailure[],
  curves: ReadonlyMap<string, WeightCurve>,
  tasks: readonly string[],
): Promise<E.Either<RunError, ComparisonResult>> => {
  if (results.length === 0) {
    return E.left({ _tag: 'RunError', message: `no run finished: ${failures.map((f) => `${f.strategy} seed ${f.seed}: ${f.message}`).join('; ')}` });
  }
  await mkdir(config.out, { recursive: true });
  const table = compareTable({
    pipeline: config.base.pipeline,
    tasks: [...tasks],
    strategies: config.strategies.map((s) => s.name),
    seeds: config.seeds,
    iterations: config.base.iterations,
    results: [...results],
    failures: [...failures],
    baseline: config.baseline ?? DEFAULT_BASELINE,
  });
  const paired = pairedAgainstBaseline(results, config.strategies.map((s) => s.name), config.baseline ?? DEFAULT_BASELINE);
  const markdown = `${compareMarkdown(table)}${paired.length > 0 ? `\n${pairedMarkdown(paired)}` : ''}`;
  const files: [string, string][] = [
    [COMPARE_FILES.markdown, markdown],
    [COMPARE_FILES.csv, summaryCsv(table)],
    [COMPARE_FILES.attributesCsv, attributesCsv(table)],
    [COMPARE_FILES.json, `${compareJson(table, 2)}\n`],
    [COMPARE_FILES.pairedJson, `${JSON.stringify(paired, null, 2)}\n`],
    [COMPARE_FILES.svg, compareTableSvg(table)],
    [COMPARE_FILES.weightsSvg, weightCurvesSvg([...curves.values()], table.tasks)],
  ];
  for (const [name, content] of files) await writeFile(join(config.out, name), content);
  return E.right({ table, failures, files: files.map(([name]) => name), markdown, paired });
};

/** Every run of a comparison, in the order compare makes them (seed by seed). */
export const plannedRuns = (config: ComparisonConfig): { readonly choice: StrategyChoice; readonly seed: number; readonly config: TrainConfig }[] =>
  config.seeds.flatMap((seed) => config.strategies.map((choice) => ({ choice, seed, config: runConfig(config, choice, seed) })));

/**
 * `compare --collect`: the table from the run folders as they are (runs made by
 * any scheduler from `compare --plan`), without training. A run is used when
 * its folder holds metrics.json and a config.json equal to the planned one; the
 * others are named: missing (no folder or no config.json), unfinished (no
 * metrics.json yet: iterations logged so far), or run with other settings.
 */
export const collectComparison = async (config: ComparisonConfig): Promise<E.Either<RunError, ComparisonResult>> => {
  const results: RunResult[] = [];
  const failures: RunFailure[] = [];
  const curves = new Map<string, WeightCurve>();
  let tasks: string[] | undefined;
  for (const { choice, seed, config: run } of plannedRuns(config)) {
    const fail = (message: string) => failures.push({ strategy: choice.name, seed, out: run.out, message });
    if (!existsSync(join(run.out, CONFIG_JSON))) {
      fail(existsSync(run.out) ? `missing: no ${CONFIG_JSON} in ${run.out}` : `missing: no run folder ${run.out}`);
      continue;
    }
    let saved: unknown;
    try {
      saved = readJson(join(run.out, CONFIG_JSON));
    } catch (error) {
      fail(`${join(run.out, CONFIG_JSON)}: ${(error as Error).message}`);
      continue;
    }
    const planned = looseConfig(run);
    saved = looseConfig(saved);
    if (!isDeepStrictEqual(saved, planned)) {
      const from = extendableFrom(run);
      if (from !== undefined) {
        fail(`shorter: run for ${from} of ${run.iterations} iterations; extend it with awmtl train --resume ${run.out} --iterations ${run.iterations}`);
        continue;
      }
      const differ = Object.keys({ ...planned, ...(saved as object) }).filter((k) => !isDeepStrictEqual((saved as Record<string, unknown>)[k], planned[k]));
      fail(`run with other settings than planned (${differ.join(', ')})`);
      continue;
    }
    if (!existsSync(join(run.out, METRICS_JSON))) {
      const log = readTrainingLog(join(run.out, LOG_JSONL));
      fail(`unfinished: ${E.isRight(log) ? log.right.records.length : 0} of ${run.iterations} iterations logged, no ${METRICS_JSON}`);
      continue;
    }
    const read = readRunResult(run.out, choice.name, seed);
    if (E.isLeft(read)) {
      fail(read.left);
      continue;
    }
    tasks ??= read.right.tasks;
    results.push(read.right.result);
    if (!curves.has(choice.name)) curves.set(choice.name, read.right.curve);
  }
  return writeComparison(config, results, failures, curves, tasks ?? []);
};
