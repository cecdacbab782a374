import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { runCli } from '../cli/run.js';
import { testWithData } from '../sharedData.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const bin = fileURLToPath(new URL('../../bin/awmtl.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-celeba-'));

/** A small, quick run: 32x32 inputs, batch 8. */
const quick = (out: string, extra: string[] = []): string[] => [
  'train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', out, '--size', '32', '--batch-size', '8',
  '--k', '3', '--eval-every', '0', '--seed', '5', ...extra,
];

const logLines = (out: string): { iteration: number; weights: number[]; valLoss: number[]; trainLoss: number[] }[] =>
  readFileSync(join(out, 'log.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));

const waitFor = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
};

test('resuming after kill -9 reproduces the uninterrupted weight trajectory exactly', async (t) => {
  const iterations = 60;
  const full = join(tmp, 'full');
  const killed = join(tmp, 'killed');
  const a = await runCli(quick(full, ['--iterations', String(iterations), '--checkpoint-every', '10']));
  t.is(a.code, 0, a.stderr);

  const child: ChildProcess = spawn(process.execPath, [bin, ...quick(killed, ['--iterations', String(iterations), '--checkpoint-every', '10'])], {
    stdio: 'ignore',
  });
  const pointer = join(killed, 'checkpoint.json');
  const reached = await waitFor(() => existsSync(pointer) && JSON.parse(readFileSync(pointer, 'utf8')).iteration >= 10, 120_000);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  t.true(reached, 'the run wrote a checkpoint before it was killed');
  const atKill = JSON.parse(readFileSync(pointer, 'utf8')).iteration as number;
  t.true(atKill < iterations, `killed mid-run (checkpoint at ${atKill})`);
  t.false(existsSync(join(killed, 'metrics.json')), 'the killed run had not finished');

  const b = await runCli(['train', '--resume', killed]);
  t.is(b.code, 0, b.stderr);
  t.regex(b.stderr, new RegExp(`resuming .* at iteration ${atKill + 1} of ${iterations}`));
  const want = logLines(full);
  const got = logLines(killed);
  t.is(got.length, iterations);
  t.deepEqual(
    got.map((r) => r.weights),
    want.map((r) => r.weights),
  );
  // Not only the weights: the losses are bit-identical too (same data order, same optimiser state).
  t.deepEqual(
    got.map((r) => r.valLoss),
    want.map((r) => r.valLoss),
  );
  // The trajectory really changed the weights (the test would be empty otherwise).
  t.true(want.some((r) => r.weights.some((w) => w !== 1)));
});

test('a run writes the model, checkpoint, log, metrics and report, and eval/predict read them', async (t) => {
  const out = join(tmp, 'basic');
  const r = await runCli(quick(out, ['--iterations', '12', '--checkpoint-every', '6']));
  t.is(r.code, 0, r.stderr);
  for (const f of ['model/model.json', 'model/weights.bin', 'model/awmtl.json', 'checkpoint.json', 'log.jsonl', 'metrics.json', 'report.html', 'weights.svg', 'config.json']) {
    t.true(existsSync(join(out, f)), f);
  }
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  t.is(metrics.splits.test.perTask.length, 40);
  t.is(typeof metrics.splits.test.meanAccuracy, 'number');
  t.is(typeof metrics.splits.test.meanBalancedAccuracy, 'number');
  t.is(metrics.baselines.test.perTask.length, 40);
  t.regex(r.stdout, /mean test accuracy .*% vs majority-class baseline .*%/);
  const report = readFileSync(join(out, 'report.html'), 'utf8');
  t.regex(report, /<svg[^>]*>.*Task weights/s);
  t.is((report.match(/<tr><td>/g) ?? []).length, 40);
  // replay of the run's own log reproduces the decisions the run logged
  const replay = await runCli(['replay', '--k', '3', join(out, 'log.jsonl')]);
  t.is(replay.code, 0, replay.stderr);
  const decisions = logLines(out).filter((l) => (l as { decision?: unknown }).decision !== undefined);
  t.is(replay.stdout.trim().split('\n').length, decisions.length);
  const ev = await runCli(['eval', '--model', out, '--data', FIXTURE, '--split', 'val', '--json']);
  t.is(ev.code, 0, ev.stderr);
  t.is(JSON.parse(ev.stdout).perTask.length, 40);
  const pr = await runCli(['predict', '--model', out, join(FIXTURE, 'img_align_celeba', '000001.jpg')]);
  t.is(pr.code, 0, pr.stderr);
  t.is(pr.stdout.trim().split('\n').length, 41);
});

test('an undecodable image stops the run naming the file; --skip-bad-images skips and counts it', async (t) => {
  const data = join(tmp, 'bad-images');
  cpSync(FIXTURE, data, { recursive: true });
  // Corrupt every training image in the first tenth of the ids (the partition puts them in train).
  const broken = join(data, 'img_align_celeba', '000003.jpg');
  writeFileSync(broken, readFileSync(broken).subarray(0, 200));
  const args = ['train', '--pipeline', 'celeba', '--data', data, '--size', '32', '--batch-size', '64', '--iterations', '4', '--k', '2', '--eval-every', '0', '--val-batch-size', '8'];
  const stop = await runCli([...args, '--out', join(tmp, 'bad1')]);
  t.is(stop.code, 1);
  t.regex(stop.stderr, /000003\.jpg: cannot decode image/);
  const skip = await runCli([...args, '--out', join(tmp, 'bad2'), '--skip-bad-images']);
  t.is(skip.code, 0, skip.stderr);
  t.regex(skip.stderr, /skipped image: .*000003\.jpg/);
  const metrics = JSON.parse(readFileSync(join(tmp, 'bad2', 'metrics.json'), 'utf8'));
  t.true(metrics.data.skippedImages >= 1);
});

test('missing images are an error naming them; --only-present-images drops and reports them', async (t) => {
  const data = join(tmp, 'missing');
  cpSync(FIXTURE, data, { recursive: true });
  for (const id of ['000010', '000011']) rmSync(join(data, 'img_align_celeba', `${id}.jpg`));
  const args = ['train', '--pipeline', 'celeba', '--data', data, '--size', '32', '--batch-size', '8', '--iterations', '2', '--k', '1', '--eval-every', '0'];
  const stop = await runCli([...args, '--out', join(tmp, 'miss1')]);
  t.is(stop.code, 1);
  t.regex(stop.stderr, /2 of the 160 images listed in .* are missing from .*000010\.jpg, 000011\.jpg/);
  const ok = await runCli([...args, '--out', join(tmp, 'miss2'), '--only-present-images']);
  t.is(ok.code, 0, ok.stderr);
  const metrics = JSON.parse(readFileSync(join(tmp, 'miss2', 'metrics.json'), 'utf8'));
  t.is(metrics.data.rowsDroppedMissingImages, 2);
  t.regex(readFileSync(join(tmp, 'miss2', 'report.html'), 'utf8'), /dropped 2 of the 160 rows/);
});

test('bad options are usage errors naming the option', async (t) => {
  const r = await runCli(['train', '--data', FIXTURE, '--size', 'big']);
  t.is(r.code, 2);
  t.regex(r.stderr, /--size must be HxW or N/);
  const s = await runCli(['train', '--data', FIXTURE, '--strategy', 'vlt', '--min-weight', '7']);
  t.is(s.code, 2);
  t.regex(s.stderr, /min-weight must be a number in \[0, 1\]/);
  const u = await runCli(['train', '--pipeline', 'nope', '--data', FIXTURE]);
  t.regex(u.stderr, /unknown pipeline "nope"/);
});

const REAL = fileURLToPath(new URL('../../../shared/data/celeba', import.meta.url));

testWithData([join(REAL, 'list_attr_celeba.txt')], 'the pipeline runs on the real CelebA files (truncated annotation file, 548 real faces)', async (t) => {
  const out = join(tmp, 'real');
  const r = await runCli([
    'train', '--pipeline', 'celeba', '--data', REAL, '--only-present-images', '--split', '0.8,0.1,0.1',
    '--iterations', '6', '--size', '32', '--batch-size', '16', '--k', '2', '--eval-every', '0', '--out', out,
  ]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /the header says 202,599 images but the file has 20,000 rows/);
  t.regex(r.stderr, /dropped 19,452 of the 20,000 rows/);
  t.regex(r.stderr, /40 tasks; train 438, val 55, test 55 images/);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  t.is(metrics.data.rowsDroppedMissingImages, 19452);
  t.is(metrics.splits.test.images, 55);
  const pr = await runCli(['predict', '--model', out, join(REAL, '..', 'celeba', '200426.jpg')]);
  t.is(pr.code, 0, pr.stderr);
  const lines = pr.stdout.trim().split('\n');
  t.is(lines.length, 41);
  t.regex(lines[1], /^\s+5_o_Clock_Shadow\s+0\.\d{3}\s+(yes|no)$/);
  t.regex(lines[40], /^\s+Young\s+/);
});
