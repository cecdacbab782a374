import { readdirSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { DUKE_SCHEMA, loadDukeAttributesSync } from '../../src/data/duke.js';
import { allAttributes, datasetInfo, identityLabels, imageLabels, imageListingFromNames, showIdentity } from '../../src/data/pedestrian.js';
import { MISSING_LABEL } from '../../src/tasks.js';
import { testWithData } from '../sharedData.js';

const FILE = '../shared/data/duke-attribute/duke_attribute.mat';
const IMAGES = '../shared/data/duke-images/dgnet';

testWithData([FILE], 'DukeMTMC attribute: 702 / 1,110 identities, 23 attributes, the file quirks reported', (t) => {
  const r = loadDukeAttributesSync(FILE);
  if (E.isLeft(r)) return t.fail(r.left.message);
  const ann = r.right;
  t.is(ann.splits.train.ids.length, 702);
  t.is(ann.splits.test.ids.length, 1110);
  t.is(allAttributes(DUKE_SCHEMA).length, 23);
  t.deepEqual(ann.splits.train.fieldOrder, DUKE_SCHEMA.fileFieldOrder.train);
  t.deepEqual(ann.splits.test.fieldOrder, DUKE_SCHEMA.fileFieldOrder.test);
  t.deepEqual(
    ann.problems.map((p) => [p.kind, p.split, p.subject, p.count, p.examples.join(' ')]),
    [
      ['invalid-value', 'train', 'top', 2, '0370 0679'],
      ['colour-none', 'train', 'upcolor', 1, '3732'],
      ['colour-none', 'test', 'downcolor', 11, '0117 0729 0741 0750 1426'],
      ['colour-several', 'test', 'downcolor', 23, '0080 0273 0341 0514 0847'],
      ['colour-none', 'test', 'upcolor', 14, '0112 0301 0415 0529 0706'],
    ],
  );
  // The invalid top codes (0) become missing labels; the rest decode.
  const labels = identityLabels(ann, 'train');
  const top = labels.tasks.findIndex((x) => x.name === 'top');
  const row = ann.splits.train.ids.indexOf('0370');
  t.is(labels.labels[row * labels.tasks.length + top], MISSING_LABEL);
  const shown = showIdentity(ann, 'train', '0370');
  t.true(E.isRight(shown) && shown.right.top === 'invalid (0)');
  // A test identity with three lower colours.
  const three = ann.splits.test.ids.filter((_, i) =>
    DUKE_SCHEMA.colourGroups[0].colours.filter((c) => ann.splits.test.codes.get(`down${c}`)?.[i] === 2).length === 3,
  );
  t.is(three.length, 1);
  const s3 = showIdentity(ann, 'test', three[0]);
  t.true(E.isRight(s3) && s3.right.downcolor.split('+').length === 3);
  const info = datasetInfo(ann);
  t.deepEqual(info.splits, { train: { identities: 702 }, test: { identities: 1110 } });
  t.is(info.attributes.length, 10);
  t.is(info.attributes.find((a) => a.name === 'top')?.positiveRate.train, 107 / 700);
  t.is(info.attributes.find((a) => a.name === 'shoes')?.positiveRate.test, 141 / 1110);
});

testWithData([FILE, IMAGES], 'DukeMTMC real crops: every image labelled from its identity', (t) => {
  const r = loadDukeAttributesSync(FILE);
  if (E.isLeft(r)) return t.fail(r.left.message);
  const names = readdirSync(IMAGES);
  const listing = imageListingFromNames(IMAGES, { bounding_box_train: names, bounding_box_test: names });
  const tr = imageLabels(r.right, listing, 'bounding_box_train');
  const te = imageLabels(r.right, listing, 'bounding_box_test');
  t.is(tr.images.length + te.images.length, names.length);
  t.true(te.images.some((i) => i.id === '5842' && i.camera === 7 && i.frame === 53326));
});
