import test from 'ava';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { generateDukeFixture, generateMarketFixture } from '../../fixtures/market/fixture.js';
import { duke, DUKE_SOURCE } from '../../pipelines/duke.js';
import { findPipeline } from '../../pipelines/index.js';
import { market1501, MARKET_SOURCE } from '../../pipelines/market1501.js';
import {
  annotationCandidates,
  findAnnotationFile,
  parsePedestrianOptions,
  PEDESTRIAN_IMAGE_DEFAULTS,
  pedestrianSource,
} from '../../pipelines/pedestrian.js';
import type { AttributeDataset } from '../../src/data/attributeDataset.js';
import { OFFICIAL_TASKS } from '../../src/metrics/index.js';
import { logitLayout, MISSING_LABEL } from '../../src/tasks.js';

const root = mkdtempSync(join(tmpdir(), 'awmtl-ped-pipeline-'));
const marketDir = join(root, 'market');
const dukeDir = join(root, 'duke');
const fixtures = Promise.all([
  generateMarketFixture({ dir: marketDir, seed: 5, trainIds: 20, testIds: 18, imagesPerId: 2, junkImages: 4 }),
  generateDukeFixture({ dir: dukeDir, seed: 6, trainIds: 12, testIds: 8, imagesPerId: 2 }),
]);
test.after.always(() => rmSync(root, { recursive: true, force: true }));

