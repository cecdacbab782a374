import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { isLeft } from 'fp-ts/lib/Either.js';
import { buildModel, buildTrunk, countParams, describeModelError, featuresAndLogits, FEATURES_LAYER, knownBackbones } from '../../src/model/index.js';
import { binaryTask, logitLayout, multiClassTask } from '../../src/tasks.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

const tasks = [binaryTask('smiling'), multiClassTask('age', ['young', 'teen', 'adult', 'old']), binaryTask('hat')];

const must = <A>(e: { _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: A }): A => {
  if (e._tag === 'Left') throw new Error(`unexpected Left: ${JSON.stringify(e.left)}`);
  return e.right;
};

const allWeights = (model: tf.LayersModel): Float32Array[] => model.getWeights().map((w) => w.dataSync() as Float32Array);

test('small-cnn: the reference trunk, concatenated logits, its parameter count', async (t) => {
  const model = must(await buildModel({ inputShape: [16, 16, 3], tasks }));
  t.deepEqual(model.outputs[0].shape, [null, logitLayout(tasks).width]);
  const convs = model.layers.filter((l) => l.getClassName() === 'Conv2D');
  t.deepEqual(
    convs.map((l) => (l.getConfig() as { filters: number }).filters),
    [16, 32, 64, 128],
  );
  t.is(model.layers.filter((l) => l.getClassName() === 'MaxPooling2D').length, 3);
  t.is(model.getLayer(FEATURES_LAYER).getClassName(), 'GlobalAveragePooling2D');
  // conv k*k*in*out + out, then the dense head 128 * 6 + 6
  const convParams = 27 * 16 + 16 + 9 * 16 * 32 + 32 + 9 * 32 * 64 + 64 + 9 * 64 * 128 + 128;
  t.deepEqual(countParams(model), { trainable: convParams + 128 * 6 + 6, nonTrainable: 0 });
  const out = tf.tidy(() => model.predict(tf.ones([2, 16, 16, 3])) as tf.Tensor);
  t.deepEqual(out.shape, [2, 6]);
  out.dispose();
  model.dispose();
});

test('width multiplier scales the filters', async (t) => {
  const model = must(await buildModel({ inputShape: [8, 8, 1], tasks, widthMultiplier: 0.5 }));
  const filters = model.layers.filter((l) => l.getClassName() === 'Conv2D').map((l) => (l.getConfig() as { filters: number }).filters);
  t.deepEqual(filters, [8, 16, 32, 64]);
  model.dispose();
});

test('the same seed builds identical weights, another seed different ones', async (t) => {
  const a = must(await buildModel({ backbone: 'small-cnn', inputShape: [8, 8, 3], tasks, seed: 7 }));
  const b = must(await buildModel({ backbone: 'small-cnn', inputShape: [8, 8, 3], tasks, seed: 7 }));
  const c = must(await buildModel({ backbone: 'small-cnn', inputShape: [8, 8, 3], tasks, seed: 8 }));
  const wa = allWeights(a);
  const wb = allWeights(b);
  const wc = allWeights(c);
  t.deepEqual(wa, wb);
  // every kernel differs between seeds (biases start at zero in both)
  const kernels = a.weights.flatMap((w, i) => (w.originalName.endsWith('kernel') ? [i] : []));
  t.is(kernels.length, 5);
  for (const i of kernels) t.notDeepEqual(wa[i], wc[i]);
  [a, b, c].forEach((m) => m.dispose());
});

test('unknown backbone and bad options are Left values with clear messages', async (t) => {
  const unknown = await buildModel({ backbone: 'vgg16', inputShape: [8, 8, 3], tasks });
  t.true(isLeft(unknown));
  if (isLeft(unknown)) {
    t.is(unknown.left._tag, 'UnknownBackbone');
    const message = describeModelError(unknown.left);
    for (const name of ['vgg16', 'small-cnn', 'resnet18', 'resnet50', 'file:']) t.true(message.includes(name), message);
  }
  t.true(knownBackbones().includes('resnet50'));
  const cases: [Parameters<typeof buildModel>[0], string][] = [
    [{ inputShape: [8, 0, 3], tasks }, 'inputShape'],
    [{ inputShape: [8, 8, 3], tasks: [] }, 'tasks'],
    [{ inputShape: [8, 8, 3], tasks: [binaryTask('a'), binaryTask('a')] }, 'tasks[1].name'],
    [{ inputShape: [8, 8, 3], tasks: [multiClassTask('m', ['only'])] }, 'tasks[0].classes'],
    [{ inputShape: [8, 8, 3], tasks, seed: -1 }, 'seed'],
    [{ inputShape: [8, 8, 3], tasks, widthMultiplier: 0 }, 'widthMultiplier'],
    [{ backbone: 'file:', inputShape: [8, 8, 3], tasks }, 'backbone'],
  ];
  for (const [opts, field] of cases) {
    const r = await buildModel(opts);
    t.true(isLeft(r) && r.left._tag === 'BadModelOption' && r.left.field === field, `${field}: ${JSON.stringify(r)}`);
  }
});

test.serial('building and disposing a model leaks no tensors', async (t) => {
  const before = tf.memory().numTensors;
  const model = must(await buildModel({ backbone: 'resnet18', inputShape: [32, 32, 3], tasks, widthMultiplier: 0.125 }));
  t.true(tf.memory().numTensors > before);
  model.dispose();
  t.is(tf.memory().numTensors, before);
});

test('featuresAndLogits exposes the last shared layer and shares the weights', async (t) => {
  const model = must(await buildModel({ inputShape: [8, 8, 3], tasks, widthMultiplier: 0.5 }));
  const view = must(featuresAndLogits(model));
  const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 3);
  const [features, logits] = view.predict(x) as tf.Tensor[];
  const direct = model.predict(x) as tf.Tensor;
  t.deepEqual(features.shape, [2, 64]);
  t.deepEqual(logits.dataSync(), direct.dataSync());
  tf.dispose([x, features, logits, direct]);
  model.dispose();
});

test('buildTrunk gives the backbone alone', async (t) => {
  const trunk = must(await buildTrunk({ backbone: 'small-cnn', inputShape: [16, 16, 3] }));
  t.deepEqual(trunk.features.shape, [null, 2, 2, 128]);
  const model = tf.model({ inputs: trunk.input, outputs: trunk.features });
  model.dispose();
});
