/**
 * `awmtl bench soak [--iterations 5000] [--sample-every 500] [train options]` (also
 * `npm run bench -- soak ...`): a long cached training run on the demo fixture that prints
 * `tf.memory().numTensors` and the process's RSS at the start, every `--sample-every` iterations
 * and at the end. A leak shows as tensors that climb, or RSS that keeps growing after the
 * warm-up; the target is tensors flat and RSS growth under 5% between the first sample after the
 * warm-up (iteration 500 by default) and the end.
 *
 * The run is `awmtl demo`'s (same fixture, cache, settings: evaluations and checkpoints every 300
 * iterations), without the final evaluations, into a scratch folder that is removed afterwards.
 * The samples come from the run's own progress callback (RunUi.progress), so the training loop
 * is the one users run.
 */
import { reportFailure } from '../fail.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { findPipeline } from '../../pipelines/index.js';
import { type ProgressLike, runTraining, type RunUi, type TrainConfig } from '../../pipelines/train.js';
import { type BackendChoice, selectBackend } from '../../src/backend/index.js';
import { flagOption, isPositiveInteger, numberOption, parseCommandArgs, stringOption } from '../../src/cli/args.js';
import { Progress } from '../progress.js';
import { DEMO_COUNT, DEMO_SEED, demoArgs } from './demo.js';
import { prepareCommand } from './prepare.js';
import { configFromArgs, inputSettingsFromArgs, trainOptionSpec } from './train.js';

/** One observation of the process's memory. */
export interface SoakSample {
  readonly iteration: number;
  readonly numTensors: number;
  readonly rssMB: number;
  readonly heapUsedMB: number;
}

const sample = (iteration: number): SoakSample => {
  const m = process.memoryUsage();
  return { iteration, numTensors: tf.memory().numTensors, rssMB: m.rss / 2 ** 20, heapUsedMB: m.heapUsed / 2 ** 20 };
};

const line = (s: SoakSample, label: string): string =>
  `${label.padEnd(16)} tensors ${String(s.numTensors).padStart(6)}  rss ${s.rssMB.toFixed(1).padStart(7)} MB  heap ${s.heapUsedMB.toFixed(1).padStart(6)} MB`;

/**
 * A RunUi that passes messages and progress on to `inner` and samples memory on the training
 * progress: at the first iteration, every `every` iterations, and when the run says it is done.
 */
export const samplingUi = (inner: RunUi, every: number, onSample: (s: SoakSample, label: string) => void): RunUi => ({
  info: (message) => inner.info(message),
  progress: (label, total): ProgressLike => {
    const shown = inner.progress(label, total);
    if (label !== 'train') return shown;
    let last = 0;
    return {
      update: (done, fields) => {
        if (done === 1 || (done % every === 0 && done !== last && done < total)) onSample(sample(done), `iteration ${done}`);
        last = done;
        shown.update(done, fields);
      },
      done: (done, fields) => {
        onSample(sample(done), `end (${done})`);
        shown.done(done, fields);
      },
      log: (message) => shown.log(message),
    };
  },
});

const usage = (): string =>
  [
    'usage: awmtl bench soak [--iterations 5000] [--sample-every 500] [--data DIR] [--backend NAME] [--threads N] [train options] [--json]',
    '',
    "A long cached training run on the demo fixture (or the CelebA-layout folder DIR; awmtl demo's settings, no final evaluation) that prints",
    'tf.memory().numTensors and RSS at the start, every --sample-every iterations and at the end, then the RSS',
    'growth between the first sample after the warm-up and the end. Target: tensors flat, RSS growth under 5%.',
  ].join('\n');

