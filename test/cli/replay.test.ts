import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { replayLines } from '../../cli/commands/replay.js';
import { Rng } from '../../src/random.js';
import { createStrategy } from '../../src/weighting/index.js';
import { runCli, runInProcess } from './run.js';

type Out = { iteration: number; weights?: number[]; skipped?: string };

/**
 * An independent, deliberately naive transcription of REFERENCE §1 used as the
 * oracle: recompute every update point from the raw log.
 */
const oracle = (log: number[][], k: number): Out[] => {
  const out: Out[] = [];
  const m = log[0].length;
  let weights = new Array(m).fill(1);
  for (let t = 1; t <= log.length; t++) {
    if (t < 2 * k || t % k !== 0) continue;
    const pre = new Array(m).fill(0);
    const cur = new Array(m).fill(0);
    for (let i = t - 2 * k; i < t - k; i++) for (let j = 0; j < m; j++) pre[j] += log[i][j] / k;
    for (let i = t - k; i < t; i++) for (let j = 0; j < m; j++) cur[j] += log[i][j] / k;
    if (cur.some((c) => !(c > 0) || !Number.isFinite(c))) {
      out.push({ iteration: t, skipped: 'loss' });
      continue;
    }
    const trend = cur.map((c, j) => Math.abs(c - pre[j]) / c);
    const mt = trend.reduce((a, b) => a + b, 0) / m;
    if (mt === 0 || !Number.isFinite(mt)) {
      out.push({ iteration: t, skipped: 'trend' });
      continue;
    }
    const mc = cur.reduce((a, b) => a + b, 0) / m;
    const w = cur.map((c, j) => (c / mc) * (trend[j] / mt));
    const mw = w.reduce((a, b) => a + b, 0) / m;
    weights = w.map((x) => x / mw);
    out.push({ iteration: t, weights });
  }
  return out;
};

/** A random log with plateaus (exactly flat tasks), zero losses and flat windows mixed in. */
const randomLog = (rng: Rng, iterations: number, m: number, k: number): number[][] => {
  const flatTask = rng.int(m);
  const log: number[][] = [];
  for (let t = 0; t < iterations; t++) {
    const window = Math.floor(t / k);
    log.push(
      Array.from({ length: m }, (_, j) => {
        if (j === flatTask && rng.next() < 0.7) return 0.5; // often exactly flat -> zero trend -> weight 0
        if (window % 7 === 5 && rng.next() < 0.5) return 0; // sometimes zero -> a skip
        return Math.exp(-t / 200) * (0.2 + rng.next());
      }),
    );
  }
  // One window of all-identical rows twice in a row: mean trend 0 -> skip.
  if (iterations >= 6 * k) for (let t = 4 * k; t < 6 * k; t++) log[t] = log[4 * k].slice();
  return log;
};

const relErr = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(b), 1e-300));

test('replay matches the REFERENCE §1 rule to 1e-9 on random logs, skips and zero trends included', async (t) => {
  const rng = Rng.fromSeed(2017);
  let updates = 0;
  let skips = 0;
  let zeros = 0;
  for (let trial = 0; trial < 40; trial++) {
    const m = 1 + rng.int(8);
    const k = 1 + rng.int(6);
    const log = randomLog(rng, 5 * k + rng.int(12 * k), m, k);
    const strategy = createStrategy('vlt', { k });
    if (E.isLeft(strategy)) throw new Error(strategy.left.message);
    const lines: string[] = [];
    const result = await replayLines(log.map((row) => JSON.stringify(row)), strategy.right, 'log', (l) => lines.push(l));
    t.true(E.isRight(result));
    const got = lines.map((l) => JSON.parse(l) as Out);
    const want = oracle(log, k);
    t.is(got.length, want.length);
    for (let i = 0; i < want.length; i++) {
      t.is(got[i].iteration, want[i].iteration);
      if (want[i].weights) {
        t.truthy(got[i].weights, `iteration ${want[i].iteration} should update`);
        for (let j = 0; j < m; j++) t.true(relErr(got[i].weights![j], want[i].weights![j]) <= 1e-9 || Math.abs(got[i].weights![j] - want[i].weights![j]) < 1e-15);
        updates += 1;
        zeros += want[i].weights!.filter((w) => w === 0).length;
      } else {
        t.is(typeof got[i].skipped, 'string');
        skips += 1;
      }
    }
  }
  // The random logs really exercised all three paths.
  t.true(updates > 20 && skips > 5 && zeros > 5, `updates ${updates}, skips ${skips}, zero weights ${zeros}`);
});

