/**
 * runTraining's step-end hooks: the caller's hooks run after the run's own, once per iteration
 * in order, and a hook that throws ends the run with its message, keeping the checkpoint; every
 * path releases what the run opened (no tensor left behind).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { encodeJpeg } from '../../fixtures/jpeg.js';
import { runTraining, type StepEndHook, trainConfig } from '../../pipelines/train.js';
import type { AttributeDataset, SplitView } from '../../src/data/attributeDataset.js';
import { binaryTask } from '../../src/tasks.js';
import { learningRateAt } from '../../src/train/schedule.js';

const SIZE = 16;
const dir = mkdtempSync(join(tmpdir(), 'awmtl-hooks-'));

/** A JPEG of one flat colour. */
const flatJpeg = (rgb: readonly [number, number, number]): Uint8Array => {
  const pixels = new Uint8Array(SIZE * SIZE * 3);
  for (let i = 0; i < SIZE * SIZE; i++) pixels.set(rgb, i * 3);
  return encodeJpeg(pixels, SIZE, SIZE, 90, 3);
};

const rows = Array.from({ length: 24 }, (_, i) => {
  const path = join(dir, `img${i}.jpg`);
  writeFileSync(path, flatJpeg(i % 2 === 0 ? [200, 40, 40] : [40, 40, 200]));
  return { path, labels: [i % 2 === 0 ? 1 : 0, i % 3 === 0 ? 1 : 0] };
});
const split = (part: typeof rows): SplitView => ({
  size: part.length,
  imagePath: (i) => part[i].path,
  id: (i) => `img${rows.indexOf(part[i])}`,
  labelsInto: (i, out, offset) => out.set(part[i].labels, offset),
});
const dataset: AttributeDataset = {
  name: 'flat',
  tasks: [binaryTask('red'), binaryTask('third')],
  splits: { train: split(rows.slice(0, 16)), val: split(rows.slice(16, 20)), test: split(rows.slice(20)) },
  imageDefaults: { height: SIZE, width: SIZE },
  warnings: [],
  facts: {},
};

const config = (out: string, iterations: number) =>
  trainConfig({ out, image: { height: SIZE, width: SIZE }, batchSize: 4, iterations, checkpointEvery: 3, evalEvery: 0, strategy: { name: 'vlt', params: { k: 2 } }, widthMultiplier: 0.25 });

test.before(async () => {
  await tf.setBackend('cpu');
});

test.serial("the caller's hooks see every record in order, after the run logged it", async (t) => {
  const out = join(dir, 'ok');
  const seen: number[] = [];
  const hook: StepEndHook = (record, run) => {
    seen.push(record.iteration);
    // The run's own hooks ran first: the record is in the log and its weights are in force.
    t.is(run.progress.lastRecord, record);
  };
  const before = tf.memory().numTensors;
  const result = await runTraining(dataset, config(out, 7), { input: { cache: false, workers: 0 }, stepEndHooks: [hook] });
  t.true(E.isRight(result), E.isLeft(result) ? result.left.message : '');
  t.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7]);
  t.is(readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').length, 7);
  t.is(tf.memory().numTensors, before, 'no tensor left after the run');
});

test.serial('a hook that throws ends the run with its message; the checkpoint stays; nothing leaks', async (t) => {
  const out = join(dir, 'fails');
  const hook: StepEndHook = (record) => {
    if (record.iteration === 5) throw new Error('hook says stop at 5');
  };
  const before = tf.memory().numTensors;
  const result = await runTraining(dataset, config(out, 9), { input: { cache: false, workers: 0 }, stepEndHooks: [hook] });
  t.true(E.isLeft(result));
  if (E.isLeft(result)) t.regex(result.left.message, /hook says stop at 5/);
  t.is(JSON.parse(readFileSync(join(out, 'checkpoint.json'), 'utf8')).iteration, 3);
  t.false(existsSync(join(out, 'metrics.json')), 'an unfinished run has no metrics.json');
  t.is(tf.memory().numTensors, before, 'no tensor left after the failed run');
});

test.serial("a cosine schedule sets each next iteration's rate; a resumed run continues on the same curve", async (t) => {
  const schedule = { name: 'cosine', warmup: 2, finalFraction: 0.1 } as const;
  const base = trainConfig({ out: '', image: { height: SIZE, width: SIZE } }).optimizer.learningRate;
  const rates = new Map<number, number>();
  const hook: StepEndHook = (record, run) => {
    rates.set(record.iteration, run.trainer.optimizerConfig.learningRate);
  };
  const out = join(dir, 'cosine');
  const first = await runTraining(dataset, { ...config(out, 6), lrSchedule: schedule }, { input: { cache: false, workers: 0 }, stepEndHooks: [hook] });
  t.true(E.isRight(first), E.isLeft(first) ? first.left.message : '');
  const more = await runTraining(dataset, { ...config(out, 10), lrSchedule: schedule }, { resume: true, input: { cache: false, workers: 0 }, stepEndHooks: [hook] });
  t.true(E.isRight(more), E.isLeft(more) ? more.left.message : '');
  // After iteration t (not the last of its run) the rate in force is that of t + 1 on the 10-iteration curve
  // from the resumed run on; the first run's curve was for 6 iterations.
  for (let it = 1; it < 6; it++) t.true(Math.abs((rates.get(it) ?? NaN) - learningRateAt(schedule, base, it + 1, 6)) < 1e-12, `iteration ${it}`);
  for (let it = 7; it < 10; it++) t.true(Math.abs((rates.get(it) ?? NaN) - learningRateAt(schedule, base, it + 1, 10)) < 1e-12, `iteration ${it}`);
  t.true((rates.get(9) ?? Infinity) < (rates.get(7) ?? 0));
});

test.serial('a schedule that does not fit the run is refused before training, with its field', async (t) => {
  const result = await runTraining(dataset, { ...config(join(dir, 'badschedule'), 5), lrSchedule: { name: 'cosine', warmup: 5, finalFraction: 0 } });
  t.true(E.isLeft(result));
  if (E.isLeft(result)) t.regex(result.left.message, /lrSchedule\.warmup/);
});
