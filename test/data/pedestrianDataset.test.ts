import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { MARKET_SCHEMA } from '../../src/data/market1501.js';
import { DUKE_SCHEMA } from '../../src/data/duke.js';
import { buildPedestrianDataset, loadPedestrianDataset } from '../../src/data/pedestrianDataset.js';
import { listPedestrianImagesSync, loadPedestrianAttributesSync } from '../../src/data/pedestrian.js';
import { MISSING_LABEL, logitLayout } from '../../src/tasks.js';
import { marketOfficialAccuracy } from '../../src/metrics/index.js';
import { generateMarketFixture } from '../../fixtures/market/fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'awmtl-ped-dataset-'));
const fixture = generateMarketFixture({ dir, seed: 9, trainIds: 20, testIds: 8, imagesPerId: 2, junkImages: 4 });
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const annotations = (file: string) => {
  const a = loadPedestrianAttributesSync(MARKET_SCHEMA, file);
  if (E.isLeft(a)) throw new Error(a.left.message);
  return a.right;
};
const listing = () => {
  const l = listPedestrianImagesSync(dir);
  if (E.isLeft(l)) throw new Error(l.left.message);
  return l.right;
};

test('train/val split by identity, test from bounding_box_test, query apart; labels per row', async (t) => {
  const f = await fixture;
  const r = await loadPedestrianDataset(MARKET_SCHEMA, f.attributeFile, dir, { valFraction: 0.25, seed: 1 })();
  if (E.isLeft(r)) return t.fail(r.left.message);
  const ds = r.right;
  t.is(ds.size, 40 + 16 + 8);
  t.is(ds.splits.train.length + ds.splits.val.length, 40);
  t.is(ds.valIdentities.length, 5);
  t.is(ds.splits.val.length, 10);
  t.is(ds.splits.test.length, 16);
  t.is(ds.query.length, 8);
  t.deepEqual(ds.excluded, { junk: 4, unannotated: 0 });
  const idsOf = (rows: Int32Array) => new Set(Array.from(rows, (row) => ds.images[row].id));
  const train = idsOf(ds.splits.train);
  t.false([...idsOf(ds.splits.val)].some((id) => train.has(id)));
  t.true(Array.from(ds.splits.test).every((row) => ds.images[row].folder === 'bounding_box_test'));
  t.true(Array.from(ds.query).every((row) => ds.images[row].folder === 'query'));
  t.true(ds.imagePath(ds.splits.test[0]).startsWith(join(dir, 'bounding_box_test')));
  // Label rows come from the identity's codes.
  const m = ds.tasks.length;
  const gender = ds.tasks.findIndex((x) => x.name === 'gender');
  for (let row = 0; row < ds.size; row++) {
    const id = ds.images[row].id;
    const person = [...f.identities.train, ...f.identities.test].find((p) => p.id === id);
    t.is(ds.labels[row * m + gender], (person?.codes.gender ?? 0) - 1);
  }
  const rows = Int32Array.from([ds.splits.val[0], ds.query[0]]);
  const got = ds.labelRows(rows);
  t.deepEqual(Array.from(got.subarray(0, m)), Array.from(ds.labelRow(rows[0])));
  t.deepEqual(Array.from(got.subarray(m)), Array.from(ds.labels.subarray(rows[1] * m, rows[1] * m + m)));
  // Deterministic by seed; another seed holds out other identities.
  const again = buildPedestrianDataset(annotations(f.attributeFile), listing(), { valFraction: 0.25, seed: 1 });
  t.deepEqual(again.valIdentities, ds.valIdentities);
  const other = buildPedestrianDataset(annotations(f.attributeFile), listing(), { valFraction: 0.25, seed: 2 });
  t.notDeepEqual(other.valIdentities, ds.valIdentities);
  t.is(buildPedestrianDataset(annotations(f.attributeFile), listing(), { valFraction: 0 }).splits.val.length, 0);
  t.throws(() => buildPedestrianDataset(annotations(f.attributeFile), listing(), { valFraction: 1 }), { instanceOf: RangeError });
});


test('the official Market scoring runs on a dataset test split: an oracle scores 1 except unannotated colours', async (t) => {
  const f = await fixture;
  const ds = buildPedestrianDataset(annotations(f.attributeFile), listing());
  const rows = ds.splits.test;
  const labels = ds.labelRows(rows);
  const { offsets, width } = logitLayout(ds.tasks);
  const m = ds.tasks.length;
  const scores = new Float32Array(rows.length * width).fill(-1);
  for (let i = 0; i < rows.length; i++)
    ds.tasks.forEach((task, k) => {
      const y = labels[i * m + k];
      if (y === MISSING_LABEL) return;
      if (task.kind === 'binary') scores[i * width + offsets[k]] = y === 1 ? 1 : -1;
      else scores[i * width + offsets[k] + y] = 1;
    });
  const r = marketOfficialAccuracy(scores, ds.tasks, ds.codes(rows));
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.deepEqual(r.right.perTask.slice(0, 10).map((p) => p.accuracy), new Array(10).fill(1));
  const upTask = ds.tasks.findIndex((x) => x.name === 'upcolor');
  const withUp = Array.from({ length: rows.length }, (_, i) => labels[i * m + upTask]).filter((y) => y !== MISSING_LABEL).length;
  t.is(r.right.perTask[10].accuracy, withUp / rows.length);
});

test('a missing image root or attribute file is a Left', async (t) => {
  const f = await fixture;
  const noRoot = await loadPedestrianDataset(MARKET_SCHEMA, f.attributeFile, join(dir, 'absent'))();
  t.true(E.isLeft(noRoot) && noRoot.left._tag === 'ImageFolderUnreadable');
  const noFile = await loadPedestrianDataset(DUKE_SCHEMA, join(dir, 'duke_attribute.mat'), dir)();
  t.true(E.isLeft(noFile) && noFile.left._tag === 'MatReadFailed');
});
