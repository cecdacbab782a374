/**
 * `small-cnn`: the benchmark reference trunk, sized for CPU training.
 *
 * conv3x3(16)+ReLU, pool2 - conv3x3(32)+ReLU, pool2 - conv3x3(64)+ReLU, pool2 - conv3x3(128)+ReLU,
 * all convolutions 'same'-padded with a bias; the heads add the global average pooling.
 */
import * as tf from '@tensorflow/tfjs';
import { right } from 'fp-ts/lib/Either.js';
import { scaled, type Backbone, type Trunk, type TrunkOptions } from './backbone.js';

export const SMALL_CNN_FILTERS: readonly number[] = [16, 32, 64, 128];

export const buildSmallCnnTrunk = (opts: TrunkOptions): Trunk => {
  const input = tf.input({ shape: [...opts.inputShape], name: 'input' });
  let x: tf.SymbolicTensor = input;
  SMALL_CNN_FILTERS.forEach((filters, i) => {
    x = tf.layers
      .conv2d({
        filters: scaled(filters, opts.widthMultiplier),
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: opts.nextSeed() }),
        biasInitializer: 'zeros',
        name: `conv${i + 1}`,
      })
      .apply(x) as tf.SymbolicTensor;
    if (i < SMALL_CNN_FILTERS.length - 1) {
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i + 1}` }).apply(x) as tf.SymbolicTensor;
    }
  });
  return { input, features: x };
};

export const smallCnn: Backbone = {
  name: 'small-cnn',
  description: '4 conv3x3+ReLU layers (16, 32, 64, 128 filters), 2x2 max-pooling after the first three',
  scalable: true,
  build: async (opts) => right(buildSmallCnnTrunk(opts)),
};
