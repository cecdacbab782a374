/**
 * `awmtl bench input|step [options]` (also `npm run bench -- input ...`):
 * - input: cli/bench/runInputBench.ts on a dataset (decoding, cache, step, waiting for data, RSS);
 * - step: cli/bench/runStepBench.ts's runStepBench (the reference net's training step);
 * - soak: ./benchSoak.ts (tensors and RSS over a long cached run on the demo fixture);
 * - decode, celeba-load: ./benchData.ts (image decoding and CelebA annotation loading figures).
 */
import { benchStartupCommand } from './benchStartup.js';
import { reportFailure } from '../fail.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { runTraining, type TrainConfig } from '../../pipelines/train.js';
import { findPipeline } from '../../pipelines/index.js';
import { backendChoiceError, type BackendChoice, isBackendChoice, selectBackend } from '../../src/backend/index.js';
import { INPUT_BENCH_PHASES, type InputBenchPhase, runInputBench } from '../bench/runInputBench.js';
import { formatProfile } from '../bench/profileSteps.js';
import { runStepBench } from '../bench/runStepBench.js';
import { benchCelebaLoadCommand, benchDecodeCommand, celebaLoadUsage, decodeUsage } from './benchData.js';
import { benchSoakCommand } from './benchSoak.js';
import {
  flagOption,
  isNonNegativeInteger,
  isPositiveInteger,
  numberOption,
  type OptionSpec,
  parseCommandArgs,
  stringOption,
} from '../../src/cli/args.js';
import { defaultWorkerCount } from '../../src/data/workers/pool.js';
import { backboneByName, DEFAULT_BACKBONE, describeModelError } from '../../src/model/index.js';
import { ADAM_DEFAULTS } from '../../src/train/optimizers.js';
import { cacheRootFromArgs, datasetFromArgs, datasetOptionSpec } from './prepare.js';

const usage = (): string =>
  [
    'usage: awmtl bench input --pipeline NAME --data DIR [options] [--json]',
    '       awmtl bench step [--backbone NAME] [--batch 32] [--size 64] [--steps 50] [--warmup 5] [--threads 1] [--backend NAME]',
    '                        [--profile [--profile-steps 5]] [--json]',
    '',
    'input: how fast images reach the training step (README "Fast input" says how each figure is measured):',
    '  decodeImagesPerSecond (on this thread and through N workers), cacheImagesPerSecond (ready normalised',
    '  batches from the cache, which is prepared first if missing), stepImagesPerSecond (the default backbone\'s',
    '  training step on those batches), waitFraction (a short training run: share of its time spent waiting for',
    '  data; waitFractionNoCache without the cache), rssMB after that run.',
    '  --size HxW --crop NAME    as for train (default: the pipeline\'s)',
    '  --cache DIR               cache root (default $AWMTL_CACHE, $XDG_CACHE_HOME/awmtl, ~/.cache/awmtl)',
    `  --workers N               worker threads for the decode figure (default ${defaultWorkerCount()})`,
    '  --batch N                 batch size (default 32)',
    '  --decode-images N         images per decode measurement (default 512)',
    '  --cache-images N          images per cache measurement (default 4096)',
    '  --steps N                 timed training steps (default 20)',
    '  --iterations N            iterations of the training run for waitFraction (default 100)',
    `  --phases LIST             some of ${INPUT_BENCH_PHASES.join(',')} (default all)`,
    '  --backend NAME --threads N   the training backend (default auto, 1 thread)',
    '  and the pipeline\'s data options (e.g. --split 0.8,0.1,0.1 --only-present-images).',
    '',
    'step: images/s of one training step (cli/bench/runStepBench.ts).',
    '  --backbone NAME           time the project\'s model (small-cnn, resnet18, resnet50 or file:<model.json>: trunk,',
    '                            40 logits, BCE, Adam, as the trainer steps it); without it, the reference net',
    '  --profile                 then print a per-kernel time table (tf.profile over --profile-steps steps)',
    '',
    'startup: awmtl bench startup [--runs 10]: awmtl --help and replay --help against a bare node -e 0 (compiled bin).',
    'soak: awmtl bench soak [--iterations 5000] [--sample-every 500] [train options]: tensors and RSS over a long',
    '  cached run on the demo fixture (see awmtl bench soak --help).',
    '',
    'decode: ' + decodeUsage().replace(/^usage: /, ''),
    '',
    'celeba-load: ' + celebaLoadUsage().replace(/^usage: /, ''),
  ].join('\n');