export const benchSoakCommand = async (argv: readonly string[]): Promise<number> => {
  const fail = (message: string, code = 2): number => reportFailure('bench soak', message, code);
  const spec = { ...trainOptionSpec(), 'sample-every': { type: 'string' as const } };
  const own = parseCommandArgs(argv, spec);
  if (E.isLeft(own)) return fail(own.left.message);
  if (flagOption(own.right, 'help')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const every = numberOption(own.right, 'sample-every', 500, isPositiveInteger, 'a positive integer');
  if (E.isLeft(every)) return fail(every.left.message);
  for (const forbidden of ['resume', 'out', 'pipeline', 'no-cache']) {
    if (own.right.values[forbidden] !== undefined) return fail(`--${forbidden} is fixed by the soak (a cached celeba run into a scratch folder)`);
  }
  const pipeline = findPipeline('celeba');
  if (pipeline === undefined) return fail('the celeba pipeline is missing', 1);
  const given = stringOption(own.right, 'data');
  const dir = given ?? defaultCelebaFixtureDir(DEMO_SEED, DEMO_COUNT);
  // The demo's train arguments, then 5000 iterations, then the caller's (later ones win).
  const parsed = parseCommandArgs([...demoArgs(dir), '--iterations', '5000', ...argv], spec);
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  const fromArgs = configFromArgs(parsed.right, pipeline);
  if (E.isLeft(fromArgs)) return fail(fromArgs.left.message);
  const input = inputSettingsFromArgs(parsed.right);
  if (E.isLeft(input)) return fail(input.left.message);
  const threads = numberOption(parsed.right, 'threads', 1, isPositiveInteger, 'a positive integer');
  if (E.isLeft(threads)) return fail(threads.left.message);
  const backend = stringOption(parsed.right, 'backend') ?? 'auto';
  if (!['auto', 'tensorflow', 'wasm', 'cpu'].includes(backend)) return fail(`--backend must be auto, tensorflow, wasm or cpu, got ${JSON.stringify(backend)}`);
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  const scratch = mkdtempSync(join(tmpdir(), 'awmtl-soak-'));
  try {
    if (given === undefined) {
      const progress = new Progress('fixture', DEMO_COUNT, process.stderr, undefined, 2);
      const fixture = ensureCelebaFixture(dir, { seed: DEMO_SEED, count: DEMO_COUNT, onProgress: (done) => progress.update(done) });
      if (fixture.generated) progress.done(DEMO_COUNT);
    }
    // The cache for the run's size and crop (prepare skips itself when it is up to date).
    const prepareArgs = ['--pipeline', 'celeba', '--data', dir];
    for (const name of ['size', 'crop', 'cache']) {
      const v = stringOption(parsed.right, name);
      if (v !== undefined) prepareArgs.push(`--${name}`, v);
    }
    if ((await prepareCommand(prepareArgs)) !== 0) log('soak: no image cache; the run decodes the JPEGs (not the cached run the soak is meant to be)');
    await selectBackend({ backend: backend as BackendChoice, threads: threads.right, log });
    const dataset = await pipeline.load(dir, fromArgs.right.config.dataOptions, fromArgs.right.config.seed);
    if (E.isLeft(dataset)) return fail(dataset.left.message, 1);
    const config: TrainConfig = {
      ...fromArgs.right.config,
      iterations: fromArgs.right.iterations ?? 5000,
      out: join(scratch, 'run'),
      finalSplits: [],
    };
    const samples: { label: string; sample: SoakSample }[] = [];
    const record = (s: SoakSample, label: string): void => {
      samples.push({ label, sample: s });
      log(line(s, label));
    };
    record(sample(0), 'before the run');
    const inner: RunUi = { info: log, progress: (label, total) => new Progress(label, total, process.stderr) };
    const result = await runTraining(dataset.right, config, { ui: samplingUi(inner, every.right, record), input: input.right });
    if (E.isLeft(result)) return fail(result.left.message, 1);
    record(sample(config.iterations), 'after the run');
    const end = samples.find((s) => s.label.startsWith('end'))?.sample;
    const warm = samples.find((s) => s.sample.iteration >= every.right && !s.label.startsWith('end'))?.sample;
    const growth = warm !== undefined && end !== undefined ? end.rssMB / warm.rssMB - 1 : undefined;
    const tensorDelta = warm !== undefined && end !== undefined ? end.numTensors - warm.numTensors : undefined;
    if (flagOption(parsed.right, 'json')) {
      process.stdout.write(`${JSON.stringify({ iterations: config.iterations, backend: tf.getBackend(), samples, rssGrowth: growth, tensorDelta })}\n`);
    } else {
      process.stdout.write(
        [
          `soak: ${config.iterations} iterations on ${tf.getBackend()}, batch ${config.batchSize}, ${config.image.height}x${config.image.width}`,
          ...samples.map((s) => line(s.sample, s.label)),
          warm === undefined || end === undefined
            ? 'the run ended before the first sample after the warm-up: no growth figure'
            : `from iteration ${warm.iteration} to the end: tensors ${tensorDelta! >= 0 ? '+' : ''}${tensorDelta}, rss ${growth! >= 0 ? '+' : ''}${(growth! * 100).toFixed(1)}% ` +
              `(target: tensors flat, rss under +5%)`,
        ].join('\n') + '\n',
      );
    }
    return 0;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 1);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};
