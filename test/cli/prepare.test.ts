import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { INDEX_FILE, LOCK_FILE } from '../../src/data/cache/format.js';
import { runCli, runInProcess } from './run.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const bin = fileURLToPath(new URL('../../bin/awmtl.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-prepare-cli-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '');
const losses = (out: string) => lines(readFileSync(join(out, 'log.jsonl'), 'utf8')).map((l) => {
  const r = JSON.parse(l);
  return [r.trainLoss, r.valLoss];
});

test('prepare writes the cache once; train and eval read it by default, --no-cache bypasses it, same losses', async (t) => {
  const cache = join(tmp, 'caches');
  const env = { ...process.env, AWMTL_CACHE: cache };
  const args = ['--pipeline', 'celeba', '--data', FIXTURE, '--size', '24'];
  const first = await runCli(['prepare', ...args, '--json'], undefined, { env });
  t.is(first.code, 0, first.stderr);
  const written = JSON.parse(first.stdout);
  t.like(written, { upToDate: false, files: 160, records: 160, badImages: 0, shards: 1 });
  t.true(written.dir.startsWith(cache));
  t.regex(first.stderr, /prepare +160\/160/);
  const again = await runCli(['prepare', ...args, '--json'], undefined, { env });
  t.is(again.code, 0, again.stderr);
  t.like(JSON.parse(again.stdout), { upToDate: true, records: 160 });
  t.regex(again.stderr, /up to date/);

  const train = (out: string, extra: string[]) =>
    runCli(['train', ...args, '--out', out, '--iterations', '3', '--batch-size', '8', '--eval-every', '2', '--eval-limit', '8', '--k', '2', ...extra], undefined, { env });
  const cached = await train(join(tmp, 'cached'), []);
  t.is(cached.code, 0, cached.stderr);
  t.regex(cached.stderr, /input: cache .*caches.* \(160 images, verified in/);
  const metrics = JSON.parse(readFileSync(join(tmp, 'cached', 'metrics.json'), 'utf8'));
  t.regex(metrics.input.source, /input: cache/);
  t.true(metrics.input.waitFraction >= 0 && metrics.input.waitFraction <= 1);
  const decoded = await train(join(tmp, 'decoded'), ['--no-cache', '--workers', '0']);
  t.is(decoded.code, 0, decoded.stderr);
  t.regex(decoded.stderr, /input: decoding image files \(cache off\), no worker threads/);
  t.deepEqual(losses(join(tmp, 'cached')), losses(join(tmp, 'decoded')));
  t.deepEqual(
    JSON.parse(readFileSync(join(tmp, 'cached', 'metrics.json'), 'utf8')).splits,
    JSON.parse(readFileSync(join(tmp, 'decoded', 'metrics.json'), 'utf8')).splits,
  );
  const evaluated = await runCli(['eval', '--model', join(tmp, 'cached'), '--data', FIXTURE, '--json'], undefined, { env });
  t.is(evaluated.code, 0, evaluated.stderr);
  t.regex(evaluated.stderr, /input: cache/);
  t.is(JSON.parse(evaluated.stdout).images, 16);

  const bad = await runInProcess(['train', ...args, '--cache', cache, '--no-cache'], { env });
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--cache DIR or --no-cache, not both/);
});

