import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { coversConv, forwardConv } from './forwardConv.js';
import { fallback, type KernelArgs } from './kernelArgs.js';

/** FusedConv2D (conv + optional per-channel bias + linear/relu/relu6), as layers and ResNets use it. */
export function fusedConv2D(args: KernelArgs): TensorInfo {
  const { bias, preluActivationWeights } = args.inputs;
  const activation = (args.attrs.activation ?? 'linear') as string;
  const CO = args.inputs.filter.shape[3];
  const biasOk = bias === undefined || (bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === CO);
  if (
    !coversConv(args) ||
    !biasOk ||
    preluActivationWeights !== undefined ||
    (activation !== 'linear' && activation !== 'relu' && activation !== 'relu6')
  ) {
    return fallback(tf.FusedConv2D, args);
  }
  return forwardConv(args, { bias: bias !== undefined, activation }, bias);
}
