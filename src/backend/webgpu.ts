/**
 * The WebGPU backend: @tensorflow/tfjs-backend-webgpu over Dawn, the WebGPU implementation in
 * Chrome, as the npm package `webgpu` ships it (a prebuilt `dawn.node` per platform inside the
 * package; nothing is downloaded at install).
 *
 * Dawn picks a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) adapter. On a machine without a
 * GPU it finds a software Vulkan driver if one is installed: Mesa's lavapipe ("llvmpipe") from
 * Mesa 25 (Debian bookworm-backports `mesa-vulkan-drivers`) works; bookworm's own Mesa 22.3 lacks
 * the `shaderUniform*ArrayDynamicIndexing` features Dawn requires, and `requestAdapter()` then
 * answers null. A software adapter runs every kernel and shader for real but is far slower than
 * the wasm backend, so `auto` never picks one (see ./select.ts).
 *
 * tfjs-backend-webgpu registers its backend factory only if `navigator.gpu` exists when its
 * module is evaluated, so the module is imported here (dynamically) after `navigator.gpu` is set.
 * Probing alone (for `auto` and `awmtl backends`) leaves `navigator` untouched.
 */
import * as tf from '@tensorflow/tfjs';

/** What Dawn says about the adapter it found, and whether it is a software rasteriser. */
export interface AdapterDescription {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  /** WebGPU's `isFallbackAdapter` (Dawn sets it for CPU adapters such as lavapipe and SwiftShader). */
  readonly fallback: boolean;
  /** A CPU implementation (fallback adapter, or lavapipe/llvmpipe, SwiftShader, WARP by name). */
  readonly software: boolean;
}

export type WebgpuProbe =
  | { readonly available: true; readonly adapter: AdapterDescription }
  | { readonly available: false; readonly why: string };

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render|\bwarp\b/i;

const errorText = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0] : String(e));

/** Whether an adapter's info describes a software (CPU) implementation. */
export function isSoftwareAdapter(info: {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}): boolean {
  if (info.isFallbackAdapter === true) return true;
  if ((info.architecture ?? '').toLowerCase() === 'software') return true;
  return SOFTWARE_NAMES.test(`${info.device ?? ''} ${info.description ?? ''}`);
}

/** One line for logs: `mesa / software / llvmpipe: Mesa 25.0.7 ... (software adapter)`. */
export function describeAdapter(a: AdapterDescription): string {
  const parts = [a.vendor || 'unknown vendor', a.architecture || 'unknown architecture', a.description || a.device || 'no description'];
  return `${parts.join(' / ')}${a.software ? ' (software adapter)' : ''}`;
}

let gpu: GPU | null = null;
let adapterFound: GPUAdapter | null = null;

/** Loads Dawn and asks it for a high-performance adapter (once per process). */
async function requestAdapter(): Promise<{ ok: true; adapter: GPUAdapter } | { ok: false; why: string }> {
  if (adapterFound) return { ok: true, adapter: adapterFound };
  let create: (options: string[]) => GPU;
  let globals: object;
  try {
    ({ create, globals } = await import('webgpu'));
  } catch (e) {
    return { ok: false, why: `the native module of the 'webgpu' package cannot load on ${process.platform}-${process.arch}: ${errorText(e)}` };
  }
  try {
    // Kept for the life of the process: the adapter and device belong to this instance.
    gpu ??= create([]);
    // The WebGPU constants (GPUBufferUsage, GPUMapMode, ...) the backend reads as globals; only
    // names not defined yet.
    for (const [name, value] of Object.entries(globals)) {
      if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
    }
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (adapter == null) {
      return {
        ok: false,
        why:
          'Dawn found no WebGPU adapter (no GPU driver it accepts; on Linux it needs Vulkan: a GPU driver, ' +
          "or Mesa >= 25 lavapipe for a software adapter, e.g. Debian bookworm-backports' mesa-vulkan-drivers)",
      };
    }
    adapterFound = adapter;
    return { ok: true, adapter };
  } catch (e) {
    return { ok: false, why: `Dawn failed to look for an adapter: ${errorText(e)}` };
  }
}

function describe(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info as GPUAdapterInfo & { readonly isFallbackAdapter?: boolean };
  const legacyFallback = (adapter as GPUAdapter & { readonly isFallbackAdapter?: boolean }).isFallbackAdapter;
  const fallback = info.isFallbackAdapter === true || legacyFallback === true;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    fallback,
    software: isSoftwareAdapter({ ...info, isFallbackAdapter: fallback }),
  };
}

/** Whether WebGPU is usable here, and on which adapter; never throws, sets nothing global. */
export async function probeWebgpu(): Promise<WebgpuProbe> {
  const r = await requestAdapter();
  return r.ok ? { available: true, adapter: describe(r.adapter) } : { available: false, why: r.why };
}

/**
 * Makes tfjs-backend-webgpu the tfjs backend: sets `navigator.gpu` to Dawn's instance, then loads
 * the backend module (which registers the 'webgpu' factory and its kernels), then `setBackend`.
 * Rejects with the reason when there is no adapter or the backend fails to start.
 */
export async function startWebgpu(): Promise<AdapterDescription> {
  const r = await requestAdapter();
  if (!r.ok) throw new Error(r.why);
  const g = globalThis as { navigator?: { gpu?: GPU } };
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (g.navigator.gpu === undefined) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  }
  await import('@tensorflow/tfjs-backend-webgpu');
  if (tf.findBackendFactory('webgpu') == null) {
    throw new Error('tfjs-backend-webgpu registered no backend (navigator.gpu was not seen; another tfjs-core instance?)');
  }
  if (!(await tf.setBackend('webgpu'))) throw new Error('the tfjs webgpu backend failed to initialise');
  explainSyncReads(tf.backend());
  return describe(r.adapter);
}

/** The message of a synchronous read of GPU data on webgpu (see explainSyncReads). */
export const SYNC_READ_ERROR =
  'a synchronous read (dataSync/arraySync) of GPU data is not possible on the webgpu backend in Node ' +
  '(tfjs-backend-webgpu reads synchronously through OffscreenCanvas, which Node lacks); ' +
  'only code reading asynchronously (data/array) runs on webgpu (e.g. not --strategy gradnorm)';

interface WebgpuBackendLike {
  readSync(dataId: object): unknown;
  readonly tensorMap: { get(dataId: object): { readonly values?: unknown; readonly dtype: string } | undefined };
}

/**
 * Replaces the backend's failure on a synchronous read of GPU-resident data ("OffscreenCanvas is
 * not defined") with an error that says what happened. Reads of data already on the CPU (values
 * cached by the backend) are untouched.
 */
function explainSyncReads(backend: object): void {
  const b = backend as WebgpuBackendLike;
  if (typeof b.readSync !== 'function' || typeof b.tensorMap?.get !== 'function') return;
  const readSync = b.readSync.bind(b);
  b.readSync = (dataId: object) => {
    const d = b.tensorMap.get(dataId);
    if (d === undefined || d.values != null || d.dtype === 'string' || typeof OffscreenCanvas !== 'undefined') return readSync(dataId);
    throw new Error(SYNC_READ_ERROR);
  };
}
