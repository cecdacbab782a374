import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CELEBA_ATTRIBUTES,
  type CelebaDataset,
  type CelebaError,
  type CelebaLoadOptions,
  celebaImageName,
  formatCelebaAttributes,
  formatCelebaPartition,
  loadCelebaDataset,
  parseAttributes,
  parsePartition,
  readCelebaAttributes,
} from '../../src/data/celeba.js';
import { testWithData } from '../sharedData.js';

const K = CELEBA_ATTRIBUTES.length;
const ATTR = 'list_attr_celeba.txt';
const PART = 'list_eval_partition.txt';

/** n rows with a simple deterministic label pattern: row r, column j is +1 when (r + j) % 3 == 0. */
const table = (n: number) => {
  const ids = Array.from({ length: n }, (_, i) => celebaImageName(i + 1));
  const labels = new Uint8Array(n * K);
  for (let r = 0; r < n; r++) for (let j = 0; j < K; j++) labels[r * K + j] = (r + j) % 3 === 0 ? 1 : 0;
  return { ids, labels };
};

const attrText = (n: number, options: Parameters<typeof formatCelebaAttributes>[3] = {}): string => {
  const { ids, labels } = table(n);
  return formatCelebaAttributes(CELEBA_ATTRIBUTES, ids, labels, options);
};

/** Replaces 1-based line `line` of a CRLF text. */
const withLine = (text: string, line: number, replace: (old: string) => string): string => {
  const lines = text.split('\r\n');
  lines[line - 1] = replace(lines[line - 1]);
  return lines.join('\r\n');
};

const parse = (text: string, file = ATTR) => parseAttributes(Buffer.from(text), file);

const leftOf = <A>(r: E.Either<CelebaError, A>): CelebaError => {
  if (E.isRight(r)) throw new Error('expected an error, got a value');
  return r.left;
};

const tmp = (): string => mkdtempSync(join(tmpdir(), 'awmtl-celeba-'));

/** A dataset folder with n rows, the images of `present` (1-based indices; default all) as empty files. */
const datasetDir = (n: number, options: { present?: number[]; partition?: number[] | false; csv?: boolean } = {}): string => {
  const dir = tmp();
  const { ids, labels } = table(n);
  writeFileSync(
    join(dir, options.csv ? 'list_attr_celeba.csv' : ATTR),
    formatCelebaAttributes(CELEBA_ATTRIBUTES, ids, labels, { format: options.csv ? 'csv' : 'txt', eol: options.csv ? '\n' : '\r\n' }),
  );
  if (options.partition !== false) {
    const codes = options.partition ?? ids.map((_, i) => (i < Math.ceil(n * 0.6) ? 0 : i < Math.ceil(n * 0.8) ? 1 : 2));
    writeFileSync(join(dir, options.csv ? 'list_eval_partition.csv' : PART), formatCelebaPartition(ids, codes, { format: options.csv ? 'csv' : 'txt' }));
  }
  mkdirSync(join(dir, 'img_align_celeba'));
  for (const i of options.present ?? ids.map((_, k) => k + 1)) writeFileSync(join(dir, 'img_align_celeba', celebaImageName(i)), '');
  return dir;
};

const load = async (options: CelebaLoadOptions): Promise<E.Either<CelebaError, CelebaDataset>> => loadCelebaDataset(options)();

test('parses the official .txt form: names, ids, 0/1 labels, line numbers', (t) => {
  const r = parse(attrText(5));
  if (E.isLeft(r)) return t.fail(r.left.message);
  const tab = r.right;
  t.is(tab.format, 'txt');
  t.deepEqual(tab.names, CELEBA_ATTRIBUTES);
  t.deepEqual(tab.ids, ['000001.jpg', '000002.jpg', '000003.jpg', '000004.jpg', '000005.jpg']);
  t.deepEqual(Array.from(tab.lines), [3, 4, 5, 6, 7]);
  t.deepEqual(tab.labels, table(5).labels);
  t.is(tab.declaredCount, 5);
  t.deepEqual(tab.warnings, []);
  t.is(tab.index.get('000004.jpg'), 3);
});

