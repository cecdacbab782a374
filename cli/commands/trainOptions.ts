/**
 * The options of a training run (`awmtl train`, and through it `compare` and
 * `bench soak`), declared once, and the run configuration they give.
 */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { PipelineDefinition } from '../../pipelines/definition.js';
import type { TrainConfig } from '../../pipelines/train.js';
import type { ImageOptions } from '../../src/data/images.js';
import { DEFAULT_BACKBONE, knownBackbones } from '../../src/model/index.js';
import { ADAM_DEFAULTS, parseOptimizerConfig, SGD_DEFAULTS } from '../../src/train/optimizers.js';
import { COSINE_DEFAULTS, type LearningRateSchedule, SCHEDULE_NAMES, STEP_DEFAULTS } from '../../src/train/schedule.js';
import { createStrategy, findStrategy, formatParamError, strategyNames } from '../../src/weighting/index.js';
import { choice, dynamic, flag, integer, number, text, usageError, type UsageError, type Values } from '../options/optionTable.js';
import { dataOption, dataOptions, dataOptionValues, imageOptions } from '../options/pipelineOptions.js';
import { givenStrategyParams, strategyOptions, strategyParamNames } from '../options/strategyOptions.js';

/** What a run trains and how: everything `configFromValues` reads (compare takes them too). */
export const runSettingsOptions = () => ({
  data: dataOption(),
  out: text({ metavar: 'DIR', help: 'output folder', defaultText: 'runs/<pipeline>-<date>' }),
  backbone: text({ metavar: 'NAME', help: knownBackbones().join(', '), default: DEFAULT_BACKBONE }),
  'width-multiplier': number({ check: (x) => x > 0 && x <= 8, expectation: 'in (0, 8]', help: 'scale the filters of a built-in backbone' }),
  ...imageOptions,
  loss: choice(['bce', 'wbce', 'mse'] as const, {
    help:
      "per-task loss: DeepMAR's weighted BCE (positives exp(1-r), negatives exp(r), r the train positive ratio;\n" +
      "class-balanced softmax for multi-class tasks), plain BCE with logits, or MSE on +-1 (the paper's)",
    defaultText: "the pipeline's",
  }),
  optimizer: choice(['adam', 'sgd'] as const, { default: 'adam', help: `adam (lr ${ADAM_DEFAULTS.learningRate}) or sgd (momentum ${SGD_DEFAULTS.momentum}, weight decay ${SGD_DEFAULTS.weightDecay}, lr ${SGD_DEFAULTS.learningRate})` }),
  lr: number({ check: (x) => x > 0, expectation: 'a positive number', help: 'learning rate', defaultText: "the pipeline's for Adam if it sets one, else the optimizer's" }),
  momentum: number({ check: (x) => x >= 0 && x < 1, expectation: 'in [0, 1)', help: 'SGD momentum', defaultText: String(SGD_DEFAULTS.momentum) }),
  'lr-schedule': choice(SCHEDULE_NAMES, { metavar: 'NAME', default: 'constant', help: 'learning rate over the run: constant, cosine (decay to --lr-final, after --warmup) or step (x --lr-gamma every --lr-step)' }),
  warmup: integer({ min: 0, default: COSINE_DEFAULTS.warmup, help: 'cosine: iterations of linear warm-up to --lr' }),
  'lr-final': number({ metavar: 'F', check: (x) => x >= 0 && x <= 1, expectation: 'in [0, 1]', default: COSINE_DEFAULTS.finalFraction, help: 'cosine: the last rate, as a fraction of --lr' }),
  'lr-step': integer({ help: 'step: iterations between two decays' }),
  'lr-gamma': number({ metavar: 'G', check: (x) => x > 0 && x <= 1, expectation: 'in (0, 1]', default: STEP_DEFAULTS.gamma, help: 'step: the factor of each decay' }),
  'weight-decay': number({ check: (x) => x >= 0, expectation: 'a non-negative number', help: 'weight decay', defaultText: "the optimizer's" }),
  'batch-size': integer({ help: 'train batch', defaultText: "the pipeline's" }),
  'val-batch-size': integer({ help: 'validation batch drawn each iteration', defaultText: 'the train batch' }),
  'val-draw': choice(['replacement', 'reshuffle'] as const, { metavar: 'MODE', default: 'replacement', help: 'how validation batches are drawn: replacement (as the Caffe reference) or reshuffle' }),
  iterations: integer({ help: 'training budget in iterations', defaultText: "the pipeline's" }),
  epochs: number({ metavar: 'E', check: (x) => x > 0, expectation: 'a positive number', help: 'training budget in epochs (instead of --iterations)' }),
  'eval-every': integer({ min: 0, help: 'evaluate on the validation split every N iterations (0: never)', defaultText: "the pipeline's" }),
  'eval-limit': integer({ default: 2000, help: 'images per interim evaluation' }),
  'checkpoint-every': integer({ min: 0, help: 'checkpoint every N iterations (and at the end)', defaultText: "the pipeline's" }),
  'no-flip': flag('no horizontal-flip augmentation'),
  'skip-bad-images': flag('skip unreadable images (counted in the report) instead of stopping'),
  prefetch: integer({ default: 4, help: 'batches prepared ahead per stream (slack against stalls of the input)' }),
  ...dynamic(dataOptions()),
});

/** --strategy NAME, its parameters, and --seed S. */
export const strategyChoiceOptions = () => ({
  strategy: text({ metavar: 'NAME', default: 'vlt', help: strategyNames().join(', ') }),
  ...dynamic(strategyOptions(['seed'])),
  seed: integer({ metavar: 'S', min: 0, default: 0, help: 'seed of everything random (a strategy with a seed, rlw, takes it too)' }),
});

