/**
 * `awmtl bench input`: how fast images reach the training step (./runInputBench.ts) on a dataset:
 * decoding, the cache, the step, the share of a short run spent waiting for data, RSS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { findPipeline } from '../../pipelines/index.js';
import { runTraining, type TrainConfig } from '../../pipelines/train.js';
import { selectBackend } from '../../src/backend/index.js';
import { defaultWorkerCount } from '../../src/data/workers/pool.js';
import { DEFAULT_BACKBONE } from '../../src/model/index.js';
import { ADAM_DEFAULTS } from '../../src/train/optimizers.js';
import { cacheRoot, cacheRootOption } from '../commands/prepare.js';
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import { backendOptions } from '../options/backendOptions.js';
import { datasetFromValues, datasetOptions } from '../options/datasetOptions.js';
import { type CommandSpec, custom, flag, integer, type OptionTable, type Parsed } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { INPUT_BENCH_PHASES, type InputBenchPhase, runInputBench } from './runInputBench.js';

const parsePhases = (raw: string): E.Either<string, InputBenchPhase[]> => {
  const phases = raw.split(',').map((s) => s.trim());
  const unknown = phases.find((x) => !(INPUT_BENCH_PHASES as readonly string[]).includes(x));
  return unknown === undefined ? E.right(phases as InputBenchPhase[]) : E.left(`--phases: unknown phase "${unknown}" (known: ${INPUT_BENCH_PHASES.join(', ')})`);
};

export const inputSpec = () =>
  ({
    name: 'bench input',
    synopsis: ['bench input --pipeline NAME --data DIR [options] [--json]'],
    description:
      'How fast images reach the training step (README "Fast input" says how each figure is measured):\n' +
      '  decodeImagesPerSecond (on this thread and through N workers), cacheImagesPerSecond (ready normalised\n' +
      "  batches from the cache, which is prepared first if missing), stepImagesPerSecond (the default backbone's\n" +
      '  training step on those batches), waitFraction (a short training run: share of its time spent waiting for\n' +
      '  data; waitFractionNoCache without the cache), rssMB after that run.',
    options: {
      ...datasetOptions(),
      cache: cacheRootOption(),
      workers: integer({ min: 0, default: defaultWorkerCount(), help: 'worker threads for the decode figure' }),
      batch: integer({ default: 32, help: 'batch size' }),
      'decode-images': integer({ default: 512, help: 'images per decode measurement' }),
      'cache-images': integer({ default: 4096, help: 'images per cache measurement' }),
      steps: integer({ default: 20, help: 'timed training steps' }),
      iterations: integer({ default: 100, help: 'iterations of the training run for waitFraction' }),
      phases: custom(parsePhases, { metavar: 'LIST', default: [...INPUT_BENCH_PHASES], defaultText: 'all', help: `some of ${INPUT_BENCH_PHASES.join(',')}` }),
      ...backendOptions,
      json: flag('print every figure as one JSON object on stdout'),
    },
  }) satisfies CommandSpec<OptionTable>;

export const benchInputCommand = async (argv: readonly string[]): Promise<number> => runCommand(inputSpec(), argv, input);

const input = async ({ values: v, given }: Parsed<ReturnType<typeof inputSpec>['options']>): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('bench input', message, code);
  const root = cacheRoot(v.cache);
  const scratch = mkdtempSync(join(tmpdir(), 'awmtl-bench-input-'));
  const log = (m: string): void => void process.stderr.write(`${m}\n`);
  try {
    await selectBackend({ backend: v.backend, threads: v.threads, log });
    const loaded = await datasetFromValues(v, given);
    if (E.isLeft(loaded)) return fail(loaded.left.message, loaded.left.usage ? EXIT_USAGE : EXIT_FAILURE);
    const { dataset, image, data } = loaded.right;
    const defaultsOf = (v.pipeline ?? findPipeline('celeba'))?.defaults;
    let runs = 0;
    const result = await runInputBench({
      dataset,
      image,
      cacheRoot: root ?? join(scratch, 'cache'),
      batch: v.batch,
      decodeImages: v['decode-images'],
      cacheImages: v['cache-images'],
      steps: v.steps,
      workers: v.workers,
      phases: v.phases,
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
          batchSize: v.batch,
          valBatchSize: v.batch,
          valDraw: 'replacement',
          iterations: v.iterations,
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
    if (v.json) {
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
    return fail(error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
};