test('the text matches the real alignment: "000001.jpg -1  1 ..." with a trailing space after the names', (t) => {
  const lines = attrText(1).split('\r\n');
  t.is(lines[1], `${CELEBA_ATTRIBUTES.join(' ')} `);
  t.true(lines[2].startsWith('000001.jpg  1 -1 -1  1 -1 -1  1'));
  t.is(lines[2].length, 10 + 3 * K);
});

test('LF, CRLF, a missing final newline, tabs and a BOM all parse the same', (t) => {
  const crlf = attrText(4);
  const variants = [
    crlf,
    crlf.replace(/\r\n/g, '\n'),
    crlf.slice(0, -2),
    crlf.replace(/ {2}1/g, '\t1'),
    `\ufeff${crlf}`,
    `${crlf}\r\n\r\n`,
  ];
  const base = parse(crlf);
  if (E.isLeft(base)) return t.fail(base.left.message);
  for (const v of variants) {
    const r = parse(v);
    if (E.isLeft(r)) return t.fail(r.left.message);
    t.deepEqual(r.right.labels, base.right.labels);
    t.deepEqual(r.right.ids, base.right.ids);
  }
});

test("Kaggle's CSV form parses to the same table", (t) => {
  const { ids, labels } = table(6);
  const csv = formatCelebaAttributes(CELEBA_ATTRIBUTES, ids, labels, { format: 'csv', eol: '\n' });
  t.true(csv.startsWith('image_id,5_o_Clock_Shadow,Arched_Eyebrows,'));
  const r = parseAttributes(Buffer.from(csv), 'list_attr_celeba.csv');
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.is(r.right.format, 'csv');
  t.deepEqual(r.right.ids, ids);
  t.deepEqual(r.right.labels, labels);
  t.is(r.right.declaredCount, null);
  t.deepEqual(Array.from(r.right.lines), [2, 3, 4, 5, 6, 7]);
});

test('error: a row with the wrong number of values names file and line', (t) => {
  const text = withLine(attrText(10), 7, (l) => l.slice(0, -3));
  const e = leftOf(parse(text));
  t.is(e._tag, 'BadRow');
  t.is(e.message, 'list_attr_celeba.txt line 7: expected 40 values of +-1, got 39');
  const extra = leftOf(parse(withLine(attrText(10), 4, (l) => `${l}  1`)));
  t.is(extra.message, 'list_attr_celeba.txt line 4: expected 40 values of +-1, got 41');
});

test('error: a value other than +-1 names the attribute', (t) => {
  const text = withLine(attrText(10), 4, (l) => {
    const parts = l.split(/\s+/);
    parts[5] = '0';
    return parts.join(' ');
  });
  const e = leftOf(parse(text));
  t.is(e._tag, 'BadRow');
  t.is(e.message, "list_attr_celeba.txt line 4: value 5 (Bald) is '0', expected 1 or -1");
  const two = leftOf(parse(withLine(attrText(3), 4, (l) => l.replace(/ -1$/, ' 2'))));
  t.is(two.message, "list_attr_celeba.txt line 4: value 40 (Young) is '2', expected 1 or -1");
  const csv = formatCelebaAttributes(CELEBA_ATTRIBUTES, ['a.jpg'], new Uint8Array(K), { format: 'csv' }).replace(',-1\r\n', ',\r\n');
  t.is(leftOf(parseAttributes(Buffer.from(csv), 'x.csv')).message, "x.csv line 2: value 40 (Young) is '', expected 1 or -1");
});

test('error: a duplicate image id names both lines', (t) => {
  const text = withLine(attrText(6), 6, (l) => l.replace('000004.jpg', '000002.jpg'));
  const e = leftOf(parse(text));
  t.is(e._tag, 'DuplicateId');
  t.is(e.message, 'list_attr_celeba.txt line 6: image id 000002.jpg is listed twice (first on line 4)');
});

