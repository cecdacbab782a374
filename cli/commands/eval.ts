/**
 * `awmtl eval --model DIR --data DIR [--split test]`: a trained model's metrics
 * on a split of a dataset, loaded by the model's pipeline with its data options.
 */
import * as E from 'fp-ts/lib/Either.js';
import { evaluateSplit } from '../../pipelines/evaluate.js';
import { findPipeline, pipelineNames } from '../../pipelines/index.js';
import type { DataOptionValue } from '../../pipelines/definition.js';
import { selectBackend } from '../../src/backend/index.js';
import { flagOption, type OptionSpec, parseCommandArgs, stringOption } from '../../src/cli/args.js';
import type { SplitName } from '../../src/data/attributeDataset.js';
import { cliUi } from '../ui.js';
import { openModel } from './modelDir.js';
import { inputSettingsFromArgs } from './train.js';

const usage = (): string =>
  [
    'usage: awmtl eval --model DIR --data DIR [--split test|val|train] [--json] [--skip-bad-images]',
    '',
    'Evaluates a trained model (a run folder or its model/) on a split of a dataset. The pipeline',
    'and its data options (split fractions, --only-present-images, ...) default to those of training.',
    `  --pipeline NAME   ${pipelineNames().join(', ')}`,
    '  --limit N         evaluate the first N images of the split only',
    '  --backend NAME    auto (default), wasm, cpu, tensorflow',
    '  --cache DIR | --no-cache   the preprocessed image cache to read (default: the one `awmtl prepare` made, if valid)',
    '  --workers N       image-decoding worker threads',
  ].join('\n');

