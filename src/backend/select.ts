/**
 * Chooses the TensorFlow.js backend once, at start-up.
 *
 * 'auto' takes the first that loads of: `tensorflow` (@tensorflow/tfjs-node-gpu, then
 * @tensorflow/tfjs-node, both optional peer dependencies of this package), `webgpu` on a hardware
 * adapter (./webgpu.ts; a software adapter such as lavapipe is used only when `webgpu` is asked
 * for by name, being far slower than wasm), `wasm` with the project's training kernels, and `cpu`
 * (a last resort: a conv net trains about 100 times slower). AWMTL_WEBGPU=0 keeps `auto` from
 * loading Dawn at all.
 * An explicit choice that cannot load is an error. The choice is made once per process:
 * `tf.setBackend` moves or drops tensors of the previous backend, so a later call with a
 * different backend is refused.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from './wasm/kernels/index.js';
import { runtimeFor } from './wasm/runtime.js';
import { startThreadedWasm } from './wasm/startThreadedWasm.js';
import { type AdapterDescription, describeAdapter, probeWebgpu, startWebgpu } from './webgpu.js';
import { wasmKernelVariant } from './wasm/variant.js';

/** The names `--backend` accepts. */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** Whether a `--backend` value is one of BACKEND_CHOICES. */
export const isBackendChoice = (s: string): s is BackendChoice => (BACKEND_CHOICES as readonly string[]).includes(s);

/** The usage error for a `--backend` value that is not one of BACKEND_CHOICES. */
export const backendChoiceError = (s: string): string =>
  `--backend must be ${BACKEND_CHOICES.slice(0, -1).join(', ')} or ${BACKEND_CHOICES[BACKEND_CHOICES.length - 1]}, got ${JSON.stringify(s)}`;

export interface BackendOptions {
  readonly backend?: BackendChoice;
  /** Threads for the backend's kernels (tensorflow: intra-op threads are its own; wasm: see README). */
  readonly threads?: number;
  /** Where the choice is reported (default: stderr, so stdout stays free for JSON output). */
  readonly log?: (msg: string) => void;
}

export interface BackendInfo {
  readonly name: string;
  readonly threads: number;
  readonly simd: boolean;
  readonly reason: string;
  /** webgpu only: the adapter Dawn chose. */
  readonly adapter?: AdapterDescription;
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let chosen: { info: BackendInfo; requested: BackendChoice; threads: number | undefined } | null = null;

/** The backend chosen by `selectBackend`, or null before the first call. */
export const selectedBackend = (): BackendInfo | null => chosen?.info ?? null;

const errorText = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0] : String(e));

/** Tries the native TensorFlow bindings and sets the backend; returns the package that loaded, or the failures. */
export async function loadTensorflow(): Promise<{ ok: true; pkg: string } | { ok: false; why: string }> {
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // A computed specifier: these packages are optional and have no type declarations here.
      const specifier: string = pkg;
      await import(specifier);
      if (tf.findBackendFactory('tensorflow') == null) {
        failures.push(`${pkg}: loaded but registered no 'tensorflow' backend (another tfjs-core instance?)`);
        continue;
      }
      if (await tf.setBackend('tensorflow')) return { ok: true, pkg };
      failures.push(`${pkg}: the 'tensorflow' backend failed to initialise`);
    } catch (e) {
      failures.push(`${pkg}: ${errorText(e)}`);
    }
  }
  return { ok: false, why: failures.join('; ') };
}

async function loadWasm(threads: number, log: (msg: string) => void): Promise<BackendInfo> {
  registerWasmTrainingKernels();
  const kernels = `awmtl training kernels (${wasmKernelVariant()})`;
  const simdSupport = async (): Promise<boolean> => (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  if (threads > 1) {
    // The threaded build (shared heap) lets the kernels split work over a worker pool.
    let why = '';
    try {
      if (await startThreadedWasm()) {
        runtimeFor(tf.backend()).setThreads(threads);
        return { name: 'wasm', threads, simd: await simdSupport(), reason: `wasm (threaded SIMD build, kernel worker pool) with ${kernels}` };
      }
      why = 'the threaded build failed to initialise';
    } catch (e) {
      why = errorText(e);
    }
    log(`warning: ${threads} wasm threads requested but ${why}; using one thread`);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs wasm backend failed to initialise');
  const note = threads > 1 ? `; ${threads} threads requested, the threaded build failed` : '';
  return { name: 'wasm', threads: 1, simd: await simdSupport(), reason: `wasm (SIMD build) with ${kernels}${note}` };
}

async function loadWebgpu(threads: number, log: (msg: string) => void): Promise<BackendInfo> {
  if (threads > 1) log(`warning: --threads ${threads} has no effect on the webgpu backend`);
  const adapter = await startWebgpu();
  return { name: 'webgpu', threads: 1, simd: false, reason: `tfjs-backend-webgpu on Dawn`, adapter };
}

async function loadCpu(reason: string): Promise<BackendInfo> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the tfjs cpu backend failed to initialise');
  return { name: 'cpu', threads: 1, simd: false, reason };
}

/**
 * Selects and initialises the backend (once per process) and reports it through `log`.
 * Rejects when an explicitly requested backend cannot load, or when a different backend than
 * the one already chosen is requested.
 */
/**
 * Runs `work` and removes the process-wide 'uncaughtException' and
 * 'unhandledRejection' listeners it added: tfjs-backend-wasm's Emscripten
 * glue installs ones that rethrow, so any later uncaught error would be
 * reported from inside its minified source (Node prints that whole line, tens
 * of kilobytes) and exit 7, instead of reaching the application's handler.
 */
export const withoutNewProcessListeners = async <A>(work: () => Promise<A>): Promise<A> => {
  const events: string[] = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as unknown as NodeJS.EventEmitter;
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  try {
    return await work();
  } finally {
    for (const e of events) {
      for (const l of emitter.listeners(e)) if (!before.get(e)?.has(l)) emitter.removeListener(e, l as (...args: unknown[]) => void);
    }
  }
};

export async function selectBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  return withoutNewProcessListeners(() => chooseBackend(options));
}

