/**
 * Glue between the tfjs `wasm` backend and the kernel modules generated in this folder: the
 * generated modules import the backend's own WebAssembly memory, so they read and write tensors
 * in place (no copies), addressed by the byte offsets tfjs keeps for each tensor.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import { ModuleBuilder } from './emitter.js';
import { type PoolModule, type ThreadArg, WorkerPool } from './pool.js';
import { wasmKernelVariant } from './variant.js';

/** The parts of the Emscripten module and of BackendWasm the kernels use. */
export interface WasmModuleLike {
  HEAPF32: Float32Array;
  HEAP32: Int32Array;
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

export interface WasmBackendLike {
  wasm: WasmModuleLike;
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

export type Exports = Record<string, (...args: number[]) => number | void>;

/** A compiled kernel module: its exports on this thread, and its handle for the worker pool. */
export interface Kernel {
  readonly exports: Exports;
  readonly pooled: PoolModule;
}

/** Splits [0, n) into at most `parts` near-equal non-empty ranges [start, count]. */
export function splitRange(n: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(parts, n));
  const out: [number, number][] = [];
  for (let i = 0, start = 0; i < k; i++) {
    const count = Math.floor(n / k) + (i < n % k ? 1 : 0);
    out.push([start, count]);
    start += count;
  }
  return out;
}

let nextModuleId = 0;

/** Per-backend state: the memory, a cache of compiled kernel modules by key, the worker pool. */
export class KernelRuntime {
  private readonly modules = new Map<string, Kernel>();
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  private pool: WorkerPool | null = null;

  constructor(readonly backend: WasmBackendLike) {
    const memory = backend.wasm.asm?.memory ?? backend.wasm.wasmMemory;
    if (!(memory instanceof WebAssembly.Memory)) {
      throw new Error('awmtl wasm kernels: cannot find the WebAssembly.Memory of the tfjs wasm backend');
    }
    this.memory = memory;
    this.shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  }

  /** The compiled module for `key` (per kernel variant, see variant.ts), built by `build` on first use. */
  kernel(name: string, build: (mod: ModuleBuilder) => void): Kernel {
    const key = `${wasmKernelVariant()}:${name}`;
    let kernel = this.modules.get(key);
    if (!kernel) {
      const builder = new ModuleBuilder(this.shared);
      build(builder);
      const module = new WebAssembly.Module(builder.encode());
      const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
      const exports = instance.exports as Exports;
      kernel = { exports, pooled: { id: nextModuleId++, module, names: Object.keys(exports) } };
      this.modules.set(key, kernel);
    }
    return kernel;
  }

  /** The exports of the compiled module for `key` (see `kernel`). */
  module(key: string, build: (mod: ModuleBuilder) => void): Exports {
    return this.kernel(key, build).exports;
  }

  /** Threads kernels may use (1 + pool workers). */
  get threads(): number {
    return 1 + (this.pool?.size ?? 0);
  }

  /**
   * Uses `threads` threads for the kernels from now on (starting or stopping pool workers).
   * More than one needs the shared heap of the threaded wasm build.
   */
  setThreads(threads: number): void {
    if (threads === this.threads) return;
    this.pool?.close();
    this.pool = null;
    if (threads > 1) {
      if (!this.shared) throw new Error('kernel threads need the threaded wasm build (a shared heap)');
      this.pool = new WorkerPool(this.memory, threads - 1);
    }
  }

  /** The kernel worker pool, or null on one thread (for tests that fail a worker). */
  get workerPool(): WorkerPool | null {
    return this.pool;
  }

  /** Kernel calls run on pool workers so far (a diagnostic). */
  get remoteCalls(): number {
    return this.pool?.remoteCalls ?? 0;
  }

