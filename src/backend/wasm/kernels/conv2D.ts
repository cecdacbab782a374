/** Conv2D: the generated forward convolution (NHWC, dilation 1); other calls use the shipped kernel. */
import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { NO_EPILOGUE } from '../addGatherConv.js';
import { coversConv, forwardConv } from './forwardConv.js';
import { fallback, type KernelArgs } from './kernelArgs.js';

export function conv2D(args: KernelArgs): TensorInfo {
  if (!coversConv(args)) return fallback(tf.Conv2D, args);
  return forwardConv(args, NO_EPILOGUE, undefined);
}
