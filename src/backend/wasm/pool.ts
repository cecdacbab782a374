/**
 * A pool of Node worker threads that run the generated kernel modules on the shared heap of the
 * threaded tfjs wasm build, so one kernel call can be split across cores.
 *
 * A job is one export of one module called on a table of argument lists (chunks of the work).
 * The calling thread and the workers take chunks from a shared counter until none are left, so
 * a thread slowed by other load on the machine simply takes fewer. Up to two arguments can be
 * per-thread (a partial-sum buffer, a scratch buffer). Dispatch is synchronous: the job is
 * written into a shared control block, workers are woken with Atomics.notify, and the caller
 * waits on their completion words. Compiled modules reach the workers through a message port
 * that a worker drains with `receiveMessageOnPort` when a job names a module it does not have.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';

// Control block layout (Int32): a job header, then one slot per worker.
const MODULE = 0;
const FUNC = 1;
const NARGS = 2;
const NCHUNKS = 3;
const TABLE = 4; // byte offset of the argument table (Int32, NCHUNKS x NARGS) in the heap
const COUNTER = 5; // next chunk to take
const TA0 = 6; // index of per-thread argument 0, or -1
const TA1 = 7; // index of per-thread argument 1, or -1
const SLEEP = 8; // a word that stays 0, for short sleeps with Atomics.wait
const HEADER = 16;
const SLOT = 8;
const SEQ = 0;
const DONE = 1;
const STATUS = 2;
const TV0 = 3; // this thread's value for per-thread argument 0
const TV1 = 4;
const SHUTDOWN = -1;
export const MAX_ARGS = 16;

const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, control, port, index } = workerData;
const ctrl = new Int32Array(control);
const slot = ${HEADER} + index * ${SLOT};
const instances = [];
const args = new Array(${MAX_ARGS}).fill(0);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, slot + ${SEQ}, seen);
  const seq = Atomics.load(ctrl, slot + ${SEQ});
  if (seq === ${SHUTDOWN}) break;
  seen = seq;
  let status = 0;
  try {
    const id = ctrl[${MODULE}];
    for (let tries = 0; !instances[id]; tries++) {
      const m = receiveMessageOnPort(port);
      if (!m) {
        if (tries > 5000) throw new Error('module ' + id + ' did not reach the worker');
        Atomics.wait(ctrl, ${SLEEP}, 0, 1);
        continue;
      }
      const { id: mid, module, names } = m.message;
      instances[mid] = { exports: new WebAssembly.Instance(module, { env: { memory } }).exports, names };
    }
    const inst = instances[id];
    const fn = inst.exports[inst.names[ctrl[${FUNC}]]];
    const nargs = ctrl[${NARGS}], chunks = ctrl[${NCHUNKS}], ta0 = ctrl[${TA0}], ta1 = ctrl[${TA1}];
    const tv0 = ctrl[slot + ${TV0}], tv1 = ctrl[slot + ${TV1}];
    const table = ctrl[${TABLE}] >>> 2;
    for (;;) {
      const c = Atomics.add(ctrl, ${COUNTER}, 1);
      if (c >= chunks) break;
      const heap = new Int32Array(memory.buffer);
      for (let i = 0; i < nargs; i++) args[i] = heap[table + c * nargs + i];
      if (ta0 >= 0) args[ta0] = tv0;
      if (ta1 >= 0) args[ta1] = tv1;
      fn(...args.slice(0, nargs));
    }
  } catch (e) {
    status = 1;
    try { require('node:fs').writeSync(2, 'awmtl kernel worker ' + index + ': ' + (e && e.stack || e) + '\\n'); } catch {}
  }
  Atomics.store(ctrl, slot + ${STATUS}, status);
  Atomics.store(ctrl, slot + ${DONE}, seq);
  Atomics.notify(ctrl, slot + ${DONE});
}
`;

/** A compiled kernel module as the pool knows it. */
export interface PoolModule {
  readonly id: number;
  readonly module: WebAssembly.Module;
  readonly names: readonly string[];
}

/** An argument whose value depends on the thread: values[0] for the caller, values[w + 1] for worker w. */
export interface ThreadArg {
  readonly index: number;
  readonly values: readonly number[];
}

