/**
 * `awmtl replay --strategy ew|dwa|rlw` on recorded logs: they read the
 * trainLoss arrays; EW and DWA match the formulas, RLW's weights are positive,
 * sum to M on every step and are reproduced by their seed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { replayLines } from '../../cli/commands/replay.js';
import { Rng } from '../../src/random.js';
import { createStrategy, type StrategyParams } from '../../src/weighting/index.js';
import { runCli } from '../cli/run.js';

type Out = { iteration: number; weights?: number[]; skipped?: string };

/** A training-log-shaped random log: trainLoss and a different valLoss, with zero train losses mixed in. */
const randomLog = (rng: Rng, iterations: number, m: number): { trainLoss: number[]; valLoss: number[] }[] =>
  Array.from({ length: iterations }, (_, t) => ({
    trainLoss: Array.from({ length: m }, () => (rng.next() < 0.03 ? 0 : Math.exp(-t / 150) * (0.1 + rng.next()))),
    valLoss: Array.from({ length: m }, () => 5 + rng.next()),
  }));

const replay = async (lines: string[], name: string, params: StrategyParams): Promise<Out[]> => {
  const strategy = createStrategy(name, params);
  if (E.isLeft(strategy)) throw new Error(strategy.left.message);
  const out: string[] = [];
  const result = await replayLines(lines, strategy.right, 'log', (l) => out.push(l));
  if (E.isLeft(result)) throw new Error(JSON.stringify(result.left));
  return out.map((l) => JSON.parse(l) as Out);
};

/** DWA by hand from the raw log (REFERENCE §2, k-window level): naive loops, no shared code. */
const dwaOracle = (train: number[][], k: number, temperature: number): Out[] => {
  const out: Out[] = [];
  const m = train[0].length;
  for (let t = 1; t <= train.length; t++) {
    if (t < 2 * k || t % k !== 0) continue;
    const pre = new Array(m).fill(0);
    const cur = new Array(m).fill(0);
    for (let i = t - 2 * k; i < t - k; i++) for (let j = 0; j < m; j++) pre[j] += train[i][j] / k;
    for (let i = t - k; i < t; i++) for (let j = 0; j < m; j++) cur[j] += train[i][j] / k;
    if (pre.some((p) => !(p > 0))) {
      out.push({ iteration: t, skipped: 'pre' });
      continue;
    }
    const e = cur.map((c, j) => Math.exp(c / pre[j] / temperature));
    const s = e.reduce((a, b) => a + b, 0);
    out.push({ iteration: t, weights: e.map((x) => (m * x) / s) });
  }
  return out;
};

const relErr = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));

test('replay of DWA matches the formula to 1e-9 on random logs (train losses, skips included)', async (t) => {
  const rng = Rng.fromSeed(2019);
  let updates = 0;
  let skips = 0;
  for (let trial = 0; trial < 30; trial++) {
    const m = 1 + rng.int(8);
    const k = 1 + rng.int(5);
    const temperature = trial % 2 === 0 ? 2 : 0.5 + rng.next() * 3;
    const log = randomLog(rng, 4 * k + rng.int(20 * k), m);
    const got = await replay(log.map((r) => JSON.stringify(r)), 'dwa', { k, temperature });
    const want = dwaOracle(log.map((r) => r.trainLoss), k, temperature);
    t.is(got.length, want.length);
    want.forEach((w, i) => {
      t.is(got[i].iteration, w.iteration);
      if (w.weights === undefined) {
        t.is(typeof got[i].skipped, 'string');
        skips += 1;
        return;
      }
      updates += 1;
      t.truthy(got[i].weights, `iteration ${w.iteration} should update`);
      w.weights.forEach((x, j) => t.true(relErr(got[i].weights![j], x) <= 1e-9, `t ${w.iteration} task ${j}: ${got[i].weights![j]} vs ${x}`));
    });
  }
  t.true(updates > 50 && skips > 3, `updates ${updates}, skips ${skips}`);
});

test('replay of EW answers exactly 1 for every task at every update point t >= 2k, t % k == 0', async (t) => {
  const rng = Rng.fromSeed(7);
  for (let trial = 0; trial < 10; trial++) {
    const m = 1 + rng.int(6);
    const k = 1 + rng.int(6);
    const n = 2 * k + rng.int(10 * k);
    const got = await replay(randomLog(rng, n, m).map((r) => JSON.stringify(r)), 'ew', { k });
    const points = Array.from({ length: n }, (_, i) => i + 1).filter((t) => t >= 2 * k && t % k === 0);
    t.deepEqual(got, points.map((iteration) => ({ iteration, weights: new Array(m).fill(1) })));
  }
});

test('replay of RLW: one decision per line, positive weights summing to M, reproduced by the seed', async (t) => {
  const rng = Rng.fromSeed(99);
  const log = randomLog(rng, 300, 6).map((r) => JSON.stringify(r));
  const a = await replay(log, 'rlw', { seed: 42 });
  const b = await replay(log, 'rlw', { seed: 42 });
  const c = await replay(log, 'rlw', { seed: 43 });
  t.is(a.length, 300);
  a.forEach((d, i) => {
    t.is(d.iteration, i + 1);
    t.true(d.weights!.every((w) => w > 0 && Number.isFinite(w)));
    t.true(Math.abs(d.weights!.reduce((s, w) => s + w, 0) - 6) < 1e-9);
  });
  t.deepEqual(b, a);
  t.true(c.every((d, i) => d.weights!.some((w, j) => w !== a[i].weights![j])));
  // Spread: not a constant vector in disguise.
  const first = a.map((d) => d.weights![0]);
  t.true(Math.max(...first) > 2 && Math.min(...first) < 0.5, `range ${Math.min(...first)}..${Math.max(...first)}`);
});

const tmp = mkdtempSync(join(tmpdir(), 'awmtl-replay-strategies-'));

test('the awmtl replay command takes --strategy dwa and rlw (with --seed), reading trainLoss', async (t) => {
  const path = join(tmp, 'log.jsonl');
  // trainLoss and valLoss differ: DWA must use trainLoss.
  const rows = [
    { trainLoss: [1, 2], valLoss: [7, 7] },
    { trainLoss: [1, 2], valLoss: [1, 9] },
    { trainLoss: [0.5, 2], valLoss: [3, 3] },
    { trainLoss: [0.5, 2], valLoss: [4, 4] },
  ];
  writeFileSync(path, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const dwa = await runCli(['replay', '--strategy', 'dwa', '--k', '2', path]);
  t.is(dwa.code, 0, dwa.stderr);
  const d = JSON.parse(dwa.stdout.trim());
  // r = [0.5, 1]: lambda_1 = 2 / (1 + e^{(1 - 0.5) / 2})
  t.is(d.iteration, 4);
  t.true(relErr(d.weights[0], 2 / (1 + Math.exp(0.25))) < 1e-12);
  const r1 = await runCli(['replay', '--strategy', 'rlw', '--seed', '3', path]);
  const r2 = await runCli(['replay', '--strategy', 'rlw', '--seed', '3', path]);
  t.is(r1.code, 0, r1.stderr);
  t.is(r1.stdout.trim().split('\n').length, 4);
  t.is(r1.stdout, r2.stdout);
});
