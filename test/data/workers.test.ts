import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { celeba } from '../../pipelines/celeba.js';
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import type { Batch } from '../../src/data/batch.js';
import { loadBatch } from '../../src/data/batchLoader.js';
import { cacheDirFor } from '../../src/data/cache/location.js';
import { openCache } from '../../src/data/cache/open.js';
import { prepareCache } from '../../src/data/cache/prepare.js';
import { type ImageOptions, NORMALISE_HALF } from '../../src/data/images.js';
import { datasetImageFiles, datasetImageRoot, openInput } from '../../src/data/workers/input.js';
import { createBatchLoader } from '../../src/data/workers/loader.js';
import { createWorkerPool, defaultWorkerCount } from '../../src/data/workers/pool.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-workers-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const IMAGE: ImageOptions = { height: 24, width: 24, crop: 'celeba-178' };

const load = async (dir: string): Promise<AttributeDataset> => {
  const ds = await celeba.load(dir, {}, 0);
  if (E.isLeft(ds)) throw new Error(ds.left.message);
  return ds.right;
};

test('batches are the same bytes with 0, 1 and 2 workers, from the files and from the cache', async (t) => {
  const dataset = await load(FIXTURE);
  const files = datasetImageFiles(dataset);
  const root = datasetImageRoot(dataset, files) as string;
  const dir = cacheDirFor(join(tmp, 'caches'), root, IMAGE);
  const written = await prepareCache({ dir, root, files, image: IMAGE });
  if (E.isLeft(written)) return t.fail(written.left.message);
  const opened = openCache(dir, { root, ...IMAGE }, files);
  if (E.isLeft(opened)) return t.fail(opened.left.message);
  const m = dataset.tasks.length;
  const split = dataset.splits.train;
  const batches = [Int32Array.from([9, 3, 100, 41, 0, 127, 64, 65, 66, 12, 13]), Int32Array.from([1]), Int32Array.from([50, 51, 52, 53])];
  const flipsOf = (b: Int32Array) => Uint8Array.from(b, (i) => i % 2);
  const reference: Batch[] = [];
  for (const b of batches) {
    const r = await loadBatch(split, b, m, { image: IMAGE, flips: flipsOf(b) });
    if (E.isLeft(r)) return t.fail(r.left.message);
    reference.push(r.right.batch);
  }
  for (const workers of [0, 1, 2]) {
    for (const cache of [undefined, opened.right]) {
      const pool = workers === 0 ? undefined : createWorkerPool(workers);
      const loader = createBatchLoader({ cache, pool });
      try {
        // All batches at once, as the read-ahead asks: the completion order must not matter.
        const got = await Promise.all(batches.map((b) => loader.loadBatch(split, b, m, { image: IMAGE, flips: flipsOf(b) })));
        got.forEach((g, k) => {
          if (E.isLeft(g)) return t.fail(g.left.message);
          const what = `${workers} workers, ${cache === undefined ? 'files' : 'cache'}, batch ${k}`;
          t.deepEqual(g.right.batch.images, reference[k].images, what);
          t.deepEqual(g.right.batch.labels, reference[k].labels, what);
          t.deepEqual(g.right.batch.ids, reference[k].ids, what);
        });
      } finally {
        loader.close();
        await pool?.close();
      }
    }
  }
});

test('errors from workers name the file; skipping packs the good images as the plain loader does', async (t) => {
  const data = join(tmp, 'bad');
  cpSync(FIXTURE, data, { recursive: true });
  const dataset = await load(data);
  const split = dataset.splits.train;
  const m = dataset.tasks.length;
  writeFileSync(split.imagePath(2), 'not an image');
  rmSync(split.imagePath(5));
  const indices = Int32Array.from([0, 1, 2, 3, 4, 5, 6]);
  const pool = createWorkerPool(2);
  const loader = createBatchLoader({ pool });
  try {
    const strict = await loader.loadBatch(split, indices, m, { image: IMAGE });
    if (E.isRight(strict)) return t.fail('a bad image was served');
    t.is(strict.left._tag, 'UndecodableImage');
    t.true(strict.left.message.startsWith(`${split.imagePath(2)}: `), strict.left.message);
    const skipping = await loader.loadBatch(split, indices, m, { image: IMAGE, skipBadImages: true });
    const reference = await loadBatch(split, indices, m, { image: IMAGE, skipBadImages: true });
    if (E.isLeft(skipping) || E.isLeft(reference)) return t.fail('skipping failed');
    t.deepEqual([...skipping.right.slots], [0, 1, 3, 4, 6]);
    t.deepEqual(skipping.right.skipped.map((s) => [s._tag, s.message]), [
      ['UndecodableImage', reference.right.skipped[0].message],
      ['MissingImage', `${split.imagePath(5)}: no such image file`],
    ]);
    t.deepEqual(skipping.right.batch.images, reference.right.batch.images);
    t.deepEqual(skipping.right.batch.labels, reference.right.batch.labels);
    // A task that throws inside the worker (a bug, not a bad image) rejects naming its files.
    const bad = pool.load({
      items: [{ path: split.imagePath(0) }, { path: split.imagePath(1) }],
      height: -1, // no pixel array of that size: the task throws before any image
      width: 24,
      normalisation: NORMALISE_HALF,
    });
    const error = await t.throwsAsync(bad);
    t.true(error?.message.includes(`image worker failed while loading ${split.imagePath(0)}, ${split.imagePath(1)}:`), error?.message);
    t.regex(error?.message ?? '', /Invalid typed array length/);
  } finally {
    loader.close();
    await pool.close();
  }
  await t.throwsAsync(pool.load({ items: [{ path: 'x.jpg' }], height: 8, width: 8, normalisation: NORMALISE_HALF }), {
    message: /pool is closed \(loading x\.jpg\)/,
  });
});

