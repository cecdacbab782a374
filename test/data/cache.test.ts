import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { celeba } from '../../pipelines/celeba.js';
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import { loadBatch } from '../../src/data/batchLoader.js';
import { decoderFingerprint, INDEX_FILE, LOCK_FILE } from '../../src/data/cache/format.js';
import { cacheDirFor, commonFolder, defaultCacheRoot } from '../../src/data/cache/location.js';
import { type CacheProblem, openCache } from '../../src/data/cache/open.js';
import { prepareCache } from '../../src/data/cache/prepare.js';
import { type ImageOptions, loadImageUint8 } from '../../src/data/images.js';
import { datasetImageFiles, datasetImageRoot } from '../../src/data/workers/input.js';
import { createBatchLoader } from '../../src/data/workers/loader.js';
import { createWorkerPool } from '../../src/data/workers/pool.js';
import { ShardReader } from '../../src/data/workers/work.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-cache-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const IMAGE: ImageOptions = { height: 24, width: 20, crop: 'celeba-178' };

const load = async (dir: string): Promise<AttributeDataset> => {
  const ds = await celeba.load(dir, {}, 0);
  if (E.isLeft(ds)) throw new Error(ds.left.message);
  return ds.right;
};

/** A private copy of the fixture (tests that change files). */
const copyFixture = (name: string): string => {
  const dir = join(tmp, name);
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
};

const setup = async (data: string, name: string, image = IMAGE) => {
  const dataset = await load(data);
  const files = datasetImageFiles(dataset);
  const root = datasetImageRoot(dataset, files) as string;
  const dir = cacheDirFor(join(tmp, `${name}-caches`), root, image);
  const expect = { root, height: image.height, width: image.width, crop: image.crop };
  return { dataset, files, root, dir, expect };
};

const problemOf = <A>(e: E.Either<CacheProblem, A>): CacheProblem => {
  if (E.isRight(e)) throw new Error('expected the cache to be refused');
  return e.left;
};

test('a cached record is the bytes of direct decoding, and cached batches are bit-identical to decoded ones', async (t) => {
  const { dataset, files, root, dir, expect } = await setup(FIXTURE, 'roundtrip');
  const written = await prepareCache({ dir, root, files, image: IMAGE, recordsPerShard: 50 });
  if (E.isLeft(written)) return t.fail(written.left.message);
  t.is(written.right.files, 160);
  t.is(written.right.records, 160);
  t.is(written.right.shards, 4, '160 records at 50 per shard');
  const opened = openCache(dir, expect, files);
  if (E.isLeft(opened)) return t.fail(opened.left.message);
  const cache = opened.right;
  // Records against loadImageUint8 (the uint8 stage of src/data/images.ts), across the shard boundaries.
  const reader = new ShardReader();
  for (const i of [0, 49, 50, 99, 100, 159]) {
    const path = files[i];
    const entry = cache.lookup(path);
    if (entry === undefined || !('record' in entry)) return t.fail(`${path} not cached`);
    const bytes = new Uint8Array(entry.record.bytes);
    reader.read(entry.record, bytes);
    const direct = await loadImageUint8(path, IMAGE);
    if (E.isLeft(direct)) return t.fail(direct.left.message);
    t.deepEqual(bytes, direct.right, path);
  }
  reader.close();
  // Normalised and flipped batches: the cache against src/data/batchLoader.ts.
  const loader = createBatchLoader({ cache });
  const split = dataset.splits.train;
  const indices = Int32Array.from([5, 77, 3, 120, 64, 0, 127]);
  const flips = Uint8Array.from([1, 0, 1, 1, 0, 0, 1]);
  const image = { ...IMAGE, normalisation: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } } as const;
  const fromCache = await loader.loadBatch(split, indices, dataset.tasks.length, { image, flips });
  const reference = await loadBatch(split, indices, dataset.tasks.length, { image, flips });
  loader.close();
  if (E.isLeft(fromCache) || E.isLeft(reference)) return t.fail('a batch failed');
  t.deepEqual(fromCache.right.batch.images, reference.right.batch.images);
  t.deepEqual(fromCache.right.batch.labels, reference.right.batch.labels);
  t.deepEqual(fromCache.right.batch.ids, reference.right.batch.ids);
});

