/**
 * Training-step benchmark: images per second of one optimiser step on a fixed random batch.
 *
 * The reference net: four 3x3 'same' conv + ReLU layers (16, 32, 64, 128 filters), 2x2 max
 * pooling after each of the first three, global average pooling, a dense layer of 40 logits;
 * sigmoid cross-entropy with logits over 40 binary labels; Adam, learning rate 1e-3. The step
 * is `optimizer.minimize` inside `tf.tidy`, reading the loss back each step as a training loop
 * would. cli/bench/torchStep.ts runs the same net in PyTorch for comparison.
 *
 * With `backbone` (small-cnn, resnet18, resnet50, file:...), it times the project's own model
 * instead, as the trainer's step runs it (src/train/trainer.ts): `buildModel` (trunk, global
 * average pooling, one dense layer of 40 logits), batch norm in training mode, the per-task BCE
 * losses of `taskLosses` summed with weights 1/40 (so the objective equals PyTorch's mean BCE),
 * `computeGradients` + `applyGradients` with the trainer's Adam (ADAM_DEFAULTS). The trainer's
 * validation forward pass is not part of the timed step (PyTorch's counterpart has none).
 * `profile` > 0 then runs that many more steps under `tf.profile` for a per-kernel table.
 *
 * As in training, each step makes its input tensors from host arrays. `uploadFraction` is the
 * share of step time spent making them (wasm, cpu: the copy; webgpu: the host side, the device
 * copy being queued with the step), `readBackFraction` the share spent waiting for the loss once
 * the step is queued (wasm, cpu: the copy only; GPU backends: also the queued work itself, so on
 * them it is an upper bound and a large one means the host keeps up with the device).
 */
import * as tf from '@tensorflow/tfjs';
import { type BackendChoice, selectBackend, wasmKernelVariant } from '../../src/backend/index.js';
import { buildModel, describeModelError } from '../../src/model/index.js';
import { Rng } from '../../src/random.js';
import { binaryTask } from '../../src/tasks.js';
import { taskLosses } from '../../src/train/losses.js';
import { ADAM_DEFAULTS, createOptimizer } from '../../src/train/optimizers.js';
import { profileSteps, type StepProfile } from './profileSteps.js';

export const REFERENCE_LABELS = 40;

/** The reference net for `size` x `size` x 3 inputs. */
export function referenceNet(size: number, labels = REFERENCE_LABELS): tf.LayersModel {
  const conv = (filters: number, inputShape?: [number, number, number]) =>
    tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', ...(inputShape ? { inputShape } : {}) });
  return tf.sequential({
    layers: [
      conv(16, [size, size, 3]),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(32),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(64),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      conv(128),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: labels }),
    ],
  });
}

export interface StepBenchOptions {
  readonly backend?: BackendChoice;
  readonly threads?: number;
  readonly batch?: number;
  readonly size?: number;
  readonly steps?: number;
  readonly warmup?: number;
  /** Builds another model to time instead of the reference net: input [size, size, 3], output [labels]. */
  readonly model?: (size: number) => tf.LayersModel;
  /** Times the project's model on this backbone (see above) instead of the reference net. */
  readonly backbone?: string;
  /** Steps to run under tf.profile after the timed ones (default 0: no profile). */
  readonly profile?: number;
  readonly seed?: number;
  readonly log?: (msg: string) => void;
}

export interface StepBenchResult {
  readonly backend: string;
  readonly threads: number;
  readonly simd: boolean;
  /** 'reference' (the net above), or the backbone of the project's model. */
  readonly net: string;
  /** The wasm kernel variant in use ('relaxed-simd' or 'simd'), or null on other backends. */
  readonly kernels: string | null;
  readonly batch: number;
  readonly size: number;
  readonly steps: number;
  readonly warmup: number;
  readonly stepsPerSecond: number;
  readonly imagesPerSecond: number;
  /** Per-step wall times of the timed steps (ms). */
  readonly stepMs: { readonly mean: number; readonly median: number; readonly min: number; readonly max: number };
  /** Images per second of the fastest step (less sensitive to other load on the machine). */
  readonly bestImagesPerSecond: number;
  /**
   * Process CPU time per timed step (ms, all threads) and images per second of CPU time: on a
   * machine shared with other jobs, less distorted by waiting for a core than wall time.
   */
  readonly cpuMsPerStep: number;
  readonly cpuImagesPerSecond: number;
  readonly finalLoss: number;
  /** Shares of the timed steps' time: making the input tensors, and waiting for the loss (see above). */
  readonly uploadFraction: number;
  readonly readBackFraction: number;
  readonly numTensorsBefore: number;
  readonly numTensorsAfter: number;
  readonly profile?: StepProfile;
}

export const BENCH_TASKS = Array.from({ length: REFERENCE_LABELS }, (_, j) => binaryTask(`task${j}`));

