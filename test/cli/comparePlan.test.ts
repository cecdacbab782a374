/**
 * `awmtl compare --plan` run by an outside scheduler with two parallel processes
 * (GNU parallel when installed, else xargs -P 2), then `--collect`: the table,
 * the paired differences vs EW, and the runs named while some are missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { repoRoot, runCli } from './run.js';

const CELEBA = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-compare-plan-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const hasParallel = spawnSync('parallel', ['--version'], { stdio: 'ignore' }).status === 0;

test(`compare --plan | ${hasParallel ? 'GNU parallel -j 2' : 'xargs -P 2 (GNU parallel absent)'}, then --collect builds the table and names missing runs`, async (t) => {
  const out = join(tmp, 'sweep');
  // `awmtl` on PATH, as after `npm install -g awmtl`.
  const bin = join(tmp, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(join(bin, 'awmtl'), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin/awmtl.js')}" "$@"\n`);
  chmodSync(join(bin, 'awmtl'), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  const args = [
    'compare', '--pipeline', 'celeba', '--data', CELEBA, '--strategies', 'vlt,ew', '--seeds', '2',
    '--iterations', '6', '--size', '32', '--batch-size', '8', '--k', '2', '--eval-every', '0', '--checkpoint-every', '0', '--workers', '0', '--out', out,
  ];
  const plan = await runCli([...args, '--plan'], undefined, { env });
  t.is(plan.code, 0, plan.stderr);
  const lines = plan.stdout.trim().split('\n');
  t.is(lines.length, 4);
  const dirs = ['vlt-s0', 'ew-s0', 'vlt-s1', 'ew-s1'].map((d) => join(out, d));
  lines.forEach((line, i) => {
    t.true(line.startsWith('awmtl train --pipeline celeba '), line);
    t.true(line.endsWith(` --out ${dirs[i]}`), line);
  });
  // Before anything ran: every run is named missing, exit 1.
  const none = await runCli([...args, '--collect'], undefined, { env });
  t.is(none.code, 1);
  t.regex(none.stderr, /vlt seed 0: missing: no run folder/);

  // Three of the four runs, two at a time.
  const runner = hasParallel ? ['parallel', ['-j', '2']] as const : ['xargs', ['-d', '\n', '-P', '2', '-I', 'CMD', 'sh', '-c', 'CMD']] as const;
  const ran = spawnSync(runner[0], [...runner[1]], { input: `${lines.slice(0, 3).join('\n')}\n`, env, encoding: 'utf8', timeout: 600_000 });
  t.is(ran.status, 0, ran.stderr);
  const partial = await runCli([...args, '--collect', '--json'], undefined, { env });
  t.is(partial.code, 1);
  t.regex(partial.stderr, /ew seed 1: missing: no run folder .*ew-s1/);
  t.regex(partial.stderr, /collected 3 of 4 runs/);

  // The last one, then the complete table.
  const last = spawnSync('sh', ['-c', lines[3]], { env, encoding: 'utf8', timeout: 600_000 });
  t.is(last.status, 0, last.stderr);
  const full = await runCli([...args, '--collect'], undefined, { env });
  t.is(full.code, 0, full.stderr);
  t.regex(full.stdout, /\| vlt \| 2 \|/);
  t.regex(full.stdout, /\| ew \| 2 \|/);
  t.regex(full.stdout, /### Paired differences vs ew/);
  t.regex(full.stdout, /VLT on mA: (better than ew|worse than ew|not distinguishable from ew)/);
  const paired = JSON.parse(readFileSync(join(out, 'compare-paired.json'), 'utf8')) as {
    strategy: string;
    metric: string;
    seeds: number[];
    mean: number;
    seedInterval: { low: number; high: number } | null;
    bootstrapInterval: { low: number; high: number } | null;
  }[];
  t.deepEqual(paired.map((p) => [p.strategy, p.metric]), [['vlt', 'meanAccuracy'], ['vlt', 'mA']]);
  // Each interval holds the observed difference of the seed means.
  const table = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as { rows: { strategy: string; mean: number }[] };
  const d = (table.rows.find((r) => r.strategy === 'vlt')?.mean ?? NaN) - (table.rows.find((r) => r.strategy === 'ew')?.mean ?? NaN);
  t.true(Math.abs(paired[0].mean - d) < 1e-9);
  for (const p of paired) {
    t.deepEqual(p.seeds, [0, 1]);
    for (const ci of [p.seedInterval, p.bootstrapInterval]) {
      t.truthy(ci);
      if (ci !== null) t.true(ci.low <= p.mean + 1e-9 && p.mean <= ci.high + 1e-9, `${p.metric}: ${p.mean} in [${ci.low}, ${ci.high}]`);
    }
  }
  // The collected table is what compare itself builds from the same runs (it reuses them: identical settings).
  const again = await runCli([...args, '--json'], undefined, { env });
  t.is(again.code, 0, again.stderr);
  t.regex(again.stderr, /reusing the finished run/);
  t.is(JSON.parse(again.stdout).rows[0].mean, table.rows[0].mean);
});

test('a sweep on a longer budget extends the finished runs with --resume, bit for bit as runs made at that budget', async (t) => {
  const out = join(tmp, 'extend');
  const straight = join(tmp, 'straight');
  const common = ['--pipeline', 'celeba', '--data', CELEBA, '--size', '32', '--batch-size', '8', '--k', '2', '--eval-every', '0', '--workers', '0'];
  const sweep = (iterations: number) => ['compare', ...common, '--strategies', 'vlt,ew', '--seeds', '1', '--iterations', String(iterations), '--out', out];
  const short = await runCli(sweep(6));
  t.is(short.code, 0, short.stderr);

  // The plan on 10 iterations continues both runs instead of training them again.
  const plan = await runCli([...sweep(10), '--plan']);
  t.is(plan.code, 0, plan.stderr);
  t.deepEqual(plan.stdout.trim().split('\n'), ['vlt-s0', 'ew-s0'].map((d) => `awmtl train --resume ${join(out, d)} --iterations 10`));
  // Until then --collect names them shorter, with the command that extends them.
  const before = await runCli([...sweep(10), '--collect']);
  t.is(before.code, 1);
  t.regex(before.stderr, /vlt seed 0: shorter: run for 6 of 10 iterations; extend it with awmtl train --resume .*vlt-s0 --iterations 10/);
  // A cosine rate depends on the budget: no extension is offered, the run is named as made with other settings.
  const cosine = await runCli([...sweep(10), '--lr-schedule', 'cosine', '--plan']);
  t.is(cosine.code, 0, cosine.stderr);
  t.regex(cosine.stdout, /^awmtl train --pipeline celeba /m);

  // compare itself extends them (same as running the plan's lines).
  const longer = await runCli(sweep(10));
  t.is(longer.code, 0, longer.stderr);
  t.regex(longer.stderr, /vlt seed 0: extending the run in .*vlt-s0 from 6 to 10 iterations/);
  const collected = await runCli([...sweep(10), '--collect']);
  t.is(collected.code, 0, collected.stderr);
  // Now nothing is left to do: the plan is empty and says why; --overwrite plans every run again.
  const done = await runCli([...sweep(10), '--plan']);
  t.is(done.code, 0, done.stderr);
  t.is(done.stdout, '');
  t.regex(done.stderr, /2 of 2 runs finished already/);
  const again = await runCli([...sweep(10), '--plan', '--overwrite']);
  t.is(again.stdout.trim().split('\n').filter((l) => l.startsWith('awmtl train --pipeline celeba') && l.includes('--overwrite')).length, 2);

  // The extended VLT run is the run made at 10 iterations from the start.
  const made = await runCli(['train', ...common, '--strategy', 'vlt', '--seed', '0', '--iterations', '10', '--out', straight]);
  t.is(made.code, 0, made.stderr);
  const log = (dir: string) =>
    readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { iteration: number; valLoss: number[]; weights: number[] });
  const [a, b] = [log(join(out, 'vlt-s0')), log(straight)];
  t.is(a.length, 10);
  t.deepEqual(a.map((r) => [r.iteration, r.valLoss, r.weights]), b.map((r) => [r.iteration, r.valLoss, r.weights]));
  t.true(b.some((r) => r.weights.some((w) => w !== 1)), 'VLT changed the weights within the run');
  const metrics = (dir: string) => JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')).splits.test.meanAccuracy as number;
  t.is(metrics(join(out, 'vlt-s0')), metrics(straight));
});
