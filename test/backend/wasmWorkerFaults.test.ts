import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { celeba } from '../../pipelines/celeba.js';
import { runTraining, type RunUi, type TrainConfig } from '../../pipelines/train.js';
import { DEFAULT_BACKBONE } from '../../src/model/index.js';
import { ADAM_DEFAULTS } from '../../src/train/optimizers.js';
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

test.serial('a healthy pool runs the op on its worker', async (t) => {
  freshPool();
  const before = rt().remoteCalls;
  const out = splitOp();
  t.is(out.length, 16);
  // This thread takes chunks too, and may take all of them before a freshly started worker is up
  // (on an idle machine a tight loop ends before it is): try again, giving it time, for up to 20 s.
  const end = Date.now() + 20_000;
  while (rt().remoteCalls === before && Date.now() < end) {
    splitOp();
    await new Promise((r) => setTimeout(r, 20));
  }
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

test.serial('after a failed pool, a new one (setThreads) runs kernels again', async (t) => {
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
  // As in the first test: the fresh worker may not be up before this thread has taken every chunk
  // (a tight loop of 50 calls ended before it was, in a clean-clone run): retry, giving it time.
  const end = Date.now() + 20_000;
  while (rt().remoteCalls === before && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 20));
    out = splitOp();
  }
  t.true(rt().remoteCalls > before);
  // Partial sums add up in another order on two threads: equal to rounding.
  t.true(relativeError(out, expected) <= 1e-5, `relative error ${relativeError(out, expected)}`);
});

test.serial('a training run whose kernel worker exits mid-run ends with an error naming the worker, not a hang', async (t) => {
  const fixture = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
  const dataset = await celeba.load(fixture, {}, 0);
  if (E.isLeft(dataset)) return t.fail(dataset.left.message);
  const out = mkdtempSync(join(tmpdir(), 'awmtl-worker-fault-run-'));
  try {
    freshPool();
    const config: TrainConfig = {
      pipeline: 'celeba',
      data: fixture,
      dataOptions: {},
      out,
      backbone: DEFAULT_BACKBONE,
      image: { height: 32, width: 32, crop: 'celeba-178' },
      loss: 'bce',
      optimizer: ADAM_DEFAULTS,
      batchSize: 8,
      valBatchSize: 8,
      valDraw: 'replacement',
      iterations: 6,
      strategy: { name: 'vlt', params: { k: 2 } },
      seed: 0,
      evalEvery: 0,
      evalLimit: 1,
      checkpointEvery: 0,
      flip: false,
      skipBadImages: false,
      prefetch: 2,
      finalSplits: [],
    };
    let seen = 0;
    const ui: RunUi = {
      info: () => undefined,
      progress: () => ({
        update: (done) => {
          seen = done;
          if (done === 2) rt().workerPool?.injectFault(0, 'exit');
        },
        done: () => undefined,
        log: () => undefined,
      }),
    };
    const result = await runTraining(dataset.right, config, { ui, input: { cache: false, workers: 0 } }).catch((e: unknown) =>
      E.left({ _tag: 'RunError' as const, message: `thrown: ${(e as Error).message}` }),
    );
    t.true(E.isLeft(result), 'the run must fail');
    if (E.isLeft(result)) t.regex(result.left.message, /kernel worker 0 exited with code 3/);
    t.is(seen, 2, 'the run stopped at the step after the fault');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
