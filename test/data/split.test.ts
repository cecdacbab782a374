import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import {
  parseSplitFractions,
  resolvePartitionSource,
  seededIdHash,
  seededSplit,
  splitCounts,
  splitFromCodes,
  validateSplitFractions,
} from '../../src/data/split.js';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `${String(i + 1).padStart(6, '0')}.jpg`);

test('parseSplitFractions accepts three fractions summing to 1', (t) => {
  t.deepEqual(parseSplitFractions('0.8,0.1,0.1'), E.right([0.8, 0.1, 0.1]));
  t.deepEqual(parseSplitFractions(' 0.7 , 0.15,0.15 '), E.right([0.7, 0.15, 0.15]));
  t.deepEqual(parseSplitFractions('1,0,0'), E.right([1, 0, 0]));
  t.true(E.isRight(parseSplitFractions('0.3333333,0.3333333,0.3333334')));
});

test('parseSplitFractions rejects bad input with a message naming it', (t) => {
  const cases: [string, RegExp][] = [
    ['0.8,0.2', /bad split '0\.8,0\.2': expected three comma-separated fractions train,val,test, got 2/],
    ['0.8,0.1,0.2', /bad split '0\.8,0\.1,0\.2': the fractions sum to 1\.1\d*, not 1/],
    ['0.9,-0.1,0.2', /the val fraction '-0\.1' is not a non-negative number/],
    ['a,0.5,0.5', /the train fraction 'a' is not a non-negative number/],
    ['0.5,0.5,', /the test fraction '' is not/],
    ['0.8,0.1,0.1001', /sum to 1\.0001/],
  ];
  for (const [input, pattern] of cases) {
    const r = parseSplitFractions(input);
    if (E.isRight(r)) {
      t.fail(`${input} accepted`);
      continue;
    }
    t.is(r.left._tag, 'BadSplit');
    t.regex(r.left.message, pattern);
  }
});

test('validateSplitFractions checks count, sign and sum', (t) => {
  t.true(E.isLeft(validateSplitFractions([0.5, 0.5])));
  t.true(E.isLeft(validateSplitFractions([Number.NaN, 0.5, 0.5])));
  t.true(E.isLeft(validateSplitFractions([1.5, -0.5, 0])));
  t.true(E.isRight(validateSplitFractions([0.5, 0.25, 0.25 + 5e-7])));
  t.true(E.isLeft(validateSplitFractions([0.5, 0.25, 0.25 + 5e-6])));
});

test('splitCounts sums to n and follows the fractions', (t) => {
  t.deepEqual(splitCounts(10, [0.8, 0.1, 0.1]), [8, 1, 1]);
  t.deepEqual(splitCounts(202_599, [0.8, 0.1, 0.1]), [162_079, 20_260, 20_260]);
  t.deepEqual(splitCounts(3, [0.5, 0.25, 0.25]), [1, 1, 1]);
  t.deepEqual(splitCounts(4, [0.5, 0.25, 0.25]), [2, 1, 1]);
  t.deepEqual(splitCounts(5, [1, 0, 0]), [5, 0, 0]);
  for (let n = 0; n < 50; n++) {
    const c = splitCounts(n, [0.7, 0.2, 0.1]);
    t.is(c[0] + c[1] + c[2], n);
    t.true(Math.abs(c[0] - 0.7 * n) < 1 && Math.abs(c[1] - 0.2 * n) < 1 && Math.abs(c[2] - 0.1 * n) < 1);
  }
});

test('seededSplit is a deterministic partition with exact counts', (t) => {
  const all = ids(1000);
  const a = seededSplit(all, [0.8, 0.1, 0.1], 42);
  const b = seededSplit(all, [0.8, 0.1, 0.1], 42);
  t.deepEqual(a, b);
  t.is(a.train.length, 800);
  t.is(a.val.length, 100);
  t.is(a.test.length, 100);
  const seen = new Set([...a.train, ...a.val, ...a.test]);
  t.is(seen.size, 1000);
  for (const split of [a.train, a.val, a.test]) {
    for (let i = 1; i < split.length; i++) t.true(split[i - 1] < split[i]);
  }
  const c = seededSplit(all, [0.8, 0.1, 0.1], 43);
  t.notDeepEqual(Array.from(c.val), Array.from(a.val));
});

