import test from 'ava';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { MARKET_SCHEMA } from '../../src/data/market1501.js';
import { DUKE_SCHEMA } from '../../src/data/duke.js';
import {
  allAttributes,
  datasetInfo,
  decodePedestrianAttributes,
  identityLabels,
  imageCodes,
  imageLabels,
  imageListingFromNames,
  listPedestrianImages,
  listPedestrianImagesSync,
  parseImageName,
  pedestrianTasks,
  showIdentity,
  type PedestrianAnnotations,
  type PedestrianError,
} from '../../src/data/pedestrian.js';
import { MISSING_LABEL } from '../../src/tasks.js';
import { attributeFileBytes, type IdentityCodes } from '../../fixtures/market/annotations.js';
import { matRow } from '../../fixtures/market/matWriter.js';

const M = MISSING_LABEL;

const right = <A>(r: E.Either<PedestrianError, A>): A => {
  if (E.isLeft(r)) throw new Error(`unexpected Left: ${r.left.message}`);
  return r.right;
};
const leftOf = <A>(r: E.Either<PedestrianError, A>): PedestrianError => {
  if (E.isRight(r)) throw new Error('unexpected Right');
  return r.left;
};

/** A Market identity: all 'no' / first value, then overrides. */
const person = (id: string, overrides: Record<string, number>): IdentityCodes => ({
  id,
  codes: { ...Object.fromEntries(allAttributes(MARKET_SCHEMA).map((a) => [a.name, 1])), ...overrides },
});

const trainIds = [
  person('0002', { age: 3, gender: 2, hair: 2, upred: 2, downblue: 2, backpack: 2 }),
  person('0007', { age: 2, up: 2, upblack: 2, downpurple: 2 }),
  person('0010', { age: 4, downgray: 2, hat: 0 }), // no upper colour; invalid hat code 0
];
const testIds = [
  person('0001', { age: 2, gender: 2, hair: 2, clothes: 1, upwhite: 2, downwhite: 2 }),
  person('0003', { age: 1, hair: 2, upblue: 2, downblack: 2, downblue: 2 }), // two lower colours; every test identity has long hair
];

const annotations = (opts: Parameters<typeof attributeFileBytes>[2] = {}): PedestrianAnnotations =>
  right(decodePedestrianAttributes(MARKET_SCHEMA, attributeFileBytes(MARKET_SCHEMA, { train: trainIds, test: testIds }, opts), 'market_attribute.mat'));

test('decoding reads every attribute by name whatever the field order', (t) => {
  const a = annotations();
  const b = annotations({
    fieldOrder: { train: [...MARKET_SCHEMA.fileFieldOrder.train].reverse(), test: [...MARKET_SCHEMA.fileFieldOrder.test].sort() },
    endian: 'big',
    compress: false,
  });
  t.deepEqual(a.splits.train.ids, ['0002', '0007', '0010']);
  t.deepEqual(a.splits.test.ids, ['0001', '0003']);
  t.deepEqual(a.splits.train.fieldOrder, MARKET_SCHEMA.fileFieldOrder.train);
  t.notDeepEqual(b.splits.train.fieldOrder, a.splits.train.fieldOrder);
  for (const split of ['train', 'test'] as const) {
    for (const def of allAttributes(MARKET_SCHEMA)) t.deepEqual(b.splits[split].codes.get(def.name), a.splits[split].codes.get(def.name), def.name);
  }
  t.deepEqual(Array.from(a.splits.train.codes.get('age') ?? []), [3, 2, 4]);
});