export const evalCommand = async (argv: readonly string[]): Promise<number> => {
  const spec: OptionSpec = {
    model: { type: 'string' },
    data: { type: 'string' },
    split: { type: 'string' },
    pipeline: { type: 'string' },
    limit: { type: 'string' },
    backend: { type: 'string' },
    json: { type: 'boolean' },
    'skip-bad-images': { type: 'boolean' },
    'batch-size': { type: 'string' },
    cache: { type: 'string' },
    'no-cache': { type: 'boolean' },
    workers: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  };
  for (const name of pipelineNames()) {
    for (const [opt, d] of Object.entries(findPipeline(name)?.dataOptions ?? {})) {
      if (opt !== 'split') spec[opt] = { type: d.type };
    }
  }
  spec['data-split'] = { type: 'string' };
  const parsed = parseCommandArgs(argv, spec);
  const fail = (message: string, code = 2): number => {
    process.stderr.write(`awmtl eval: ${message}\n`);
    return code;
  };
  if (E.isLeft(parsed)) return fail(`${parsed.left.message}\n\n${usage()}`);
  const p = parsed.right;
  if (flagOption(p, 'help')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const modelDir = stringOption(p, 'model');
  const data = stringOption(p, 'data');
  if (modelDir === undefined || data === undefined) return fail(`--model DIR and --data DIR are required\n\n${usage()}`);
  const split = (stringOption(p, 'split') ?? 'test') as SplitName;
  if (!['train', 'val', 'test'].includes(split)) return fail(`--split must be train, val or test, got ${JSON.stringify(split)}`);
  const limitRaw = stringOption(p, 'limit');
  const limit = limitRaw === undefined ? Infinity : Number(limitRaw);
  if (!(limit >= 1)) return fail(`--limit must be a positive integer, got ${JSON.stringify(limitRaw)}`);
  const input = inputSettingsFromArgs(p);
  if (E.isLeft(input)) return fail(input.left.message);
  const ui = cliUi();
  try {
    await selectBackend({ backend: (stringOption(p, 'backend') ?? 'auto') as 'auto', log: (m) => ui.info(m) });
  } catch (error) {
    return fail((error as Error).message, 1);
  }
  const opened = await openModel(modelDir);
  if (E.isLeft(opened)) return fail(opened.left, 1);
  try {
    const { meta } = opened.right;
    const name = stringOption(p, 'pipeline') ?? (typeof meta.extra?.pipeline === 'string' ? meta.extra.pipeline : 'celeba');
    const pipeline = findPipeline(name);
    if (pipeline === undefined) return fail(`unknown pipeline "${name}" (known: ${pipelineNames().join(', ')})`);
    const trained = (meta.extra?.dataOptions ?? {}) as Record<string, DataOptionValue>;
    const dataOptions: Record<string, DataOptionValue> = { ...trained };
    for (const [opt, d] of Object.entries(pipeline.dataOptions)) {
      const key = opt === 'split' ? 'data-split' : opt;
      const v = d.type === 'boolean' ? (flagOption(p, key) ? true : undefined) : stringOption(p, key);
      if (v !== undefined) dataOptions[opt] = v;
    }
    const seed = typeof meta.extra?.seed === 'number' ? meta.extra.seed : 0;
    const dataset = await pipeline.load(data, dataOptions, seed);
    if (E.isLeft(dataset)) return fail(dataset.left.message, 1);
    const names = meta.tasks.map((t) => t.name).join(',');
    if (dataset.right.tasks.map((t) => t.name).join(',') !== names) {
      return fail(`the model's tasks (${meta.tasks.length}) differ from the dataset's (${dataset.right.tasks.length})`, 1);
    }
    const batch = Number(stringOption(p, 'batch-size') ?? 64);
    const result = await evaluateSplit(
      opened.right.trainer,
      dataset.right,
      split,
      { image: opened.right.image, valBatchSize: batch, skipBadImages: flagOption(p, 'skip-bad-images'), input: input.right },
      limit,
      ui,
      pipeline.extraMetrics?.(dataset.right),
    );
    if (E.isLeft(result)) return fail(result.left.message, 1);
    const r = result.right;
    if (flagOption(p, 'json')) {
      process.stdout.write(
        `${JSON.stringify({
          split,
          images: r.images,
          skippedImages: r.skipped,
          meanAccuracy: r.metrics.meanAccuracy,
          meanBalancedAccuracy: r.metrics.meanBalancedAccuracy,
          mA: r.metrics.labelBased.mA,
          instance: r.metrics.instanceBased,
          ...(r.extra === undefined ? {} : r.extra),
          perTask: r.metrics.perTask.map((t) => ({ task: t.task, accuracy: t.accuracy, balancedAccuracy: t.balancedAccuracy })),
        })}\n`,
      );
    } else {
      const width = Math.max(...r.metrics.perTask.map((t) => t.task.length));
      const lines = [`${'task'.padEnd(width)}  accuracy  balanced`];
      for (const t of r.metrics.perTask) {
        lines.push(`${t.task.padEnd(width)}  ${(t.accuracy * 100).toFixed(2).padStart(8)}  ${(t.balancedAccuracy * 100).toFixed(2).padStart(8)}`);
      }
      const ib = r.metrics.instanceBased;
      lines.push(
        '',
        `${split}: ${r.images} images; mean accuracy ${(r.metrics.meanAccuracy * 100).toFixed(2)}%, mean balanced ${(r.metrics.meanBalancedAccuracy * 100).toFixed(2)}%, mA ${(r.metrics.labelBased.mA * 100).toFixed(2)}%`,
        ...Object.values(r.extra ?? {})
          .filter((x): x is { label: string; mean: number } => typeof x === 'object' && x !== null && 'label' in x && 'mean' in x)
          .map((x) => `${x.label} ${(x.mean * 100).toFixed(2)}%`),
        `instance-based: accuracy ${(ib.accuracy * 100).toFixed(2)}%, precision ${(ib.precision * 100).toFixed(2)}%, recall ${(ib.recall * 100).toFixed(2)}%, F1 ${(ib.f1 * 100).toFixed(2)}%`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    return 0;
  } finally {
    opened.right.dispose();
  }
};
