/**
 * `awmtl compare` end to end on the bundled fixtures: a tiny budget (32x32 or
 * 64x32 inputs, a dozen iterations, one seed), checking the printed table, the
 * JSON structure and the files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { generateMarketFixture } from '../../fixtures/market/fixture.js';
import { runCli, runInProcess } from './run.js';

const CELEBA = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-compare-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const FILES = ['compare.md', 'compare.csv', 'compare-attributes.csv', 'compare.json', 'compare.svg', 'compare-weights.svg'];

interface Row {
  strategy: string;
  runs: number;
  seeds: number[];
  mean: number;
  std: number | null;
  mA: number;
  mAStd: number | null;
  perTask: number[];
  delta: number[] | null;
  meanDelta: number | null;
  headline: Record<string, { label: string; mean: number; std: number | null }>;
  failed: unknown[];
}

const logWeights = (dir: string): number[][] =>
  readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).weights);

test('compare on the CelebA fixture: runs, JSON table, files, then a second call reuses the runs and prints Markdown', async (t) => {
  const out = join(tmp, 'celeba');
  const args = [
    'compare', '--pipeline', 'celeba', '--data', CELEBA, '--strategies', 'ew,rlw,gradnorm', '--seeds', '1', '--first-seed', '5',
    '--iterations', '12', '--size', '32', '--batch-size', '8', '--k', '3', '--eval-every', '0', '--out', out,
  ];
  const r = await runCli([...args, '--json']);
  t.is(r.code, 0, r.stderr);
  const table = JSON.parse(r.stdout) as { pipeline: string; split: string; baseline: string; tasks: string[]; iterations: number; seeds: number[]; rows: Row[] };
  t.like(table, { pipeline: 'celeba', split: 'test', baseline: 'ew', iterations: 12, seeds: [5] });
  t.is(table.tasks.length, 40);
  t.deepEqual(table.rows.map((row) => row.strategy), ['ew', 'rlw', 'gradnorm']);
  for (const row of table.rows) {
    t.like(row, { runs: 1, seeds: [5], std: null, mAStd: null, failed: [] });
    t.true(row.mean > 0 && row.mean <= 1 && row.mA > 0 && row.mA <= 1, `${row.strategy}: ${row.mean}, ${row.mA}`);
    t.is(row.perTask.length, 40);
    t.is(row.delta?.length, 40);
  }
  t.deepEqual(table.rows[0].delta, new Array(40).fill(0));
  // Progress: one line per run started and finished.
  for (const [i, s] of ['ew', 'rlw', 'gradnorm'].entries()) {
    t.regex(r.stderr, new RegExp(`\\[${i + 1}/3\\] ${s} seed 5: started -> `));
    t.regex(r.stderr, new RegExp(`\\[${i + 1}/3\\] ${s} seed 5: finished in [\\d.]+ s: test mean accuracy [\\d.]+%, mA [\\d.]+%`));
  }
  for (const f of FILES) t.true(existsSync(join(out, f)), f);
  t.deepEqual(JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')), table);
  t.regex(readFileSync(join(out, 'compare.svg'), 'utf8'), /^<svg[^>]*>.*gradnorm.*Per-attribute accuracy difference from ew/s);
  t.is((readFileSync(join(out, 'compare-weights.svg'), 'utf8').match(/<path /g) ?? []).length, 3 * 40);
  // Same seed, same budget: each run's own folder; RLW drew with the run seed, GradNorm's weights sum to M.
  for (const s of ['ew', 'rlw', 'gradnorm']) t.true(existsSync(join(out, `${s}-s5`, 'metrics.json')), s);
  const config = JSON.parse(readFileSync(join(out, 'rlw-s5', 'config.json'), 'utf8'));
  t.like(config, { seed: 5, iterations: 12, strategy: { name: 'rlw', params: { seed: 5 } } });
  const rlw = logWeights(join(out, 'rlw-s5'));
  t.true(rlw.slice(1).every((w) => w.every((x) => x > 0) && Math.abs(w.reduce((a, b) => a + b, 0) - 40) < 1e-9));
  t.true(logWeights(join(out, 'gradnorm-s5')).every((w) => Math.abs(w.reduce((a, b) => a + b, 0) - 40) < 1e-3));
  t.true(logWeights(join(out, 'ew-s5')).every((w) => w.every((x) => x === 1)));

  const again = await runCli(args);
  t.is(again.code, 0, again.stderr);
  t.is((again.stderr.match(/reusing the finished run/g) ?? []).length, 3);
  t.regex(again.stdout, /^## awmtl compare: celeba, 12 iterations, seeds 5 \(test split\)/);
  t.regex(again.stdout, /\| strategy \| runs \| mean accuracy \(%\) \| mA \(%\) \| Δ mean vs ew \(pp\) \| step time \(s\) \|/);
  for (const row of table.rows) t.true(again.stdout.includes(`| ${row.strategy} | 1 | ${(row.mean * 100).toFixed(2)} | ${(row.mA * 100).toFixed(2)} |`), row.strategy);
  t.regex(again.stdout, /\| Young \| [\d.]+ \| [+-][\d.]+ \| [+-][\d.]+ \|/);
});

test('compare on the Market-1501 fixture: mA and the official 12-task accuracy per strategy', async (t) => {
  const data = join(tmp, 'Market-1501');
  await generateMarketFixture({ dir: data, seed: 11, trainIds: 12, testIds: 8, imagesPerId: 3, junkImages: 2 });
  const out = join(tmp, 'market');
  const r = await runCli([
    'compare', '--pipeline', 'market1501', '--data', data, '--strategies', 'vlt,famo,uw', '--seeds', '1', '--iterations', '12',
    '--size', '64x32', '--batch-size', '8', '--val-fraction', '0.25', '--k', '3', '--eval-every', '0', '--out', out, '--json',
  ]);
  t.is(r.code, 0, r.stderr);
  const table = JSON.parse(r.stdout) as { pipeline: string; baseline: string; tasks: string[]; rows: Row[] };
  t.is(table.pipeline, 'market1501');
  t.is(table.tasks.length, 12);
  t.is(table.baseline, 'vlt', 'without EW, the first strategy is the baseline');
  t.deepEqual(table.rows.map((row) => row.strategy), ['vlt', 'famo', 'uw']);
  for (const row of table.rows) {
    t.true(row.mA > 0 && row.mA <= 1, `${row.strategy} mA ${row.mA}`);
    const official = row.headline.marketOfficial;
    t.truthy(official, `${row.strategy}: official accuracy`);
    t.true(official.mean > 0 && official.mean <= 1);
  }
  const md = readFileSync(join(out, 'compare.md'), 'utf8');
  t.regex(md, /\| strategy \| runs \| mean accuracy \(%\) \| mA \(%\) \| official Market-1501 12-task accuracy \(%\) \|/);
  t.regex(readFileSync(join(out, 'compare.csv'), 'utf8'), /^strategy,runs,failed,mean,std,mA,mA_std,marketOfficial,marketOfficial_std,/);
  // UW's reported weights: 1 / (2 exp(s)), 0.824 at the first iteration.
  t.true(logWeights(join(out, 'uw-s0'))[0].every((w) => Math.abs(w - 1 / (2 * Math.exp(-0.5))) < 1e-6));
});

test('compare usage errors name the problem (exit 2)', async (t) => {
  const base = ['compare', '--pipeline', 'celeba', '--data', CELEBA, '--out', join(tmp, 'never')];
  const unknown = await runInProcess([...base, '--strategies', 'ew,magic']);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /--strategies: unknown strategy "magic" \(known: vlt, ew, dwa, uw, rlw, gradnorm, famo\)/);
  const stray = await runInProcess([...base, '--strategies', 'ew,dwa', '--alpha', '2']);
  t.regex(stray.stderr, /--alpha does not apply to any of the strategies \(ew, dwa\)/);
  const seed = await runInProcess([...base, '--seed', '3']);
  t.regex(seed.stderr, /Unknown option '--seed'/);
  const baseline = await runInProcess([...base, '--strategies', 'ew,dwa', '--baseline', 'vlt']);
  t.is(baseline.code, 2);
  t.regex(baseline.stderr, /--baseline vlt is not among the strategies compared \(ew, dwa\)/);
  t.false(existsSync(join(tmp, 'never')));
});
