/**
 * A pool of Node worker threads that run the generated kernel modules on the shared heap of the
 * threaded tfjs wasm build, so one kernel call can be split across cores.
 *
 * Dispatch is synchronous (kernels are synchronous): the calling thread writes each worker's
 * call into a shared control block and wakes it with Atomics.notify, runs its own share, then
 * waits on the workers' completion words. Compiled modules reach the workers through a message
 * port that a worker drains with `receiveMessageOnPort` when a call names a module it has not
 * instantiated yet.
 */
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';

/** Int32 slots per worker in the control block. */
const SLOT = 32;
const SEQ = 0;
const DONE = 1;
const STATUS = 2;
const MODULE = 3;
const FUNC = 4;
const NARGS = 5;
const ARGS = 6;
/** A word that stays 0, for short sleeps with Atomics.wait. */
const SLEEP = SLOT - 1;
const MAX_ARGS = SLEEP - ARGS;
const SHUTDOWN = -1;

const WORKER_SOURCE = `
const { workerData, receiveMessageOnPort } = require('node:worker_threads');
const { memory, control, port, index } = workerData;
const ctrl = new Int32Array(control);
const base = index * ${SLOT};
const instances = [];
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, base + ${SEQ}, seen);
  const seq = Atomics.load(ctrl, base + ${SEQ});
  if (seq === ${SHUTDOWN}) break;
  seen = seq;
  let status = 0;
  try {
    const id = ctrl[base + ${MODULE}];
    for (let tries = 0; !instances[id]; tries++) {
      const m = receiveMessageOnPort(port);
      if (!m) {
        if (tries > 5000) throw new Error('module ' + id + ' did not reach the worker');
        Atomics.wait(ctrl, base + ${SLEEP}, 0, 1);
        continue;
      }
      const { id: mid, module, names } = m.message;
      instances[mid] = { exports: new WebAssembly.Instance(module, { env: { memory } }).exports, names };
    }
    const inst = instances[id];
    const n = ctrl[base + ${NARGS}];
    const args = [];
    for (let i = 0; i < n; i++) args.push(ctrl[base + ${ARGS} + i]);
    inst.exports[inst.names[ctrl[base + ${FUNC}]]](...args);
  } catch (e) {
    status = 1;
    try { require('node:fs').writeSync(2, 'awmtl kernel worker ' + index + ': ' + (e && e.stack || e) + '\\n'); } catch {}
  }
  Atomics.store(ctrl, base + ${STATUS}, status);
  Atomics.store(ctrl, base + ${DONE}, seq);
  Atomics.notify(ctrl, base + ${DONE});
}
`;

/** A compiled kernel module as the pool knows it. */
export interface PoolModule {
  readonly id: number;
  readonly module: WebAssembly.Module;
  readonly names: readonly string[];
}

/** One call: the export `fn` of `module` with i32 arguments. */
export interface PoolCall {
  readonly module: PoolModule;
  readonly fn: string;
  readonly args: readonly number[];
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  private readonly sent: Set<number>[] = [];
  private readonly ctrl: Int32Array;
  private seq = 0;
  private closed = false;
  /** Calls run on worker threads so far (a diagnostic). */
  remoteCalls = 0;

  /** Starts `workers` threads sharing `memory` (which must be shared). */
  constructor(
    readonly memory: WebAssembly.Memory,
    workers: number,
  ) {
    if (!(memory.buffer instanceof SharedArrayBuffer)) throw new Error('WorkerPool needs a shared WebAssembly.Memory');
    this.ctrl = new Int32Array(new SharedArrayBuffer(Math.max(1, workers) * SLOT * 4));
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
   * Runs `calls[0]` on the calling thread (via `local`) and calls[1..] on workers 0.., and
   * returns when all are done. Throws if a worker's call failed.
   */
  run(calls: readonly PoolCall[], local: (call: PoolCall) => void): void {
    if (this.closed) throw new Error('WorkerPool is closed');
    const remote = calls.length - 1;
    if (remote > this.workers.length) throw new Error(`${calls.length} calls for ${this.workers.length + 1} threads`);
    const seq = ++this.seq;
    for (let w = 0; w < remote; w++) {
      const call = calls[w + 1];
      if (call.args.length > MAX_ARGS) throw new Error(`at most ${MAX_ARGS} arguments per call`);
      if (!this.sent[w].has(call.module.id)) {
        const { id, module, names } = call.module;
        this.ports[w].postMessage({ id, module, names });
        this.sent[w].add(id);
      }
      const base = w * SLOT;
      const fn = call.module.names.indexOf(call.fn);
      if (fn < 0) throw new Error(`no export ${call.fn}`);
      this.ctrl[base + MODULE] = call.module.id;
      this.ctrl[base + FUNC] = fn;
      this.ctrl[base + NARGS] = call.args.length;
      call.args.forEach((a, i) => {
        this.ctrl[base + ARGS + i] = a | 0;
      });
      Atomics.store(this.ctrl, base + SEQ, seq);
      Atomics.notify(this.ctrl, base + SEQ);
    }
    let failure: unknown = null;
    if (calls.length > 0) {
      try {
        local(calls[0]);
      } catch (e) {
        failure = e;
      }
    }
    let failed = 0;
    for (let w = 0; w < remote; w++) {
      const base = w * SLOT;
      for (;;) {
        const done = Atomics.load(this.ctrl, base + DONE);
        if (done === seq) break;
        Atomics.wait(this.ctrl, base + DONE, done, 1000);
      }
      if (this.ctrl[base + STATUS] !== 0) failed++;
    }
    this.remoteCalls += remote;
    if (failure) throw failure;
    if (failed) throw new Error(`${failed} kernel worker call(s) failed (see stderr)`);
  }

  /** Stops the workers. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.ctrl, w * SLOT + SEQ, SHUTDOWN);
      Atomics.notify(this.ctrl, w * SLOT + SEQ);
      this.ports[w].close();
    }
  }
}