const load = async (name: 'market1501' | 'duke', options: Record<string, string> = {}, seed = 0): Promise<AttributeDataset> => {
  await fixtures;
  const pipeline = name === 'market1501' ? market1501 : duke;
  const r = await pipeline.load(name === 'market1501' ? marketDir : dukeDir, options, seed);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

const idsOf = (ds: AttributeDataset, split: 'train' | 'val' | 'test'): Set<string> => {
  const view = ds.splits[split];
  return new Set(Array.from({ length: view.size }, (_, i) => view.id(i).split('_')[0]));
};

test('both pipelines are registered, with 128x64 uncropped inputs and the pedestrian data options', (t) => {
  t.is(findPipeline('market1501'), market1501);
  t.is(findPipeline('duke'), duke);
  for (const p of [market1501, duke]) {
    t.deepEqual({ h: p.imageDefaults.height, w: p.imageDefaults.width, crop: p.imageDefaults.crop }, { h: 128, w: 64, crop: 'none' });
    t.deepEqual(Object.keys(p.dataOptions).sort(), ['annotations', 'colours', 'val-fraction']);
    t.true(p.defaults.batchSize > 0 && p.defaults.k * 2 < p.defaults.iterations);
  }
  t.is(typeof market1501.extraMetrics, 'function');
  t.is(duke.extraMetrics, undefined);
});

test('the annotation file: --annotations, else DIR/<file>, DIR/attribute/<file>, DIR/<repository clone>/<file>, in that order', async (t) => {
  const f = await fixtures;
  const dir = join(root, 'lookup');
  const [plain, attribute, clone] = annotationCandidates(MARKET_SOURCE, dir);
  t.deepEqual([plain, attribute, clone], [
    join(dir, 'market_attribute.mat'),
    join(dir, 'attribute', 'market_attribute.mat'),
    join(dir, 'Market-1501_Attribute', 'market_attribute.mat'),
  ]);
  t.is(annotationCandidates(DUKE_SOURCE, dir)[2], join(dir, 'DukeMTMC-attribute', 'duke_attribute.mat'));
  mkdirSync(join(dir, 'attribute'), { recursive: true });
  mkdirSync(join(dir, 'Market-1501_Attribute'), { recursive: true });
  const missing = findAnnotationFile(MARKET_SOURCE, dir, undefined);
  t.true(E.isLeft(missing) && missing.left.tried.length === 3 && missing.left.message.includes('--annotations'));
  copyFileSync(f[0].attributeFile, clone);
  t.deepEqual(findAnnotationFile(MARKET_SOURCE, dir, undefined), E.right(clone));
  copyFileSync(f[0].attributeFile, attribute);
  t.deepEqual(findAnnotationFile(MARKET_SOURCE, dir, undefined), E.right(attribute));
  copyFileSync(f[0].attributeFile, plain);
  t.deepEqual(findAnnotationFile(MARKET_SOURCE, dir, undefined), E.right(plain));
  t.deepEqual(findAnnotationFile(MARKET_SOURCE, dir, clone), E.right(clone));
  const given = findAnnotationFile(MARKET_SOURCE, dir, join(dir, 'nope.mat'));
  t.true(E.isLeft(given) && given.left.message.startsWith(`${join(dir, 'nope.mat')}: no such file`));
  const aFolder = findAnnotationFile(MARKET_SOURCE, dir, join(dir, 'attribute'));
  t.true(E.isLeft(aFolder) && aFolder.left.message.includes('not a file'));
});

test('data options: defaults groups and 0.1; bad values are errors naming the option', (t) => {
  t.deepEqual(parsePedestrianOptions({}), E.right({ colours: 'groups', valFraction: 0.1 }));
  t.deepEqual(parsePedestrianOptions({ colours: 'binary', 'val-fraction': '0.25', annotations: 'a.mat' }), E.right({ colours: 'binary', valFraction: 0.25, annotations: 'a.mat' }));
  for (const [opt, value] of [['colours', 'rgb'], ['val-fraction', '0'], ['val-fraction', '1'], ['val-fraction', 'x'], ['val-fraction', '']] as const) {
    const r = parsePedestrianOptions({ [opt]: value });
    t.true(E.isLeft(r) && r.left.message.startsWith(`--${opt} `), `${opt}=${value}`);
  }
});

test('Market: train identities split into train and val (seeded), test from bounding_box_test, problems as warnings and facts', async (t) => {
  const ds = await load('market1501', { 'val-fraction': '0.25' }, 3);
  const train = idsOf(ds, 'train');
  const val = idsOf(ds, 'val');
  t.is(train.size + val.size, 20);
  t.is(val.size, 5);
  t.false([...val].some((id) => train.has(id)));
  t.is(ds.splits.train.size + ds.splits.val.size, 40);
  t.is(ds.splits.test.size, 36);
  t.is(idsOf(ds, 'test').size, 18);
  t.is(ds.splits.train.imagePath(0), join(marketDir, 'bounding_box_train', ds.splits.train.id(0)));
  t.deepEqual(ds.imageDefaults, PEDESTRIAN_IMAGE_DEFAULTS);
  // The same seed gives the same split; another seed another one.
  t.deepEqual(idsOf(await load('market1501', { 'val-fraction': '0.25' }, 3), 'val'), val);
  const others = await Promise.all([4, 5, 6].map(async (s) => idsOf(await load('market1501', { 'val-fraction': '0.25' }, s), 'val')));
  t.true(others.some((o) => [...o].sort().join() !== [...val].sort().join()));
  // Every problem the reader found is a warning; counts are facts.
  const pds = pedestrianSource(ds);
  if (pds === undefined) return t.fail('no pedestrian dataset behind the pipeline dataset');
  t.true(pds.problems.length > 0);
  for (const p of pds.problems) t.true(ds.warnings.includes(p.message), p.message);
  t.true(ds.warnings.some((w) => /no up colour marked yes; their upcolor label is MISSING_LABEL/.test(w)));
  t.true(ds.warnings.includes('4 junk images (identity -1 or 0000) left out'));
  t.like(ds.facts, { trainIdentities: 15, valIdentities: 5, testIdentities: 18, train: 30, val: 10, test: 36, queryImages: 18, junkImagesExcluded: 4, colours: 'groups' });
  t.is(ds.facts['problem no-positives'], pds.problems.filter((p) => p.kind === 'no-positives').reduce((n, p) => n + p.count, 0));
  // Labels: 12 tasks (age 4 classes, the two colour groups), the identity's row for each of its images.
  t.deepEqual(ds.tasks.map((x) => x.name), ['age', 'backpack', 'bag', 'handbag', 'clothes', 'down', 'up', 'hair', 'hat', 'gender', 'upcolor', 'downcolor']);
  const a = new Float32Array(12);
  const b = new Float32Array(12);
  const view = ds.splits.test;
  for (let i = 1; i < view.size; i++) {
    if (view.id(i).slice(0, 4) !== view.id(i - 1).slice(0, 4)) continue;
    view.labelsInto(i - 1, a, 0);
    view.labelsInto(i, b, 0);
    t.deepEqual(a, b);
  }
});

test('--colours binary: one yes/no task per colour (27 Market tasks, 23 Duke)', async (t) => {
  const m = await load('market1501', { colours: 'binary' });
  t.is(m.tasks.length, 27);
  t.true(m.tasks.filter((x) => x.name.startsWith('up') && x.name !== 'up').every((x) => x.kind === 'binary'));
  t.is(m.facts.colours, 'binary');
  const d = await load('duke', { colours: 'binary' });
  t.is(d.tasks.length, 23);
  t.true(d.tasks.every((x) => x.kind === 'binary'));
  const g = await load('duke');
  t.deepEqual(g.tasks.map((x) => x.kind === 'binary' ? x.name : `${x.name}/${x.classes.length}`), ['backpack', 'bag', 'handbag', 'boots', 'gender', 'hat', 'shoes', 'top', 'downcolor/7', 'upcolor/8']);
  // Duke's fixture has one train identity whose `top` code is 0, as in the real file: a warning, not a failure.
  t.true(g.warnings.some((w) => w.includes('.top') && w.includes('outside 1..2')));
});

test('a dataset folder without bounding_box_train is an error naming the folder and the layout', async (t) => {
  const f = await fixtures;
  const empty = join(root, 'empty');
  mkdirSync(empty, { recursive: true });
  const r = await market1501.load(empty, { annotations: f[0].attributeFile }, 0);
  t.true(E.isLeft(r) && r.left.message.startsWith(`${join(empty, 'bounding_box_train')} does not exist`) && r.left.message.includes('bounding_box_test/'));
  const noMat = await duke.load(empty, {}, 0);
  t.true(E.isLeft(noMat) && noMat.left.message.includes(join(empty, 'duke_attribute.mat')));
});

test('Market extra metrics: the official 12-task accuracy over the evaluated samples, through the file codes of their images', async (t) => {
  const ds = await load('market1501');
  const extra = market1501.extraMetrics?.(ds);
  if (extra === undefined) return t.fail('no extra metrics');
  const { offsets, width } = logitLayout(ds.tasks);
  const view = ds.splits.test;
  // Evaluate a shuffled subset: sample k is split sample samples[k].
  const samples = Int32Array.from({ length: view.size }, (_, i) => (i * 7) % view.size).filter((_, k) => k % 3 !== 0);
  const n = samples.length;
  const labels = new Float32Array(n * ds.tasks.length);
  const logits = new Float32Array(n * width);
  samples.forEach((s, k) => {
    view.labelsInto(s, labels, k * ds.tasks.length);
    ds.tasks.forEach((task, j) => {
      const y = labels[k * ds.tasks.length + j];
      const o = k * width + offsets[j];
      if (task.kind === 'binary') logits[o] = y === 1 ? 3 : -3;
      else if (y !== MISSING_LABEL) logits[o + y] = 3; // a missing colour: all zeros, the argmax is the first class
    });
  });
  const out = extra({ split: 'test', logits, labels, samples }) as { marketOfficial?: { mean: number; images: number; perTask: Record<string, number> } };
  const official = out.marketOfficial;
  if (official === undefined) return t.fail(JSON.stringify(out));
  t.is(official.images, n);
  t.deepEqual(Object.keys(official.perTask), [...OFFICIAL_TASKS]);
  // Logits equal to the labels: every plain task is right on every image...
  for (const task of OFFICIAL_TASKS.slice(0, 10)) t.is(official.perTask[task], 1, task);
  // ... and the upper colour on exactly the images whose identity has one upper colour (the fixture's colourless
  // identities have none, so the official protocol counts them wrong whatever the prediction).
  const up = ds.tasks.findIndex((x) => x.name === 'upcolor');
  const defined = samples.reduce((c, _, k) => c + (labels[k * ds.tasks.length + up] === MISSING_LABEL ? 0 : 1), 0);
  t.true(defined < n, 'the fixture has identities without an upper colour among these samples');
  t.is(official.perTask.upcolor, defined / n);
  const mean = Object.values(official.perTask).reduce((a, b) => a + b, 0) / 12;
  t.true(Math.abs(official.mean - mean) < 1e-12);
  // Wrong logits (negated): the plain binary tasks are all wrong.
  const flipped = extra({ split: 'test', logits: logits.map((x) => -x), labels, samples }) as typeof out;
  t.is(flipped.marketOfficial?.perTask.gender, 0);
  // A dataset the pipeline did not make has no official scoring.
  t.is(market1501.extraMetrics?.({ ...ds }), undefined);
});
