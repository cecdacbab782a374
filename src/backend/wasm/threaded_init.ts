/**
 * Starts tfjs-backend-wasm's multithreaded build (tfjs-backend-wasm-threaded-simd.wasm) under
 * Node, which it does not support out of the box (tfjs 4.22):
 *
 * - its feature test reports WASM_HAS_MULTITHREAD_SUPPORT = false in Node, so the flag is forced;
 * - Emscripten starts its pthread workers from a Blob URL (`URL.createObjectURL`), which Node's
 *   Worker cannot load: while the backend starts, that call is answered with the path of a
 *   worker file written to the temp folder, whose script loads the module factory with `require`
 *   instead of from the Blob;
 * - XNNPACK caps its thread pool at half the logical cores (2 cores here -> 1 thread) whatever
 *   `setThreadsCount` says, so when more XNNPACK threads are asked for, `os.cpus()` reports
 *   enough cores while the backend starts.
 *
 * Everything patched is restored before this returns. Its heap is a SharedArrayBuffer, which is
 * what lets the project's own kernel workers (./pool.ts) share tensors with it.
 */
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** The worker's own loading of the module factory from the Blob, replaced by `require`. */
const BLOB_IMPORT =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

function writeWorkerFile(): string {
  const require = createRequire(import.meta.url);
  const wasmOut = join(dirname(dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))), 'wasm-out');
  const factory = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // tfjs escapes newlines the same way before making its Blob (they sit inside string literals).
  const contents = wasmWorkerContents.replace(/\n/g, '\\n');
  if (!contents.includes(BLOB_IMPORT)) {
    throw new Error('unexpected tfjs-backend-wasm worker script (not the 4.22 layout); cannot start threads');
  }
  const script =
    `globalThis.WasmBackendModuleThreadedSimd = require(${JSON.stringify(factory)});\n` +
    contents.replace(BLOB_IMPORT, '');
  // Named by content, so runs share one file; written under a temporary name, then renamed.
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const file = join(os.tmpdir(), `awmtl-tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(file)) {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, script);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Initialises the `wasm` backend from its threaded build, with `xnnpack` threads for the shipped
 * (XNNPACK) kernels. The default is 1: the awmtl kernels run on their own pool (./pool.ts), and
 * the kernels left to XNNPACK in a training step are small; measured with other processes busy
 * on the machine, XNNPACK's pool made them several times slower (ReLU 0.8 -> 3.5 ms per step).
 * Resolves to false (with the backend not set) if that fails.
 */
export async function startThreadedWasm(xnnpack = 1): Promise<boolean> {
  const workerFile = writeWorkerFile();
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = (obj: Blob) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? workerFile : createObjectURL(obj);
  const realCpus = cpus();
  const wanted = Math.max(realCpus.length, 2 * xnnpack);
  os.cpus = () => Array.from({ length: wanted }, (_, i) => realCpus[i % realCpus.length]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(xnnpack);
  try {
    const ok = await tf.setBackend('wasm');
    if (ok) unrefPthreadWorkers(tf.backend());
    return ok;
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}

interface PThreadLike {
  unusedWorkers?: { unref?: () => void }[];
  runningWorkers?: { unref?: () => void }[];
}

/**
 * XNNPACK's pool threads never end, and Emscripten keeps a running pthread's Node worker
 * referenced, so the process would never exit by itself: let the event loop ignore them.
 */
function unrefPthreadWorkers(backend: object): void {
  const pthread = (backend as { wasm?: { PThread?: PThreadLike } }).wasm?.PThread;
  for (const w of [...(pthread?.unusedWorkers ?? []), ...(pthread?.runningWorkers ?? [])]) w.unref?.();
}