test('prepare in worker threads writes the same records as on this thread', async (t) => {
  const a = await setup(FIXTURE, 'inproc');
  const b = await setup(FIXTURE, 'pooled');
  const pool = createWorkerPool(2);
  try {
    const one = await prepareCache({ dir: a.dir, root: a.root, files: a.files, image: IMAGE });
    const two = await prepareCache({ dir: b.dir, root: b.root, files: b.files, image: IMAGE, pool, chunk: 7 });
    if (E.isLeft(one) || E.isLeft(two)) return t.fail('prepare failed');
  } finally {
    await pool.close();
  }
  const index = (dir: string) => JSON.parse(readFileSync(join(dir, INDEX_FILE), 'utf8'));
  const ia = index(a.dir);
  const ib = index(b.dir);
  t.deepEqual(ia.crcs, ib.crcs);
  t.deepEqual(ia.files, ib.files);
  const shard = (dir: string, i: { shards: { file: string }[] }) => readFileSync(join(dir, i.shards[0].file));
  t.true(shard(a.dir, ia).equals(shard(b.dir, ib)));
});

test('a changed, removed or added source file makes the cache stale, and the message names it', async (t) => {
  const data = copyFixture('changes');
  const { files: all, root, dir, expect } = await setup(data, 'changes');
  const files = all.slice(0, 24);
  const prepare = async () => {
    const written = await prepareCache({ dir, root, files, image: IMAGE });
    if (E.isLeft(written)) throw new Error(written.left.message);
    t.true(E.isRight(openCache(dir, expect, files)), 'freshly prepared: valid');
  };
  await prepare();

  // Modified content (size and mtime change).
  const victim = files[10];
  const original = readFileSync(victim);
  writeFileSync(victim, Buffer.concat([original, Buffer.from([0xff, 0xd9])]));
  let p = problemOf(openCache(dir, expect, files));
  t.is(p._tag, 'StaleCache');
  t.true(p.message.includes(`${victim} changed (size ${original.length} -> ${original.length + 2}`), p.message);
  t.regex(p.message, /1 source file changed/);
  await prepare();

  // Same size, only the mtime moves (touched, or rewritten in place).
  const st = statSync(victim);
  utimesSync(victim, st.atime, new Date(st.mtimeMs + 5000));
  p = problemOf(openCache(dir, expect, files));
  t.is(p._tag, 'StaleCache');
  t.true(p.message.includes(victim));
  await prepare();

  // Removed.
  const gone = files[20];
  rmSync(gone);
  p = problemOf(openCache(dir, expect, files));
  t.is(p._tag, 'StaleCache');
  t.true(p.message.includes(`${gone} was removed`), p.message);
  t.true(E.isRight(openCache(dir, expect, files.filter((f) => f !== gone))), 'a dataset that no longer reads it is still served');

  // Added: the dataset now reads a file the cache never saw.
  const added = join(root, '999999.jpg');
  writeFileSync(added, original);
  const remaining = files.filter((f) => f !== gone);
  p = problemOf(openCache(dir, expect, [...remaining, added]));
  t.is(p._tag, 'StaleCache');
  t.true(p.message.includes(`${added} is not in the cache`), p.message);
});

test('another size, crop or decoder version is refused, and sizes and crops get folders of their own', async (t) => {
  const { files, root, dir, expect } = await setup(FIXTURE, 'settings');
  const written = await prepareCache({ dir, root, files, image: IMAGE });
  if (E.isLeft(written)) return t.fail(written.left.message);
  let p = problemOf(openCache(dir, { ...expect, height: 32 }, files));
  t.is(p._tag, 'StaleCache');
  t.regex(p.message, /holds 24x20 images, 32x20 wanted/);
  p = problemOf(openCache(dir, { ...expect, crop: 'celeba-148' }, files));
  t.is(p._tag, 'StaleCache');
  t.regex(p.message, /crop/);
  p = problemOf(openCache(dir, { ...expect, crop: 'none' }, files));
  t.is(p._tag, 'StaleCache');
  // The folder is keyed by size and crop, so they never meet in practice.
  const cacheRoot = join(tmp, 'settings-caches');
  const dirs = new Set([
    cacheDirFor(cacheRoot, root, IMAGE),
    cacheDirFor(cacheRoot, root, { ...IMAGE, height: 32 }),
    cacheDirFor(cacheRoot, root, { ...IMAGE, crop: 'celeba-148' }),
    cacheDirFor(cacheRoot, root, { ...IMAGE, crop: 'none' }),
    cacheDirFor(cacheRoot, join(root, 'elsewhere'), IMAGE),
  ]);
  t.is(dirs.size, 5);
  // An index written by another decoder version.
  const indexPath = join(dir, INDEX_FILE);
  const index = JSON.parse(readFileSync(indexPath, 'utf8'));
  t.is(index.decoder, decoderFingerprint());
  writeFileSync(indexPath, JSON.stringify({ ...index, decoder: '0000000000000000' }));
  p = problemOf(openCache(dir, expect, files));
  t.is(p._tag, 'StaleCache');
  t.regex(p.message, /another version of the image decoder/);
});