export type RunSettingsValues = Values<ReturnType<typeof runSettingsOptions>>;

/** A run's configuration from the parsed options, less its budget, strategy and seed (epochs are resolved once the data is loaded). */
export const configFromValues = (
  v: Omit<RunSettingsValues, 'out'> & { readonly out?: string | undefined },
  given: ReadonlySet<string>,
  pipeline: PipelineDefinition,
): E.Either<UsageError, { config: Omit<TrainConfig, 'iterations' | 'strategy' | 'seed'>; iterations?: number; epochs?: number }> => {
  if (v.data === undefined) return E.left(usageError('--data DIR is required'));
  const defaults = pipeline.defaults;
  const image: ImageOptions = { ...pipeline.imageDefaults, ...(v.size ?? {}), ...(v.crop === undefined ? {} : { crop: v.crop }) };
  const base = v.optimizer === 'adam' ? ADAM_DEFAULTS : SGD_DEFAULTS;
  const pipelineRate = v.optimizer === 'adam' ? defaults.adamLearningRate : undefined;
  const optimizerRaw: Record<string, unknown> = { ...base, learningRate: v.lr ?? pipelineRate ?? base.learningRate };
  if (v.momentum !== undefined) {
    if (v.optimizer !== 'sgd') return E.left(usageError('--momentum applies to --optimizer sgd'));
    optimizerRaw.momentum = v.momentum;
  }
  if (v['weight-decay'] !== undefined) optimizerRaw.weightDecay = v['weight-decay'];
  const optimizer = parseOptimizerConfig(optimizerRaw);
  if (E.isLeft(optimizer)) return E.left(usageError(`${optimizer.left.field}: ${optimizer.left.message}`));
  const dataOptionsGiven = dataOptionValues(pipeline, v as Readonly<Record<string, unknown>>, given);
  if (E.isLeft(dataOptionsGiven)) return dataOptionsGiven;
  if (v.iterations !== undefined && v.epochs !== undefined) return E.left(usageError('give --iterations or --epochs, not both'));
  const schedule = scheduleFromValues(v, given);
  if (E.isLeft(schedule)) return schedule;
  const batchSize = v['batch-size'] ?? defaults.batchSize;
  const out = v.out ?? join('runs', `${pipeline.name}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`);
  return E.right({
    config: {
      pipeline: pipeline.name,
      data: v.data,
      dataOptions: dataOptionsGiven.right,
      out,
      backbone: v.backbone,
      ...(v['width-multiplier'] === undefined ? {} : { widthMultiplier: v['width-multiplier'] }),
      image,
      loss: v.loss ?? defaults.loss ?? 'bce',
      optimizer: optimizer.right,
      ...(schedule.right.name === 'constant' ? {} : { lrSchedule: schedule.right }),
      batchSize,
      valBatchSize: v['val-batch-size'] ?? batchSize,
      valDraw: v['val-draw'],
      evalEvery: v['eval-every'] ?? defaults.evalEvery,
      evalLimit: v['eval-limit'],
      checkpointEvery: v['checkpoint-every'] ?? defaults.checkpointEvery,
      flip: !v['no-flip'],
      skipBadImages: v['skip-bad-images'],
      prefetch: v.prefetch,
      finalSplits: ['val', 'test'],
    },
    ...(v.iterations === undefined ? {} : { iterations: v.iterations }),
    ...(v.epochs === undefined ? {} : { epochs: v.epochs }),
  });
};

/** The learning-rate schedule; an option of another schedule is a usage error rather than ignored. */
const scheduleFromValues = (v: Pick<RunSettingsValues, 'lr-schedule' | 'warmup' | 'lr-final' | 'lr-step' | 'lr-gamma'>, given: ReadonlySet<string>): E.Either<UsageError, LearningRateSchedule> => {
  const owners: Record<string, string> = { warmup: 'cosine', 'lr-final': 'cosine', 'lr-step': 'step', 'lr-gamma': 'step' };
  for (const [option, owner] of Object.entries(owners)) {
    if (given.has(option) && v['lr-schedule'] !== owner) return E.left(usageError(`--${option} applies to --lr-schedule ${owner}`));
  }
  switch (v['lr-schedule']) {
    case 'constant':
      return E.right({ name: 'constant' });
    case 'cosine':
      return E.right({ name: 'cosine', warmup: v.warmup, finalFraction: v['lr-final'] });
    case 'step':
      if (v['lr-step'] === undefined) return E.left(usageError('--lr-schedule step needs --lr-step N'));
      return E.right({ name: 'step', every: v['lr-step'], gamma: v['lr-gamma'] });
  }
};

/**
 * The strategy and its parameters from --strategy and the parameter options, checked by the
 * strategy now (before any data is read). A parameter of another strategy only is a usage
 * error; the run's --seed goes to a strategy that takes a seed; k defaults to the pipeline's.
 */
export const strategyFromValues = (
  name: string,
  raw: Readonly<Record<string, string | true>>,
  pipeline: PipelineDefinition,
): E.Either<UsageError, TrainConfig['strategy']> => {
  const definition = findStrategy(name);
  if (definition === undefined) return E.left(usageError(`unknown strategy "${name}" (known: ${strategyNames().join(', ')})`));
  const params: Record<string, string | number> = {};
  for (const [p, value] of Object.entries(givenStrategyParams(raw, strategyParamNames()))) {
    if (p in definition.paramsHelp) params[p] = value;
    else if (p !== 'seed') return E.left(usageError(`--${p} does not apply to strategy ${name}`));
  }
  if ('k' in definition.paramsHelp && params.k === undefined) params.k = pipeline.defaults.k;
  const checked = createStrategy(name, params);
  if (E.isLeft(checked)) return E.left(usageError(formatParamError(checked.left)));
  return E.right({ name, params });
};