test('a prepare killed with SIGKILL leaves no cache; train decodes instead, and the next prepare takes over', async (t) => {
  const data = join(tmp, 'killed-data');
  cpSync(FIXTURE, data, { recursive: true });
  const cache = join(tmp, 'killed-caches');
  const env = { ...process.env, AWMTL_CACHE: cache };
  const args = ['prepare', '--pipeline', 'celeba', '--data', data, '--size', '40', '--workers', '0'];
  const child = spawn(process.execPath, [bin, ...args], { env, stdio: 'ignore' });
  const exited = new Promise((r) => child.once('exit', r));
  // Kill as soon as the first shard has records.
  let killedMidway = false;
  const end = Date.now() + 60_000;
  while (Date.now() < end && child.exitCode === null) {
    const dirs = existsSync(cache) ? readdirSync(cache) : [];
    const folder = dirs.length === 1 ? join(cache, dirs[0]) : undefined;
    const shard = folder === undefined ? undefined : readdirSync(folder).find((f) => f.startsWith('shard-'));
    if (folder !== undefined && shard !== undefined && readFileSync(join(folder, shard)).length > 0) {
      killedMidway = !existsSync(join(folder, INDEX_FILE));
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await exited;
  t.true(killedMidway, 'killed while writing shards, before the index');
  const folder = join(cache, readdirSync(cache)[0]);
  t.false(existsSync(join(folder, INDEX_FILE)));
  t.true(existsSync(join(folder, LOCK_FILE)), 'the dead writer left its lock');

  const out = join(tmp, 'after-kill');
  const train = await runCli(['train', '--pipeline', 'celeba', '--data', data, '--size', '40', '--out', out, '--iterations', '1', '--batch-size', '4', '--eval-every', '0', '--workers', '0'], undefined, { env });
  t.is(train.code, 0, train.stderr);
  t.regex(train.stderr, /input: decoding image files, no worker threads/);

  const redo = await runCli([...args, '--json'], undefined, { env });
  t.is(redo.code, 0, redo.stderr);
  t.like(JSON.parse(redo.stdout), { upToDate: false, records: 160 });
  t.false(existsSync(join(folder, LOCK_FILE)));
  t.is(readdirSync(folder).filter((f) => f.startsWith('shard-')).length, 1, 'the killed run\'s shard is gone');
});

test('prepare refuses bad options with a usage message', async (t) => {
  const r = await runInProcess(['prepare', '--pipeline', 'celeba', '--data', FIXTURE, '--size', '3x3']);
  t.is(r.code, 2);
  t.regex(r.stderr, /--size: each side must be between 8 and 1024/);
  const c = await runInProcess(['prepare', '--pipeline', 'celeba', '--data', FIXTURE, '--crop', 'square']);
  t.is(c.code, 2);
  t.regex(c.stderr, /--crop must be none or one of/);
  const d = await runInProcess(['prepare', '--pipeline', 'celeba', '--data', join(tmp, 'nowhere'), '--cache', join(tmp, 'c')]);
  t.is(d.code, 1);
  t.regex(d.stderr, /nowhere/);
});

test('a damaged cache record stops training with the command that repairs it; prepare --verify rewrites it', async (t) => {
  const cache = join(tmp, 'damaged');
  const env = { ...process.env, AWMTL_CACHE: cache };
  const args = ['--pipeline', 'celeba', '--data', FIXTURE, '--size', '20'];
  const first = await runCli(['prepare', ...args, '--json'], undefined, { env });
  t.is(first.code, 0, first.stderr);
  const dir = JSON.parse(first.stdout).dir as string;
  // Flip bytes in every record: whichever images the first batches hold, they are damaged.
  const shard = readdirSync(dir).find((f) => f.startsWith('shard-')) as string;
  const bytes = readFileSync(join(dir, shard));
  for (let r = 0; r < 160; r++) bytes[r * 20 * 20 * 3 + 7] ^= 0xff;
  writeFileSync(join(dir, shard), bytes);
  const train = (out: string) =>
    runCli(['train', ...args, '--out', join(tmp, out), '--iterations', '2', '--batch-size', '8', '--eval-every', '0', '--k', '1'], undefined, { env });
  const broken = await train('damaged-run');
  t.is(broken.code, 1);
  const advice = /repair the cache with: (awmtl prepare --verify [^(]*?) \(or pass --no-cache\)/.exec(broken.stderr);
  t.truthy(advice, broken.stderr);
  t.regex(advice?.[1] ?? '', /--pipeline celeba --data \S+ --size 20x20/);
  // The plain prepare does not see the damage (the sources did not change); --verify does, and repairs it.
  const plain = await runCli(['prepare', ...args], undefined, { env });
  t.regex(plain.stderr, /up to date/);
  const words = (advice?.[1] ?? '').split(' ').slice(1);
  const verify = await runCli([...words, '--json'], undefined, { env });
  t.is(verify.code, 0, verify.stderr);
  t.like(JSON.parse(verify.stdout), { verified: 160, damaged: 160, rewritten: 160, unfixable: 0 });
  const again = await runCli(['prepare', ...args, '--verify', '--json'], undefined, { env });
  t.like(JSON.parse(again.stdout), { verified: 160, damaged: 0 });
  const fixed = await train('repaired-run');
  t.is(fixed.code, 0, fixed.stderr);
  t.regex(fixed.stderr, /input: cache/);
});
