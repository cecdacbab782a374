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
} from '../src/report/compare.js';
import { compareTableSvg, type WeightCurve, weightCurvesSvg } from '../src/report/compareSvg.js';
import { findStrategy } from '../src/weighting/index.js';
import type { ExtraMetrics } from './evaluate.js';
import type { InputSettings } from '../src/data/workers/input.js';
import { CONFIG_JSON, LOG_JSONL, METRICS_JSON, type RunError, type RunUi, runTraining, silentUi, type TrainConfig } from './train.js';

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
}

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
}

export const COMPARE_FILES = {
  markdown: 'compare.md',
  csv: 'compare.csv',
  attributesCsv: 'compare-attributes.csv',
  json: 'compare.json',
  svg: 'compare.svg',
  weightsSvg: 'compare-weights.svg',
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
    },
    curve: { strategy, seed, iterations: records.map((r) => r.iteration), weights: records.map((r) => r.weights) },
  });
};

/** A folder whose run finished with exactly these settings. */
const finishedWith = (config: TrainConfig): boolean => {
  const dir = config.out;
  if (!existsSync(join(dir, METRICS_JSON)) || !existsSync(join(dir, CONFIG_JSON))) return false;
  try {
    return isDeepStrictEqual(readJson(join(dir, CONFIG_JSON)), JSON.parse(JSON.stringify(config)));
  } catch {
    return false;
  }
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
  options: { readonly ui?: RunUi; readonly input?: InputSettings } = {},
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
      if (reuse && finishedWith(run)) {
        ui.info(`${tag}: reusing the finished run in ${run.out}`);
      } else {
        ui.info(`${tag}: started -> ${run.out}`);
        try {
          const done = await runTraining(dataset.right, run, {
            ui,
            ...(extraMetrics === undefined ? {} : { extraMetrics }),
            ...(options.input === undefined ? {} : { input: options.input }),
          });
          if (E.isLeft(done)) failure = done.left.message;
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
  if (results.length === 0) {
    return E.left({ _tag: 'RunError', message: `no run finished: ${failures.map((f) => `${f.strategy} seed ${f.seed}: ${f.message}`).join('; ')}` });
  }
  const table = compareTable({
    pipeline: config.base.pipeline,
    tasks: tasks ?? [],
    strategies: config.strategies.map((s) => s.name),
    seeds: config.seeds,
    iterations: config.base.iterations,
    results,
    failures,
  });
  const markdown = compareMarkdown(table);
  const files: [string, string][] = [
    [COMPARE_FILES.markdown, markdown],
    [COMPARE_FILES.csv, summaryCsv(table)],
    [COMPARE_FILES.attributesCsv, attributesCsv(table)],
    [COMPARE_FILES.json, `${compareJson(table, 2)}\n`],
    [COMPARE_FILES.svg, compareTableSvg(table)],
    [COMPARE_FILES.weightsSvg, weightCurvesSvg([...curves.values()], table.tasks)],
  ];
  for (const [name, content] of files) await writeFile(join(config.out, name), content);
  return E.right({ table, failures, files: files.map(([name]) => name), markdown });
};
