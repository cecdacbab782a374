/**
 * Starts tfjs-backend-wasm's multithreaded build (tfjs-backend-wasm-threaded-simd.wasm) under
 * Node, which it does not support out of the box (tfjs 4.22):
 *
 * - its feature test reports WASM_HAS_MULTITHREAD_SUPPORT = false in Node, so the flag is forced;
 * - Emscripten starts its pthread workers from a Blob URL (`URL.createObjectURL`), which Node's
 *   Worker cannot load: while the backend starts, that call is answered with the path of a
 *   worker file written to a private folder (see privateWorkerFile), whose script loads the module
 *   factory with `require` instead of from the Blob;
 * - XNNPACK caps its thread pool at half the logical cores (2 cores here -> 1 thread) whatever
 *   `setThreadsCount` says, so when more XNNPACK threads are asked for, `os.cpus()` reports
 *   enough cores while the backend starts.
 *
 * Everything patched is restored before this returns. Its heap is a SharedArrayBuffer, which is
 * what lets the project's own kernel workers (./pool.ts) share tensors with it.
 */
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

/** The worker's own loading of the module factory from the Blob, replaced by `require`. */
const BLOB_IMPORT =
  'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}else{var objectUrl=URL.createObjectURL(e.data.urlOrBlob);importScripts(objectUrl);URL.revokeObjectURL(objectUrl)}';

/** The pthread worker script: tfjs's own, loading the module factory with `require` instead of from a Blob. */
export function threadedWorkerScript(): string {
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
  return `globalThis.WasmBackendModuleThreadedSimd = require(${JSON.stringify(factory)});\n` + contents.replace(BLOB_IMPORT, '');
}

/** This process's worker file, once written. */
let written: { readonly file: string; readonly script: string } | undefined;

/**
 * The path of a file holding `script`, in a folder only this user can write: a fresh mkdtemp
 * folder (mode 0700, unpredictable name) per process, removed when the process exits. Node runs
 * the file as code inside this process, so a shared folder under a predictable name would let
 * another local user plant code in it. The content is compared with `script` every time before
 * use: a file changed since it was written is refused (an Error naming it); one that is gone
 * (e.g. a temp cleaner removed it) is written again in a new folder.
 */
export function privateWorkerFile(script: string, root: string = os.tmpdir()): string {
  if (written !== undefined && written.script === script && existsSync(written.file)) {
    const bytes = readFileSync(written.file);
    if (!bytes.equals(Buffer.from(script))) {
      throw new Error(`${written.file}: the wasm worker script changed after awmtl wrote it; refusing to run it`);
    }
    return written.file;
  }
  const dir = mkdtempSync(join(root, 'awmtl-wasm-'));
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (st.mode & 0o077) !== 0 || (uid !== undefined && st.uid !== uid)) {
    throw new Error(`${dir}: not a private folder (mode ${(st.mode & 0o777).toString(8)}); refusing to write the wasm worker script there`);
  }
  const file = join(dir, 'tfjs-wasm-worker.cjs');
  // 'wx': fail rather than follow anything already there.
  writeFileSync(file, script, { mode: 0o600, flag: 'wx' });
  if (!readFileSync(file).equals(Buffer.from(script))) throw new Error(`${file}: the wasm worker script did not read back as written`);
  if (written === undefined) process.once('exit', removeWorkerFolders);
  folders.push(dir);
  written = { file, script };
  return file;
}

const folders: string[] = [];
function removeWorkerFolders(): void {
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Initialises the `wasm` backend from its threaded build, with `xnnpack` threads for the shipped
 * (XNNPACK) kernels. The default is 1: the awmtl kernels run on their own pool (./pool.ts), and
 * the kernels left to XNNPACK in a training step are small; measured with other processes busy
 * on the machine, XNNPACK's pool made them several times slower (ReLU 0.8 -> 3.5 ms per step).
 * Resolves to false (with the backend not set) if that fails.
 */
export async function startThreadedWasm(xnnpack = 1): Promise<boolean> {
  const workerFile = privateWorkerFile(threadedWorkerScript());
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
