/** `awmtl bench step`: images/s of one training step (./runStepBench.ts), of the reference net or of a backbone. */
import * as E from 'fp-ts/lib/Either.js';
import { backboneByName, describeModelError } from '../../src/model/index.js';
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import { backendOptions } from '../options/backendOptions.js';
import { type CommandSpec, custom, flag, integer, type OptionTable, type Parsed } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { formatProfile } from './profileSteps.js';
import { runStepBench } from './runStepBench.js';

const backboneOption = () =>
  custom(
    (raw, flag) => {
      const known = backboneByName(raw);
      return E.isLeft(known) ? E.left(`${flag}: ${describeModelError(known.left)}`) : E.right(raw);
    },
    {
      metavar: 'NAME',
      help:
        "time the project's model (small-cnn, resnet18, resnet50 or file:<model.json>: trunk,\n" +
        '40 logits, BCE, Adam, as the trainer steps it); without it, the reference net',
    },
  );

/** The net, batch and thread options that bench step and bench compare share. */
export const stepOptions = () => ({
  backbone: backboneOption(),
  batch: integer({ default: 32, help: 'images per step' }),
  size: integer({ default: 64, help: 'input size in pixels (square)' }),
  steps: integer({ default: 50, help: 'timed steps' }),
  warmup: integer({ min: 0, default: 5, help: 'untimed steps first' }),
  threads: backendOptions.threads,
});

export const stepSpec = () =>
  ({
    name: 'bench step',
    synopsis: ['bench step [--backbone NAME] [--batch 32] [--size 64] [--steps 50] [--warmup 5] [--threads 1] [--backend NAME] [--profile [--profile-steps 5]] [--json]'],
    description: 'Images per second of one training step (upload, step, read-back of the loss), on a fixed random batch.',
    options: {
      ...stepOptions(),
      backend: backendOptions.backend,
      profile: flag('then print a per-kernel time table (tf.profile over --profile-steps steps)'),
      'profile-steps': integer({ default: 5, help: 'steps under --profile' }),
      json: flag('print the result as one JSON object on stdout'),
    },
  }) satisfies CommandSpec<OptionTable>;

export const benchStepCommand = async (argv: readonly string[]): Promise<number> => runCommand(stepSpec(), argv, step);

const step = async ({ values: v }: Parsed<ReturnType<typeof stepSpec>['options']>): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('bench step', message, code);
  const profile = v.profile ? v['profile-steps'] : 0;
  const { batch, size, steps, warmup, threads, backend, backbone } = v;
  try {
    const r = await runStepBench({ batch, size, steps, warmup, threads, backend, backbone, profile, log: (m) => process.stderr.write(`${m}\n`) });
    if (v.json) {
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
    return fail(error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  }
};