async function chooseBackend(options: BackendOptions): Promise<BackendInfo> {
  const requested = options.backend ?? 'auto';
  const log = options.log ?? ((msg: string) => console.error(msg));
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new Error(`threads must be a positive integer, got ${options.threads}`);
  }
  if (chosen) {
    const same = requested === 'auto' || requested === chosen.info.name;
    const sameThreads = options.threads === undefined || options.threads === chosen.threads;
    if (!same || !sameThreads) {
      throw new Error(
        `backend already chosen: ${chosen.info.name} (${chosen.info.threads} thread(s)); ` +
          `cannot switch to ${requested}${options.threads ? ` with ${options.threads} thread(s)` : ''} in the same process`,
      );
    }
    return chosen.info;
  }
  const threads = options.threads ?? 1;
  let info: BackendInfo;
  switch (requested) {
    case 'tensorflow': {
      const r = await loadTensorflow();
      if (!r.ok) throw new Error(`backend 'tensorflow' requested but cannot load: ${r.why}`);
      info = { name: 'tensorflow', threads, simd: true, reason: `native TensorFlow via ${r.pkg}` };
      break;
    }
    case 'wasm':
      try {
        info = await loadWasm(threads, log);
      } catch (e) {
        throw new Error(`backend 'wasm' requested but cannot load: ${errorText(e)}`);
      }
      break;
    case 'webgpu':
      try {
        info = await loadWebgpu(threads, log);
      } catch (e) {
        throw new Error(`backend 'webgpu' requested but cannot load: ${errorText(e)}`);
      }
      break;
    case 'cpu':
      info = await loadCpu('cpu requested explicitly (slow: pure JavaScript kernels)');
      break;
    case 'auto': {
      const native = await loadTensorflow();
      if (native.ok) {
        info = { name: 'tensorflow', threads, simd: true, reason: `auto: native TensorFlow via ${native.pkg}` };
        break;
      }
      let noGpu: string;
      if (process.env.AWMTL_WEBGPU === '0') {
        noGpu = 'webgpu not probed (AWMTL_WEBGPU=0)';
      } else {
        const probe = await probeWebgpu();
        if (probe.available && !probe.adapter.software) {
          try {
            const webgpu = await loadWebgpu(threads, log);
            info = { ...webgpu, reason: `auto: ${webgpu.reason}; no native TensorFlow (${native.why})` };
            break;
          } catch (e) {
            noGpu = `webgpu failed (${errorText(e)})`;
          }
        } else {
          noGpu = probe.available
            ? `webgpu skipped: software adapter ${describeAdapter(probe.adapter)}, slower than wasm (use --backend webgpu to force it)`
            : `no webgpu (${probe.why})`;
        }
      }
      try {
        const wasm = await loadWasm(threads, log);
        info = { ...wasm, reason: `auto: ${wasm.reason}; no native TensorFlow (${native.why}); ${noGpu}` };
      } catch (e) {
        info = await loadCpu(
          `auto: last resort; no native TensorFlow (${native.why}); ${noGpu}; wasm failed (${errorText(e)})`,
        );
        log(`warning: training on the tfjs cpu backend is very slow (${info.reason})`);
      }
      break;
    }
    default:
      throw new Error(`unknown backend '${String(requested)}' (expected ${BACKEND_CHOICES.join(', ')})`);
  }
  chosen = { info, requested, threads: options.threads };
  log(
    info.adapter
      ? `backend: ${info.name}, adapter ${describeAdapter(info.adapter)} (${info.reason})`
      : `backend: ${info.name}, ${info.threads} thread(s), simd ${info.simd ? 'on' : 'off'} (${info.reason})`,
  );
  return info;
}
