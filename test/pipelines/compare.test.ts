import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { celeba } from '../../pipelines/celeba.js';
import { COMPARE_FILES, runComparison, runConfig, runDir, runStrategy, type ComparisonConfig } from '../../pipelines/compare.js';
import { ADAM_DEFAULTS } from '../../src/train/optimizers.js';
import { attributesCsv, compareJson, compareMarkdown, compareTable, type RunResult, summaryCsv, valLossTrend } from '../../src/report/compare.js';
import { compareTableSvg, weightCurvesSvg } from '../../src/report/compareSvg.js';

const result = (strategy: string, seed: number, meanAccuracy: number, perTask: number[], extra: Partial<RunResult> = {}): RunResult => ({
  strategy,
  seed,
  out: `runs/${strategy}-s${seed}`,
  split: 'test',
  meanAccuracy,
  mA: meanAccuracy - 0.1,
  perTask,
  headline: {},
  seconds: 10 + seed,
  finalWeights: [1, 1],
  ...extra,
});

test('the table: mean and sample std over seeds, per-attribute deltas against EW, failures kept', (t) => {
  const table = compareTable({
    pipeline: 'celeba',
    tasks: ['a', 'b'],
    strategies: ['vlt', 'ew', 'rlw'],
    seeds: [0, 1, 2],
    iterations: 100,
    results: [
      result('vlt', 1, 0.8, [0.7, 0.9]),
      result('vlt', 0, 0.7, [0.6, 0.8]),
      result('vlt', 2, 0.9, [0.8, 1.0]),
      result('ew', 0, 0.6, [0.5, 0.7]),
      result('ew', 1, 0.7, [0.6, 0.8]),
      result('ew', 2, 0.8, [0.7, 0.9]),
    ],
    failures: [{ strategy: 'rlw', seed: 0, out: 'x', message: 'a loss is not finite' }],
  });
  t.is(table.baseline, 'ew');
  const [vlt, ew, rlw] = table.rows;
  t.deepEqual(vlt.seeds, [0, 1, 2]);
  t.deepEqual(vlt.perSeed, [0.7, 0.8, 0.9]);
  t.true(Math.abs(vlt.mean - 0.8) < 1e-12);
  t.true(Math.abs((vlt.std ?? NaN) - 0.1) < 1e-12); // sample std of 0.7, 0.8, 0.9
  t.true(Math.abs((vlt.mAStd ?? NaN) - 0.1) < 1e-12);
  t.true(Math.abs((vlt.meanDelta ?? NaN) - 0.1) < 1e-12);
  vlt.delta?.forEach((d) => t.true(Math.abs(d - 0.1) < 1e-12));
  t.deepEqual(ew.delta, [0, 0]);
  t.true(Math.abs(vlt.seconds - 11) < 1e-12);
  t.is(rlw.runs, 0);
  t.is(rlw.delta, null);
  t.deepEqual(rlw.failed, [{ seed: 0, message: 'a loss is not finite' }]);

  const md = compareMarkdown(table);
  t.regex(md, /\| vlt \| 3 \| 80\.00 ± 10\.00 \| 70\.00 ± 10\.00 \| \+10\.00 \| 11\.0 \|/);
  t.regex(md, /\| ew \| 3 \| 70\.00 ± 10\.00 .*\| 0 \(baseline\) \|/);
  t.regex(md, /\| rlw \| 0 \(1 failed\) \| – \|/);
  t.regex(md, /\| attribute \| ew \(%\) \| vlt Δ \|\n.*\n\| a \| 60\.00 \| \+10\.00 \|\n/);
  t.regex(md, /- rlw seed 0: a loss is not finite/);
  const json = JSON.parse(compareJson(table));
  t.deepEqual(Object.keys(json.rows[0]).slice(0, 4), ['strategy', 'runs', 'seeds', 'mean']);
  t.is(json.rows[2].mean, null, 'NaN becomes null in JSON');
  t.is(summaryCsv(table).split('\n')[0], 'strategy,runs,failed,mean,std,mA,mA_std,mean_delta,step_seconds');
  t.is(attributesCsv(table).split('\n')[1].split(',')[0], 'a');
  const svg = compareTableSvg(table);
  t.regex(svg, /^<svg[^>]*>.*vlt.*80\.00 ± 10\.00.*Per-attribute accuracy difference from ew/s);
});