test('an interrupted prepare leaves no cache, or the previous one intact; damaged shards and indexes are refused', async (t) => {
  const { dataset, files, root, dir, expect } = await setup(FIXTURE, 'partial');
  // A first prepare stopped half-way: shards written, no index.
  const aborted = prepareCache({
    dir,
    root,
    files,
    image: IMAGE,
    chunk: 16,
    onProgress: (done) => {
      if (done >= 64) throw new Error('stopped');
    },
  });
  await t.throwsAsync(aborted, { message: 'stopped' });
  t.is(problemOf(openCache(dir, expect, files))._tag, 'NoCache');
  t.false(existsSync(join(dir, LOCK_FILE)), 'the lock is released');

  // A complete prepare, then an interrupted re-prepare: the complete one stays valid and readable.
  const done = await prepareCache({ dir, root, files, image: IMAGE });
  if (E.isLeft(done)) return t.fail(done.left.message);
  const before = readFileSync(join(dir, INDEX_FILE), 'utf8');
  await t.throwsAsync(
    prepareCache({
      dir,
      root,
      files,
      image: IMAGE,
      onProgress: (n) => {
        if (n >= 32) throw new Error('stopped again');
      },
    }),
  );
  t.is(readFileSync(join(dir, INDEX_FILE), 'utf8'), before);
  const opened = openCache(dir, expect, files);
  if (E.isLeft(opened)) return t.fail(opened.left.message);
  const loader = createBatchLoader({ cache: opened.right });
  const batch = await loader.loadBatch(dataset.splits.train, Int32Array.from([1, 2, 3]), dataset.tasks.length, { image: IMAGE });
  const reference = await loadBatch(dataset.splits.train, Int32Array.from([1, 2, 3]), dataset.tasks.length, { image: IMAGE });
  if (E.isLeft(batch) || E.isLeft(reference)) return t.fail('a batch failed');
  t.deepEqual(batch.right.batch.images, reference.right.batch.images);

  // A flipped byte in a record: the image is an error naming it (checksum), not wrong pixels.
  const index = JSON.parse(before);
  const shardPath = join(dir, index.shards[0].file);
  const shard = readFileSync(shardPath);
  const entry = opened.right.lookup(dataset.splits.train.imagePath(2));
  if (entry === undefined || !('record' in entry)) return t.fail('not cached');
  shard[entry.record.position + 5] ^= 0x40;
  writeFileSync(shardPath, shard);
  const damaged = await loader.loadBatch(dataset.splits.train, Int32Array.from([1, 2, 3]), dataset.tasks.length, { image: IMAGE });
  loader.close();
  if (E.isRight(damaged)) return t.fail('a damaged record was served');
  t.true(damaged.left.message.includes(dataset.splits.train.imagePath(2)), damaged.left.message);
  t.regex(damaged.left.message, /checksum mismatch/);

  // A truncated shard, then a torn index.
  truncateSync(shardPath, shard.length - 100);
  let p = problemOf(openCache(dir, expect, files));
  t.is(p._tag, 'BadCache');
  t.regex(p.message, /truncated/);
  writeFileSync(join(dir, INDEX_FILE), before.slice(0, before.length / 2));
  p = problemOf(openCache(dir, expect, files));
  t.is(p._tag, 'BadCache');
  t.regex(p.message, /not valid JSON/);
  // Only the last complete generation's shards remain after the successful prepare.
  t.is(readdirSync(dir).filter((f) => f.startsWith('shard-')).length, 1);
});