  /**
   * Calls `fn` of `kernel` once per chunk (argument list), spread over the threads when there is
   * a pool. Chunks must be independent, except through per-thread arguments (`threadArgs`:
   * values[0] on this thread, values[w + 1] on worker w), which must tolerate several chunks in
   * a row on one thread (accumulate, or be scratch). `split` false keeps all on this thread.
   */
  parallel(
    kernel: Kernel,
    fn: string,
    chunks: readonly (readonly number[])[],
    threadArgs: readonly ThreadArg[] = [],
    split = true,
  ): void {
    const f = kernel.exports[fn];
    const withThreadArgs = (args: readonly number[]): number[] => {
      const a = [...args];
      for (const ta of threadArgs) a[ta.index] = ta.values[0];
      return a;
    };
    if (!this.pool || chunks.length < 2 || !split) {
      for (const args of chunks) f(...withThreadArgs(args));
      return;
    }
    const nargs = chunks[0].length;
    const table = this.malloc(chunks.length * nargs);
    const heap = this.i32;
    chunks.forEach((args, k) => args.forEach((a, i) => (heap[(table >>> 2) + k * nargs + i] = a | 0)));
    try {
      this.pool.run({ module: kernel.pooled, fn, nargs, chunks: chunks.length, table, threadArgs }, (args) => f(...args));
    } finally {
      this.free(table);
    }
  }

  /** Byte offset of a tensor's data in the heap. */
  offset(t: TensorInfo): number {
    const data = this.backend.dataIdMap.get(t.dataId);
    if (!data) throw new Error('awmtl wasm kernels: tensor is not on the wasm backend');
    return data.memoryOffset;
  }

  private views: { buffer: ArrayBufferLike; f32: Float32Array; i32: Int32Array; u8: Uint8Array } | null = null;

  /** Views of the whole heap, remade when the memory has grown (re-read after any allocation). */
  private heapViews(): { f32: Float32Array; i32: Int32Array; u8: Uint8Array } {
    const buffer = this.memory.buffer;
    if (!this.views || this.views.buffer !== buffer) {
      this.views = { buffer, f32: new Float32Array(buffer), i32: new Int32Array(buffer), u8: new Uint8Array(buffer) };
    }
    return this.views;
  }

  get f32(): Float32Array {
    return this.heapViews().f32;
  }

  get i32(): Int32Array {
    return this.heapViews().i32;
  }

  get u8(): Uint8Array {
    return this.heapViews().u8;
  }

  /** Allocates `floats` scratch floats (16-byte aligned); free with `free`. */
  malloc(floats: number): number {
    const ptr = this.backend.wasm._malloc(Math.max(16, floats * 4 + 16)) >>> 0;
    if (ptr === 0) throw new Error(`awmtl wasm kernels: out of memory allocating ${floats * 4} bytes`);
    return ptr;
  }

  free(ptr: number): void {
    this.backend.wasm._free(ptr);
  }

  /** A new float32 output tensor on the backend. */
  output(shape: number[]): TensorInfo {
    return this.backend.makeOutput(shape, 'float32');
  }

  /** Copies the interior of a padded NHWC buffer (byte offsets) out to a dense tensor. */
  cropFrom(src: number, dst: number, n: number, h: number, w: number, c: number, pad: Pad): void {
    const heap = this.f32;
    const hp = h + pad.top + pad.bottom;
    const wp = w + pad.left + pad.right;
    const s = src >>> 2;
    const d = dst >>> 2;
    const row = w * c;
    for (let i = 0; i < n; i++) {
      for (let y = 0; y < h; y++) {
        const from = s + ((i * hp + y + pad.top) * wp + pad.left) * c;
        const to = d + (i * h + y) * row;
        heap.copyWithin(to, from, from + row);
      }
    }
  }
}

export interface Pad {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

export const isZeroPad = (p: Pad): boolean => p.top === 0 && p.bottom === 0 && p.left === 0 && p.right === 0;

const runtimes = new WeakMap<object, KernelRuntime>();

/** The runtime for a backend instance (created on first use). */
export function runtimeFor(backend: object): KernelRuntime {
  let rt = runtimes.get(backend);
  if (!rt) {
    rt = new KernelRuntime(backend as WasmBackendLike);
    runtimes.set(backend, rt);
  }
  return rt;
}
