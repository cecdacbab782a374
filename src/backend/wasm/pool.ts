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
 *
 * The caller blocks in Atomics.wait while the workers run, so its event loop cannot hear a
 * worker's 'exit' or 'error' event: a worker that died would leave it waiting forever. The
 * kernel workers are therefore started by a supervisor thread whose event loop stays free. When
 * one exits or throws, the supervisor posts why on a port the caller reads synchronously
 * (`receiveMessageOnPort`), marks the worker's slot dead and wakes the caller, whose job (and
 * every later one) then fails with an Error naming the worker.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';

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
const FAULT = 9; // test hook: 1 + the index of a worker that is to fail on its next job, or 0
const FAULT_KIND = 10; // 1: process.exit(3) there; 2: throw outside the job's error handling
const HEADER = 16;
const SLOT = 8;
const SEQ = 0;
const DONE = 1;
const STATUS = 2;
const TV0 = 3; // this thread's value for per-thread argument 0
const TV1 = 4;
const DEAD = 5; // set (1) by the supervisor when this slot's worker has stopped
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
  if (ctrl[${FAULT}] === index + 1) {
    ctrl[${FAULT}] = 0;
    if (ctrl[${FAULT_KIND}] === 1) process.exit(3);
    throw new Error('fault injected by a test');
  }
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

/**
 * The supervisor: starts the kernel workers and reports the ones that stop outside close()
 * (the caller cannot hear their events while it waits in Atomics.wait).
 */
const SUPERVISOR_SOURCE = `
const { Worker, workerData, parentPort } = require('node:worker_threads');
const { memory, control, ports, reports, source } = workerData;
const ctrl = new Int32Array(control);
const workers = [];
let live = ports.length;
ports.forEach((port, index) => {
  const slot = ${HEADER} + index * ${SLOT};
  const worker = new Worker(source, { eval: true, workerData: { memory, control, port, index }, transferList: [port] });
  let why = null;
  worker.on('error', (e) => { why = 'threw ' + (e && e.message || String(e)); });
  worker.on('exit', (code) => {
    if (Atomics.load(ctrl, slot + ${SEQ}) !== ${SHUTDOWN}) {
      reports.postMessage({ index, why: why ?? 'exited with code ' + code });
      Atomics.store(ctrl, slot + ${DEAD}, 1);
      Atomics.notify(ctrl, slot + ${DONE});
    }
    parentPort.postMessage({ exited: index });
    if (--live === 0) { reports.close(); parentPort.close(); }
  });
  workers.push(worker);
});
parentPort.on('message', (m) => { if (typeof m.terminate === 'number') void workers[m.terminate]?.terminate(); });
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
  private readonly count: number;
  private readonly supervisor: Worker;
  /** Why each worker that stopped did, as the supervisor reported it. */
  private readonly reports: MessagePort;
  private readonly why = new Map<number, string>();
  private readonly exited = new Map<number, () => void>();
  /** Set once a worker has stopped: every later job fails with it. */
  private broken: string | undefined;
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
    this.count = workers;
    this.ctrl = new Int32Array(new SharedArrayBuffer((HEADER + Math.max(1, workers) * SLOT) * 4));
    const remote: MessagePort[] = [];
    for (let index = 0; index < workers; index++) {
      const { port1, port2 } = new MessageChannel();
      port1.unref();
      this.ports.push(port1);
      remote.push(port2);
      this.sent.push(new Set());
    }
    const reports = new MessageChannel();
    this.reports = reports.port1;
    this.reports.unref();
    this.supervisor = new Worker(SUPERVISOR_SOURCE, {
      eval: true,
      workerData: { memory, control: this.ctrl.buffer, ports: remote, reports: reports.port2, source: WORKER_SOURCE },
      transferList: [...remote, reports.port2],
    });
    this.supervisor.on('message', (m: { exited?: number }) => {
      if (m.exited !== undefined) this.exited.get(m.exited)?.();
    });
    this.supervisor.unref();
  }

  /** Worker threads (the calling thread comes on top). */
  get size(): number {
    return this.count;
  }

  /** Why worker `w` stopped (from the supervisor's reports). */
  private stopped(w: number): string {
    for (let m = receiveMessageOnPort(this.reports); m !== undefined; m = receiveMessageOnPort(this.reports)) {
      const { index, why } = m.message as { index: number; why: string };
      this.why.set(index, why);
    }
    return this.why.get(w) ?? 'stopped';
  }

  /** The first dead worker, as a message, or undefined while all live. */
  private deadWorker(): string | undefined {
    for (let w = 0; w < this.count; w++) {
      if (Atomics.load(this.ctrl, HEADER + w * SLOT + DEAD) !== 0) return `kernel worker ${w} ${this.stopped(w)}`;
    }
    return undefined;
  }

  /**
   * Runs the job's chunks on the calling thread (through `local(args)`) and the workers, and
   * returns when all are done. Throws if any chunk failed.
   */
  run(job: PoolJob, local: (args: number[]) => void): void {
    if (this.closed) throw new Error('WorkerPool is closed');
    this.broken ??= this.deadWorker();
    if (this.broken !== undefined) throw new Error(`${this.broken}; the wasm kernels cannot run on this pool any more`);
    if (job.nargs > MAX_ARGS) throw new Error(`at most ${MAX_ARGS} arguments per call`);
    if (job.threadArgs.length > 2) throw new Error('at most two per-thread arguments');
    const fn = job.module.names.indexOf(job.fn);
    if (fn < 0) throw new Error(`no export ${job.fn}`);
    const workers = Math.min(this.count, job.chunks - 1);
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
    const dead: number[] = [];
    for (let w = 0; w < workers; w++) {
      const slot = HEADER + w * SLOT;
      for (;;) {
        const done = Atomics.load(c, slot + DONE);
        if (done === seq) break;
        // The supervisor sets DEAD, then wakes this wait; the timeout covers a wake-up lost in between.
        if (Atomics.load(c, slot + DEAD) !== 0) {
          dead.push(w);
          break;
        }
        Atomics.wait(c, slot + DONE, done, 200);
      }
      if (c[slot + STATUS] !== 0) failed++;
    }
    this.remoteCalls += job.chunks - localChunks;
    if (dead.length > 0) {
      this.broken = dead.map((w) => `kernel worker ${w} ${this.stopped(w)}`).join('; ');
      throw new Error(`${this.broken} while running a kernel (export ${job.fn}, ${job.chunks} chunks); the wasm kernels cannot run on this pool any more`);
    }
    if (failure) throw failure;
    if (failed) throw new Error(`${failed} kernel worker(s) failed (see stderr)`);
  }

  /**
   * Fault injection for tests: worker `w` fails when it wakes for its next job, by
   * `process.exit(3)` ('exit') or an uncaught exception ('throw').
   */
  injectFault(w: number, kind: 'exit' | 'throw'): void {
    Atomics.store(this.ctrl, FAULT_KIND, kind === 'exit' ? 1 : 2);
    Atomics.store(this.ctrl, FAULT, w + 1);
  }

  /** Terminates worker `w` from outside (as a crash would); resolves once the supervisor has seen it exit. */
  terminateWorker(w: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.exited.set(w, resolve);
      this.supervisor.ref();
      this.supervisor.postMessage({ terminate: w });
    }).finally(() => this.supervisor.unref());
  }

  /** Stops the workers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let w = 0; w < this.count; w++) {
      const slot = HEADER + w * SLOT;
      Atomics.store(this.ctrl, slot + SEQ, SHUTDOWN);
      Atomics.notify(this.ctrl, slot + SEQ);
      this.ports[w].close();
    }
    this.reports.close();
  }
}