test('error: bad header lines', (t) => {
  t.is(leftOf(parse(withLine(attrText(2), 1, () => 'abc'))).message, "list_attr_celeba.txt line 1: expected the image count (one integer), got 'abc'");
  t.is(leftOf(parse(withLine(attrText(2), 1, () => '12 13'))).message, "list_attr_celeba.txt line 1: expected the image count (one integer), got '12 13'");
  const renamed = leftOf(parse(withLine(attrText(2), 2, (l) => l.replace('Bald', 'Bold'))));
  t.is(renamed._tag, 'BadHeader');
  t.is(renamed.message, "list_attr_celeba.txt line 2: expected the attribute names; name 5 is 'Bold' where 'Bald' was expected");
  const short = leftOf(parse(withLine(attrText(2), 2, (l) => l.replace(' Young', ''))));
  t.is(short.message, 'list_attr_celeba.txt line 2: expected the attribute names (40 names), got 39');
  t.is(leftOf(parse('')).message, 'list_attr_celeba.txt line 1: empty file: expected the image count on line 1');
  t.is(leftOf(parse('5\r\n')).message, 'list_attr_celeba.txt line 2: expected the attribute names on line 2, found the end of the file');
});

test('error: a CSV header that does not match', (t) => {
  const csv = formatCelebaAttributes(CELEBA_ATTRIBUTES, ['a.jpg'], new Uint8Array(K), { format: 'csv' });
  const noId = leftOf(parseAttributes(Buffer.from(csv.replace('image_id,', 'id,')), 'list_attr_celeba.csv'));
  t.is(noId._tag, 'BadHeader');
  t.is(noId.message, "list_attr_celeba.csv line 1: expected the CSV header to start with 'image_id', got 'id'");
  const swapped = leftOf(parseAttributes(Buffer.from(csv.replace('Arched_Eyebrows,Attractive', 'Attractive,Arched_Eyebrows')), 'list_attr_celeba.csv'));
  t.is(
    swapped.message,
    "list_attr_celeba.csv line 1: expected the CSV header image_id,<attribute names>; name 2 is 'Attractive' where 'Arched_Eyebrows' was expected",
  );
});

test('expectedNames: null accepts any distinct names; duplicates are refused', (t) => {
  const text = '2\r\nA B\r\nx.jpg 1 -1\r\ny.jpg -1 -1\r\n';
  const r = parseAttributes(Buffer.from(text), 'f.txt', { expectedNames: null });
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.deepEqual(r.right.names, ['A', 'B']);
  t.deepEqual(Array.from(r.right.labels), [1, 0, 0, 0]);
  t.is(leftOf(parseAttributes(Buffer.from('1\r\nA A\r\n'), 'f.txt', { expectedNames: null })).message, "f.txt line 2: attribute 'A' is named twice");
});

test('a header count that disagrees is a warning, and the rows are used', (t) => {
  const r = parse(attrText(3, { declaredCount: 202_599 }));
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.is(r.right.ids.length, 3);
  t.is(r.right.warnings.length, 1);
  const w = r.right.warnings[0];
  t.is(w._tag, 'HeaderCountMismatch');
  t.is(
    w.message,
    'list_attr_celeba.txt line 1: the header says 202,599 images but the file has 3 rows (a truncated file?); using the rows present',
  );
  const more = parse(attrText(3, { declaredCount: 2 }));
  t.true(E.isRight(more) && more.right.warnings[0].message.endsWith('the header says 2 images but the file has 3 rows; using the rows present'));
});

