/**
 * `awmtl predict --model DIR IMAGE...`: each image's attributes with their
 * probabilities, preprocessed exactly as in training (size, crop, normalisation).
 */
import { reportFailure } from '../fail.js';
import * as E from 'fp-ts/lib/Either.js';
import { backendChoiceError, isBackendChoice, selectBackend } from '../../src/backend/index.js';
import { flagOption, numberOption, parseCommandArgs, stringOption } from '../../src/cli/args.js';
import { predictionJson, type TaskProbability } from '../../src/model/probabilities.js';
import { predictImages } from '../../pipelines/predict.js';

const usage = `usage: awmtl predict --model DIR [--json] [--threshold P] [--skip-bad-images] IMAGE...

Prints every attribute of each image with its probability (binary attributes: the
probability of "yes"; multi-class attributes: each class). DIR is a run folder or its model/.
  --json           [{"image": PATH, "tasks": {NAME: {"probability": P, "class": C}}}]: P is
                   P(yes) for a binary task, the top class's for a multi-class one (then with
                   "classes": {CLASS: P}); the numbers the page of 'awmtl serve --model' shows
  --backend NAME   auto (default), webgpu, wasm, cpu, tensorflow
  --threshold P    probability from which a binary attribute counts as present (default 0.5)`;

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

export const predictCommand = async (argv: readonly string[]): Promise<number> => {
  const parsed = parseCommandArgs(argv, {
    model: { type: 'string' },
    json: { type: 'boolean' },
    threshold: { type: 'string' },
    backend: { type: 'string' },
    'skip-bad-images': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const fail = (message: string, code = 2): number => reportFailure('predict', message, code);
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  if (flagOption(parsed.right, 'help')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const modelDir = stringOption(parsed.right, 'model');
  if (modelDir === undefined) return fail("--model DIR is required");
  const images = parsed.right.positionals;
  if (images.length === 0) return fail("no IMAGE given");
  const threshold = numberOption(parsed.right, 'threshold', 0.5, (x) => x > 0 && x < 1, 'in (0, 1)');
  if (E.isLeft(threshold)) return fail(threshold.left.message);
  const backend = stringOption(parsed.right, 'backend') ?? 'auto';
  if (!isBackendChoice(backend)) return fail(backendChoiceError(backend));
  try {
    await selectBackend({ backend, log: () => undefined });
  } catch (error) {
    return fail((error as Error).message, 1);
  }
  const predicted = await predictImages(modelDir, images, { skipBadImages: flagOption(parsed.right, 'skip-bad-images') });
  if (E.isLeft(predicted)) return fail(predicted.left.message, 1);
  for (const skipped of predicted.right.skipped) process.stderr.write(`awmtl: predict: skipped ${skipped.message}\n`);
  const failed = predicted.right.skipped.length;
  const results = predicted.right.predictions.map((p) => ({ image: p.image, attributes: p.tasks }));
  if (flagOption(parsed.right, 'json')) {
    process.stdout.write(`${JSON.stringify(results.map((r) => ({ image: r.image, tasks: predictionJson(r.attributes, threshold.right) })))}\n`);
  } else {
    process.stdout.write(`${results.map((r) => formatImage(r.image, r.attributes, threshold.right)).join('\n\n')}\n`);
  }
  return failed > 0 ? 1 : 0;
};
