import { readdirSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { getField, readMatFileSync, at, getVariable } from '../../src/data/mat.js';
import { MARKET_SCHEMA, loadMarketAttributes, loadMarketAttributesSync } from '../../src/data/market1501.js';
import {
  allAttributes,
  datasetInfo,
  identityLabels,
  imageLabels,
  imageListingFromNames,
  showIdentity,
  type PedestrianAnnotations,
} from '../../src/data/pedestrian.js';
import { testWithData } from '../sharedData.js';

const FILE = '../shared/data/market1501-attribute/market_attribute.mat';
const IMAGES = '../shared/data/market1501-images';

const load = (): PedestrianAnnotations => {
  const r = loadMarketAttributesSync(FILE);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

testWithData([FILE], 'Market-1501: 751 train / 750 test identities, 27 attributes', async (t) => {
  const ann = load();
  t.is(ann.splits.train.ids.length, 751);
  t.is(ann.splits.test.ids.length, 750);
  t.is(allAttributes(MARKET_SCHEMA).length, 27);
  t.deepEqual(
    [...ann.splits.test.fieldOrder].filter((f) => f !== 'image_index').sort(),
    allAttributes(MARKET_SCHEMA).map((a) => a.name).sort(),
  );
  // The schema's recorded field orders are the file's.
  t.deepEqual(ann.splits.train.fieldOrder, MARKET_SCHEMA.fileFieldOrder.train);
  t.deepEqual(ann.splits.test.fieldOrder, MARKET_SCHEMA.fileFieldOrder.test);
  const viaTask = await loadMarketAttributes(FILE)();
  t.true(E.isRight(viaTask) && viaTask.right.splits.test.ids.length === 750);
});

testWithData([FILE], 'Market-1501 test identity 0001: female, long hair, dress, white upper and lower, as in the file', (t) => {
  const ann = load();
  const shown = showIdentity(ann, 'test', '0001');
  if (E.isLeft(shown)) return t.fail(shown.left.message);
  t.like(shown.right, { gender: 'female', hair: 'long', clothes: 'dress', upwhite: 'yes', downwhite: 'yes', upcolor: 'white', downcolor: 'white' });
  // Every decoded value equals the file's own code, read through the MAT API directly.
  const mat = readMatFileSync(FILE);
  if (E.isLeft(mat)) return t.fail(mat.left.message);
  const root = getVariable(mat.right, 'market_attribute');
  const testS = E.chain((r: Parameters<typeof getField>[2]) => getField(FILE, 'market_attribute', r, 'test'))(root);
  if (E.isLeft(testS)) return t.fail(testS.left.message);
  for (const def of allAttributes(MARKET_SCHEMA)) {
    const field = getField(FILE, 'test', testS.right, def.name);
    if (E.isLeft(field)) return t.fail(field.left.message);
    t.is(shown.right[def.name], def.values[at(field.right, 0, 0) - 1], def.name);
  }
  // Its label row (groups): codes - 1, colour classes white (1) and white (1).
  const labels = identityLabels(ann, 'test');
  t.is(labels.ids[0], '0001');
  const row = Array.from(labels.labels.subarray(0, labels.tasks.length));
  const byName = Object.fromEntries(labels.tasks.map((task, k) => [task.name, row[k]]));
  t.like(byName, { gender: 1, hair: 1, clothes: 0, upcolor: 1, downcolor: 1 });
});

testWithData([FILE], 'Market-1501 quirks: colourless identities and test downpurple without positives are reported', (t) => {
  const ann = load();
  t.deepEqual(
    ann.problems.map((p) => [p.kind, p.split, p.subject, p.count]),
    [
      ['colour-none', 'train', 'upcolor', 78],
      ['colour-none', 'train', 'downcolor', 30],
      ['no-positives', 'test', 'downpurple', 1],
      ['colour-none', 'test', 'upcolor', 69],
      ['colour-none', 'test', 'downcolor', 44],
    ],
  );
  const info = datasetInfo(ann);
  t.deepEqual(info.splits, { train: { identities: 751 }, test: { identities: 750 } });
  const gender = info.attributes.find((a) => a.name === 'gender');
  t.deepEqual(gender?.positiveRate, { train: 320 / 751, test: 336 / 750 });
  const age = info.attributes.find((a) => a.name === 'age');
  t.deepEqual(age?.kind, { multiclass: ['young', 'teenager', 'adult', 'old'] });
  t.deepEqual(age?.positiveRate.test, { young: 2 / 750, teenager: 640 / 750, adult: 103 / 750, old: 5 / 750 });
  // Groups: the colourless identities are left out of the colour rates.
  const upc = info.attributes.find((a) => a.name === 'upcolor')?.positiveRate.test as Record<string, number>;
  t.is(upc.white, 208 / 681);
  const binary = datasetInfo(ann, { colours: 'binary' });
  t.is(binary.attributes.length, 27);
  t.is(binary.attributes.find((a) => a.name === 'downpurple')?.positiveRate.test, 0);
  t.is(binary.attributes.find((a) => a.name === 'upwhite')?.positiveRate.test, 208 / 750);
});

testWithData([FILE, IMAGES], 'Market-1501 real crops: identity from the file name, junk excluded, labels from the identity', (t) => {
  const ann = load();
  const own = readdirSync(IMAGES).filter((n) => n.endsWith('.jpg'));
  const dgnet = readdirSync(`${IMAGES}/dgnet`);
  const listing = imageListingFromNames(IMAGES, { bounding_box_test: own, bounding_box_train: dgnet, query: dgnet });
  const zero = imageLabels(ann, listing, 'bounding_box_test');
  t.deepEqual(zero.images.map((i) => i.id), ['0001', '0001']);
  const ids = identityLabels(ann, 'test');
  const width = ids.tasks.length;
  t.deepEqual(Array.from(zero.labels.subarray(width, 2 * width)), Array.from(ids.labels.subarray(0, width)));
  // dgnet crops: every one is junk, a train identity or a test identity.
  const asTrain = imageLabels(ann, listing, 'bounding_box_train');
  const asTest = imageLabels(ann, listing, 'query');
  t.is(asTrain.excluded.junk, dgnet.filter((n) => n.startsWith('0000_') || n.startsWith('-1_')).length);
  t.is(asTrain.images.length + asTest.images.length + asTrain.excluded.junk, dgnet.length);
  t.is(asTrain.excluded.unannotated.length, asTest.images.length);
  t.true(asTrain.problems.some((p) => p.kind === 'unannotated-images' && p.count === asTest.images.length));
});
