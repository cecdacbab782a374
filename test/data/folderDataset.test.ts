import test from 'ava';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { loadFolderDataset, parseLabelTable } from '../../src/data/folderDataset.js';
import { MISSING_LABEL } from '../../src/tasks.js';

const root = mkdtempSync(join(tmpdir(), 'awmtl-folder-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));
for (const name of ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg']) writeFileSync(join(root, name), 'not read here');

const errorOf = async (name: string, text: string, options: { groupBy?: string; split?: string } = {}) => {
  const file = join(root, name);
  writeFileSync(file, text);
  const loaded = await loadFolderDataset({ dir: root, labels: file, seed: 0, ...options });
  if (E.isRight(loaded)) throw new Error(`${name}: expected an error`);
  return { ...loaded.left, file };
};

test('column kinds: {0,1}, {-1,1}, {true,false}, {yes,no} binary (second value positive), others multi-class; empty cells missing', (t) => {
  const text = 'image,a,b,c,d,colour,size\n' + 'x.jpg,0,-1,TRUE,no,red,10\n' + 'y.jpg,1,1,false,Yes,,2\n' + 'z.jpg,,1,true,no,blue,10\n';
  const table = parseLabelTable('l.csv', text);
  if (E.isLeft(table)) return t.fail(table.left.message);
  const { tasks, labels } = table.right;
  t.deepEqual(
    tasks.map((x) => [x.name, x.kind]),
    [['a', 'binary'], ['b', 'binary'], ['c', 'binary'], ['d', 'binary'], ['colour', 'multiclass'], ['size', 'multiclass']],
  );
  t.deepEqual(tasks[2], { kind: 'binary', name: 'c', values: ['false', 'true'] });
  t.deepEqual(tasks[3], { kind: 'binary', name: 'd' });
  t.deepEqual(tasks[0], { kind: 'binary', name: 'a' });
  t.deepEqual(tasks[4], { kind: 'multiclass', name: 'colour', classes: ['blue', 'red'] });
  // numbers in numeric order, not text order
  t.deepEqual(tasks[5], { kind: 'multiclass', name: 'size', classes: ['2', '10'] });
  t.deepEqual(Array.from(labels), [0, 0, 1, 0, 1, 1, 1, 1, 0, 1, MISSING_LABEL, 0, MISSING_LABEL, 1, 1, 0, 0, 1]);
  t.deepEqual(table.right.missing, [1, 0, 0, 0, 1, 0]);
});

test('TSV by extension or by a tab in the header; quoted fields; CRLF', (t) => {
  const tsv = parseLabelTable('l.tsv', 'image\thas, comma\nx.jpg\t0\r\ny.jpg\t1\r\n');
  t.true(E.isRight(tsv) && tsv.right.tasks[0].name === 'has, comma');
  const quoted = parseLabelTable('l.csv', 'image,"say ""hi"""\n"a,b.jpg",yes\nc.jpg,no\n');
  if (E.isLeft(quoted)) return t.fail(quoted.left.message);
  t.is(quoted.right.tasks[0].name, 'say "hi"');
  t.deepEqual(quoted.right.images, ['a,b.jpg', 'c.jpg']);
});

test('a wrong column count names the file, line and column', async (t) => {
  const e = await errorOf('count.csv', 'image,a,b\na.jpg,0,1\n\nb.jpg,1\n');
  t.is(e.line, 4); // the blank line 3 still counts
  t.is(e.column, 3);
  t.is(e.message, `${e.file} line 4, column 3 (b): missing value: 2 columns, the header has 3`);
  const extra = await errorOf('extra.csv', 'image,a\na.jpg,0,1\n');
  t.is(extra.message, `${extra.file} line 2, column 3: extra value: 3 columns, the header has 2`);
});

test('an unknown split value names the file, line and column', async (t) => {
  const e = await errorOf('split.csv', 'image,a,split\na.jpg,0,train\nb.jpg,1,valid\n');
  t.is(e.message, `${e.file} line 3, column 3 (split): unknown split "valid" (expected train, val or test)`);
});

test('a duplicate image names the file, line and column, and the first line', async (t) => {
  const e = await errorOf('dup.csv', 'image,a\na.jpg,0\nb.jpg,1\na.jpg,1\n');
  t.is(e.message, `${e.file} line 4, column 1 (image): duplicate image "a.jpg" (first on line 2)`);
});

test('an image that does not exist names the file, line and column', async (t) => {
  const e = await errorOf('absent.csv', 'image,a\na.jpg,0\nb.jpg,1\nnope/e.jpg,1\n');
  t.is(e.line, 4);
  t.is(e.column, 1);
  t.true(e.message.startsWith(`${e.file} line 4, column 1 (image): no such image: ${join(root, 'nope/e.jpg')}`), e.message);
});

test('a column with one value only names the file, line (header) and column', async (t) => {
  const e = await errorOf('one.csv', 'image,a,b\na.jpg,0,1\nb.jpg,1,1\nc.jpg,0,\n');
  t.is(e.message, `${e.file} line 1, column 3 (b): one value only ("1" on all 2 labelled rows): nothing to learn; drop the column`);
});

test('more errors: header, >256 classes, --group-by column absent or empty, --split with a split column', async (t) => {
  t.regex((await errorOf('head.csv', 'file,a\na.jpg,0\n')).message, /line 1, column 1 \(file\): the first column must be "image"/);
  const many = ['image,a', ...Array.from({ length: 258 }, (_, i) => `i${i}.jpg,v${i}`)].join('\n');
  const manyE = parseLabelTable('m.csv', many);
  t.true(E.isLeft(manyE) && manyE.left.line === 258 && manyE.left.column === 2, E.isLeft(manyE) ? manyE.left.message : '');
  t.regex((await errorOf('g.csv', 'image,a\na.jpg,0\nb.jpg,1\n', { groupBy: 'person' })).message, /no column "person" for --group-by/);
  t.regex((await errorOf('g2.csv', 'image,a,person\na.jpg,0,p1\nb.jpg,1,\n', { groupBy: 'person' })).message, /line 3, column 3 \(person\): empty group value/);
  t.regex((await errorOf('s.csv', 'image,a,split\na.jpg,0,train\nb.jpg,1,val\n', { split: '0.5,0.5,0' })).message, /line 1, column 3 \(split\): --split conflicts/);
});

test('seeded split by image, or by group so that no group spans two splits; the split column when present', async (t) => {
  const n = 40;
  const { mkdirSync } = await import('node:fs');
  const dir = join(root, 'many');
  mkdirSync(dir, { recursive: true });
  const lines = ['image,a,person'];
  for (let i = 0; i < n; i++) {
    writeFileSync(join(dir, `${i}.jpg`), '');
    lines.push(`${i}.jpg,${i % 2},p${Math.floor(i / 4)}`);
  }
  writeFileSync(join(dir, 'labels.csv'), lines.join('\n'));
  const byImage = await loadFolderDataset({ dir, seed: 3 });
  if (E.isLeft(byImage)) return t.fail(byImage.left.message);
  t.deepEqual([byImage.right.splits.train.length, byImage.right.splits.val.length, byImage.right.splits.test.length], [32, 4, 4]);
  t.regex(byImage.right.splitSource, /by image/);
  // 'person' is a task here (two-valued? no: 10 values, multi-class)
  t.deepEqual(byImage.right.table.tasks.map((x) => x.name), ['a', 'person']);
  const byGroup = await loadFolderDataset({ dir, seed: 3, groupBy: 'person' });
  if (E.isLeft(byGroup)) return t.fail(byGroup.left.message);
  t.deepEqual(byGroup.right.table.tasks.map((x) => x.name), ['a']);
  const groupsOf = (rows: Int32Array) => new Set(Array.from(rows, (r) => byGroup.right.table.groups?.[r]));
  const [tr, va, te] = [groupsOf(byGroup.right.splits.train), groupsOf(byGroup.right.splits.val), groupsOf(byGroup.right.splits.test)];
  t.deepEqual([tr.size, va.size, te.size], [8, 1, 1]);
  for (const g of va) t.false(tr.has(g) || te.has(g));
  for (const g of te) t.false(tr.has(g));
  t.is(byGroup.right.splits.train.length + byGroup.right.splits.val.length + byGroup.right.splits.test.length, n);
});
