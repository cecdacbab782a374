/**
 * The TensorFlow.js backend of a page: the first of WebGPU, WebGL, wasm and
 * cpu that initialises and runs an operation, or the one named by `?backend=`.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

/** Tries each backend in turn; returns the one in use and why the others were passed over. */
export const chooseBackend = async (wanted: string | null, wasmPath: string): Promise<{ name: string; skipped: string[] }> => {
  setWasmPaths(wasmPath);
  const order = wanted === null || wanted === '' ? [...BACKEND_ORDER] : [wanted];
  const skipped: string[] = [];
  for (const name of order) {
    try {
      if (!(await tf.setBackend(name))) {
        skipped.push(`${name}: not available`);
        continue;
      }
      // Some backends initialise and still fail on their first kernel (no float textures, a lost device).
      const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
      const value = (await probe.data())[0];
      probe.dispose();
      if (value !== 3) throw new Error(`1 + 2 gave ${value}`);
      return { name, skipped };
    } catch (error) {
      skipped.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no TensorFlow.js backend works here (${skipped.join('; ')})`);
};
