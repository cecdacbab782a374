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
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as E from 'fp-ts/lib/Either.js';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { findPipeline } from '../../pipelines/index.js';
import { type ProgressLike, runTraining, type RunUi, type TrainConfig } from '../../pipelines/train.js';
import { selectBackend } from '../../src/backend/index.js';
import { DEMO_COUNT, DEMO_SEED, demoArgs } from '../commands/demo.js';
import { prepareCommand } from '../commands/prepare.js';
import { trainOptions } from '../commands/train.js';
import { configFromValues, strategyFromValues } from '../commands/trainOptions.js';
import { inputSettings } from '../options/inputOptions.js';
import { choice, type CommandSpec, integer, parseOptions, type Parsed } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { Progress } from '../progress.js';

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

/** train's options (those of a run), less the ones the soak fixes, and how often to sample. */
export const soakOptions = () => {
  const { resume: _r, out: _o, pipeline: _p, 'no-cache': _n, dashboard: _d, host: _h, overwrite: _w, ...train } = trainOptions();
  return {
    ...train,
    backend: choice(['auto', 'tensorflow', 'wasm', 'cpu'] as const, { metavar: 'NAME', default: 'auto', help: 'auto, tensorflow, wasm or cpu' }),
    'sample-every': integer({ default: 500, help: 'sample tensors and RSS every N iterations' }),
  };
};

export const soakSpec = (): CommandSpec<ReturnType<typeof soakOptions>> => ({
  name: 'bench soak',
  synopsis: ['bench soak [--iterations 5000] [--sample-every 500] [--data DIR] [--backend NAME] [--threads N] [train options] [--json]'],
  description:
    "A long cached training run on the demo fixture (or the CelebA-layout folder DIR; awmtl demo's settings, no final evaluation) that prints\n" +
    'tf.memory().numTensors and RSS at the start, every --sample-every iterations and at the end, then the RSS\n' +
    'growth between the first sample after the warm-up and the end. Target: tensors flat, RSS growth under 5%.\n' +
    'The run is a cached celeba run into a scratch folder: --resume, --out, --pipeline, --no-cache and the dashboard are not taken.',
  options: soakOptions(),
});

/** train's options that the soak fixes (named as such, rather than as unknown options). */
const FIXED = ['resume', 'out', 'pipeline', 'no-cache', 'dashboard', 'host', 'overwrite'];

export const benchSoakCommand = async (argv: readonly string[]): Promise<number> => {
  const fixed = FIXED.find((o) => argv.some((a) => a === `--${o}` || a.startsWith(`--${o}=`)));
  if (fixed !== undefined) return reportFailure('bench soak', `--${fixed} is fixed by the soak (a cached celeba run into a scratch folder)`, EXIT_USAGE);
  return runCommand(soakSpec(), argv, (own) => soak(own, argv));
};

const soak = async (own: Parsed<ReturnType<typeof soakOptions>>, argv: readonly string[]): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('bench soak', message, code);
  const pipeline = findPipeline('celeba');
  if (pipeline === undefined) return fail('the celeba pipeline is missing', EXIT_FAILURE);
  const given = own.values.data;
  const dir = given ?? defaultCelebaFixtureDir(DEMO_SEED, DEMO_COUNT);
  // The demo's train arguments (less those the soak fixes), then 5000 iterations, then the caller's (later ones win).
  const demo = demoArgs(dir).filter((a, i, all) => !['--pipeline', '--out', '--overwrite'].includes(a) && !['--pipeline', '--out'].includes(all[i - 1]));
  const all = parseOptions(soakSpec(), [...demo, '--iterations', '5000', ...argv]);
  if (E.isLeft(all)) return fail(all.left.message);
  if (all.right === 'help') return 0;
  const v = all.right.values;
  const fromArgs = configFromValues(v, all.right.given, pipeline);
  if (E.isLeft(fromArgs)) return fail(fromArgs.left.message);
  const strategy = strategyFromValues(v.strategy, all.right.raw, pipeline);
  if (E.isLeft(strategy)) return fail(strategy.left.message);
  const input = inputSettings({ ...v, 'no-cache': false });
  if (E.isLeft(input)) return fail(input.left.message);
  const every = v['sample-every'];
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
      const raw = all.right.raw[name];
      if (typeof raw === 'string') prepareArgs.push(`--${name}`, raw);
    }
    if ((await prepareCommand(prepareArgs)) !== 0) log('soak: no image cache; the run decodes the JPEGs (not the cached run the soak is meant to be)');
    await selectBackend({ backend: v.backend, threads: v.threads, log });
    const dataset = await pipeline.load(dir, fromArgs.right.config.dataOptions, v.seed);
    if (E.isLeft(dataset)) return fail(dataset.left.message, EXIT_FAILURE);
    const config: TrainConfig = {
      ...fromArgs.right.config,
      strategy: strategy.right,
      seed: v.seed,
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
    const result = await runTraining(dataset.right, config, { ui: samplingUi(inner, every, record), input: input.right });
    if (E.isLeft(result)) return fail(result.left.message, EXIT_FAILURE);
    record(sample(config.iterations), 'after the run');
    const end = samples.find((s) => s.label.startsWith('end'))?.sample;
    const warm = samples.find((s) => s.sample.iteration >= every && !s.label.startsWith('end'))?.sample;
    const growth = warm !== undefined && end !== undefined ? end.rssMB / warm.rssMB - 1 : undefined;
    const tensorDelta = warm !== undefined && end !== undefined ? end.numTensors - warm.numTensors : undefined;
    if (v.json) {
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
    return fail(error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};
