/**
 * `awmtl predict --model DIR IMAGE...`: each image's attributes with their
 * probabilities, preprocessed exactly as in training (size, crop, normalisation).
 */
import * as E from 'fp-ts/lib/Either.js';
import { selectBackend } from '../../src/backend/index.js';
import { flagOption, numberOption, parseCommandArgs, stringOption } from '../../src/cli/args.js';
import { loadImageInto } from '../../src/data/images.js';
import { type TaskProbability, taskProbabilities } from '../../src/model/probabilities.js';
import { openModel } from './modelDir.js';

const usage = `usage: awmtl predict --model DIR [--json] [--threshold P] [--skip-bad-images] IMAGE...

Prints every attribute of each image with its probability (binary attributes: the
probability of "yes"; multi-class attributes: each class). DIR is a run folder or its model/.
  --backend NAME   auto (default), wasm, cpu, tensorflow
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
  const fail = (message: string, code = 2): number => {
    process.stderr.write(`awmtl predict: ${message}\n`);
    return code;
  };
  if (E.isLeft(parsed)) return fail(`${parsed.left.message}\n\n${usage}`);
  if (flagOption(parsed.right, 'help')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const modelDir = stringOption(parsed.right, 'model');
  if (modelDir === undefined) return fail(`--model DIR is required\n\n${usage}`);
  const images = parsed.right.positionals;
  if (images.length === 0) return fail(`no IMAGE given\n\n${usage}`);
  const threshold = numberOption(parsed.right, 'threshold', 0.5, (x) => x > 0 && x < 1, 'in (0, 1)');
  if (E.isLeft(threshold)) return fail(threshold.left.message);
  try {
    await selectBackend({ backend: (stringOption(parsed.right, 'backend') ?? 'auto') as 'auto', log: () => undefined });
  } catch (error) {
    return fail((error as Error).message, 1);
  }
  const opened = await openModel(modelDir);
  if (E.isLeft(opened)) return fail(opened.left, 1);
  const { trainer, image, meta } = opened.right;
  const per = image.height * image.width * 3;
  const results: { image: string; attributes: TaskProbability[] }[] = [];
  let failed = 0;
  const chunk = 32;
  try {
    for (let start = 0; start < images.length; start += chunk) {
      const paths = images.slice(start, start + chunk);
      const data = new Float32Array(paths.length * per);
      const good: string[] = [];
      for (const path of paths) {
        const loaded = await loadImageInto(path, data, good.length * per, image);
        if (E.isLeft(loaded)) {
          if (!flagOption(parsed.right, 'skip-bad-images')) return fail(loaded.left.message, 1);
          process.stderr.write(`awmtl predict: skipped ${loaded.left.message}\n`);
          failed += 1;
          continue;
        }
        good.push(path);
      }
      if (good.length === 0) continue;
      const logits = await trainer.predict({ images: data.subarray(0, good.length * per), size: good.length, height: image.height, width: image.width, channels: 3 });
      good.forEach((path, i) => results.push({ image: path, attributes: taskProbabilities(logits, i, meta.tasks) }));
    }
  } finally {
    opened.right.dispose();
  }
  if (flagOption(parsed.right, 'json')) {
    process.stdout.write(`${JSON.stringify(results.map((r) => ({ image: r.image, attributes: Object.fromEntries(r.attributes.map((a) => [a.task, a.kind === 'binary'
                ? a.values[0] === 'no' && a.values[1] === 'yes'
                  ? a.probability
                  : { [a.values[0]]: 1 - a.probability, [a.values[1]]: a.probability }
                : Object.fromEntries(a.classes.map((c) => [c.name, c.probability]))])) })))}\n`);
  } else {
    process.stdout.write(`${results.map((r) => formatImage(r.image, r.attributes, threshold.right)).join('\n\n')}\n`);
  }
  return failed > 0 ? 1 : 0;
};