test('partition files: txt and csv, and their errors', (t) => {
  const ids = ['000001.jpg', '000002.jpg', '000003.jpg'];
  const txt = parsePartition(Buffer.from(formatCelebaPartition(ids, [0, 1, 2])), PART);
  if (E.isLeft(txt)) return t.fail(txt.left.message);
  t.deepEqual(txt.right.ids, ids);
  t.deepEqual(Array.from(txt.right.codes), [0, 1, 2]);
  const csv = parsePartition(Buffer.from(formatCelebaPartition(ids, [2, 0, 1], { format: 'csv', eol: '\n' })), 'list_eval_partition.csv');
  if (E.isLeft(csv)) return t.fail(csv.left.message);
  t.is(csv.right.format, 'csv');
  t.deepEqual(Array.from(csv.right.codes), [2, 0, 1]);
  t.deepEqual(Array.from(csv.right.lines), [2, 3, 4]);

  const bad = leftOf(parsePartition(Buffer.from('000001.jpg 0\r\n000002.jpg 3\r\n'), PART));
  t.is(bad._tag, 'BadPartition');
  t.is(bad.message, "list_eval_partition.txt line 2: partition '3' of 000002.jpg is not 0, 1 or 2 (train, val, test)");
  const fields = leftOf(parsePartition(Buffer.from('000001.jpg 0\r\n000002.jpg\r\n'), PART));
  t.is(fields.message, 'list_eval_partition.txt line 2: expected an image id and a partition (0, 1 or 2), got 1 value');
  const dup = leftOf(parsePartition(Buffer.from('000001.jpg 0\n000002.jpg 0\n000001.jpg 1\n'), PART));
  t.is(dup.message, 'list_eval_partition.txt line 3: image id 000001.jpg is listed twice (first on line 1)');
  const header = leftOf(parsePartition(Buffer.from('image_id,split\n000001.jpg,0\n'), 'list_eval_partition.csv'));
  t.is(header._tag, 'BadHeader');
  t.is(header.message, "list_eval_partition.csv line 1: expected the CSV header 'image_id,partition', got 'image_id,split'");
});

