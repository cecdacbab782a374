import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { BatchFailure, type BatchSourceSettings, createBatchSources, openBatchSources, readAhead } from '../../pipelines/batches.js';
import { celeba } from '../../pipelines/celeba.js';
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import type { Batch } from '../../src/data/batch.js';
import { cacheDirFor } from '../../src/data/cache/location.js';
import { prepareCache } from '../../src/data/cache/prepare.js';
import type { ImageError } from '../../src/data/images.js';
import { datasetImageFiles, datasetImageRoot } from '../../src/data/workers/input.js';
import { type BatchLoader, createBatchLoader } from '../../src/data/workers/loader.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-batches-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const SETTINGS: BatchSourceSettings = {
  image: { height: 20, width: 20, crop: 'celeba-178' },
  batchSize: 12,
  valBatchSize: 5,
  valDraw: 'replacement',
  seed: 7,
  flip: true,
  skipBadImages: false,
  prefetch: 3,
};

const load = async (dir: string): Promise<AttributeDataset> => {
  const ds = await celeba.load(dir, {}, 0);
  if (E.isLeft(ds)) throw new Error(ds.left.message);
  return ds.right;
};

/** The real loader, with every call's start and end counted; calls finish only when released. */
const gatedLoader = (inner: BatchLoader) => {
  let inFlight = 0;
  let maxInFlight = 0;
  const started: number[] = [];
  const gates: (() => void)[] = [];
  const loader: BatchLoader = {
    close: () => inner.close(),
    loadBatch: async (split, indices, tasks, opts) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      started.push(indices[0]);
      await new Promise<void>((resolve) => gates.push(resolve));
      try {
        return await inner.loadBatch(split, indices, tasks, opts);
      } finally {
        inFlight -= 1;
      }
    },
  };
  return {
    loader,
    started,
    get maxInFlight() {
      return maxInFlight;
    },
    get waiting() {
      return gates.length;
    },
    releaseAll: () => gates.splice(0).forEach((g) => g()),
  };
};

const tick = () => new Promise((r) => setTimeout(r, 5));

test('the read-ahead never has more than prefetch batches of a stream in flight, and none past the last iteration', async (t) => {
  const dataset = await load(FIXTURE);
  const gated = gatedLoader(createBatchLoader());
  const sources = createBatchSources(dataset, { ...SETTINGS, iterations: 6 }, () => undefined, gated.loader);
  const reference = createBatchSources(dataset, SETTINGS, () => undefined);
  for (let it = 1; it <= 6; it++) {
    const pending = sources.train(it);
    await tick();
    // Asked for 1: 1, 2, 3 start. Later asks find theirs made and start the one that keeps 3 ahead, none past 6.
    t.true(gated.waiting <= SETTINGS.prefetch!, `iteration ${it}: ${gated.waiting} in flight`);
    t.is(gated.waiting, [3, 1, 1, 1, 0, 0][it - 1], `iteration ${it}: newly started`);
    gated.releaseAll();
    const batch = await pending;
    const want = await reference.train(it);
    t.deepEqual(batch.images, want.images, `iteration ${it}`);
    t.deepEqual(batch.labels, want.labels);
  }
  t.true(gated.maxInFlight <= SETTINGS.prefetch!);
  t.is(gated.started.length, 6, 'each batch made once (read ahead, then handed out), none past iteration 6');
  await sources.close();
  await reference.close();
});

test('readAhead: made ahead once, handed out in any order, bounded', async (t) => {
  const made: number[] = [];
  let live = 0;
  let maxLive = 0;
  const ra = readAhead(
    async (k) => {
      made.push(k);
      live += 1;
      maxLive = Math.max(maxLive, live);
      await tick();
      live -= 1;
      return k * 10;
    },
    2,
    5,
  );
  for (let k = 1; k <= 5; k++) t.is(await ra.get(k), k * 10);
  t.deepEqual(made, [1, 2, 3, 4, 5], 'in order: each made once, none past 5');
  t.true(maxLive <= 2);
  // Out of order: still the right values (made again), still bounded.
  t.is(await ra.get(2), 20);
  t.is(await ra.get(5), 50);
  t.is(await ra.get(1), 10);
  t.true(maxLive <= 2);
  await ra.drain();
  t.is(ra.inFlight, 0);
});

test('batch sources give the same batches through workers and through the cache as on the main thread', async (t) => {
  const dataset = await load(FIXTURE);
  const files = datasetImageFiles(dataset);
  const root = datasetImageRoot(dataset, files) as string;
  const cacheRoot = join(tmp, 'caches');
  const written = await prepareCache({ dir: cacheDirFor(cacheRoot, root, SETTINGS.image), root, files, image: SETTINGS.image });
  if (E.isLeft(written)) return t.fail(written.left.message);
  const plain = createBatchSources(dataset, SETTINGS, () => undefined);
  const want: { train: Batch; val: Batch }[] = [];
  for (let it = 1; it <= 15; it++) want.push({ train: await plain.train(it), val: await plain.val(it) });
  for (const input of [{ cache: false as const, workers: 2 }, { cache: cacheRoot, workers: 1 }, { cache: cacheRoot, workers: 0 }]) {
    const logs: string[] = [];
    const sources = await openBatchSources(dataset, { ...SETTINGS, iterations: 15 }, () => undefined, { input, log: (m) => logs.push(m) });
    t.is(/input: cache/.test(sources.description), input.cache !== false, sources.description);
    try {
      // Past an epoch boundary (128 train images, batches of 12).
      for (let it = 1; it <= 15; it++) {
        const [train, val] = await Promise.all([sources.train(it), sources.val(it)]);
        t.deepEqual(train.images, want[it - 1].train.images, `${sources.description}: train ${it}`);
        t.deepEqual(train.ids, want[it - 1].train.ids);
        t.deepEqual(val.images, want[it - 1].val.images, `${sources.description}: val ${it}`);
        t.deepEqual(val.labels, want[it - 1].val.labels);
      }
    } finally {
      await sources.close();
    }
    t.deepEqual(logs, []);
  }
  await plain.close();
});

test('a bad image fails its batch with the file name, or is skipped and reported when the batch is handed out', async (t) => {
  const data = join(tmp, 'bad');
  cpSync(FIXTURE, data, { recursive: true });
  const dataset = await load(data);
  // The first train batch's third image.
  const plain = createBatchSources(dataset, SETTINGS, () => undefined);
  const first = await plain.train(1);
  const victim = first.ids?.[2] as string;
  const path = join(data, 'img_align_celeba', victim);
  writeFileSync(path, 'garbage');
  const strict = await openBatchSources(dataset, SETTINGS, () => undefined, { input: { cache: false, workers: 1 } });
  const error = await t.throwsAsync(strict.train(1));
  t.true(error instanceof BatchFailure);
  t.true(error?.message.startsWith(`${path}: cannot decode image`), error?.message);
  await strict.close();
  const skipped: ImageError[] = [];
  const lenient = await openBatchSources(dataset, { ...SETTINGS, skipBadImages: true, iterations: 3 }, (e) => skipped.push(e), {
    input: { cache: false, workers: 1 },
  });
  const batch = await lenient.train(1);
  t.is(batch.size, first.size - 1);
  t.false(batch.ids?.includes(victim));
  t.deepEqual(skipped.map((e) => e.path), [path]);
  await lenient.close();
  t.is(skipped.length, 1, 'batches read ahead and never handed out report nothing');
  await plain.close();
});
