/**
 * ResNet-18 (BasicBlock, [2, 2, 2, 2]) and ResNet-50 (Bottleneck, [3, 4, 6, 3]) trunks with the
 * layer shapes of torchvision's models (v1.5: a Bottleneck strides in its 3x3 convolution).
 *
 * Stem: 7x7/2 convolution (no bias) + batch-norm + ReLU + 3x3/2 max-pooling. Stages of 64, 128,
 * 256, 512 planes; the first block of stages 2-4 strides by 2; a block whose shape changes gets a
 * 1x1 projection shortcut + batch-norm. Padding is explicit (zero-padding + 'valid'), as in
 * PyTorch, so feature maps align with torchvision's for any input size (TensorFlow's 'same' pads
 * stride-2 convolutions on the bottom/right only). Batch-norm: momentum 0.9 (PyTorch's 0.1),
 * epsilon 1e-5. Convolutions use He (fan-out) initialisation as torchvision does.
 *
 * Layer names follow torchvision's parameter names (`layer2.0.downsample.0`, ...).
 */
import * as tf from '@tensorflow/tfjs';
import { right } from 'fp-ts/lib/Either.js';
import { scaled, type Backbone, type Trunk, type TrunkOptions } from './backbone.js';

export type BlockKind = 'basic' | 'bottleneck';

export interface ResNetSpec {
  readonly block: BlockKind;
  readonly layers: readonly [number, number, number, number];
}

export const RESNET18: ResNetSpec = { block: 'basic', layers: [2, 2, 2, 2] };
export const RESNET50: ResNetSpec = { block: 'bottleneck', layers: [3, 4, 6, 3] };

const expansion = (block: BlockKind): number => (block === 'basic' ? 1 : 4);

type Sym = tf.SymbolicTensor;

class Builder {
  constructor(private readonly opts: TrunkOptions) {}

  conv(x: Sym, filters: number, kernel: number, stride: number, name: string): Sym {
    const pad = (kernel - 1) / 2;
    let input = x;
    // Stride 1 with an odd kernel: 'same' pads exactly (k-1)/2 on every side, like PyTorch.
    // Stride 2: pad explicitly so that the windows align with PyTorch's symmetric padding.
    const explicit = stride !== 1 && pad > 0;
    if (explicit) {
      input = tf.layers.zeroPadding2d({ padding: pad, name: `${name}.pad` }).apply(x) as Sym;
    }
    return tf.layers
      .conv2d({
        filters,
        kernelSize: kernel,
        strides: stride,
        padding: explicit ? 'valid' : 'same',
        useBias: false,
        kernelInitializer: tf.initializers.varianceScaling({
          scale: 2,
          mode: 'fanOut',
          distribution: 'normal',
          seed: this.opts.nextSeed(),
        }),
        name,
      })
      .apply(input) as Sym;
  }

  bn(x: Sym, name: string): Sym {
    return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name }).apply(x) as Sym;
  }

  relu(x: Sym, name: string): Sym {
    return tf.layers.reLU({ name }).apply(x) as Sym;
  }

  block(x: Sym, kind: BlockKind, inPlanes: number, planes: number, stride: number, name: string): Sym {
    const outPlanes = planes * expansion(kind);
    let out: Sym;
    if (kind === 'basic') {
      out = this.relu(this.bn(this.conv(x, planes, 3, stride, `${name}.conv1`), `${name}.bn1`), `${name}.relu1`);
      out = this.bn(this.conv(out, planes, 3, 1, `${name}.conv2`), `${name}.bn2`);
    } else {
      out = this.relu(this.bn(this.conv(x, planes, 1, 1, `${name}.conv1`), `${name}.bn1`), `${name}.relu1`);
      out = this.relu(this.bn(this.conv(out, planes, 3, stride, `${name}.conv2`), `${name}.bn2`), `${name}.relu2`);
      out = this.bn(this.conv(out, outPlanes, 1, 1, `${name}.conv3`), `${name}.bn3`);
    }
    const shortcut =
      stride !== 1 || inPlanes !== outPlanes
        ? this.bn(this.conv(x, outPlanes, 1, stride, `${name}.downsample.0`), `${name}.downsample.1`)
        : x;
    const sum = tf.layers.add({ name: `${name}.add` }).apply([out, shortcut]) as Sym;
    return this.relu(sum, `${name}.relu`);
  }
}

export const buildResNetTrunk = (spec: ResNetSpec, opts: TrunkOptions): Trunk => {
  const b = new Builder(opts);
  const m = opts.widthMultiplier;
  const input = tf.input({ shape: [...opts.inputShape], name: 'input' });
  let x = b.relu(b.bn(b.conv(input, scaled(64, m), 7, 2, 'conv1'), 'bn1'), 'relu');
  x = tf.layers.zeroPadding2d({ padding: 1, name: 'maxpool.pad' }).apply(x) as Sym;
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' }).apply(x) as Sym;
  let inPlanes = scaled(64, m);
  spec.layers.forEach((blocks, stage) => {
    const planes = scaled(64 * 2 ** stage, m);
    for (let i = 0; i < blocks; i++) {
      const stride = stage > 0 && i === 0 ? 2 : 1;
      x = b.block(x, spec.block, inPlanes, planes, stride, `layer${stage + 1}.${i}`);
      inPlanes = planes * expansion(spec.block);
    }
  });
  return { input, features: x };
};

export const resnet18: Backbone = {
  name: 'resnet18',
  description: 'ResNet-18 (BasicBlock [2,2,2,2], torchvision shapes, batch-norm)',
  scalable: true,
  build: async (opts) => right(buildResNetTrunk(RESNET18, opts)),
};

export const resnet50: Backbone = {
  name: 'resnet50',
  description: 'ResNet-50 (Bottleneck [3,4,6,3], torchvision v1.5 shapes, batch-norm)',
  scalable: true,
  build: async (opts) => right(buildResNetTrunk(RESNET50, opts)),
};
