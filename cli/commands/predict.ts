/**
 * `awmtl predict --model DIR IMAGE...`: each image's attributes with their
 * probabilities, preprocessed exactly as in training (size, crop, normalisation).
 */
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import * as E from 'fp-ts/lib/Either.js';
import { selectBackend } from '../../src/backend/index.js';
import { backendOptions } from '../options/backendOptions.js';
import { type CommandSpec, flag, number, type OptionTable, type Parsed, text } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { predictionJson, type TaskProbability } from '../../src/model/probabilities.js';
import { predictImages } from '../../pipelines/predict.js';

export const predictSpec = () =>
  ({
    name: 'predict',
    synopsis: ['predict --model DIR [--json] [--threshold P] [--skip-bad-images] IMAGE...'],
    description:
      'Prints every attribute of each image with its probability (binary attributes: the\n' +
      'probability of "yes"; multi-class attributes: each class). DIR is a run folder or its model/.',
    options: {
      model: text({ metavar: 'DIR', help: 'the model: a run folder or its model/' }),
      json: flag(
        '[{"image": PATH, "tasks": {NAME: {"probability": P, "class": C}}}]: P is\n' +
          'P(yes) for a binary task, the top class\'s for a multi-class one (then with\n' +
          '"classes": {CLASS: P}); the numbers the page of \'awmtl serve --model\' shows',
      ),
      backend: backendOptions.backend,
      threshold: number({ metavar: 'P', check: (x) => x > 0 && x < 1, expectation: 'in (0, 1)', default: 0.5, help: 'probability from which a binary attribute counts as present' }),
      'skip-bad-images': flag('skip unreadable images (named on stderr; exit 1) instead of stopping'),
    },
    positionals: { metavar: 'IMAGE', min: 0, max: Infinity },
  }) satisfies CommandSpec<OptionTable>;

const formatImage = (path: string, probs: readonly TaskProbability[], threshold: number): string => {
  const width = Math.max(...probs.map((p) => p.task.length));
  const lines = [path];
  for (const p of probs) {
    if (p.kind === 'binary') {
      const [no, yes] = p.values;
      const named = no === 'no' && yes === 'yes' ? '' : `   (P(${yes}); ${no} below ${threshold})`;
      lines.push(`  ${p.task.padEnd(width)}  ${p.probability.toFixed(3)}  ${p.probability >= threshold ? yes : no}${named}`);
    } else {
      const best = p.classes.reduce((a, b) => (b.probability > a.probability ? b : a));
      const all = p.classes.map((c) => `${c.name} ${c.probability.toFixed(3)}`).join(', ');
      lines.push(`  ${p.task.padEnd(width)}  ${best.probability.toFixed(3)}  ${best.name}   (${all})`);
    }
  }
  return lines.join('\n');
};

export const predictCommand = async (argv: readonly string[]): Promise<number> => runCommand(predictSpec(), argv, predict);

const predict = async ({ values: v, positionals: images }: Parsed<ReturnType<typeof predictSpec>['options']>): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('predict', message, code);
  const modelDir = v.model;
  if (modelDir === undefined) return fail('--model DIR is required');
  if (images.length === 0) return fail('no IMAGE given');
  const backend = v.backend;
  try {
    await selectBackend({ backend, log: () => undefined });
  } catch (error) {
    return fail((error as Error).message, EXIT_FAILURE);
  }
  const predicted = await predictImages(modelDir, images, { skipBadImages: v['skip-bad-images'] });
  if (E.isLeft(predicted)) return fail(predicted.left.message, EXIT_FAILURE);
  for (const skipped of predicted.right.skipped) process.stderr.write(`awmtl: predict: skipped ${skipped.message}\n`);
  const failed = predicted.right.skipped.length;
  const results = predicted.right.predictions.map((p) => ({ image: p.image, attributes: p.tasks }));
  if (v.json) {
    process.stdout.write(`${JSON.stringify(results.map((r) => ({ image: r.image, tasks: predictionJson(r.attributes, v.threshold) })))}\n`);
  } else {
    process.stdout.write(`${results.map((r) => formatImage(r.image, r.attributes, v.threshold)).join('\n\n')}\n`);
  }
  return failed > 0 ? 1 : 0;
};
