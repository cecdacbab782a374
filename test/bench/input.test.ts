import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { runCli, runInProcess } from '../cli/run.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-bench-input-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const positive = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x > 0;

test('bench input prints every figure as JSON, preparing the cache it measures', async (t) => {
  const cache = join(tmp, 'caches');
  const r = await runCli([
    'bench', 'input', '--pipeline', 'celeba', '--data', FIXTURE, '--size', '16', '--cache', cache, '--workers', '1',
    '--decode-images', '16', '--cache-images', '64', '--steps', '1', '--iterations', '3', '--batch', '8', '--json',
  ]);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.deepEqual(out.images, { train: 128, height: 16, width: 16, batch: 8 });
  t.is(out.workers, 1);
  t.true(positive(out.decodeImagesPerSecond.mainThread));
  t.true(positive(out.decodeImagesPerSecond.workers));
  for (const k of ['cacheImagesPerSecond', 'cacheImagesPerSecondMainThread', 'stepImagesPerSecond', 'stepInputImagesPerSecond', 'cacheToStepRatio', 'prepareSeconds', 'rssMB', 'maxRssMB']) {
    t.true(positive(out[k]), `${k}: ${out[k]}`);
  }
  // The step reads a validation batch as large as the train batch: twice the images.
  t.true(Math.abs(out.stepInputImagesPerSecond / out.stepImagesPerSecond - 2) < 1e-9);
  for (const k of ['waitFraction', 'waitFractionNoCache']) t.true(out[k] >= 0 && out[k] <= 1, `${k}: ${out[k]}`);
  t.is(out.trainIterations, 3);
  t.regex(r.stderr, /input: cache .* 1 worker thread/);
  t.regex(r.stderr, /input: decoding image files \(cache off\)/);
  // The cache it prepared stays for the next run.
  t.is(readdirSync(cache).length, 1);
});

test('bench step delegates to the step benchmark; unknown benchmarks are usage errors', async (t) => {
  const r = await runCli(['bench', 'step', '--batch', '2', '--size', '16', '--steps', '2', '--warmup', '0', '--json']);
  t.is(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  t.like(out, { batch: 2, size: 16, steps: 2, warmup: 0 });
  t.true(positive(out.imagesPerSecond));
  const bad = await runInProcess(['bench', 'disk']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /unknown benchmark "disk" \(input, step, soak, decode, celeba-load, startup, compare or dashboard\)/);
  const phase = await runInProcess(['bench', 'input', '--data', FIXTURE, '--phases', 'decode,nap']);
  t.is(phase.code, 2);
  t.regex(phase.stderr, /unknown phase "nap"/);
});
