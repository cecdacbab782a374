import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/index.js';
import { runtimeFor } from '../../src/backend/wasm/runtime.js';
import { randomArray, relativeError } from './helpers.js';

// A kernel worker that stops (exits, throws, or is terminated from outside) while the main thread
// waits for it in Atomics.wait must become an Error naming the worker, never a hang. If the pool
// regresses to waiting forever, ava's timeout (no result within its limit) fails the file.

const shape: [number, number, number, number] = [8, 41, 39, 16];
const values = randomArray(shape.reduce((a, b) => a * b, 1));
/** A bias-gradient Sum, which the awmtl kernels split over the pool at this size. */
const splitOp = (): Float32Array => tf.tidy(() => tf.sum(tf.tensor4d(values, shape), [0, 1, 2])).dataSync() as Float32Array;

const rt = () => runtimeFor(tf.findBackend('wasm') as object);

/** A fresh pool of one kernel worker (besides this thread). */
const freshPool = () => {
  rt().setThreads(1);
  rt().setThreads(2);
  const pool = rt().workerPool;
  if (pool === null) throw new Error('no kernel worker pool');
  return pool;
};

test.before(async () => {
  await selectBackend({ backend: 'wasm', threads: 2, log: () => {} });
});

test.serial('a healthy pool runs the op on its worker', (t) => {
  freshPool();
  const before = rt().remoteCalls;
  const out = splitOp();
  t.is(out.length, 16);
  // This thread takes chunks too, and may take all of them before the worker wakes: try a few times.
  for (let i = 0; i < 50 && rt().remoteCalls === before; i++) splitOp();
  t.true(rt().remoteCalls > before, 'the op must reach the worker for the fault tests to mean anything');
});

test.serial('a kernel worker that exits during a job fails the job, and every later one, naming it', (t) => {
  const pool = freshPool();
  pool.injectFault(0, 'exit');
  const first = t.throws(splitOp);
  t.regex(first?.message ?? '', /kernel worker 0 exited with code 3/);
  const again = t.throws(splitOp);
  t.regex(again?.message ?? '', /kernel worker 0 exited with code 3.*cannot run on this pool/);
});

test.serial('a kernel worker that throws an uncaught exception fails the job, naming it and the error', (t) => {
  const pool = freshPool();
  pool.injectFault(0, 'throw');
  const error = t.throws(splitOp);
  t.regex(error?.message ?? '', /kernel worker 0 threw .*fault injected by a test/);
});

test.serial('a kernel worker terminated from outside fails the next job at once, naming it', async (t) => {
  const pool = freshPool();
  await pool.terminateWorker(0);
  const error = t.throws(splitOp);
  t.regex(error?.message ?? '', /kernel worker 0 exited with code \d+/);
});

test.serial('after a failed pool, a new one (setThreads) runs kernels again', (t) => {
  const pool = freshPool();
  pool.injectFault(0, 'exit');
  t.throws(splitOp);
  const fresh = freshPool();
  t.not(fresh, pool);
  const before = rt().remoteCalls;
  const expected = tf.tidy(() => {
    rt().setThreads(1);
    return splitOp();
  });
  freshPool();
  let out = splitOp();
  for (let i = 0; i < 50 && rt().remoteCalls === before; i++) out = splitOp();
  t.true(rt().remoteCalls > before);
  // Partial sums add up in another order on two threads: equal to rounding.
  t.true(relativeError(out, expected) <= 1e-5, `relative error ${relativeError(out, expected)}`);
});
