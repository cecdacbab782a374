/**
 * Finishing a training run (runTraining's last part): the final checkpoint
 * (unless resumed from it), the model, the final evaluations with their
 * predictions, the report, and metrics.json, written last: a run folder that
 * has it is a finished run.
 */
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { readTrainingLog } from '../src/log/trainingLog.js';
import { describeModelError, saveModel } from '../src/model/index.js';
import { evaluateSplit, type ExtraMetrics, type SplitEvaluation } from './evaluate.js';
import { writePredictions } from './predictions.js';
import { writeRunReport } from './report.js';
import { majorityBaseline, metricsJson, readEvals } from './runFiles.js';
import { writeRunCheckpoint } from './runHooks.js';
import { type OpenedRun, writeAtomic } from './runOpen.js';
import { type Baseline, LOG_JSONL, METRICS_JSON, MODEL_DIR, REPORT_HTML, type RunError, runError, type RunSummary, type RunUi } from './runTypes.js';
import type { InputSettings } from '../src/data/workers/input.js';

/** How the loop's wall time split: steps, waiting for data, and its share. */
export interface LoopTiming {
  readonly stepSeconds: number;
  readonly waitSeconds: number;
  readonly waitFraction: number;
}

export interface FinishOptions {
  readonly ui: RunUi;
  readonly input?: InputSettings;
  readonly extraMetrics?: ExtraMetrics;
  /** performance.now() when the run began. */
  readonly started: number;
}

export const finishRun = async (run: OpenedRun, timing: LoopTiming, options: FinishOptions): Promise<E.Either<RunError, RunSummary>> => {
  const { config, dataset, out, progress, preflight, sources } = run;
  const { ui } = options;
  if (progress.checkpointIteration !== config.iterations) await writeRunCheckpoint(run, config.iterations);
  const saved = await saveModel(run.model, join(out, MODEL_DIR), run.meta);
  if (E.isLeft(saved)) return E.left(runError(describeModelError(saved.left)));

  const evaluations: Partial<Record<'val' | 'test', SplitEvaluation>> = {};
  // The final evaluations open the input again; say so only if it differs from training's.
  const evalUi: RunUi = { ...ui, info: (message) => (message === sources.description ? undefined : ui.info(message)) };
  for (const split of config.finalSplits) {
    if (dataset.splits[split].size === 0) {
      ui.info(`final evaluation: the ${split} split is empty, skipped`);
      continue;
    }
    const result = await evaluateSplit(run.trainer, dataset, split, { ...config, input: options.input }, Infinity, evalUi, options.extraMetrics);
    if (E.isLeft(result)) return E.left(runError(result.left.message));
    evaluations[split] = result.right;
    if (result.right.rows !== undefined) await writePredictions(out, dataset, split, result.right.rows);
  }
  const baselines: Partial<Record<'val' | 'test', Baseline>> = {};
  for (const split of config.finalSplits) {
    if (evaluations[split] !== undefined) baselines[split] = majorityBaseline(dataset, dataset.splits[split]);
  }

  const logRead = readTrainingLog(join(out, LOG_JSONL));
  await writeRunReport(join(out, REPORT_HTML), {
    title: `awmtl ${config.pipeline}: ${config.strategy.name}, ${config.iterations} iterations`,
    config,
    tasks: dataset.tasks,
    records: E.isRight(logRead) ? logRead.right.records : [],
    evals: await readEvals(run.evalsPath, Infinity),
    evaluations,
    baselines,
    weightHistory: progress.weightHistory,
    facts: { ...dataset.facts, skippedImages: progress.skippedImages, unreadableImages: preflight.bad.length },
    warnings: [...dataset.warnings, ...preflight.bad.map((b) => `skipped unreadable image (${b.split} split): ${b.message}`)],
  });
  const metrics = {
    pipeline: config.pipeline,
    iterations: config.iterations,
    strategy: config.strategy,
    tasks: dataset.tasks.map((t) => t.name),
    finalWeights: progress.current,
    baselines,
    splits: Object.fromEntries(Object.entries(evaluations).map(([k, v]) => [k, metricsJson(v)])),
    data: { ...dataset.facts, skippedImages: progress.skippedImages, unreadableImages: preflight.bad, warnings: dataset.warnings },
    preflight: { checked: preflight.checked, fromCache: preflight.fromCache, decoded: preflight.decoded, seconds: preflight.seconds },
    input: { source: sources.description, waitSeconds: timing.waitSeconds, waitFraction: timing.waitFraction, stepSeconds: timing.stepSeconds },
  };
  // Written last: a run folder with metrics.json is a finished run.
  await writeAtomic(join(out, METRICS_JSON), `${JSON.stringify(metrics, null, 2)}\n`);
  return E.right({
    out,
    iterations: config.iterations,
    finalWeights: progress.current,
    evaluations,
    baselines,
    skippedImages: progress.skippedImages,
    preflight,
    seconds: (performance.now() - options.started) / 1000,
    waitSeconds: timing.waitSeconds,
    waitFraction: timing.waitFraction,
    input: sources.description,
  });
};