const tmp = mkdtempSync(join(tmpdir(), 'awmtl-replay-'));
const file = (name: string, text: string): string => {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
};

test('the awmtl replay command prints one JSON line per update point', async (t) => {
  const log = file(
    'ok.jsonl',
    ['[1, 0.5, 0.2]', '[1, 0.5, 0.2]', '[0.8, 0.5, 0.1]', '{"valLoss": [0.8, 0.5, 0.1], "trainLoss": [9, 9, 9]}', '[0.8, 0.5, 0.1]', '[0.8, 0.5, 0.1]', ''].join('\n'),
  );
  const r = await runInProcess(['replay', '--strategy', 'vlt', '--k', '2', log]);
  t.is(r.code, 0, r.stderr);
  const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  t.is(out.length, 2);
  t.is(out[0].iteration, 4);
  out[0].weights.forEach((w: number, j: number) => t.true(Math.abs(w - [2, 0, 1][j]) < 1e-12));
  t.deepEqual(out[1], { iteration: 6, skipped: 'mean trend is 0 (all tasks flat)' });
});

test('replay reads stdin with -, and --min-weight floors the weights', async (t) => {
  const input = ['[1, 0.5, 0.2]', '[0.8, 0.5, 0.1]'].join('\n');
  const r = await runCli(['replay', '--k', '1', '--min-weight', '0.25', '-'], input);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim());
  t.is(out.iteration, 2);
  t.true(Math.abs(out.weights[1] - 0.25) < 1e-12);
  t.true(Math.abs(out.weights.reduce((a: number, b: number) => a + b, 0) - 3) < 1e-12);
});

test('a line that is not JSON stops replay with an error naming the line', async (t) => {
  const r = await runInProcess(['replay', '--k', '1', file('bad1.jsonl', '[1, 2]\n[1, 2]\n[1, 2\n')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /bad1\.jsonl line 3: not valid JSON/);
});

test('a line of the wrong length stops replay with an error naming the line', async (t) => {
  const r = await runInProcess(['replay', '--k', '1', file('bad2.jsonl', '[1, 2]\n[1, 2]\n[1, 2]\n[1]\n')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /bad2\.jsonl line 4: expected 2 losses \(as on the first line\), got 1/);
});

test('a non-numeric value stops replay with an error naming the line and field', async (t) => {
  const r = await runInProcess(['replay', '--k', '1', file('bad3.jsonl', '{"valLoss": [1, 2]}\n{"valLoss": [1, null]}\n')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /bad3\.jsonl line 2: valLoss\[1\] is not a number \(got null\)/);
  const s = await runInProcess(['replay', '--k', '1', file('bad4.jsonl', '[1, 2]\n"hello"\n')]);
  t.regex(s.stderr, /bad4\.jsonl line 2: expected an array of losses or an object/);
});

test('an empty line inside the log is an error; blank lines at the end are not', async (t) => {
  const bad = await runInProcess(['replay', '--k', '1', file('gap.jsonl', '[1]\n\n[1]\n')]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /gap\.jsonl line 2: empty line/);
  const ok = await runInProcess(['replay', '--k', '1', file('tail.jsonl', '[1]\n[2]\n\n\n')]);
  t.is(ok.code, 0, ok.stderr);
});

test('bad options are usage errors (exit 2)', async (t) => {
  const r = await runInProcess(['replay', '--k', 'x', file('x.jsonl', '[1]\n')]);
  t.is(r.code, 2);
  t.regex(r.stderr, /k must be a positive integer, got "x"/);
  const s = await runInProcess(['replay', '--strategy', 'magic', file('y.jsonl', '[1]\n')]);
  t.regex(s.stderr, /unknown strategy "magic" \(known: vlt, ew/);
  const u = await runInProcess(['replay', '--strategy', 'ew', '--min-weight', '0.1', file('z.jsonl', '[1]\n')]);
  t.regex(u.stderr, /unknown parameter for strategy ew/);
});

test('in-graph strategies (uw, gradnorm) are refused: a loss log cannot replay them', async (t) => {
  for (const strategy of ['uw', 'gradnorm']) {
    const r = await runInProcess(['replay', '--strategy', strategy, file(`ig-${strategy}.jsonl`, '[1, 2]\n')]);
    t.is(r.code, 2);
    t.regex(r.stderr, new RegExp(`strategy ${strategy} learns its weights inside the training step`));
  }
});
