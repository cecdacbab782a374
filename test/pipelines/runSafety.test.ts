/**
 * Never lose a run: protected and locked run folders, one-line failures,
 * pre-flight image checks, non-finite losses, stop signals and resumes after
 * SIGKILL at random moments (checkpoint writes included), each against the
 * real `awmtl` executable.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { runCli } from '../cli/run.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const bin = fileURLToPath(new URL('../../bin/awmtl.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-safety-'));

const ITERATIONS = 40;
/** A small, quick run: 32x32 inputs, batch 8, a checkpoint every 3 iterations. */
const quick = (out: string, extra: string[] = []): string[] => [
  'train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', out, '--size', '32', '--batch-size', '8',
  '--k', '3', '--eval-every', '0', '--seed', '7', '--iterations', String(ITERATIONS), '--checkpoint-every', '3', '--no-cache', ...extra,
];

const files = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else out[`${prefix}${e.name}`] = readFileSync(join(d, e.name)).toString('base64');
    }
  };
  walk(dir, '');
  return out;
};

const waitFor = async (check: () => boolean, timeoutMs: number, everyMs = 10): Promise<boolean> => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return false;
};

const start = (args: readonly string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } => {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal === null ? null : -1))));
  return { child, stderr: () => err, exit };
};

const checkpointIteration = (out: string): number => {
  try {
    return JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8')).iteration as number;
  } catch {
    return -1;
  }
};

/** The uninterrupted run every interrupted one is compared with. */
let reference: Promise<string> | undefined;
const uninterrupted = (): Promise<string> => {
  reference ??= (async () => {
    const out = join(tmp, 'reference');
    const r = await runCli(quick(out));
    if (r.code !== 0) throw new Error(r.stderr);
    return out;
  })();
  return reference;
};

const sameFinalModel = (t: import('ava').ExecutionContext, got: string, want: string): void => {
  t.true(existsSync(join(got, 'metrics.json')), 'the resumed run finished');
  t.true(readFileSync(join(got, 'model', 'weights.bin')).equals(readFileSync(join(want, 'model', 'weights.bin'))), 'final weights bit-identical');
  const losses = (dir: string): unknown[] =>
    readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).valLoss);
  t.deepEqual(losses(got), losses(want));
};

test('training twice into one folder leaves the first run byte-identical; --overwrite replaces it', async (t) => {
  const out = join(tmp, 'twice');
  const args = ['train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', out, '--size', '32', '--batch-size', '8', '--iterations', '4', '--k', '2', '--eval-every', '0'];
  const first = await runCli(args);
  t.is(first.code, 0, first.stderr);
  const before = files(out);
  const second = await runCli([...args, '--seed', '3']);
  t.not(second.code, 0);
  t.regex(second.stderr, /already holds a finished run; pass --resume to continue it or --overwrite to replace it/);
  t.is(second.stderr.trim().split('\n').length, 1, second.stderr);
  t.deepEqual(files(out), before);
  const third = await runCli([...args, '--seed', '3', '--overwrite']);
  t.is(third.code, 0, third.stderr);
  t.is(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).seed, 3);
  t.notDeepEqual(files(out)['model/weights.bin'], before['model/weights.bin']);
});

test('of two concurrent runs on one folder the second is refused within seconds, naming the pid, and the first finishes', async (t) => {
  const out = join(tmp, 'concurrent');
  // Long enough that it is still running when the second is refused.
  const first = start(quick(out, ['--iterations', '400', '--checkpoint-every', '0']));
  t.true(await waitFor(() => existsSync(join(out, '.awmtl.lock')), 60_000), 'the first run took the lock');
  const t0 = Date.now();
  const second = await runCli(quick(out));
  const seconds = (Date.now() - t0) / 1000;
  t.is(second.code, 1);
  t.regex(second.stderr, new RegExp(`is in use by another awmtl process \\(pid ${first.child.pid}`));
  t.is(first.child.exitCode, null, 'refused while the first run was still going, not after it');
  t.log(`second run refused after ${seconds.toFixed(1)} s`);
  t.is(await first.exit, 0, first.stderr());
  t.false(existsSync(join(out, '.awmtl.lock')), 'the lock is released at the end');
});