test('dataset: partition file gives the splits; labels come out as Float32 0/1', async (t) => {
  const dir = datasetDir(10);
  try {
    const r = await load({ dir });
    if (E.isLeft(r)) return t.fail(r.left.message);
    const ds = r.right;
    t.is(ds.size, 10);
    t.deepEqual(ds.attributeNames, CELEBA_ATTRIBUTES);
    t.is(ds.tasks.length, K);
    t.true(ds.tasks.every((task, j) => task.kind === 'binary' && task.name === CELEBA_ATTRIBUTES[j]));
    t.deepEqual(Array.from(ds.splits.train), [0, 1, 2, 3, 4, 5]);
    t.deepEqual(Array.from(ds.splits.val), [6, 7]);
    t.deepEqual(Array.from(ds.splits.test), [8, 9]);
    t.deepEqual(ds.splitSource, { kind: 'file', path: join(dir, PART) });
    const row = ds.labelRow(2);
    t.true(row instanceof Float32Array);
    t.deepEqual(Array.from(row), Array.from(table(10).labels.subarray(2 * K, 3 * K)));
    const out = new Float32Array(3 * K).fill(-5);
    ds.labelsInto(4, out, K);
    t.deepEqual(Array.from(out.subarray(K, 2 * K)), Array.from(table(10).labels.subarray(4 * K, 5 * K)));
    t.is(out[0], -5);
    t.deepEqual(Array.from(ds.labelRows([1, 3])), [...table(10).labels.subarray(K, 2 * K), ...table(10).labels.subarray(3 * K, 4 * K)]);
    t.is(ds.imagePath(3), join(dir, 'img_align_celeba', '000004.jpg'));
    t.throws(() => ds.labelRow(10), { instanceOf: RangeError });
    t.deepEqual(ds.warnings, []);
    t.is(ds.dropped.missingImages, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('dataset: the CSV layout loads the same', async (t) => {
  const dir = datasetDir(10, { csv: true });
  const txtDir = datasetDir(10);
  try {
    const a = await load({ dir });
    const b = await load({ dir: txtDir });
    if (E.isLeft(a) || E.isLeft(b)) return t.fail('load failed');
    t.deepEqual(a.right.labels, b.right.labels);
    t.deepEqual(a.right.splits, b.right.splits);
    t.is(a.right.attributeFile, join(dir, 'list_attr_celeba.csv'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(txtDir, { recursive: true, force: true });
  }
});

test('error: a partition id with no annotation row, and a row with no partition', async (t) => {
  const dir = datasetDir(4, { partition: false });
  try {
    writeFileSync(join(dir, PART), '000001.jpg 0\r\n000002.jpg 0\r\n000099.jpg 1\r\n000003.jpg 2\r\n000004.jpg 2\r\n000100.jpg 2\r\n');
    const e = leftOf(await load({ dir }));
    t.is(e._tag, 'UnannotatedPartitionId');
    t.is(e.message, `${join(dir, PART)} line 3: 000099.jpg has no row in ${join(dir, ATTR)} (nor do 1 more ids of this file)`);
    writeFileSync(join(dir, PART), '000001.jpg 0\r\n000002.jpg 0\r\n000004.jpg 2\r\n');
    const f = leftOf(await load({ dir }));
    t.is(f._tag, 'UnpartitionedRow');
    t.is(f.message, `${join(dir, ATTR)} line 5: 000003.jpg has no entry in ${join(dir, PART)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('error: no partition file and no split', async (t) => {
  const dir = datasetDir(4, { partition: false });
  try {
    const e = leftOf(await load({ dir }));
    t.is(e._tag, 'NoPartition');
    t.is(e.message, `no list_eval_partition.txt in ${dir}: pass --split 0.8,0.1,0.1 for a seeded split`);
    const r = await load({ dir, split: '0.5,0.25,0.25', seed: 3 });
    if (E.isLeft(r)) return t.fail(r.left.message);
    t.deepEqual([r.right.splits.train.length, r.right.splits.val.length, r.right.splits.test.length], [2, 1, 1]);
    t.deepEqual(r.right.splitSource, { kind: 'seeded', fractions: [0.5, 0.25, 0.25], seed: 3 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a split wins over a partition file, with a warning', async (t) => {
  const dir = datasetDir(20);
  try {
    const r = await load({ dir, split: [0.5, 0.5, 0], seed: 1 });
    if (E.isLeft(r)) return t.fail(r.left.message);
    t.is(r.right.splits.train.length, 10);
    t.is(r.right.splits.test.length, 0);
    // the second warning: no identity_CelebA.txt here, so the split is by image
    t.deepEqual(r.right.warnings.map((w) => w._tag), ['SplitOverridesPartition', 'SplitByImage']);
    t.is(r.right.warnings[0].message, `${join(dir, PART)} is ignored: the seeded split 0.5,0.5,0 (seed 1) was asked for`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing images: an error naming the first five and the count; onlyPresentImages drops them', async (t) => {
  const dir = datasetDir(12, { present: [2, 5, 9, 12] });
  try {
    const e = leftOf(await load({ dir }));
    t.is(e._tag, 'MissingImages');
    t.is(
      e.message,
      `8 of the 12 images listed in ${join(dir, ATTR)} are missing from ${join(dir, 'img_align_celeba')}: ` +
        '000001.jpg, 000003.jpg, 000004.jpg, 000006.jpg, 000007.jpg and 3 more ' +
        '(pass onlyPresentImages / --only-present-images to use the 4 present ones)',
    );
    if (e._tag === 'MissingImages') t.is(e.count, 8);
    const r = await load({ dir, onlyPresentImages: true });
    if (E.isLeft(r)) return t.fail(r.left.message);
    const ds = r.right;
    t.deepEqual(ds.ids, ['000002.jpg', '000005.jpg', '000009.jpg', '000012.jpg']);
    t.is(ds.dropped.missingImages, 8);
    t.deepEqual(Array.from(ds.labelRow(2)), Array.from(table(12).labels.subarray(8 * K, 9 * K)));
    // Partition codes follow their rows: 000002, 000005 train (rows < 8), 000009 val, 000012 test.
    t.deepEqual(Array.from(ds.splits.train), [0, 1]);
    t.deepEqual(Array.from(ds.splits.val), [2]);
    t.deepEqual(Array.from(ds.splits.test), [3]);
    t.is(ds.warnings[0]._tag, 'DroppedMissingImages');
    t.is(ds.warnings[0].message, `dropped 8 of the 12 rows of ${join(dir, ATTR)}: their images are not in ${join(dir, 'img_align_celeba')}`);
    const unchecked = await load({ dir, checkImages: false });
    t.true(E.isRight(unchecked) && unchecked.right.size === 12);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no image at all, no image folder, no attribute file', async (t) => {
  const dir = datasetDir(3, { present: [] });
  try {
    const e = leftOf(await load({ dir, onlyPresentImages: true }));
    t.is(e._tag, 'EmptyDataset');
    t.is(e.message, `none of the 3 images listed in ${join(dir, ATTR)} is in ${join(dir, 'img_align_celeba')}`);
    rmSync(join(dir, 'img_align_celeba'), { recursive: true });
    const noDir = leftOf(await load({ dir }));
    t.is(noDir._tag, 'FileNotFound');
    t.is(noDir.message, `image folder ${join(dir, 'img_align_celeba')} not found`);
    rmSync(join(dir, ATTR));
    const noAttr = leftOf(await load({ dir }));
    t.is(noAttr.message, `no list_attr_celeba.txt (or list_attr_celeba.csv) in ${dir}`);
    const missing = leftOf(await readCelebaAttributes(join(dir, 'nope.txt'))());
    t.is(missing.message, `${join(dir, 'nope.txt')} not found`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Kaggle's nested img_align_celeba/img_align_celeba folder is found", async (t) => {
  const dir = datasetDir(3, { present: [] });
  try {
    const nested = join(dir, 'img_align_celeba', 'img_align_celeba');
    mkdirSync(nested);
    for (let i = 1; i <= 3; i++) writeFileSync(join(nested, celebaImageName(i)), '');
    const r = await load({ dir });
    if (E.isLeft(r)) return t.fail(r.left.message);
    t.is(r.right.imageDir, nested);
    t.is(r.right.imagePath(0), join(nested, '000001.jpg'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const REAL = join(process.cwd(), '..', 'shared', 'data', 'celeba');

testWithData([join(REAL, ATTR)], 'real data: the truncated list_attr_celeba.txt loads with a warning; 548 present images', async (t) => {
  const noSplit = leftOf(await load({ dir: REAL }));
  t.is(noSplit.message, `no list_eval_partition.txt in ${REAL}: pass --split 0.8,0.1,0.1 for a seeded split`);
  const missing = leftOf(await load({ dir: REAL, split: '0.8,0.1,0.1' }));
  t.is(missing._tag, 'MissingImages');
  t.regex(missing.message, /^19,452 of the 20,000 images listed in .* are missing from .*: 000001\.jpg, 000003\.jpg/);
  const r = await load({ dir: REAL, split: '0.8,0.1,0.1', seed: 1, onlyPresentImages: true });
  if (E.isLeft(r)) return t.fail(r.left.message);
  const ds = r.right;
  t.is(ds.size, 548);
  t.is(ds.dropped.missingImages, 19_452);
  t.false(ds.ids.includes('200426.jpg'));
  t.is(ds.warnings[0]._tag, 'HeaderCountMismatch');
  t.regex(ds.warnings[0].message, /line 1: the header says 202,599 images but the file has 20,000 rows/);
  t.deepEqual([ds.splits.train.length, ds.splits.val.length, ds.splits.test.length], [438, 55, 55]);
  // 000002.jpg: -1 -1 -1  1 -1 -1 -1  1 ... (Bags_Under_Eyes, Big_Nose positive), the first present image.
  t.is(ds.ids[0], '000002.jpg');
  const row = ds.labelRow(0);
  t.is(row[3], 1);
  t.is(row[7], 1);
  t.is(row[0], 0);
  t.is(row[20], 0);
});
