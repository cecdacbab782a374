import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { MARKET_SCHEMA, loadMarketAttributesSync } from '../../src/data/market1501.js';
import { identityLabels, imageCodes, imageLabels, imageListingFromNames, pedestrianTasks } from '../../src/data/pedestrian.js';
import { MISSING_LABEL, binaryTask, logitLayout } from '../../src/tasks.js';
import { OFFICIAL_TASKS, marketOfficialAccuracy, officialFromMatrix, officialMatrix } from '../../src/metrics/index.js';
import { testWithData } from '../sharedData.js';

const FILE = '../shared/data/market1501-attribute/market_attribute.mat';

/** Three images' file codes. */
const colourRows = (group: 'up' | 'down', colours: readonly string[], yes: readonly (readonly string[])[]) =>
  Object.fromEntries(colours.map((c) => [group + c, yes.map((y) => (y.includes(c) ? 2 : 1))]));
const truth = {
  gender: [2, 1, 1],
  hair: [2, 1, 2],
  age: [2, 3, 4],
  up: [2, 2, 1],
  down: [2, 1, 1],
  clothes: [1, 2, 2],
  hat: [1, 1, 2],
  backpack: [1, 2, 1],
  bag: [1, 1, 1],
  handbag: [1, 1, 2],
  // Image 1 has no upper colour, image 2 two (black and blue).
  ...colourRows('up', MARKET_SCHEMA.colourGroups[0].colours, [['white'], [], ['black', 'blue']]),
  ...colourRows('down', MARKET_SCHEMA.colourGroups[1].colours, [['white'], ['black'], ['purple']]),
};

test('the official 12 tasks scored from an official-style prediction matrix (hand-computed)', (t) => {
  // gender hair age up down clothes hat backpack bag handbag upcolour downcolour (official codes)
  const predicted = [
    2, 2, 2, 2, 1, 1, 1, 1, 1, 2, 2, 2, // upper 2 = white: right; lower 2 = white: right
    1, 2, 3, 2, 1, 2, 1, 1, 1, 1, 1, 1, // upper black but the identity has no colour: wrong
    2, 2, 4, 1, 1, 2, 1, 1, 1, 2, 6, 9, // upper 6 = blue (one of two): right; lower 9 = purple: right
  ];
  const r = officialFromMatrix(predicted, truth);
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.deepEqual(r.right.perTask.map((p) => p.task), [...OFFICIAL_TASKS]);
  t.deepEqual(r.right.perTask.map((p) => p.correct), [2, 2, 3, 3, 2, 3, 2, 2, 3, 2, 2, 3]);
  t.is(r.right.images, 3);
  t.true(Math.abs(r.right.mean - 29 / 36) < 1e-12);
  const lacking = officialFromMatrix(predicted, { ...truth, upyellow: undefined as unknown as number[] });
  t.true(E.isLeft(lacking) && /truth lacks upyellow/.test(lacking.left.message));
});

test('officialMatrix maps our tasks to the official codes: colour groups by name, binary colours by argmax', (t) => {
  const groups = pedestrianTasks(MARKET_SCHEMA);
  const { offsets, width } = logitLayout(groups);
  const scores = new Float32Array(width).fill(-3);
  const set = (name: string, k: number, v: number) => (scores[offsets[groups.findIndex((x) => x.name === name)] + k] = v);
  set('gender', 0, 1.5); // female
  set('age', 2, 4); // adult -> 3
  set('upcolor', 4, 2); // our class 4 = yellow -> official 8
  set('downcolor', 3, 2); // our class 3 = purple -> official 9
  const m = officialMatrix(scores, groups);
  if (E.isLeft(m)) return t.fail(m.left.message);
  t.deepEqual(Array.from(m.right), [2, 1, 3, 1, 1, 1, 1, 1, 1, 1, 8, 9]);
  const binary = pedestrianTasks(MARKET_SCHEMA, { colours: 'binary' });
  const lb = logitLayout(binary);
  const s2 = new Float32Array(lb.width).fill(-5);
  s2[lb.offsets[binary.findIndex((x) => x.name === 'upgray')]] = -1; // all negative: the argmax still picks gray -> 5
  s2[lb.offsets[binary.findIndex((x) => x.name === 'downbrown')]] = 3; // -> 7
  s2[lb.offsets[binary.findIndex((x) => x.name === 'hair')]] = 0.2; // long -> 2
  const m2 = officialMatrix(s2, binary);
  t.true(E.isRight(m2));
  if (E.isRight(m2)) t.deepEqual(Array.from(m2.right), [1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 5, 7]);
  const probs = officialMatrix(Float32Array.from(s2, (x) => 1 / (1 + Math.exp(-x))), binary, 'probabilities');
  t.deepEqual(probs, m2);
  const partial = officialMatrix(new Float32Array(2), [binaryTask('gender'), binaryTask('hair')]);
  t.true(E.isLeft(partial) && /lack .*age \(4 classes\).*upcolor/.test(partial.left.message));
});

testWithData([FILE], 'real file: an oracle built from the labels scores 100% except colours, whose ceiling is the share of identities with a colour', (t) => {
  const ann = loadMarketAttributesSync(FILE);
  if (E.isLeft(ann)) return t.fail(ann.left.message);
  // One synthetic gallery image per test identity.
  const names = ann.right.splits.test.ids.map((id, k) => `${id}_c1s1_${String(k).padStart(6, '0')}_00.jpg`);
  const images = imageLabels(ann.right, imageListingFromNames('/g', { bounding_box_test: names }), 'bounding_box_test');
  const tasks = images.tasks;
  const { offsets, width } = logitLayout(tasks);
  const n = images.images.length;
  const scores = new Float32Array(n * width).fill(-1);
  for (let i = 0; i < n; i++) {
    tasks.forEach((task, k) => {
      const y = images.labels[i * tasks.length + k];
      if (y === MISSING_LABEL) return; // all logits -1: argmax picks the first class
      if (task.kind === 'binary') scores[i * width + offsets[k]] = y === 1 ? 1 : -1;
      else scores[i * width + offsets[k] + y] = 1;
    });
  }
  const r = marketOfficialAccuracy(scores, tasks, imageCodes(ann.right, images));
  if (E.isLeft(r)) return t.fail(r.left.message);
  t.is(r.right.images, 750);
  t.deepEqual(r.right.perTask.slice(0, 10).map((p) => p.accuracy), new Array(10).fill(1));
  t.is(r.right.perTask[10].accuracy, 681 / 750);
  t.is(r.right.perTask[11].accuracy, 706 / 750);
  t.true(Math.abs(r.right.mean - (10 + 681 / 750 + 706 / 750) / 12) < 1e-12);
  // Sanity: the same labels through identityLabels give the same row count.
  t.is(identityLabels(ann.right, 'test').ids.length, n);
});