test('bad images are recorded as errors naming the file; a second prepare waits for no dead writer', async (t) => {
  const data = copyFixture('bad');
  const { dataset, files, root, dir, expect } = await setup(data, 'bad');
  const broken = dataset.splits.train.imagePath(4);
  writeFileSync(broken, 'not a jpeg');
  // A lock left by a dead process is taken over.
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, LOCK_FILE), '999999999\n');
  const written = await prepareCache({ dir, root, files, image: IMAGE });
  if (E.isLeft(written)) return t.fail(written.left.message);
  t.is(written.right.records, 159);
  t.is(written.right.errors.length, 1);
  t.true(written.right.errors[0].message.includes(broken));
  const opened = openCache(dir, expect, files);
  if (E.isLeft(opened)) return t.fail(opened.left.message);
  const loader = createBatchLoader({ cache: opened.right });
  const indices = Int32Array.from([3, 4, 5]);
  const strict = await loader.loadBatch(dataset.splits.train, indices, dataset.tasks.length, { image: IMAGE });
  if (E.isRight(strict)) return t.fail('a bad image was served');
  const direct = await loadBatch(dataset.splits.train, indices, dataset.tasks.length, { image: IMAGE });
  if (E.isRight(direct)) return t.fail('the reference served a bad image');
  t.is(strict.left._tag, direct.left._tag);
  t.is(strict.left.message, direct.left.message);
  const skipping = await loader.loadBatch(dataset.splits.train, indices, dataset.tasks.length, { image: IMAGE, skipBadImages: true });
  const reference = await loadBatch(dataset.splits.train, indices, dataset.tasks.length, { image: IMAGE, skipBadImages: true });
  loader.close();
  if (E.isLeft(skipping) || E.isLeft(reference)) return t.fail('skipping failed');
  t.deepEqual([...skipping.right.slots], [0, 2]);
  t.deepEqual(skipping.right.skipped.map((s) => s.message), reference.right.skipped.map((s) => s.message));
  t.deepEqual(skipping.right.batch.images, reference.right.batch.images);
  t.deepEqual(skipping.right.batch.labels, reference.right.batch.labels);
});

test('a cache opened before a new prepare replaced it still reads its own shards whole', async (t) => {
  const { dataset, files, root, dir, expect } = await setup(FIXTURE, 'replaced');
  const subset = files.slice(0, 12);
  const first = await prepareCache({ dir, root, files: subset, image: IMAGE });
  if (E.isLeft(first)) return t.fail(first.left.message);
  const opened = openCache(dir, expect, subset);
  if (E.isLeft(opened)) return t.fail(opened.left.message);
  const second = await prepareCache({ dir, root, files: subset, image: IMAGE });
  if (E.isLeft(second)) return t.fail(second.left.message);
  t.is(readdirSync(dir).filter((f) => f.startsWith('shard-')).length, 1, 'the first shards are deleted');
  const pool = createWorkerPool(1);
  const loader = createBatchLoader({ cache: opened.right, pool });
  const indices = Int32Array.from([0, 5, 11]);
  const got = await loader.loadBatch(dataset.splits.train, indices, dataset.tasks.length, { image: IMAGE });
  const want = await loadBatch(dataset.splits.train, indices, dataset.tasks.length, { image: IMAGE });
  loader.close();
  await pool.close();
  opened.right.close();
  if (E.isLeft(got) || E.isLeft(want)) return t.fail('a batch failed');
  t.deepEqual(got.right.batch.images, want.right.batch.images);
});

test('a live writer holds the lock', async (t) => {
  const { files, root, dir } = await setup(FIXTURE, 'locked');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, LOCK_FILE), `${process.ppid}\n`);
  const written = await prepareCache({ dir, root, files, image: IMAGE });
  t.true(E.isLeft(written));
  if (E.isLeft(written)) t.regex(written.left.message, new RegExp(`another awmtl prepare \\(pid ${process.ppid}\\)`));
});

test('the cache root comes from AWMTL_CACHE, XDG_CACHE_HOME or ~/.cache; AWMTL_CACHE=off turns it off', (t) => {
  t.is(defaultCacheRoot({ AWMTL_CACHE: '/c/awmtl', XDG_CACHE_HOME: '/x' }), '/c/awmtl');
  t.is(defaultCacheRoot({ XDG_CACHE_HOME: '/x' }), '/x/awmtl');
  t.regex(defaultCacheRoot({}) ?? '', /\.cache\/awmtl$/);
  t.is(defaultCacheRoot({ AWMTL_CACHE: 'off' }), undefined);
  t.is(commonFolder(['/d/img/a.jpg', '/d/img/b.jpg']), '/d/img');
  t.is(commonFolder(['/d/bounding_box_train/a.jpg', '/d/bounding_box_test/b.jpg', '/d/query/c.jpg']), '/d');
  t.is(commonFolder(['/d/img/a.jpg', '/d/imgs/b.jpg']), '/d');
  t.is(commonFolder([]), undefined);
});