test('tasks: binary attributes, a 4-class age, colours as groups or as binary tasks', (t) => {
  const groups = pedestrianTasks(MARKET_SCHEMA);
  t.is(groups.length, 12);
  t.deepEqual(groups[0], { kind: 'multiclass', name: 'age', classes: ['young', 'teenager', 'adult', 'old'] });
  t.deepEqual(groups.slice(1, 10).map((x) => [x.kind, x.name]), ['backpack', 'bag', 'handbag', 'clothes', 'down', 'up', 'hair', 'hat', 'gender'].map((n) => ['binary', n]));
  t.deepEqual(groups[10], { kind: 'multiclass', name: 'upcolor', classes: ['black', 'white', 'red', 'purple', 'yellow', 'gray', 'blue', 'green'] });
  t.is(groups[11].name, 'downcolor');
  const binary = pedestrianTasks(MARKET_SCHEMA, { colours: 'binary' });
  t.is(binary.length, 10 + 8 + 9);
  t.true(binary.slice(1).every((x) => x.kind === 'binary'));
  t.deepEqual(binary.slice(10, 12).map((x) => x.name), ['upblack', 'upwhite']);
  t.is(pedestrianTasks(DUKE_SCHEMA, { colours: 'binary' }).length, 23);
  t.is(pedestrianTasks(DUKE_SCHEMA).length, 10);
});

test('identity label rows: codes shifted to 0-based, invalid codes and colour quirks become MISSING_LABEL in groups mode', (t) => {
  const ann = annotations();
  const g = identityLabels(ann, 'train');
  t.is(g.labels.length, 3 * 12);
  // age backpack bag handbag clothes down up hair hat gender upcolor downcolor
  t.deepEqual(Array.from(g.labels.subarray(0, 12)), [2, 1, 0, 0, 0, 0, 0, 1, 0, 1, 2, 6]);
  t.deepEqual(Array.from(g.labels.subarray(12, 24)), [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 3]);
  t.deepEqual(Array.from(g.labels.subarray(24, 36)), [3, 0, 0, 0, 0, 0, 0, 0, M, 0, M, 5]);
  const test_ = identityLabels(ann, 'test');
  t.deepEqual(Array.from(test_.labels.subarray(12, 24)), [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 6, M]);
  const b = identityLabels(ann, 'test', { colours: 'binary' });
  t.is(b.tasks.length, 27);
  const row = Array.from(b.labels.subarray(27, 54));
  const names = b.tasks.map((x) => x.name);
  t.is(row[names.indexOf('downblack')], 1);
  t.is(row[names.indexOf('downblue')], 1);
  t.is(row[names.indexOf('downwhite')], 0);
  t.is(row[names.indexOf('upblue')], 1);
});

test('the file quirks are reported as problems, with counts and examples', (t) => {
  const ann = annotations({ extraFields: { test: [['remark', matRow([0, 0])]] } });
  const kinds = ann.problems.map((p) => [p.kind, p.split, p.subject, p.count, p.examples.join(' ')]);
  t.deepEqual(kinds.filter((k) => k[0] === 'invalid-value'), [['invalid-value', 'train', 'hat', 1, '0010']]);
  t.deepEqual(kinds.filter((k) => k[0] === 'colour-none'), [['colour-none', 'train', 'upcolor', 1, '0010']]);
  t.deepEqual(kinds.filter((k) => k[0] === 'colour-several'), [['colour-several', 'test', 'downcolor', 1, '0003']]);
  t.deepEqual(kinds.filter((k) => k[0] === 'unknown-field'), [['unknown-field', 'test', 'market_attribute.test', 1, 'remark']]);
  // Test split: no purple trousers, everyone long-haired, no adult or old identity.
  t.true(kinds.some((k) => k[0] === 'no-positives' && k[1] === 'test' && k[2] === 'downpurple'));
  t.false(kinds.some((k) => k[0] === 'no-positives' && k[1] === 'train' && k[2] === 'downpurple'));
  t.true(kinds.some((k) => k[0] === 'no-negatives' && k[1] === 'test' && k[2] === 'hair'));
  t.true(kinds.some((k) => k[0] === 'empty-class' && k[1] === 'test' && k[2] === 'age' && k[3] === 2 && k[4] === 'adult old'));
  const masked = identityLabels(ann, 'test').problems.find((p) => p.kind === 'colour-several');
  t.is(masked?.message, 'market_attribute.test: 1 identity has several down colours marked yes; their downcolor label is MISSING_LABEL');
  const kept = identityLabels(ann, 'test', { colours: 'binary' }).problems.find((p) => p.kind === 'colour-several');
  t.regex(kept?.message ?? '', /kept as given/);
});

