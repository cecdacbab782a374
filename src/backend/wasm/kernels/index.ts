/**
 * Training kernels for the tfjs `wasm` backend, built on the modules generated in the folder above
 * (see README.md for the list and how each works): the convolutions and their gradients
 * (Conv2DBackpropFilter is absent from tfjs-backend-wasm 4.22), pooling gradients, the
 * per-channel and element-wise kernels that dominate a step once the convolutions are fast, and
 * copy-free or block-copy versions of the data-movement kernels. Each kernel falls back to the
 * shipped one (where there is one) for cases it does not cover (dilation > 1, NCHW, other
 * dtypes, reductions or broadcasts). Work is split over the kernel worker pool when there is one.
 */
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { add } from './add.js';
import { ADAM_UPDATE, adamUpdate } from './adamUpdate.js';
import { cast } from './cast.js';
import { conv2D } from './conv2D.js';
import { conv2DBackpropFilter } from './conv2DBackpropFilter.js';
import { conv2DBackpropInput } from './conv2DBackpropInput.js';
import { elementwise } from './elementwise.js';
import { fusedBatchNorm } from './fusedBatchNorm.js';
import { fusedConv2D } from './fusedConv2D.js';
import { identity } from './identity.js';
import { fallback, type KernelArgs, originals } from './kernelArgs.js';
import { maxPoolGrad } from './maxPoolGrad.js';
import { mean } from './mean.js';
import { padV2 } from './padV2.js';
import { slice } from './slice.js';
import { sqrt } from './sqrt.js';
import { sum } from './sum.js';
import { tile } from './tile.js';
import { unsortedSegmentSum } from './unsortedSegmentSum.js';

const ours: readonly { kernelName: string; kernelFunc: (args: KernelArgs) => TensorInfo | TensorInfo[] }[] = [
  { kernelName: tf.Conv2D, kernelFunc: conv2D },
  { kernelName: tf.FusedConv2D, kernelFunc: fusedConv2D },
  { kernelName: tf.Conv2DBackpropInput, kernelFunc: conv2DBackpropInput },
  { kernelName: tf.Conv2DBackpropFilter, kernelFunc: conv2DBackpropFilter },
  { kernelName: tf.MaxPoolGrad, kernelFunc: maxPoolGrad },
  { kernelName: tf.Identity, kernelFunc: identity },
  { kernelName: tf.Cast, kernelFunc: cast },
  { kernelName: tf.Sum, kernelFunc: sum },
  { kernelName: tf.Mean, kernelFunc: mean },
  { kernelName: tf.Tile, kernelFunc: tile },
  { kernelName: tf.Sqrt, kernelFunc: sqrt },
  { kernelName: tf.FusedBatchNorm, kernelFunc: fusedBatchNorm },
  { kernelName: tf.PadV2, kernelFunc: padV2 },
  { kernelName: tf.Slice, kernelFunc: slice },
  { kernelName: tf.UnsortedSegmentSum, kernelFunc: unsortedSegmentSum },
  { kernelName: tf.Add, kernelFunc: add },
  { kernelName: ADAM_UPDATE, kernelFunc: adamUpdate },
  { kernelName: tf.Sub, kernelFunc: (args) => elementwise('sub', args) ?? fallback(tf.Sub, args) },
  { kernelName: tf.Multiply, kernelFunc: (args) => elementwise('mul', args) ?? fallback(tf.Multiply, args) },
  { kernelName: tf.RealDiv, kernelFunc: (args) => elementwise('div', args) ?? fallback(tf.RealDiv, args) },
];

/** Names of the kernels `registerWasmTrainingKernels` installs on the `wasm` backend. */
export const WASM_TRAINING_KERNELS: readonly string[] = ours.map((k) => k.kernelName);

const ourFuncs = new WeakSet<object>(ours.map((k) => k.kernelFunc));

/**
 * Installs the project's training kernels on the tfjs `wasm` backend, replacing shipped ones of
 * the same name (kept as fallbacks). Idempotent; may be called before or after the backend is
 * initialised.
 */
export function registerWasmTrainingKernels(): void {
  for (const k of ours) {
    const existing = tf.getKernel(k.kernelName, 'wasm');
    if (existing && ourFuncs.has(existing.kernelFunc)) continue;
    if (existing) {
      originals.set(k.kernelName, existing);
      tf.unregisterKernel(k.kernelName, 'wasm');
    }
    tf.registerKernel({
      kernelName: k.kernelName,
      backendName: 'wasm',
      kernelFunc: k.kernelFunc as unknown as KernelFunc,
      // Keep the shipped kernel's set-up so the fallback works if the backend starts later.
      setupFunc: existing?.setupFunc,
    });
  }
}
