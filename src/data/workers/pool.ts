/**
 * A pool of image worker threads for the input pipeline.
 *
 * A task is posted to a worker as soon as it is submitted (to the one with
 * the fewest images outstanding), so each worker's own message queue holds its
 * work: the workers keep decoding while the main thread is busy in a training
 * step, and need the main thread only to hear that a task is done. Replies
 * carry one result per image (null, or the error naming the file) and the
 * pixels, transferred without a copy. A task that throws
 * in the worker, or a worker that dies (exits, throws outside a task, is
 * terminated), rejects with an Error naming the worker, why it stopped and the
 * task's files; later tasks go to the workers left, and fail at once when none is.
 *
 * Workers hold the process open only while they have work (ref/unref), and
 * `close()` asks them to close their shard files and exit.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from './protocol.js';
import type { DecodeOutput, DecodeTask, LoadResult, LoadTask } from './work.js';

/**
 * Default worker count: one per core the training step leaves free
 * (cores - 1, at least 1), at most 4. Decoding is CPU-bound, so more workers
 * than spare cores only time-slice against the step; 4 jimp workers decode
 * several hundred images per second, more than a CPU step here consumes, and
 * each worker costs a V8 heap and jimp (tens of MB of RSS).
 */
export const defaultWorkerCount = (cores = availableParallelism()): number => Math.max(1, Math.min(4, cores - 1));

export interface WorkerPool {
  readonly size: number;
  /** Resolves when every worker has started (or stopped trying); tasks may be submitted before. */
  readonly ready: Promise<void>;
  load(task: LoadTask): Promise<LoadResult>;
  decode(task: DecodeTask): Promise<DecodeOutput>;
  /** Workers that have not stopped. */
  readonly alive: number;
  /** Why the first worker that stopped did (undefined while none has). */
  readonly failure: string | undefined;
  /** Images submitted and not yet done, over all workers (for tests of bounded queues). */
  readonly outstanding: number;
  /** Fault injection for tests: worker k exits (process.exit(3)), throws outside a task, or is terminated from here. */
  injectFault(k: number, how: 'exit' | 'throw' | 'terminate'): void;
  close(): Promise<void>;
}

interface Pending {
  readonly images: number;
  readonly paths: readonly string[];
  resolve(reply: WorkerReply): void;
  reject(error: Error): void;
}

interface Slot {
  readonly index: number;
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  images: number;
  dead: string | undefined;
}

// Compiled (dist/): the worker module itself. From the TypeScript sources: entry.mjs, which registers tsx in the worker first.
const ENTRY = new URL(import.meta.url.endsWith('.js') ? './worker.js' : './entry.mjs', import.meta.url);

const named = (paths: readonly string[]): string =>
  paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more`;

/** Starts `size` (>= 1) image workers. */
export const createWorkerPool = (size: number): WorkerPool => {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`worker pool: size must be a positive integer, got ${size}`);
  let nextId = 1;
  let closed = false;
  const slots: Slot[] = [];
  const started: Promise<void>[] = [];

  const settle = (slot: Slot, id: number): Pending | undefined => {
    const p = slot.pending.get(id);
    if (p === undefined) return undefined;
    slot.pending.delete(id);
    slot.images -= p.images;
    if (slot.pending.size === 0) slot.worker.unref();
    return p;
  };

  const kill = (slot: Slot, why: string): void => {
    if (slot.dead !== undefined) return;
    slot.dead = why;
    for (const [id, p] of [...slot.pending]) {
      settle(slot, id);
      p.reject(new Error(`image worker ${slot.index} stopped (${why}) while loading ${named(p.paths)}`));
    }
  };

  for (let k = 0; k < size; k++) {
    // Worker threads do not inherit bin/awmtl.js's in-process tsx registration: entry.mjs registers it.
    const worker = new Worker(ENTRY);
    const slot: Slot = { index: k, worker, pending: new Map(), images: 0, dead: undefined };
    let onReady = (): void => undefined;
    started.push(new Promise<void>((resolve) => (onReady = resolve)));
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'ready') {
        // Held open while starting; from now on only while it has work.
        if (slot.pending.size === 0) worker.unref();
        onReady();
        return;
      }
      const p = settle(slot, reply.id);
      if (p === undefined) return;
      if (reply.kind === 'failed') p.reject(new Error(`image worker ${k} failed while loading ${named(p.paths)}: ${reply.message}`));
      else p.resolve(reply);
    });
    worker.on('error', (error) => {
      onReady();
      kill(slot, `threw ${error.message}`);
    });
    worker.on('exit', (code) => {
      onReady();
      kill(slot, closed ? 'pool closed' : `exit code ${code}`);
    });
    slots.push(slot);
  }

  const submit = (request: (id: number) => WorkerRequest, images: number, paths: readonly string[]): Promise<WorkerReply> =>
    new Promise((resolve, reject) => {
      if (closed) {
        reject(new Error(`worker pool is closed (loading ${named(paths)})`));
        return;
      }
      let best: Slot | undefined;
      for (const slot of slots) if (slot.dead === undefined && (best === undefined || slot.images < best.images)) best = slot;
      if (best === undefined) {
        reject(new Error(`every image worker has stopped (worker 0: ${slots[0]?.dead ?? '?'}); cannot load ${named(paths)}`));
        return;
      }
      const id = nextId++;
      best.pending.set(id, { images, paths, resolve, reject });
      best.images += images;
      best.worker.ref();
      best.worker.postMessage(request(id));
    });

  const ready = Promise.all(started).then(() => undefined);
  return {
    size,
    ready,
    get alive() {
      return slots.filter((slot) => slot.dead === undefined).length;
    },
    get failure() {
      return slots.find((slot) => slot.dead !== undefined)?.dead;
    },
    get outstanding() {
      return slots.reduce((s, slot) => s + slot.images, 0);
    },
    load: async (task) => {
      const paths = task.items.map((i) => i.path);
      const reply = await submit((id) => ({ kind: 'load', id, task }), task.items.length, paths);
      if (reply.kind !== 'loaded') throw new Error(`image worker: unexpected reply ${reply.kind}`);
      return { errors: reply.errors, pixels: reply.pixels };
    },
    decode: async (task) => {
      const reply = await submit((id) => ({ kind: 'decode', id, task }), task.paths.length, task.paths);
      if (reply.kind !== 'decoded') throw new Error(`image worker: unexpected reply ${reply.kind}`);
      return { results: reply.results, pixels: reply.pixels };
    },
    injectFault: (k, how) => {
      const slot = slots[k];
      if (slot === undefined) throw new RangeError(`worker pool: no worker ${k}`);
      if (how === 'terminate') void slot.worker.terminate();
      else slot.worker.postMessage({ kind: 'fault', how } satisfies WorkerRequest);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all(
        slots.map(async (slot) => {
          if (slot.dead !== undefined) return;
          slot.worker.ref();
          const exited = new Promise<void>((resolve) => slot.worker.once('exit', () => resolve()));
          slot.worker.postMessage({ kind: 'shutdown' } satisfies WorkerRequest);
          const timer = setTimeout(() => void slot.worker.terminate(), 2000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
};