test('structural errors are Lefts naming the file and the field path', (t) => {
  const bytes = (opts: Parameters<typeof attributeFileBytes>[2]) => attributeFileBytes(MARKET_SCHEMA, { train: trainIds, test: testIds }, opts);
  const noGender = leftOf(decodePedestrianAttributes(MARKET_SCHEMA, bytes({ fieldOrder: { test: MARKET_SCHEMA.fileFieldOrder.test.filter((f) => f !== 'gender') } }), 'm.mat'));
  t.is(noGender.message.split(':')[0], 'm.mat');
  t.regex(noGender.message, /market_attribute\.test\.gender: no such field/);
  const dup = leftOf(decodePedestrianAttributes(MARKET_SCHEMA, attributeFileBytes(MARKET_SCHEMA, { train: [trainIds[0], trainIds[0]], test: testIds }), 'd.mat'));
  t.is(dup.message, 'd.mat: market_attribute.train.image_index: identity 0002 appears twice');
  const short = leftOf(
    decodePedestrianAttributes(
      MARKET_SCHEMA,
      attributeFileBytes(MARKET_SCHEMA, { train: trainIds, test: testIds }, { fieldOrder: { test: MARKET_SCHEMA.fileFieldOrder.test.filter((f) => f !== 'age') }, extraFields: { test: [['age', matRow([1])]] } }),
      's.mat',
    ),
  );
  t.is(short.message, 's.mat: market_attribute.test.age: expected 2 values (one per identity of image_index), got 1');
  const duke = leftOf(decodePedestrianAttributes(DUKE_SCHEMA, bytes({}), 'x.mat'));
  t.is(duke.message, 'x.mat: duke_attribute: no such variable (the file has market_attribute)');
  const trunc = leftOf(decodePedestrianAttributes(MARKET_SCHEMA, bytes({}).subarray(0, 200), 't.mat'));
  t.is(trunc._tag, 'MatTruncated');
});

test('image names: Market and Duke forms, junk ids, anything else rejected', (t) => {
  t.deepEqual(parseImageName('0002_c1s1_000451_03.jpg'), { id: '0002', camera: 1, sequence: 1, frame: 451, box: 3, junk: false });
  t.deepEqual(parseImageName('0001_c2_f0046182.jpg'), { id: '0001', camera: 2, frame: 46182, junk: false });
  t.true(parseImageName('-1_c3s2_012345_01.jpg')?.junk);
  t.true(parseImageName('0000_c6s4_002427_02.jpg')?.junk);
  t.is(parseImageName('Thumbs.db'), undefined);
  t.is(parseImageName('0002_x1s1_000451_03.jpg'), undefined);
});

const names = {
  bounding_box_train: ['0002_c1s1_000451_03.jpg', '0002_c2s1_000551_01.jpg', '0007_c1s1_000100_00.jpg', '0099_c1s1_000001_00.jpg', 'notes.txt', 'weird.jpg'],
  bounding_box_test: ['0001_c1s1_001051_00.jpg', '-1_c1s1_000401_03.jpg', '0000_c1s1_000001_00.jpg', '0003_c4s1_000010_01.jpg', '0003_c5s1_000010_01.jpg', '0002_c1s1_000452_03.jpg'],
};

