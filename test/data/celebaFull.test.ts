import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { writeFullCelebaAnnotations } from '../../cli/bench/runCelebaLoadBench.js';
import { CELEBA_ATTRIBUTES, CELEBA_FULL, loadCelebaDataset, parseAttributes } from '../../src/data/celeba.js';

// Full-size CelebA annotations: what they parse to, and the memory the table keeps. The timings
// are figures of `npm run bench -- celeba-load`, not assertions here.

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const N = CELEBA_FULL.rows;
const K = CELEBA_ATTRIBUTES.length;

test('202,599 rows: the attribute table and the dataset load completely, and the table keeps under 120 MiB', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'awmtl-celeba-full-'));
  try {
    const { ids, labels, text } = writeFullCelebaAnnotations(dir);
    t.is(ids.length, N);
    gc();
    const before = process.memoryUsage();
    const parsed = parseAttributes(text, 'list_attr_celeba.txt');
    gc();
    const after = process.memoryUsage();
    if (E.isLeft(parsed)) return t.fail(parsed.left.message);
    t.is(parsed.right.ids.length, N);
    // (A plain loop: ava's deepEqual walks 8 million elements slowly.)
    t.true(parsed.right.labels.length === labels.length && parsed.right.labels.every((v, i) => v === labels[i]));
    const retainedMb = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
    t.true(retainedMb < 120, `${retainedMb} MiB (labels ${((N * K) / 2 ** 20).toFixed(1)} MiB)`);

    const ds = await loadCelebaDataset({ dir, checkImages: false })();
    if (E.isLeft(ds)) return t.fail(ds.left.message);
    t.deepEqual([ds.right.splits.train.length, ds.right.splits.val.length, ds.right.splits.test.length], [CELEBA_FULL.train, CELEBA_FULL.val, CELEBA_FULL.test]);
    const seeded = await loadCelebaDataset({ dir, checkImages: false, split: '0.8,0.1,0.1', seed: 1 })();
    if (E.isLeft(seeded)) return t.fail(seeded.left.message);
    const sizes = [seeded.right.splits.train.length, seeded.right.splits.val.length, seeded.right.splits.test.length];
    t.is(sizes[0] + sizes[1] + sizes[2], N);
    t.true(Math.abs(sizes[0] - 0.8 * N) <= 2 && Math.abs(sizes[1] - 0.1 * N) <= 2, JSON.stringify(sizes));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
