import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import {
  CELEBA_ATTRIBUTES,
  CELEBA_FULL,
  celebaImageName,
  formatCelebaAttributes,
  formatCelebaPartition,
  loadCelebaDataset,
  parseAttributes,
} from '../../src/data/celeba.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const N = CELEBA_FULL.rows;
const K = CELEBA_ATTRIBUTES.length;

test('202,599 rows: parse time and retained memory of the attribute table and the dataset', async (t) => {
  const ids = Array.from({ length: N }, (_, i) => celebaImageName(i + 1));
  const labels = new Uint8Array(N * K);
  for (let i = 0; i < labels.length; i++) labels[i] = (Math.imul(i, 2654435761) >>> 27) & 1;
  const tf = performance.now();
  const text = Buffer.from(formatCelebaAttributes(CELEBA_ATTRIBUTES, ids, labels), 'latin1');
  t.log(`formatCelebaAttributes: ${(performance.now() - tf).toFixed(0)} ms`);
  const codes = ids.map((_, i) => (i < CELEBA_FULL.train ? 0 : i < CELEBA_FULL.train + CELEBA_FULL.val ? 1 : 2));
  const dir = mkdtempSync(join(tmpdir(), 'awmtl-celeba-perf-'));
  try {
    writeFileSync(join(dir, 'list_attr_celeba.txt'), text);
    writeFileSync(join(dir, 'list_eval_partition.txt'), formatCelebaPartition(ids, codes));

    gc();
    const before = process.memoryUsage();
    const t0 = performance.now();
    const parsed = parseAttributes(text, 'list_attr_celeba.txt');
    const parseMs = performance.now() - t0;
    gc();
    const after = process.memoryUsage();
    if (E.isLeft(parsed)) return t.fail(parsed.left.message);
    t.is(parsed.right.ids.length, N);
    // (A plain loop: ava's deepEqual walks 8 million elements slowly.)
    t.true(parsed.right.labels.length === labels.length && parsed.right.labels.every((v, i) => v === labels[i]));
    const retainedMb = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / 2 ** 20;
    t.log(`parseAttributes: ${N} rows (${(text.length / 2 ** 20).toFixed(1)} MiB) in ${parseMs.toFixed(0)} ms, retains ~${retainedMb.toFixed(0)} MiB (labels ${((N * K) / 2 ** 20).toFixed(1)} MiB)`);

    const t1 = performance.now();
    const ds = await loadCelebaDataset({ dir, checkImages: false })();
    const loadMs = performance.now() - t1;
    if (E.isLeft(ds)) return t.fail(ds.left.message);
    t.deepEqual([ds.right.splits.train.length, ds.right.splits.val.length, ds.right.splits.test.length], [CELEBA_FULL.train, CELEBA_FULL.val, CELEBA_FULL.test]);
    t.log(`loadCelebaDataset (read both files, parse, join the partition): ${loadMs.toFixed(0)} ms`);

    const t2 = performance.now();
    const seeded = await loadCelebaDataset({ dir, checkImages: false, split: '0.8,0.1,0.1', seed: 1 })();
    t.true(E.isRight(seeded));
    t.log(`loadCelebaDataset with a seeded split: ${(performance.now() - t2).toFixed(0)} ms`);

    // Generous bounds (a loaded 2-core machine); the figures above are what to report.
    t.true(parseMs < 5000, `${parseMs} ms`);
    t.true(loadMs < 8000, `${loadMs} ms`);
    t.true(retainedMb < 120, `${retainedMb} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