const stepCommand = async (argv: readonly string[]): Promise<number> => {
  const spec: OptionSpec = {
    batch: { type: 'string' },
    size: { type: 'string' },
    steps: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    backend: { type: 'string' },
    backbone: { type: 'string' },
    profile: { type: 'boolean' },
    'profile-steps': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  };
  const parsed = parseCommandArgs(argv, spec);
  const fail = (message: string, code = 2): number => reportFailure('bench step', message, code);
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  const p = parsed.right;
  if (flagOption(p, 'help')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const opts: Record<string, number> = {};
  for (const name of ['batch', 'size', 'steps', 'threads'] as const) {
    const v = numberOption(p, name, NaN, isPositiveInteger, 'a positive integer');
    if (E.isLeft(v)) return fail(v.left.message);
    if (!Number.isNaN(v.right)) opts[name] = v.right;
  }
  const warmup = numberOption(p, 'warmup', NaN, isNonNegativeInteger, 'a non-negative integer');
  if (E.isLeft(warmup)) return fail(warmup.left.message);
  if (!Number.isNaN(warmup.right)) opts.warmup = warmup.right;
  const backend = stringOption(p, 'backend') ?? 'auto';
  if (!isBackendChoice(backend)) return fail(backendChoiceError(backend));
  const backbone = stringOption(p, 'backbone');
  if (backbone !== undefined) {
    const known = backboneByName(backbone);
    if (E.isLeft(known)) return fail(`--backbone: ${describeModelError(known.left)}`);
  }
  const profileSteps = numberOption(p, 'profile-steps', 5, isPositiveInteger, 'a positive integer');
  if (E.isLeft(profileSteps)) return fail(profileSteps.left.message);
  const profile = flagOption(p, 'profile') ? profileSteps.right : 0;
  try {
    const r = await runStepBench({ ...opts, backend: backend as BackendChoice, backbone, profile, log: (m) => process.stderr.write(`${m}\n`) });
    if (flagOption(p, 'json')) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
    } else {
      if (r.profile) process.stdout.write(`${formatProfile(r.profile)}\n`);
      process.stdout.write(
        `${r.net}: ${r.backend}${r.kernels ? ` (${r.kernels})` : ''} (${r.threads} thread(s)), batch ${r.batch} at ${r.size}px: ${r.imagesPerSecond.toFixed(1)} img/s ` +
          `(${r.stepMs.mean.toFixed(1)} ms/step; median ${r.stepMs.median.toFixed(1)}, best ${r.stepMs.min.toFixed(1)} ms = ` +
          `${r.bestImagesPerSecond.toFixed(1)} img/s; ${r.cpuMsPerStep.toFixed(1)} ms CPU time/step), upload ${(100 * r.uploadFraction).toFixed(1)}% and read-back ${(100 * r.readBackFraction).toFixed(1)}% of step time, ` +
          `tensors ${r.numTensorsBefore} -> ${r.numTensorsAfter}\n`,
      );
    }
    return 0;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error), 1);
  }
};