test('per-image labels repeat the identity row; junk counted, unannotated and unparsable reported', (t) => {
  const ann = annotations();
  const listing = imageListingFromNames('/data/market', names);
  t.is(listing.folders.bounding_box_test.junk, 2);
  t.deepEqual(listing.folders.bounding_box_train.unparsable, ['weird.jpg']);
  t.true(listing.problems.some((p) => p.kind === 'missing-folder' && p.subject === 'query'));
  const train = imageLabels(ann, listing, 'bounding_box_train');
  t.deepEqual(train.images.map((i) => i.name), ['0002_c1s1_000451_03.jpg', '0002_c2s1_000551_01.jpg', '0007_c1s1_000100_00.jpg']);
  t.is(train.images[0].path, join('/data/market', 'bounding_box_train', '0002_c1s1_000451_03.jpg'));
  const ids = identityLabels(ann, 'train');
  t.deepEqual(Array.from(train.labels.subarray(0, 12)), Array.from(ids.labels.subarray(0, 12)));
  t.deepEqual(Array.from(train.labels.subarray(12, 24)), Array.from(ids.labels.subarray(0, 12)));
  t.deepEqual(Array.from(train.labels.subarray(24, 36)), Array.from(ids.labels.subarray(12, 24)));
  t.deepEqual(Array.from(train.identityIndex), [0, 0, 1]);
  const un = train.problems.find((p) => p.kind === 'unannotated-images');
  t.is(un?.count, 1);
  t.deepEqual(un?.examples, ['0099_c1s1_000001_00.jpg']);
  t.regex(un?.message ?? '', /1 image of 1 identity without train annotation \(0099\) left out/);
  t.true(train.problems.some((p) => p.kind === 'unparsable-file-names'));
  const test_ = imageLabels(ann, listing, 'bounding_box_test');
  t.deepEqual(test_.images.map((i) => i.id), ['0001', '0003', '0003']);
  t.is(test_.excluded.junk, 2);
  t.deepEqual(test_.excluded.unannotated.map((i) => i.name), ['0002_c1s1_000452_03.jpg']);
  const codes = imageCodes(ann, test_);
  t.deepEqual(Array.from(codes.gender), [2, 1, 1]);
  t.deepEqual(Array.from(codes.downblue), [1, 2, 2]);
});

test('datasetInfo and showIdentity', (t) => {
  const ann = annotations();
  const info = datasetInfo(ann, { images: imageListingFromNames('/d', names) });
  t.deepEqual(info.splits.train, { identities: 3, images: 3, folders: { bounding_box_train: { images: 3, junk: 0, unannotated: 1 } } });
  t.is(info.splits.test.identities, 2);
  t.is(info.attributes.length, 12);
  const gender = info.attributes.find((a) => a.name === 'gender');
  t.deepEqual(gender, { name: 'gender', kind: 'binary', positiveRate: { train: 1 / 3, test: 1 / 2 } });
  const up = info.attributes.find((a) => a.name === 'upcolor');
  // Train: 0010 has no upper colour and is left out of the rates.
  t.deepEqual((up?.positiveRate.train as Record<string, number>).red, 0.5);
  const hat = info.attributes.find((a) => a.name === 'hat');
  t.is(hat?.positiveRate.train, 0);
  t.true(info.problems.some((p) => p.kind === 'unannotated-images'));
  t.deepEqual(right(showIdentity(ann, 'test', '0003')).downcolor, 'black+blue');
  t.deepEqual(right(showIdentity(ann, 'train', '0010')).upcolor, 'none');
  t.deepEqual(right(showIdentity(ann, 'train', '0010')).hat, 'invalid (0)');
  const shown = right(showIdentity(ann, 'test', '0001'));
  t.like(shown, { gender: 'female', hair: 'long', clothes: 'dress', upcolor: 'white', downcolor: 'white', age: 'teenager', up: 'long sleeve' });
  t.is(leftOf(showIdentity(ann, 'train', '0001')).message, 'market_attribute.mat: no train identity 0001 (it is a test identity)');
});

test('listing image folders on disk', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'awmtl-ped-'));
  try {
    mkdirSync(join(root, 'bounding_box_train'));
    mkdirSync(join(root, 'query'));
    for (const n of names.bounding_box_train) writeFileSync(join(root, 'bounding_box_train', n), '');
    writeFileSync(join(root, 'query', '0001_c2s1_000001_00.jpg'), '');
    const sync = right(listPedestrianImagesSync(root));
    const async_ = right(await listPedestrianImages(root)());
    t.deepEqual(sync, async_);
    t.is(sync.folders.bounding_box_train.images.length, 4);
    t.false(sync.folders.bounding_box_test.present);
    t.deepEqual(sync.problems.map((p) => [p.kind, p.subject]), [
      ['unparsable-file-names', 'bounding_box_train'],
      ['missing-folder', 'bounding_box_test'],
    ]);
    const q = imageLabels(annotations(), sync, 'query');
    t.deepEqual(q.images.map((i) => i.id), ['0001']);
    const missing = leftOf(listPedestrianImagesSync(join(root, 'nope')));
    t.is(missing._tag, 'ImageFolderUnreadable');
    t.regex(missing.message, /nope: cannot list images/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
