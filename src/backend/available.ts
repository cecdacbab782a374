/**
 * What every backend can do on this machine: `awmtl backends` (what a user runs when the GPU is
 * not used). Each backend is started for real and runs one small op, so "available" means it
 * computed; the reason is given when it did not.
 *
 * This switches the tfjs backend several times, so it is for a process that does nothing else
 * (the `backends` command); a training process chooses once, through ./select.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { loadTensorflow } from './select.js';
import { registerWasmTrainingKernels } from './wasm/kernels/index.js';
import { wasmKernelVariant } from './wasm/variant.js';
import { type AdapterDescription, probeWebgpu, startWebgpu } from './webgpu.js';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';

export interface BackendAvailability {
  readonly name: BackendName;
  readonly available: boolean;
  /** Why it is not available (absent when it is). */
  readonly reason?: string;
  /** Backend-specific facts (package and version, adapter, build variant, ...). */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface BackendsReport {
  readonly backends: readonly BackendAvailability[];
  /** What `--backend auto` takes here. */
  readonly auto: BackendName;
  /** Why, in words. */
  readonly autoReason: string;
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0] : String(e));

/** Adds 1 + 2 on the current backend and checks the answer (async read: webgpu has no sync one). */
async function smokeTest(): Promise<void> {
  const sum = tf.add(tf.scalar(1), tf.scalar(2));
  try {
    const v = (await sum.data())[0];
    if (v !== 3) throw new Error(`1 + 2 gave ${v}`);
  } finally {
    sum.dispose();
  }
}

const packageVersion = (pkg: string): string | undefined => {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
};

/** CUDA libraries mapped into this process (Linux), the sign that TensorFlow found the driver. */
const cudaLibrariesLoaded = (): string[] | undefined => {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const libs = new Set(Array.from(maps.matchAll(/\/(lib(?:cuda|cudart|cudnn|cublas)[^/\s]*\.so[^/\s]*)$/gm), (m) => m[1]));
    return [...libs].sort();
  } catch {
    return undefined;
  }
};

async function tensorflowAvailability(): Promise<BackendAvailability> {
  const r = await loadTensorflow();
  if (!r.ok) return { name: 'tensorflow', available: false, reason: r.why, details: {} };
  try {
    await smokeTest();
  } catch (e) {
    return { name: 'tensorflow', available: false, reason: `${r.pkg} loaded but failed to compute: ${errorText(e)}`, details: { package: r.pkg } };
  }
  const cuda = cudaLibrariesLoaded();
  return {
    name: 'tensorflow',
    available: true,
    details: {
      package: r.pkg,
      version: packageVersion(r.pkg) ?? null,
      gpuBuild: r.pkg.endsWith('-gpu'),
      // null where it cannot be told (no /proc); otherwise whether CUDA libraries were loaded.
      sawGpu: cuda === undefined ? null : cuda.some((l) => l.startsWith('libcuda.')),
      cudaLibraries: cuda ?? null,
    },
  };
}

async function webgpuAvailability(): Promise<BackendAvailability> {
  const probe = await probeWebgpu();
  const versions = { webgpu: packageVersion('webgpu') ?? null, tfjsBackendWebgpu: packageVersion('@tensorflow/tfjs-backend-webgpu') ?? null };
  if (!probe.available) return { name: 'webgpu', available: false, reason: probe.why, details: versions };
  let adapter: AdapterDescription = probe.adapter;
  try {
    adapter = await startWebgpu();
    await smokeTest();
  } catch (e) {
    return { name: 'webgpu', available: false, reason: `adapter found but the backend failed: ${errorText(e)}`, details: { ...versions, adapter } };
  }
  return { name: 'webgpu', available: true, details: { ...versions, adapter, software: adapter.software } };
}

async function wasmAvailability(): Promise<BackendAvailability> {
  const details = {
    version: packageVersion('@tensorflow/tfjs-backend-wasm') ?? null,
    cores: os.availableParallelism(),
    threadedBuild: 'tfjs-backend-wasm-threaded-simd.wasm, used with --threads N > 1 (started by awmtl under Node)',
    sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
  };
  try {
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
    await smokeTest();
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    return {
      name: 'wasm',
      available: true,
      details: { ...details, simd, variant: simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm', trainingKernels: 'awmtl', kernelVariant: wasmKernelVariant() },
    };
  } catch (e) {
    return { name: 'wasm', available: false, reason: errorText(e), details };
  }
}

async function cpuAvailability(): Promise<BackendAvailability> {
  try {
    if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
    await smokeTest();
    return { name: 'cpu', available: true, details: { note: 'pure JavaScript kernels (a conv net trains about 100 times slower than on wasm)' } };
  } catch (e) {
    return { name: 'cpu', available: false, reason: errorText(e), details: {} };
  }
}

/**
 * `auto`'s rule (the same as ./select.ts): tensorflow, then webgpu on a hardware adapter, then
 * wasm, then cpu.
 */
export function autoChoice(
  backends: readonly BackendAvailability[],
  webgpuAllowed = process.env.AWMTL_WEBGPU !== '0',
): { auto: BackendName; autoReason: string } {
  const get = (n: BackendName) => backends.find((b) => b.name === n);
  if (get('tensorflow')?.available) return { auto: 'tensorflow', autoReason: 'native TensorFlow is installed' };
  const webgpu = get('webgpu');
  const hardware = webgpu?.available === true && webgpu.details.software !== true;
  if (hardware && webgpuAllowed) return { auto: 'webgpu', autoReason: 'a hardware WebGPU adapter' };
  const noGpu = !webgpuAllowed
    ? 'webgpu left out (AWMTL_WEBGPU=0)'
    : webgpu?.available
      ? 'the WebGPU adapter is a software one (slower than wasm; use --backend webgpu to force it)'
      : 'no WebGPU adapter';
  if (get('wasm')?.available) return { auto: 'wasm', autoReason: `no native TensorFlow; ${noGpu}` };
  return { auto: 'cpu', autoReason: `no native TensorFlow; ${noGpu}; wasm unavailable` };
}

/** Starts each backend in turn (tensorflow, webgpu, wasm, cpu) and reports what it found. */
export async function listBackends(): Promise<BackendsReport> {
  const backends: BackendAvailability[] = [];
  backends.push(await tensorflowAvailability());
  backends.push(await webgpuAvailability());
  backends.push(await wasmAvailability());
  backends.push(await cpuAvailability());
  return { backends, ...autoChoice(backends) };
}
