import test from 'ava';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { loadCelebaDataset } from '../../src/data/celeba.js';
import { parseIdentities } from '../../src/data/celeba/identity.js';
import { repoRoot } from '../cli/run.js';
import { testWithData } from '../sharedData.js';

const REAL = join(repoRoot, '../shared/data/celeba-6k');
const root = mkdtempSync(join(tmpdir(), 'awmtl-celeba-id-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

test('parseIdentities reads image -> person, CRLF and blank lines, and names the line of a bad row', (t) => {
  const ok = parseIdentities('000001.jpg 2880\r\n\r\n000002.jpg 2937\n', 'id.txt');
  if (E.isLeft(ok)) return t.fail(ok.left.message);
  t.deepEqual([...ok.right], [['000001.jpg', '2880'], ['000002.jpg', '2937']]);
  const bad = parseIdentities('000001.jpg 2880\n000002.jpg\n', 'id.txt');
  t.true(E.isLeft(bad) && bad.left.message === 'id.txt line 2: expected "<image> <identity number>", got "000002.jpg"');
  const dup = parseIdentities('000001.jpg 1\n000001.jpg 2\n', 'id.txt');
  t.true(E.isLeft(dup) && /line 2: image id 000001.jpg is listed twice \(first on line 1\)/.test(dup.left.message));
});

testWithData([join(REAL, 'identity_CelebA.txt')], 'real CelebA faces: a seeded split groups by identity, no person in two splits; without the file it says the split is by image', async (t) => {
  const loaded = await loadCelebaDataset({ dir: REAL, split: '0.8,0.1,0.1', seed: 4, onlyPresentImages: true })();
  if (E.isLeft(loaded)) return t.fail(loaded.left.message);
  const ds = loaded.right;
  t.is(ds.splitBy, 'identity');
  const ids = parseIdentities((await import('node:fs')).readFileSync(join(REAL, 'identity_CelebA.txt'), 'utf8'), 'x');
  if (E.isLeft(ids)) return t.fail(ids.left.message);
  const persons = (rows: Int32Array) => new Set(Array.from(rows, (r) => ids.right.get(ds.ids[r])));
  const [tr, va, te] = [persons(ds.splits.train), persons(ds.splits.val), persons(ds.splits.test)];
  t.is(tr.size + va.size + te.size, 200); // 200 identities in celeba-6k, each in one split
  t.deepEqual(ds.identities, { train: tr.size, val: va.size, test: te.size });
  t.is(ds.splits.train.length + ds.splits.val.length + ds.splits.test.length, 6000);
  t.false(ds.warnings.some((w) => w._tag === 'SplitByImage'));
  // The same folder without identity_CelebA.txt: split by image, and a warning says so.
  const dir = join(root, 'noid');
  (await import('node:fs')).mkdirSync(dir);
  symlinkSync(join(REAL, 'list_attr_celeba.txt'), join(dir, 'list_attr_celeba.txt'));
  symlinkSync(join(REAL, 'img_align_celeba'), join(dir, 'img_align_celeba'));
  writeFileSync(join(dir, 'README'), 'no identity file here');
  const byImage = await loadCelebaDataset({ dir, split: '0.8,0.1,0.1', seed: 4, onlyPresentImages: true })();
  if (E.isLeft(byImage)) return t.fail(byImage.left.message);
  t.is(byImage.right.splitBy, 'image');
  t.regex(byImage.right.warnings.map((w) => w.message).join('\n'), /the seeded split is by image: no identity_CelebA.txt/);
  const persons2 = (rows: Int32Array) => new Set(Array.from(rows, (r) => ids.right.get(byImage.right.ids[r])));
  const [a, b] = [persons2(byImage.right.splits.train), persons2(byImage.right.splits.test)];
  t.true([...b].some((p) => a.has(p)), 'by image, some person is in train and test');
  // The official partition is used as is, not regrouped.
  const official = await loadCelebaDataset({ dir: REAL, onlyPresentImages: true })();
  t.true(E.isRight(official) && official.right.splitBy === undefined && official.right.splits.test.length === 660);
});