test('a lock left by a dead process is taken over, and the message says so', async (t) => {
  const out = join(tmp, 'stale');
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => dead.once('exit', r));
  // The folder exists with only the dead process's lock in it.
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, '.awmtl.lock'), `${JSON.stringify({ pid: dead.pid, host: hostname(), started: 'then', command: 'train' })}\n`);
  const r = await runCli(['train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', out, '--size', '32', '--batch-size', '8', '--iterations', '2', '--k', '1', '--eval-every', '0']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, new RegExp(`took over the lock of .* left by pid ${dead.pid}, which is no longer running`));
});

test('--out pointing at a file is one short line and exit 2; usage values are checked before any data is read', async (t) => {
  const file = join(tmp, 'a-file');
  writeFileSync(file, 'not a folder');
  const r = await runCli(['train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', file, '--iterations', '2']);
  t.is(r.code, 2);
  t.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  t.regex(r.stderr, /^awmtl: train: --out .*a-file is a file, not a folder/);
  t.true(r.stderr.length < 300, `${r.stderr.length} characters`);
  t.notRegex(r.stderr, /\n\s+at /);
  // --k 0 with a dataset folder that does not exist: the option is refused first.
  const k = await runCli(['train', '--pipeline', 'celeba', '--data', join(tmp, 'no-such-data'), '--out', join(tmp, 'k0'), '--k', '0']);
  t.is(k.code, 2);
  t.regex(k.stderr, /^awmtl: train: strategy vlt: k must be a positive integer/);
  t.false(existsSync(join(tmp, 'k0')), 'nothing was created');
});

test('an empty test-split image stops the run before any training iteration, naming the file and its split', async (t) => {
  const data = join(tmp, 'empty-test-image');
  cpSync(FIXTURE, data, { recursive: true });
  const partition = readFileSync(join(data, 'list_eval_partition.txt'), 'utf8').trim().split('\n');
  const testImage = partition.map((l) => l.trim().split(/\s+/)).find((f) => f[1] === '2')?.[0];
  if (testImage === undefined) throw new Error('the fixture has no test image');
  writeFileSync(join(data, 'img_align_celeba', testImage), '');
  const out = join(tmp, 'empty-run');
  const args = ['train', '--pipeline', 'celeba', '--data', data, '--out', out, '--size', '32', '--batch-size', '8', '--iterations', '3', '--k', '1', '--eval-every', '0', '--no-cache'];
  const r = await runCli(args);
  t.is(r.code, 1);
  t.regex(r.stderr, new RegExp(`1 unreadable image: test split: .*${testImage}: cannot decode image \\(empty file\\).*--skip-bad-images`));
  t.regex(r.stderr, /pre-flight: 160 images checked in \d+\.\d+ s/);
  t.false(existsSync(join(out, 'log.jsonl')), 'no iteration ran');
  const skip = await runCli([...args, '--out', join(tmp, 'empty-skip'), '--skip-bad-images']);
  t.is(skip.code, 0, skip.stderr);
  const metrics = JSON.parse(readFileSync(join(tmp, 'empty-skip', 'metrics.json'), 'utf8'));
  t.is(metrics.data.unreadableImages.length, 1);
  t.is(metrics.data.unreadableImages[0].split, 'test');
  t.is(metrics.splits.test.skippedImages, 1);
  t.regex(readFileSync(join(tmp, 'empty-skip', 'report.html'), 'utf8'), new RegExp(`skipped unreadable image \\(test split\\): .*${testImage}`));
});

test('a diverging run (--lr 1e6) names the iteration, the validation loss and --lr, in one line', async (t) => {
  const out = join(tmp, 'diverge');
  const r = await runCli(['train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', out, '--size', '32', '--batch-size', '8', '--iterations', '20', '--k', '2', '--eval-every', '0', '--lr', '1e6']);
  t.is(r.code, 1);
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  t.regex(last, /^awmtl: train: iteration \d+: .*the validation loss of .*\((NaN|-?Infinity)\).* not finite: the training diverged; try a lower --lr \(it was 1000000\)/);
  t.is(r.stderr.match(/not finite/g)?.length, 1, 'printed once');
});

