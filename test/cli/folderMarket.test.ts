/**
 * `--pipeline folder` end to end on real Market-1501 crops: a label CSV written
 * here from the crops' file names (camera) and the real attribute file (hat,
 * backpack, gender, age), with empty cells and a split column; train, eval and
 * predict through the real executable.
 */
import test from 'ava';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { MARKET_SCHEMA } from '../../src/data/market1501.js';
import { loadPedestrianAttributesSync } from '../../src/data/pedestrian.js';
import { testWithData } from '../sharedData.js';
import { repoRoot, runCli, runInProcess } from './run.js';

const MARKET = join(repoRoot, '../shared/data/market1501-dev');
const NEEDS = [join(MARKET, 'bounding_box_train'), join(MARKET, 'market_attribute.mat')];
const root = mkdtempSync(join(tmpdir(), 'awmtl-folder-market-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

/** 8 identities x 5 crops: 4 train, 2 val, 2 test identities; every 7th backpack cell left empty. */
const writeFolder = (dir: string): { images: string[]; lines: string[] } => {
  const ann = loadPedestrianAttributesSync(MARKET_SCHEMA, join(MARKET, 'market_attribute.mat'));
  if (E.isLeft(ann)) throw new Error(ann.left.message);
  const train = ann.right.splits.train;
  const code = (attr: string, id: string): number => (train.codes.get(attr) as Float64Array)[train.ids.indexOf(id)];
  const files = readdirSync(join(MARKET, 'bounding_box_train')).filter((n) => n.endsWith('.jpg')).sort();
  const byId = new Map<string, string[]>();
  for (const f of files) byId.set(f.slice(0, 4), [...(byId.get(f.slice(0, 4)) ?? []), f]);
  // identities with 5+ crops, chosen so both hat values and both genders occur
  const ids = [...byId.keys()].filter((id) => (byId.get(id) as string[]).length >= 5 && train.ids.includes(id));
  const withHat = ids.filter((id) => code('hat', id) === 2).slice(0, 2);
  const rest = ids.filter((id) => !withHat.includes(id)).slice(0, 8 - withHat.length);
  const chosen = [...rest.slice(0, 3), withHat[0], rest[3], rest[4], withHat[1], rest[5]];
  const splitOf = ['train', 'train', 'train', 'train', 'val', 'val', 'test', 'test'];
  mkdirSync(join(dir, 'crops'), { recursive: true });
  const lines = ['image,camera,hat,backpack,gender,age,split'];
  const images: string[] = [];
  let n = 0;
  chosen.forEach((id, k) => {
    for (const f of (byId.get(id) as string[]).slice(0, 5)) {
      copyFileSync(join(MARKET, 'bounding_box_train', f), join(dir, 'crops', f));
      const yesNo = (attr: string) => (code(attr, id) === 2 ? 'yes' : 'no');
      const backpack = n++ % 7 === 3 ? '' : code('backpack', id) === 2 ? '1' : '0';
      lines.push([`crops/${f}`, f.slice(6, 7), yesNo('hat'), backpack, code('gender', id) === 2 ? 'female' : 'male', MARKET_SCHEMA.attributes.find((a) => a.name === 'age')?.values[code('age', id) - 1], splitOf[k]].join(','));
      images.push(join(dir, 'crops', f));
    }
  });
  writeFileSync(join(dir, 'labels.csv'), `${lines.join('\n')}\n`);
  return { images, lines };
};

testWithData(NEEDS, '--pipeline folder on real Market crops: trains, evaluates and predicts binary and multi-class columns, missing cells, a split column', async (t) => {
  const data = join(root, 'data');
  const { images, lines } = writeFolder(data);
  t.is(lines.length, 41);
  const out = join(root, 'run');
  const trained = await runCli([
    'train', '--pipeline', 'folder', '--data', data, '--out', out, '--iterations', '6', '--size', '32x16', '--batch-size', '8',
    '--k', '2', '--eval-every', '0', '--checkpoint-every', '0', '--workers', '0', '--loss', 'wbce', '--json',
  ]);
  t.is(trained.code, 0, trained.stderr);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  t.deepEqual(metrics.tasks, ['camera', 'hat', 'backpack', 'gender', 'age']);
  t.is(metrics.data.split, 'the split column of labels.csv');
  t.deepEqual([metrics.data.train, metrics.data.val, metrics.data.test], [20, 10, 10]);
  t.true(metrics.data.missingLabels > 0);
  t.is(metrics.splits.test.images, 10);
  // the masked cells are left out of the backpack task's metrics
  const backpack = metrics.splits.test.perTask.find((p: { task: string }) => p.task === 'backpack');
  const emptyInTest = lines.slice(1).filter((l) => l.endsWith(',test') && l.split(',')[3] === '').length;
  t.is(backpack.labelled, 10 - emptyInTest);
  t.true(emptyInTest > 0);
  t.true(existsSync(join(out, 'report.html')));

  const evaluated = await runCli(['eval', '--model', out, '--data', data, '--split', 'test', '--json', '--workers', '0']);
  t.is(evaluated.code, 0, evaluated.stderr);
  const ev = JSON.parse(evaluated.stdout);
  t.is(ev.split, 'test');
  t.is(ev.images, 10);
  // the same model on the same split as the run's final evaluation
  t.true(Math.abs(ev.meanAccuracy - metrics.splits.test.meanAccuracy) < 1e-6, `${ev.meanAccuracy} vs ${metrics.splits.test.meanAccuracy}`);
  t.deepEqual(ev.perTask.map((p: { task: string }) => p.task), metrics.tasks);

  const predicted = await runCli(['predict', '--model', out, '--json', images[0], images[39]]);
  t.is(predicted.code, 0, predicted.stderr);
  type TaskJson = { probability: number; class: string; classes?: Record<string, number> };
  const results = JSON.parse(predicted.stdout) as { image: string; tasks: Record<string, TaskJson> }[];
  t.is(results.length, 2);
  for (const r of results) {
    t.deepEqual(Object.keys(r.tasks), ['camera', 'hat', 'backpack', 'gender', 'age']);
    const cameras = Object.keys(r.tasks.camera.classes ?? {});
    t.true(cameras.every((c) => /^[1-6]$/.test(c)) && cameras.length >= 2, cameras.join(','));
    t.true(cameras.includes(r.tasks.camera.class), 'the top class is one of the classes');
    // A two-valued column keeps its value names.
    t.true(['female', 'male'].includes(r.tasks.gender.class), r.tasks.gender.class);
    t.true(typeof r.tasks.hat.probability === 'number' && ['no', 'yes'].includes(r.tasks.hat.class));
    t.true(typeof r.tasks.backpack.probability === 'number');
  }
  const [info, shown] = await Promise.all([
    runCli(['dataset', 'info', '--pipeline', 'folder', '--data', data, '--json']),
    runCli(['dataset', 'show', '--pipeline', 'folder', '--data', data, '--id', lines[1].split(',')[0], '--json']),
  ]);
  t.is(info.code, 0, info.stderr);
  const infoJson = JSON.parse(info.stdout);
  t.deepEqual(infoJson.splits, { train: 20, val: 10, test: 10 });
  const bp = infoJson.tasks.find((x: { name: string }) => x.name === 'backpack');
  t.is(bp.counts.test.missing, emptyInTest);
  t.is(shown.code, 0, shown.stderr);
  const cells = lines[1].split(',');
  t.deepEqual(JSON.parse(shown.stdout).attributes, { camera: cells[1], hat: cells[2], backpack: cells[3] === '' ? null : cells[3] === '1' ? 'yes' : 'no', gender: cells[4], age: cells[5] });
  const text = await runCli(['predict', '--model', out, images[0]]);
  t.is(text.code, 0, text.stderr);
  t.regex(text.stdout, /\n\s+gender\s+[01]\.\d{3}\s+(female|male)\s+\(female [01]\.\d{3}, male [01]\.\d{3}\)/);
});

testWithData(NEEDS, '--pipeline folder: a malformed label file stops the run with one line naming file, line and column (exit 1)', async (t) => {
  const data = join(root, 'bad');
  writeFolder(data);
  const csv = readFileSync(join(data, 'labels.csv'), 'utf8').split('\n');
  csv[5] = csv[5].replace(/,train$/, ',training');
  writeFileSync(join(data, 'labels.csv'), csv.join('\n'));
  const run = await runInProcess(['train', '--pipeline', 'folder', '--data', data, '--out', join(root, 'bad-run'), '--iterations', '2']);
  t.is(run.code, 1);
  t.is(run.stderr.trim().split('\n').pop(), `awmtl: train: ${join(data, 'labels.csv')} line 6, column 7 (split): unknown split "training" (expected train, val or test)`);
});