test('the pool spreads a batch over its workers and counts the images outstanding', async (t) => {
  const dataset = await load(FIXTURE);
  const split = dataset.splits.train;
  const pool = createWorkerPool(2);
  try {
    await pool.ready;
    t.is(pool.outstanding, 0);
    const task = (from: number) => ({
      items: [0, 1, 2, 3].map((i) => ({ path: split.imagePath(from + i) })),
      height: 24,
      width: 24,
      crop: 'celeba-178' as const,
      normalisation: NORMALISE_HALF,
    });
    const a = pool.load(task(0));
    const b = pool.load(task(4));
    t.is(pool.outstanding, 8);
    const [ra, rb] = await Promise.all([a, b]);
    t.deepEqual([ra.errors, rb.errors], [new Array(4).fill(null), new Array(4).fill(null)]);
    t.is(pool.outstanding, 0);
    const reference = await loadBatch(split, Int32Array.from({ length: 8 }, (_, i) => i), dataset.tasks.length, { image: IMAGE });
    if (E.isLeft(reference)) return t.fail(reference.left.message);
    const per = 24 * 24 * 3;
    t.deepEqual(ra.pixels, reference.right.batch.images.subarray(0, 4 * per));
    t.deepEqual(rb.pixels, reference.right.batch.images.subarray(4 * per));
  } finally {
    await pool.close();
  }
});

test('openInput uses a valid cache, says why it does not use a stale one, and honours AWMTL_CACHE=off', async (t) => {
  const data = join(tmp, 'input');
  cpSync(FIXTURE, data, { recursive: true });
  const dataset = await load(data);
  const files = datasetImageFiles(dataset);
  const root = datasetImageRoot(dataset, files) as string;
  const cacheRoot = join(tmp, 'input-caches');
  const written = await prepareCache({ dir: cacheDirFor(cacheRoot, root, IMAGE), root, files, image: IMAGE });
  if (E.isLeft(written)) return t.fail(written.left.message);
  const logs: string[] = [];
  const on = await openInput(dataset, IMAGE, { settings: { cache: cacheRoot, workers: 0 }, log: (m) => logs.push(m) });
  t.truthy(on.cache);
  t.regex(on.description, /input: cache .* \(160 images, verified in [\d.]+ s\), no worker threads/);
  await on.close();
  // Defaults: one worker with a cache.
  const dflt = await openInput(dataset, IMAGE, { settings: { cache: cacheRoot }, env: {} });
  t.is(dflt.workers, 1);
  await dflt.close();
  const off = await openInput(dataset, IMAGE, { settings: {}, env: { AWMTL_CACHE: 'off', AWMTL_WORKERS: '0' } });
  t.is(off.cache, undefined);
  t.is(off.workers, 0);
  t.regex(off.description, /cache off/);
  await off.close();
  // Another size: that cache does not exist, nothing to say.
  const other = await openInput(dataset, { ...IMAGE, height: 32 }, { settings: { cache: cacheRoot, workers: 0 }, log: (m) => logs.push(m) });
  t.is(other.cache, undefined);
  t.deepEqual(logs, []);
  await other.close();
  // A changed file: not used, and the log says which.
  writeFileSync(files[7], Buffer.concat([Buffer.from('x'), Buffer.alloc(10)]));
  const stale = await openInput(dataset, IMAGE, { settings: { cache: cacheRoot, workers: 0 }, log: (m) => logs.push(m) });
  t.is(stale.cache, undefined);
  t.is(logs.length, 1);
  t.true(logs[0].includes(files[7]) && /not used/.test(logs[0]), logs[0]);
  await stale.close();
  // An evaluation of the first 5 test images verifies those only.
  const evalOnly = await openInput(dataset, IMAGE, { settings: { cache: cacheRoot, workers: 0 }, splits: ['test'], limit: 5 });
  t.truthy(evalOnly.cache);
  await evalOnly.close();
});

test('the default worker count leaves a core to the step, at least 1 and at most 4', (t) => {
  t.is(defaultWorkerCount(1), 1);
  t.is(defaultWorkerCount(2), 1);
  t.is(defaultWorkerCount(4), 3);
  t.is(defaultWorkerCount(64), 4);
});
