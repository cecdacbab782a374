import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildModel,
  describeModelError,
  fileSystemLoader,
  fileSystemSaver,
  loadModel,
  META_JSON,
  saveModel,
  type ModelMeta,
} from '../../src/model/index.js';
import { binaryTask, multiClassTask } from '../../src/tasks.js';

let root = '';

test.before(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'awmtl-model-'));
});

test.after.always(async () => {
  await rm(root, { recursive: true, force: true });
});

const tasks = [binaryTask('a'), multiClassTask('colour', ['r', 'g', 'b'])];
const meta: ModelMeta = {
  backbone: 'small-cnn',
  inputShape: [8, 8, 3],
  tasks,
  normalisation: { mean: [0.5, 0.4, 0.3], std: [0.2, 0.2, 0.25] },
  extra: { note: 'test' },
};

const must = <A>(e: { _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }): A => {
  if (e._tag === 'Left') throw new Error(`unexpected Left: ${JSON.stringify(e.left)}`);
  return e.right;
};

const input = (): tf.Tensor4D => tf.randomUniform([3, 8, 8, 3], 0, 1, 'float32', 11) as tf.Tensor4D;

const predictions = (model: tf.LayersModel): Float32Array =>
  tf.tidy(() => (model.predict(input()) as tf.Tensor).dataSync() as Float32Array);

test('saveModel + loadModel round trip: same outputs, same metadata, no temporary folders left', async (t) => {
  const model = must(await buildModel({ inputShape: [8, 8, 3], tasks, seed: 3, widthMultiplier: 0.5 }));
  const dir = join(root, 'roundtrip', 'model');
  must(await saveModel(model, dir, meta));
  t.deepEqual((await readdir(dir)).sort(), ['awmtl.json', 'model.json', 'weights.bin']);
  t.deepEqual(await readdir(join(root, 'roundtrip')), ['model']);
  const loaded = must(await loadModel(dir));
  t.deepEqual(loaded.meta, meta);
  t.deepEqual(predictions(loaded.model), predictions(model));
  // the model.json is a standard layers model: weights manifest pointing at weights.bin
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  t.is(json.format, 'layers-model');
  t.deepEqual(json.weightsManifest[0].paths, ['weights.bin']);
  loaded.model.dispose();
  model.dispose();
});

test('saveModel replaces an existing model folder', async (t) => {
  const dir = join(root, 'replace');
  const first = must(await buildModel({ inputShape: [8, 8, 3], tasks, seed: 1, widthMultiplier: 0.5 }));
  const second = must(await buildModel({ inputShape: [8, 8, 3], tasks, seed: 2, widthMultiplier: 0.5 }));
  must(await saveModel(first, dir, meta));
  await writeFile(join(dir, 'stale.txt'), 'left over');
  must(await saveModel(second, dir, meta));
  t.false(existsSync(join(dir, 'stale.txt')));
  t.deepEqual(await readdir(root).then((xs) => xs.filter((x) => x.includes('replace'))), ['replace']);
  const loaded = must(await loadModel(dir));
  t.deepEqual(predictions(loaded.model), predictions(second));
  t.notDeepEqual(predictions(loaded.model), predictions(first));
  [first, second, loaded.model].forEach((m) => m.dispose());
});

test('saveModel refuses metadata whose tasks do not match the logits', async (t) => {
  const model = must(await buildModel({ inputShape: [8, 8, 3], tasks, widthMultiplier: 0.25 }));
  const r = await saveModel(model, join(root, 'mismatch'), { ...meta, tasks: [binaryTask('a')] });
  t.true(isLeft(r) && r.left._tag === 'BadModelOption');
  t.false(existsSync(join(root, 'mismatch')));
  model.dispose();
});

