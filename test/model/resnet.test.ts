import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { buildModel, buildTrunk, countParams, RESNET18, RESNET50, type ResNetSpec } from '../../src/model/index.js';
import { binaryTask } from '../../src/tasks.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

/**
 * Trainable parameters of a torchvision ResNet trunk, computed from the architecture alone:
 * bias-free convolutions, batch-norm gamma + beta (running statistics are buffers, not parameters).
 */
const expectedTrunkParams = (spec: ResNetSpec): { trainable: number; bnChannels: number } => {
  let trainable = 0;
  let bnChannels = 0;
  const conv = (k: number, cin: number, cout: number): void => {
    trainable += k * k * cin * cout;
  };
  const bn = (c: number): void => {
    trainable += 2 * c;
    bnChannels += c;
  };
  const expansion = spec.block === 'basic' ? 1 : 4;
  conv(7, 3, 64);
  bn(64);
  let inPlanes = 64;
  spec.layers.forEach((blocks, stage) => {
    const planes = 64 * 2 ** stage;
    for (let i = 0; i < blocks; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      if (spec.block === 'basic') {
        conv(3, inPlanes, planes);
        bn(planes);
        conv(3, planes, planes);
        bn(planes);
      } else {
        conv(1, inPlanes, planes);
        bn(planes);
        conv(3, planes, planes);
        bn(planes);
        conv(1, planes, planes * 4);
        bn(planes * 4);
      }
      if (stride !== 1 || inPlanes !== planes * expansion) {
        conv(1, inPlanes, planes * expansion);
        bn(planes * expansion);
      }
      inPlanes = planes * expansion;
    }
  });
  return { trainable, bnChannels };
};

const trunkParams = async (backbone: string, inputShape: [number, number, number]) => {
  const trunk = await buildTrunk({ backbone, inputShape });
  if (trunk._tag === 'Left') throw new Error(JSON.stringify(trunk.left));
  const model = tf.model({ inputs: trunk.right.input, outputs: trunk.right.features });
  const counts = countParams(model);
  const shape = model.outputs[0].shape;
  model.dispose();
  return { counts, shape };
};

test('ResNet-18 trunk has torchvision parameter count 11,176,512 (without the fc layer)', async (t) => {
  const { counts, shape } = await trunkParams('resnet18', [224, 224, 3]);
  const expected = expectedTrunkParams(RESNET18);
  t.is(expected.trainable, 11_176_512); // the formula agrees with torchvision (11,689,512 - 512*1000 - 1000)
  t.is(counts.trainable, 11_176_512);
  t.is(counts.nonTrainable, 2 * expected.bnChannels); // moving mean + variance
  t.deepEqual(shape, [null, 7, 7, 512]);
});

test('ResNet-50 trunk has torchvision parameter count 23,508,032 (without the fc layer)', async (t) => {
  const { counts, shape } = await trunkParams('resnet50', [224, 224, 3]);
  const expected = expectedTrunkParams(RESNET50);
  t.is(expected.trainable, 23_508_032); // 25,557,032 - 2048*1000 - 1000
  t.is(counts.trainable, 23_508_032);
  t.is(counts.nonTrainable, 2 * expected.bnChannels);
  t.deepEqual(shape, [null, 7, 7, 2048]);
});

test('feature-map sizes follow PyTorch padding for odd input sizes', async (t) => {
  // 65 -> conv1 33 -> maxpool 17 -> layer2 9 -> layer3 5 -> layer4 3
  const { shape } = await trunkParams('resnet18', [65, 65, 3]);
  t.deepEqual(shape, [null, 3, 3, 512]);
});

test('a narrow ResNet-18 with heads runs forward in training and inference mode', async (t) => {
  const model = await buildModel({ backbone: 'resnet18', inputShape: [32, 32, 3], tasks: [binaryTask('a'), binaryTask('b')], widthMultiplier: 0.125 });
  if (model._tag === 'Left') return t.fail(JSON.stringify(model.left));
  const x = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
  const train = tf.tidy(() => model.right.apply(x, { training: true }) as tf.Tensor);
  const infer = tf.tidy(() => model.right.apply(x, { training: false }) as tf.Tensor);
  t.deepEqual(train.shape, [2, 2]);
  t.true(Array.from(train.dataSync()).every(Number.isFinite));
  t.notDeepEqual(train.dataSync(), infer.dataSync()); // batch statistics vs moving statistics
  tf.dispose([x, train, infer]);
  model.right.dispose();
});