test('another baseline by name: the deltas are measured against it, not against EW', (t) => {
  const table = compareTable({
    pipeline: 'celeba',
    tasks: ['a', 'b'],
    strategies: ['vlt', 'ew'],
    seeds: [0],
    iterations: 100,
    results: [result('vlt', 0, 0.8, [0.7, 0.9]), result('ew', 0, 0.6, [0.5, 0.7])],
    baseline: 'vlt',
  });
  t.is(table.baseline, 'vlt');
  const [vlt, ew] = table.rows;
  t.deepEqual(vlt.delta, [0, 0]);
  t.true(Math.abs((ew.meanDelta ?? NaN) + 0.2) < 1e-12, String(ew.meanDelta));
});

test('one seed: std is null and shown as the value alone; without EW the first strategy is the baseline; headline figures', (t) => {
  const table = compareTable({
    pipeline: 'market1501',
    tasks: ['x'],
    strategies: ['dwa', 'famo'],
    seeds: [4],
    iterations: 10,
    results: [
      result('dwa', 4, 0.5, [0.5], { headline: { marketOfficial: { label: 'official', value: 0.4 } } }),
      result('famo', 4, 0.75, [0.75], { headline: { marketOfficial: { label: 'official', value: 0.6 } } }),
    ],
  });
  t.is(table.baseline, 'dwa');
  t.is(table.rows[0].std, null);
  t.deepEqual(table.rows[1].headline.marketOfficial, { label: 'official', mean: 0.6, std: null });
  t.true(Math.abs((table.rows[1].meanDelta ?? NaN) - 0.25) < 1e-12);
  t.regex(compareMarkdown(table), /\| famo \| 1 \| 75\.00 \| 65\.00 \| 60\.00 \| \+25\.00 \|/);
  t.regex(summaryCsv(table), /^strategy,runs,failed,mean,std,mA,mA_std,marketOfficial,marketOfficial_std,mean_delta,step_seconds\nd/);
});

test('weight curves: one panel per strategy, one line per task', (t) => {
  const svg = weightCurvesSvg(
    [
      { strategy: 'rlw', seed: 0, iterations: [1, 2, 3], weights: [[1, 1], [0.5, 1.5], [1.2, 0.8]] },
      { strategy: 'uw', seed: 0, iterations: [1, 2, 3], weights: [[0.8, 0.8], [0.81, 0.79], [0.82, 0.78]] },
    ],
    ['a', 'b'],
  );
  t.is((svg.match(/<path /g) ?? []).length, 4);
  t.regex(svg, /rlw \(seed 0\).*uw \(seed 0\)/s);
});

test('every run of a seed shares the settings; a strategy that takes a seed gets the run seed', (t) => {
  t.deepEqual(runStrategy({ name: 'rlw', params: {} }, 7), { name: 'rlw', params: { seed: 7 } });
  t.deepEqual(runStrategy({ name: 'rlw', params: { seed: 3 } }, 7), { name: 'rlw', params: { seed: 3 } });
  t.deepEqual(runStrategy({ name: 'dwa', params: { k: 5 } }, 7), { name: 'dwa', params: { k: 5 } });
  t.is(runDir('out', 'gradnorm', 2), join('out', 'gradnorm-s2'));
});

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-compare-pipeline-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const baseConfig = (out: string, backbone = 'small-cnn'): ComparisonConfig => ({
  base: {
    pipeline: 'celeba',
    data: FIXTURE,
    dataOptions: {},
    backbone,
    image: { ...celeba.imageDefaults, height: 32, width: 32 },
    loss: 'bce',
    optimizer: ADAM_DEFAULTS,
    batchSize: 8,
    valBatchSize: 8,
    valDraw: 'replacement',
    iterations: 3,
    evalEvery: 0,
    evalLimit: 10,
    checkpointEvery: 0,
    flip: false,
    skipBadImages: false,
    prefetch: 1,
    finalSplits: ['val', 'test'],
  },
  strategies: [
    { name: 'ew', params: { k: 1 } },
    { name: 'rlw', params: {} },
  ],
  seeds: [0, 1],
  out,
});

const load = { dataset: (seed: number) => celeba.load(FIXTURE, {}, seed) };