/** A job: export `fn` of `module` on each chunk's arguments (byte offset `table` of an Int32 table in the heap). */
export interface PoolJob {
  readonly module: PoolModule;
  readonly fn: string;
  readonly nargs: number;
  readonly chunks: number;
  readonly table: number;
  readonly threadArgs: readonly ThreadArg[];
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly sent: Set<number>[] = [];
  private readonly ctrl: Int32Array;
  private seq = 0;
  private closed = false;
  /** Chunks run on worker threads so far (a diagnostic). */
  remoteCalls = 0;

  /** Starts `workers` threads sharing `memory` (which must be shared). */
  constructor(
    readonly memory: WebAssembly.Memory,
    workers: number,
  ) {
    if (!(memory.buffer instanceof SharedArrayBuffer)) throw new Error('WorkerPool needs a shared WebAssembly.Memory');
    this.ctrl = new Int32Array(new SharedArrayBuffer((HEADER + Math.max(1, workers) * SLOT) * 4));
    for (let index = 0; index < workers; index++) {
      const { port1, port2 } = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory, control: this.ctrl.buffer, port: port2, index },
        transferList: [port2],
      });
      worker.unref();
      port1.unref();
      this.workers.push(worker);
      this.ports.push(port1);
      this.sent.push(new Set());
    }
  }

  /** Worker threads (the calling thread comes on top). */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Runs the job's chunks on the calling thread (through `local(args)`) and the workers, and
   * returns when all are done. Throws if any chunk failed.
   */
  run(job: PoolJob, local: (args: number[]) => void): void {
    if (this.closed) throw new Error('WorkerPool is closed');
    if (job.nargs > MAX_ARGS) throw new Error(`at most ${MAX_ARGS} arguments per call`);
    if (job.threadArgs.length > 2) throw new Error('at most two per-thread arguments');
    const fn = job.module.names.indexOf(job.fn);
    if (fn < 0) throw new Error(`no export ${job.fn}`);
    const workers = Math.min(this.workers.length, job.chunks - 1);
    const c = this.ctrl;
    c[MODULE] = job.module.id;
    c[FUNC] = fn;
    c[NARGS] = job.nargs;
    c[NCHUNKS] = job.chunks;
    c[TABLE] = job.table;
    c[TA0] = job.threadArgs[0]?.index ?? -1;
    c[TA1] = job.threadArgs[1]?.index ?? -1;
    Atomics.store(c, COUNTER, 0);
    const seq = ++this.seq;
    for (let w = 0; w < workers; w++) {
      if (!this.sent[w].has(job.module.id)) {
        const { id, module, names } = job.module;
        this.ports[w].postMessage({ id, module, names });
        this.sent[w].add(id);
      }
      const slot = HEADER + w * SLOT;
      c[slot + TV0] = job.threadArgs[0]?.values[w + 1] ?? 0;
      c[slot + TV1] = job.threadArgs[1]?.values[w + 1] ?? 0;
      Atomics.store(c, slot + SEQ, seq);
      Atomics.notify(c, slot + SEQ);
    }
    let failure: unknown = null;
    let localChunks = 0;
    try {
      const table = job.table >>> 2;
      for (;;) {
        const k = Atomics.add(c, COUNTER, 1);
        if (k >= job.chunks) break;
        const heap = new Int32Array(this.memory.buffer);
        const args = Array.from({ length: job.nargs }, (_, i) => heap[table + k * job.nargs + i]);
        for (const ta of job.threadArgs) args[ta.index] = ta.values[0];
        local(args);
        localChunks++;
      }
    } catch (e) {
      failure = e;
      Atomics.store(c, COUNTER, job.chunks); // let the workers stop
    }
    let failed = 0;
    for (let w = 0; w < workers; w++) {
      const slot = HEADER + w * SLOT;
      for (;;) {
        const done = Atomics.load(c, slot + DONE);
        if (done === seq) break;
        Atomics.wait(c, slot + DONE, done, 1000);
      }
      if (c[slot + STATUS] !== 0) failed++;
    }
    this.remoteCalls += job.chunks - localChunks;
    if (failure) throw failure;
    if (failed) throw new Error(`${failed} kernel worker(s) failed (see stderr)`);
  }

  /** Stops the workers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let w = 0; w < this.workers.length; w++) {
      const slot = HEADER + w * SLOT;
      Atomics.store(this.ctrl, slot + SEQ, SHUTDOWN);
      Atomics.notify(this.ctrl, slot + SEQ);
      this.ports[w].close();
    }
  }
}
