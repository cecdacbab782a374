/**
 * `awmtl eval --model DIR --data DIR [--split test]`: a trained model's metrics
 * on a split of a dataset, loaded by the model's pipeline with its data options.
 */
import { EXIT_FAILURE, EXIT_USAGE, reportFailure } from '../fail.js';
import * as E from 'fp-ts/lib/Either.js';
import { evaluateSplit } from '../../pipelines/evaluate.js';
import { findPipeline, pipelineNames } from '../../pipelines/index.js';
import type { DataOptionValue } from '../../pipelines/definition.js';
import { selectBackend } from '../../src/backend/index.js';
import type { SplitName } from '../../src/data/attributeDataset.js';
import { backendOptions } from '../options/backendOptions.js';
import { inputOptions, inputSettings } from '../options/inputOptions.js';
import { choice, type CommandSpec, dynamic, flag, integer, type OptionTable, type Parsed, text } from '../options/optionTable.js';
import { dataOption, dataOptions, dataOptionValues, pipelineOption } from '../options/pipelineOptions.js';
import { runCommand } from '../options/runCommand.js';
import { cliUi } from '../ui.js';
import { openModel } from './modelDir.js';

/** A pipeline's --split (how the data is split) is --data-split here: --split names the split to evaluate. */
const RENAMED = { split: 'data-split' };

export const evalSpec = () =>
  ({
    name: 'eval',
    synopsis: ['eval --model DIR --data DIR [--split test|val|train] [--json] [--skip-bad-images]'],
    description:
      'Evaluates a trained model (a run folder or its model/) on a split of a dataset. The pipeline\n' +
      'and its data options (split fractions, --only-present-images, ...) default to those of training.',
    options: {
      model: text({ metavar: 'DIR', help: 'the model: a run folder or its model/' }),
      data: dataOption(),
      split: choice(['train', 'val', 'test'] as const, { default: 'test', help: 'the split to evaluate' }),
      pipeline: pipelineOption({ default: "the model's" }),
      limit: integer({ help: 'evaluate the first N images of the split only' }),
      'batch-size': integer({ default: 64, help: 'images per evaluation batch' }),
      json: flag('print the metrics as one JSON object'),
      'skip-bad-images': flag('skip unreadable images (counted) instead of stopping'),
      backend: backendOptions.backend,
      ...inputOptions(),
      ...dynamic(dataOptions([], RENAMED)),
    },
  }) satisfies CommandSpec<OptionTable>;

export const evalCommand = async (argv: readonly string[]): Promise<number> => runCommand(evalSpec(), argv, evaluate);

const evaluate = async ({ values: v, given: givenOptions }: Parsed<ReturnType<typeof evalSpec>['options']>): Promise<number> => {
  const fail = (message: string, code = EXIT_USAGE): number => reportFailure('eval', message, code);
  const modelDir = v.model;
  const data = v.data;
  if (modelDir === undefined || data === undefined) return fail('--model DIR and --data DIR are required');
  const split: SplitName = v.split;
  const limit = v.limit ?? Infinity;
  const input = inputSettings(v);
  if (E.isLeft(input)) return fail(input.left.message);
  const backend = v.backend;
  const ui = cliUi();
  try {
    await selectBackend({ backend, log: (m) => ui.info(m) });
  } catch (error) {
    return fail((error as Error).message, EXIT_FAILURE);
  }
  const opened = await openModel(modelDir);
  if (E.isLeft(opened)) return fail(opened.left, EXIT_FAILURE);
  try {
    const { meta } = opened.right;
    const name = typeof meta.extra?.pipeline === 'string' ? meta.extra.pipeline : 'celeba';
    const pipeline = v.pipeline ?? findPipeline(name);
    if (pipeline === undefined) return fail(`unknown pipeline "${name}" (known: ${pipelineNames().join(', ')})`);
    const trained = (meta.extra?.dataOptions ?? {}) as Record<string, DataOptionValue>;
    const given = dataOptionValues(pipeline, v as Readonly<Record<string, unknown>>, givenOptions, RENAMED);
    if (E.isLeft(given)) return fail(given.left.message);
    const dataOptions: Record<string, DataOptionValue> = { ...trained, ...given.right };
    const seed = typeof meta.extra?.seed === 'number' ? meta.extra.seed : 0;
    const dataset = await pipeline.load(data, dataOptions, seed);
    if (E.isLeft(dataset)) return fail(dataset.left.message, EXIT_FAILURE);
    const names = meta.tasks.map((t) => t.name).join(',');
    if (dataset.right.tasks.map((t) => t.name).join(',') !== names) {
      return fail(`the model's tasks (${meta.tasks.length}) differ from the dataset's (${dataset.right.tasks.length})`, EXIT_FAILURE);
    }
    const batch = v['batch-size'];
    const result = await evaluateSplit(
      opened.right.trainer,
      dataset.right,
      split,
      { image: opened.right.image, valBatchSize: batch, skipBadImages: v['skip-bad-images'], input: input.right },
      limit,
      ui,
      pipeline.extraMetrics?.(dataset.right),
    );
    if (E.isLeft(result)) return fail(result.left.message, EXIT_FAILURE);
    const r = result.right;
    if (v.json) {
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
