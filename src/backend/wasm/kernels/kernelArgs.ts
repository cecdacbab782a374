/**
 * What every training kernel in this folder shares: the arguments tfjs passes a kernel, the
 * shipped kernels kept as fallbacks (filled by `registerWasmTrainingKernels`), and the
 * empty-shape test.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

export type Attrs = Record<string, unknown>;
export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: object;
  attrs: Attrs;
}

/** The shipped kernels replaced by ours, by kernel name (see index.ts). */
export const originals = new Map<string, KernelConfig>();

export function fallback(kernelName: string, args: KernelArgs): TensorInfo {
  const original = originals.get(kernelName);
  if (!original) throw new Error(`awmtl wasm kernels: ${kernelName} case not supported and no shipped kernel to fall back to`);
  return original.kernelFunc(args as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
}

export const isEmpty = (shape: readonly number[]): boolean => shape.some((d) => d === 0);