test('finished runs with identical settings are reused, not retrained: the table comes from their files', async (t) => {
  const out = join(tmp, 'reuse');
  const config = baseConfig(out);
  const tasks = Array.from({ length: 40 }, (_, j) => `t${j}`);
  for (const choice of config.strategies) {
    for (const seed of config.seeds) {
      const run = runConfig(config, choice, seed);
      mkdirSync(run.out, { recursive: true });
      writeFileSync(join(run.out, 'config.json'), JSON.stringify(run));
      const acc = (choice.name === 'ew' ? 0.6 : 0.7) + seed * 0.1;
      writeFileSync(
        join(run.out, 'metrics.json'),
        JSON.stringify({ tasks, finalWeights: [1], splits: { test: { meanAccuracy: acc, mA: 0.5, perTask: tasks.map(() => ({ accuracy: acc })) } } }),
      );
      const weights = new Array(40).fill(1);
      writeFileSync(join(run.out, 'log.jsonl'), [1, 2, 3].map((iteration) => JSON.stringify({ iteration, trainLoss: [1], valLoss: [1], weights, seconds: 0.5 })).join('\n'));
    }
  }
  const messages: string[] = [];
  const ui = { info: (m: string) => messages.push(m), progress: () => ({ update: () => undefined, done: () => undefined, log: () => undefined }) };
  const started = performance.now();
  const r = await runComparison(config, load, { ui });
  t.true(performance.now() - started < 5000, 'no training happened');
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.is(messages.filter((m) => /reusing the finished run/.test(m)).length, 4);
  const [ew, rlw] = r.right.table.rows;
  t.true(Math.abs(ew.mean - 0.65) < 1e-12 && Math.abs(rlw.mean - 0.75) < 1e-12);
  t.true(Math.abs((rlw.std ?? NaN) - Math.SQRT1_2 * 0.1) < 1e-12);
  t.true(Math.abs(ew.seconds - 1.5) < 1e-12);
  t.is(r.right.table.tasks.length, 40);
  t.is(r.right.table.tasks[0], '5_o_Clock_Shadow', 'task names come from the dataset');
  for (const f of Object.values(COMPARE_FILES)) t.true(readFileSync(join(out, f), 'utf8').length > 100, f);
  t.deepEqual(JSON.parse(readFileSync(join(out, COMPARE_FILES.json), 'utf8')).rows.map((row: { strategy: string }) => row.strategy), ['ew', 'rlw']);

  // Changed settings: the folder is not reused (here the run then fails: the backbone file does not exist).
  const changed = baseConfig(out, 'file:/nonexistent/model.json');
  const again = await runComparison({ ...changed, strategies: [changed.strategies[0]], seeds: [0] }, load, { ui });
  t.true(E.isLeft(again) && /no run finished: ew seed 0: .*nonexistent/.test(again.left.message), E.isLeft(again) ? again.left.message : 'ran');
});

test('valLossTrend: the change from the second-to-last tenth of a log to the last, null when too short', (t) => {
  const flat = Array.from({ length: 100 }, () => ({ valLoss: [0.5, 0.7] }));
  t.is(valLossTrend(flat), 0);
  // Falling by 1% of 1 per iteration: tenths at iterations 80-89 (mean 0.155) and 90-99 (mean 0.055).
  const falling = Array.from({ length: 100 }, (_, i) => ({ valLoss: [1 - 0.01 * i] }));
  t.true(Math.abs((valLossTrend(falling) as number) - (0.055 - 0.155) / 0.155) < 1e-12);
  t.true((valLossTrend(Array.from({ length: 40 }, (_, i) => ({ valLoss: [1 + i] }))) as number) > 0);
  t.is(valLossTrend(flat.slice(0, 19)), null);
  const table = compareTable({
    pipeline: 'p', tasks: ['a'], strategies: ['ew'], seeds: [0, 1], iterations: 100,
    results: [0, 1].map((seed) => ({ strategy: 'ew', seed, out: `o${seed}`, split: 'test', meanAccuracy: 0.5, mA: 0.5, perTask: [0.5], headline: {}, seconds: 1, finalWeights: [1], valLossTrend: seed === 0 ? -0.04 : -0.02 })),
  });
  t.true(Math.abs((table.rows[0].valLossTrend as number) + 0.03) < 1e-12);
  t.regex(compareMarkdown(table), /\| ew \| 2 \| .* \| -3\.00 \|/);
});