test('seededSplit depends on the ids, not on the row order', (t) => {
  const all = ids(500);
  const reversed = all.slice().reverse();
  const a = seededSplit(all, [0.6, 0.2, 0.2], 7);
  const b = seededSplit(reversed, [0.6, 0.2, 0.2], 7);
  const names = (rows: Int32Array, list: string[]): string[] => Array.from(rows, (r) => list[r]).sort();
  t.deepEqual(names(b.val, reversed), names(a.val, all));
  t.deepEqual(names(b.test, reversed), names(a.test, all));
});

test('seededSplit is nearly stable when rows are dropped', (t) => {
  const all = ids(2000);
  const half = all.filter((_, i) => i % 2 === 0);
  const full = seededSplit(all, [0.8, 0.1, 0.1], 3);
  const part = seededSplit(half, [0.8, 0.1, 0.1], 3);
  const splitOf = new Map<string, string>();
  for (const name of ['train', 'val', 'test'] as const) for (const r of full[name]) splitOf.set(all[r], name);
  let moved = 0;
  for (const name of ['train', 'val', 'test'] as const) for (const r of part[name]) if (splitOf.get(half[r]) !== name) moved++;
  // Only ids near the two cut points may change side.
  t.true(moved < 40, `${moved} ids changed split`);
});

test('seededIdHash spreads ids and depends on the seed', (t) => {
  const buckets = new Array(10).fill(0);
  for (const id of ids(10_000)) buckets[Math.floor((seededIdHash(1, id) / 2 ** 52) * 10)]++;
  for (const b of buckets) t.true(Math.abs(b - 1000) < 150, `bucket ${b}`);
  t.not(seededIdHash(1, '000001.jpg'), seededIdHash(2, '000001.jpg'));
  t.true(seededIdHash(1, 'x') < 2 ** 52);
});

test('splitFromCodes groups rows by partition code', (t) => {
  const s = splitFromCodes(Uint8Array.from([0, 0, 1, 2, 0, 2]));
  t.deepEqual(Array.from(s.train), [0, 1, 4]);
  t.deepEqual(Array.from(s.val), [2]);
  t.deepEqual(Array.from(s.test), [3, 5]);
});

test('resolvePartitionSource: file, split, or the NoPartition error', (t) => {
  t.deepEqual(resolvePartitionSource({ dir: '/d', partitionFile: '/d/list_eval_partition.txt' }), E.right({ kind: 'file', path: '/d/list_eval_partition.txt' }));
  t.deepEqual(resolvePartitionSource({ dir: '/d', split: '0.8,0.1,0.1', seed: 5 }), E.right({ kind: 'seeded', fractions: [0.8, 0.1, 0.1], seed: 5 }));
  t.deepEqual(
    resolvePartitionSource({ dir: '/d', partitionFile: '/d/p.txt', split: [0.5, 0.25, 0.25] }),
    E.right({ kind: 'seeded', fractions: [0.5, 0.25, 0.25], seed: 0 }),
  );
  const none = resolvePartitionSource({ dir: '/data/celeba' });
  t.true(E.isLeft(none));
  if (E.isLeft(none)) {
    t.is(none.left._tag, 'NoPartition');
    t.is(none.left.message, 'no list_eval_partition.txt in /data/celeba: pass --split 0.8,0.1,0.1 for a seeded split');
  }
  const bad = resolvePartitionSource({ dir: '/d', split: '0.8,0.1' });
  t.true(E.isLeft(bad) && bad.left._tag === 'BadSplit');
  const badSeed = resolvePartitionSource({ dir: '/d', split: '0.8,0.1,0.1', seed: 1.5 });
  t.true(E.isLeft(badSeed) && /seed 1\.5 is not an integer/.test(badSeed.left.message));
});