test('a checkpoint whose weights hold NaN is refused on resume, naming the file', async (t) => {
  const out = join(tmp, 'nan-checkpoint');
  const r = await runCli(['train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', out, '--size', '32', '--batch-size', '8', '--iterations', '4', '--k', '2', '--eval-every', '0', '--checkpoint-every', '2']);
  t.is(r.code, 0, r.stderr);
  const pointer = JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8'));
  const weights = join(out, pointer.latest, 'model', 'weights.bin');
  const bytes = readFileSync(weights);
  bytes.writeFloatLE(Number.NaN, 8);
  writeFileSync(weights, bytes);
  const resumed = await runCli(['train', '--resume', out, '--iterations', '6']);
  t.is(resumed.code, 1);
  t.regex(resumed.stderr, new RegExp(`cannot resume: .*${pointer.latest}/model/weights.bin: weight .* holds 1 non-finite value`));
});

test('--resume: a finished run says so and exits 0; a folder without a checkpoint says to rerun without --resume', async (t) => {
  const ref = await uninterrupted();
  const done = await runCli(['train', '--resume', ref]);
  t.is(done.code, 0, done.stderr);
  t.regex(done.stderr, new RegExp(`is a finished run of ${ITERATIONS} iterations; nothing to do \\(pass --iterations N with N > ${ITERATIONS} to continue it\\)`));
  const bare = join(tmp, 'no-checkpoint');
  mkdirSync(bare, { recursive: true });
  writeFileSync(join(bare, 'config.json'), readFileSync(join(ref, 'config.json')));
  const none = await runCli(['train', '--resume', bare]);
  t.is(none.code, 1);
  t.regex(none.stderr, /has no checkpoint yet; rerun without --resume/);
});

test('SIGTERM mid-run checkpoints and exits 143; --resume gives bit-identical final weights', async (t) => {
  const ref = await uninterrupted();
  const out = join(tmp, 'sigterm');
  const run = start(quick(out));
  t.true(await waitFor(() => checkpointIteration(out) >= 6, 120_000), 'training is under way');
  run.child.kill('SIGTERM');
  const code = await run.exit;
  t.is(code, 143, run.stderr());
  const m = /stopped at iteration (\d+); continue with awmtl train --resume (.*)$/m.exec(run.stderr());
  t.truthy(m, run.stderr());
  const at = Number(m?.[1]);
  t.true(at < ITERATIONS, `stopped at ${at}`);
  t.is(checkpointIteration(out), at, 'the checkpoint is of the iteration it stopped at');
  t.false(existsSync(join(out, 'metrics.json')));
  const resumed = await runCli(['train', '--resume', out]);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stderr, new RegExp(`resuming .* at iteration ${at + 1} of ${ITERATIONS}`));
  sameFinalModel(t, out, ref);
});

test('three SIGKILLs at random moments (one during a checkpoint write), each resumed: bit-identical final weights', async (t) => {
  const ref = await uninterrupted();
  const out = join(tmp, 'sigkill');
  const seed = Date.now() % 1000;
  let rnd = seed;
  const random = (): number => {
    rnd = (rnd * 1103515245 + 12345) % 2147483648;
    return rnd / 2147483648;
  };
  t.log(`kill schedule seed ${seed}`);
  let args = quick(out);
  let duringWrite = 0;
  for (let kill = 0; kill < 3; kill++) {
    const from = checkpointIteration(out);
    const run = start(args);
    // Wait for this process to write a checkpoint of its own, so that a resume always has one to go on from.
    const progressed = await waitFor(() => checkpointIteration(out) > from, 120_000, 5);
    t.true(progressed, `run ${kill + 1} wrote a checkpoint: ${run.stderr()}`);
    if (kill === 1) {
      // Kill during the next checkpoint write: poll for its temporary folder.
      const dir = join(out, 'checkpoints');
      const seen = await waitFor(() => readdirSync(dir).some((e) => e.includes('.tmp-')), 60_000, 1);
      if (seen) duringWrite += 1;
    } else {
      await new Promise((r) => setTimeout(r, 50 + random() * 400));
    }
    run.child.kill('SIGKILL');
    await run.exit;
    t.false(existsSync(join(out, 'metrics.json')), `killed before the end (kill ${kill + 1})`);
    t.log(`kill ${kill + 1}: checkpoint at iteration ${checkpointIteration(out)}`);
    args = ['train', '--resume', out];
  }
  t.true(duringWrite >= 1, 'one kill came while a checkpoint was being written');
  const resumed = await runCli(['train', '--resume', out]);
  t.is(resumed.code, 0, resumed.stderr);
  t.regex(resumed.stderr, /took over the lock of .* left by pid \d+, which is no longer running/);
  sameFinalModel(t, out, ref);
});