/** The project's model on `backbone` for size x size x 3 inputs and the bench's 40 binary tasks. */
async function projectModel(backbone: string, size: number, seed: number): Promise<tf.LayersModel> {
  const built = await buildModel({ backbone, inputShape: [size, size, 3], tasks: BENCH_TASKS, seed });
  if (built._tag === 'Left') throw new Error(describeModelError(built.left));
  return built.right;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** Times `steps` training steps after `warmup` steps (defaults: batch 32, 64 px, 50 steps, 5 warm-up). */
export async function runStepBench(opts: StepBenchOptions = {}): Promise<StepBenchResult> {
  const batch = positiveInt('batch', opts.batch ?? 32);
  const size = positiveInt('size', opts.size ?? 64);
  const steps = positiveInt('steps', opts.steps ?? 50);
  const warmup = Math.max(0, Math.floor(opts.warmup ?? 5));
  const profile = Math.max(0, Math.floor(opts.profile ?? 0));
  const info = await selectBackend({ backend: opts.backend, threads: opts.threads, log: opts.log });

  const model = opts.backbone !== undefined ? await projectModel(opts.backbone, size, opts.seed ?? 1) : (opts.model ?? referenceNet)(size);
  const outShape = model.outputs[0].shape;
  const labels = outShape[outShape.length - 1];
  if (typeof labels !== 'number') throw new Error('the model must have a fixed-size last output dimension');
  const rng = Rng.fromSeed(opts.seed ?? 1);
  const images = Float32Array.from({ length: batch * size * size * 3 }, () => rng.normal());
  const targets = Float32Array.from({ length: batch * labels }, () => (rng.next() < 0.5 ? 1 : 0));
  const optimizer = opts.backbone !== undefined ? createOptimizer(ADAM_DEFAULTS) : tf.train.adam(1e-3);
  const taskWeights = tf.fill([labels], 1 / labels);
  const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // The trainer's step (src/train/trainer.ts, without weight decay and weighting strategies): the per-task losses.
  const projectStep = (xs: tf.Tensor4D, ys: tf.Tensor2D): tf.Tensor =>
    tf.tidy(() => {
      let kept: tf.Tensor1D | null = null;
      const objective = (): tf.Scalar => {
        const logits = model.apply(xs, { training: true }) as tf.Tensor2D;
        const l = taskLosses('bce', BENCH_TASKS, logits, ys);
        kept = tf.keep(l);
        return tf.sum(tf.mul(l, taskWeights));
      };
      const { grads } = optimizer.computeGradients(objective, varList);
      optimizer.applyGradients(varList.map((v) => ({ name: v.name, tensor: grads[v.name] })));
      return kept as unknown as tf.Tensor1D;
    });
  const referenceStep = (xs: tf.Tensor4D, ys: tf.Tensor2D): tf.Tensor =>
    tf.tidy(
      () =>
        optimizer.minimize(
          () => tf.losses.sigmoidCrossEntropy(ys, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar,
          true,
        ) ?? tf.scalar(NaN),
    );
  const compute = opts.backbone !== undefined ? projectStep : referenceStep;
  const inputs = (): [tf.Tensor4D, tf.Tensor2D] => [tf.tensor4d(images, [batch, size, size, 3]), tf.tensor2d(targets, [batch, labels])];
  let uploadMs = 0;
  let readBackMs = 0;
  // As in training, the inputs are made from host arrays each step; the loss is read back with
  // data(), not dataSync() (the webgpu backend cannot read synchronously in Node).
  const step = async (): Promise<number> => {
    const t0 = performance.now();
    const [xs, ys] = inputs();
    const t1 = performance.now();
    const cost = compute(xs, ys);
    tf.dispose([xs, ys]);
    const t2 = performance.now();
    const values = (await cost.data()) as Float32Array;
    cost.dispose();
    uploadMs += t1 - t0;
    readBackMs += performance.now() - t2;
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  const syncStep = (): void => {
    const [xs, ys] = inputs();
    tf.dispose([xs, ys, compute(xs, ys)]);
  };
  try {
    for (let i = 0; i < warmup; i++) await step();
    uploadMs = 0;
    readBackMs = 0;
    const numTensorsBefore = tf.memory().numTensors;
    const times: number[] = [];
    let finalLoss = NaN;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      finalLoss = await step();
      times.push(performance.now() - t0);
    }
    const seconds = (performance.now() - start) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    const stepTotalMs = times.reduce((a, b) => a + b, 0);
    const numTensorsAfter = tf.memory().numTensors;
    const profiled = profile > 0 ? await profileSteps(syncStep, profile) : undefined;
    const sorted = [...times].sort((a, b) => a - b);
    const mean = (seconds * 1000) / steps;
    return {
      backend: info.name,
      threads: info.threads,
      simd: info.simd,
      net: opts.backbone ?? 'reference',
      kernels: info.name === 'wasm' ? wasmKernelVariant() : null,
      batch,
      size,
      steps,
      warmup,
      stepsPerSecond: steps / seconds,
      imagesPerSecond: (steps * batch) / seconds,
      stepMs: { mean, median: sorted[Math.floor(steps / 2)], min: sorted[0], max: sorted[steps - 1] },
      bestImagesPerSecond: (batch * 1000) / sorted[0],
      cpuMsPerStep: (cpu.user + cpu.system) / 1000 / steps,
      cpuImagesPerSecond: (steps * batch * 1e6) / Math.max(1, cpu.user + cpu.system),
      finalLoss,
      uploadFraction: uploadMs / stepTotalMs,
      readBackFraction: readBackMs / stepTotalMs,
      numTensorsBefore,
      numTensorsAfter,
      ...(profiled ? { profile: profiled } : {}),
    };
  } finally {
    taskWeights.dispose();
    optimizer.dispose();
    model.dispose();
  }
}