test('loadModel reports missing and malformed files by path and field', async (t) => {
  const missing = await loadModel(join(root, 'nowhere'));
  t.true(isLeft(missing) && missing.left._tag === 'ModelFileMissing' && missing.left.path.endsWith(META_JSON));

  const model = must(await buildModel({ inputShape: [8, 8, 3], tasks, widthMultiplier: 0.25 }));
  const dir = join(root, 'broken');
  must(await saveModel(model, dir, meta));
  model.dispose();
  const good = await readFile(join(dir, META_JSON), 'utf8');

  await writeFile(join(dir, META_JSON), good.replace('"multiclass"', '"ternary"'));
  const badKind = await loadModel(dir);
  t.true(isLeft(badKind));
  if (isLeft(badKind)) t.regex(describeModelError(badKind.left), /awmtl\.json: tasks\[1\]\.kind/);

  await writeFile(join(dir, META_JSON), JSON.stringify({ ...JSON.parse(good), tasks: [binaryTask('a')] }));
  const wrongWidth = await loadModel(dir);
  t.true(isLeft(wrongWidth));
  if (isLeft(wrongWidth)) t.regex(describeModelError(wrongWidth.left), /1 logits .* outputs 4/);

  await writeFile(join(dir, META_JSON), good);
  await rm(join(dir, 'weights.bin'));
  const noWeights = await loadModel(dir);
  t.true(isLeft(noWeights) && noWeights.left._tag === 'ModelFileMissing' && noWeights.left.path.endsWith('weights.bin'));

  await writeFile(join(dir, 'weights.bin'), new Uint8Array(12));
  const short = await loadModel(dir);
  t.true(isLeft(short) && short.left._tag === 'BadModelFile');

  await writeFile(join(dir, 'model.json'), '{"modelTopology": ');
  const notJson = await loadModel(dir);
  t.true(isLeft(notJson) && notJson.left._tag === 'BadModelFile' && notJson.left.path.endsWith('model.json'));
});

test('the loader reads weights split over several shards', async (t) => {
  const model = must(await buildModel({ inputShape: [8, 8, 3], tasks, seed: 5, widthMultiplier: 0.5 }));
  const dir = join(root, 'shards');
  must(await saveModel(model, dir, meta));
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
  const bytes = await readFile(join(dir, 'weights.bin'));
  const cut = 1000;
  await writeFile(join(dir, 'group1-shard1of2.bin'), bytes.subarray(0, cut));
  await writeFile(join(dir, 'group1-shard2of2.bin'), bytes.subarray(cut));
  await rm(join(dir, 'weights.bin'));
  json.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
  await writeFile(join(dir, 'model.json'), JSON.stringify(json));
  const loaded = await tf.loadLayersModel(fileSystemLoader(join(dir, 'model.json')));
  t.deepEqual(predictions(loaded), predictions(model));
  loaded.dispose();
  model.dispose();
});

const saveTrunk = async (name: string, model: tf.LayersModel): Promise<string> => {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await model.save(fileSystemSaver(dir));
  return join(dir, 'model.json');
};

test('file: backbone uses a saved layers model as the trunk, pooling a 4-D output', async (t) => {
  const user = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 5, kernelSize: 3, activation: 'relu', name: 'userconv', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, name: 'userconv2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const path = await saveTrunk('user4d', user);
  const model = must(await buildModel({ backbone: `file:${path}`, inputShape: [8, 8, 3], tasks, seed: 9 }));
  t.deepEqual(model.outputs[0].shape, [null, 4]);
  t.deepEqual(model.getLayer('awmtl_features').outputShape, [null, 6]);
  t.deepEqual(model.getLayer('userconv').getWeights()[0].dataSync(), user.getLayer('userconv').getWeights()[0].dataSync());
  // the whole model (user layers included) saves and loads as one model
  const dir = join(root, 'user4d-full');
  must(await saveModel(model, dir, { ...meta, backbone: `file:${path}` }));
  const loaded = must(await loadModel(dir));
  t.deepEqual(predictions(loaded.model), predictions(model));
  [user, model, loaded.model].forEach((m) => m.dispose());
});

test('file: backbone with a 2-D output feeds the heads directly; incompatible models are Left', async (t) => {
  const flat = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [8, 8, 3] }), tf.layers.dense({ units: 7 })] });
  const path = await saveTrunk('user2d', flat);
  const model = must(await buildModel({ backbone: `file:${path}`, inputShape: [8, 8, 3], tasks }));
  t.deepEqual(model.getLayer('awmtl_features').outputShape, [null, 7]);
  model.dispose();

  const wrongSize = await buildModel({ backbone: `file:${path}`, inputShape: [16, 16, 3], tasks });
  t.true(isLeft(wrongSize) && wrongSize.left._tag === 'IncompatibleBackbone');
  if (isLeft(wrongSize)) t.regex(describeModelError(wrongSize.left), /user2d\/model\.json: input shape \[null, 8, 8, 3\]/);

  const missing = await buildModel({ backbone: `file:${join(root, 'none', 'model.json')}`, inputShape: [8, 8, 3], tasks });
  t.true(isLeft(missing) && missing.left._tag === 'ModelFileMissing');

  const widthOnFile = await buildModel({ backbone: `file:${path}`, inputShape: [8, 8, 3], tasks, widthMultiplier: 2 });
  t.true(isLeft(widthOnFile) && widthOnFile.left._tag === 'BadModelOption');
  flat.dispose();
});