export const benchInputCommand = async (argv: readonly string[]): Promise<number> => {
  const spec: OptionSpec = {
    ...datasetOptionSpec(),
    batch: { type: 'string' },
    'decode-images': { type: 'string' },
    'cache-images': { type: 'string' },
    steps: { type: 'string' },
    iterations: { type: 'string' },
    phases: { type: 'string' },
    backend: { type: 'string' },
    threads: { type: 'string' },
  };
  const parsed = parseCommandArgs(argv, spec);
  const fail = (message: string, code = 2): number => reportFailure('bench input', message, code);
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  const p = parsed.right;
  if (flagOption(p, 'help')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const numbers: Record<string, number> = {};
  const defaults: Record<string, number> = { batch: 32, 'decode-images': 512, 'cache-images': 4096, steps: 20, iterations: 100, threads: 1 };
  for (const [name, fallback] of Object.entries(defaults)) {
    const v = numberOption(p, name, fallback, isPositiveInteger, 'a positive integer');
    if (E.isLeft(v)) return fail(v.left.message);
    numbers[name] = v.right;
  }
  const workers = numberOption(p, 'workers', defaultWorkerCount(), isNonNegativeInteger, 'a non-negative integer');
  if (E.isLeft(workers)) return fail(workers.left.message);
  const phases = (stringOption(p, 'phases') ?? INPUT_BENCH_PHASES.join(',')).split(',').map((s) => s.trim());
  const unknown = phases.find((x) => !(INPUT_BENCH_PHASES as readonly string[]).includes(x));
  if (unknown !== undefined) return fail(`--phases: unknown phase "${unknown}" (known: ${INPUT_BENCH_PHASES.join(', ')})`);
  const backend = stringOption(p, 'backend') ?? 'auto';
  if (!isBackendChoice(backend)) return fail(backendChoiceError(backend));
  const cacheRoot = cacheRootFromArgs(p);
  const scratch = mkdtempSync(join(tmpdir(), 'awmtl-bench-input-'));
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  try {
    await selectBackend({ backend: backend as BackendChoice, threads: numbers.threads, log });
    const loaded = await datasetFromArgs(p);
    if (E.isLeft(loaded)) return fail(loaded.left.message, loaded.left.usage ? 2 : 1);
    const { dataset, image, data } = loaded.right;
    const pipeline = findPipeline(stringOption(p, 'pipeline') ?? 'celeba');
    const defaultsOf = pipeline?.defaults;
    let runs = 0;
    const result = await runInputBench({
      dataset,
      image,
      cacheRoot: cacheRoot ?? join(scratch, 'cache'),
      batch: numbers.batch,
      decodeImages: numbers['decode-images'],
      cacheImages: numbers['cache-images'],
      steps: numbers.steps,
      workers: workers.right,
      phases: phases as InputBenchPhase[],
      log,
      train: async (input) => {
        // The real training run, short, without evaluations or checkpoints between steps.
        const config: TrainConfig = {
          pipeline: dataset.name,
          data,
          dataOptions: {},
          out: join(scratch, `run-${runs++}`),
          backbone: DEFAULT_BACKBONE,
          image,
          loss: 'bce',
          optimizer: ADAM_DEFAULTS,
          batchSize: numbers.batch,
          valBatchSize: numbers.batch,
          valDraw: 'replacement',
          iterations: numbers.iterations,
          strategy: { name: 'vlt', params: { k: defaultsOf?.k ?? 50 } },
          seed: 0,
          evalEvery: 0,
          evalLimit: 1,
          checkpointEvery: 0,
          flip: true,
          skipBadImages: true,
          prefetch: 4,
          finalSplits: [],
        };
        const run = await runTraining(dataset, config, { input, ui: { info: log, progress: () => ({ update: () => undefined, done: () => undefined, log }) } });
        return E.map((s: { iterations: number; seconds: number; waitSeconds: number; waitFraction: number; input: string }) => ({
          iterations: s.iterations,
          seconds: s.seconds,
          waitSeconds: s.waitSeconds,
          waitFraction: s.waitFraction,
          input: s.input,
        }))(run);
      },
    });
    if (flagOption(p, 'json')) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      const f = (x: number | undefined, d = 1): string => (x === undefined ? '-' : x.toFixed(d));
      const d = result.decodeImagesPerSecond;
      const decode = d === undefined ? [] : [`${f(d.mainThread)} img/s on the main thread`, ...(d.workers === undefined ? [] : [`${f(d.workers)} img/s with ${result.workers} worker(s)`])];
      process.stdout.write(
        [
          `decode:  ${decode.join(', ') || '-'}`,
          `cache:   ${f(result.cacheImagesPerSecond, 0)} img/s (1 worker), ${f(result.cacheImagesPerSecondMainThread, 0)} img/s (main thread)`,
          `step:    ${f(result.stepImagesPerSecond)} train img/s, ${f(result.stepInputImagesPerSecond)} input img/s (train + val); cache/step ${f(result.cacheToStepRatio)}x`,
          `wait:    ${f(result.waitFraction, 4)} of the run with the cache, ${f(result.waitFractionNoCache, 4)} without`,
          `rss:     ${f(result.rssMB)} MB after the run (peak ${f(result.maxRssMB)} MB)`,
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

export const benchCommand = async (argv: readonly string[]): Promise<number> => {
  const [sub, ...rest] = argv;
  if (sub === 'input') return benchInputCommand(rest);
  if (sub === 'step') return stepCommand(rest);
  if (sub === 'soak') return benchSoakCommand(rest);
  if (sub === 'decode') return benchDecodeCommand(rest);
  if (sub === 'celeba-load') return benchCelebaLoadCommand(rest);
  if (sub === 'startup') return benchStartupCommand(rest);
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  reportFailure('bench', `${sub === undefined ? 'which benchmark?' : `unknown benchmark "${sub}"`} (input, step, soak, decode, celeba-load or startup)`, 2);
  return 2;
};
