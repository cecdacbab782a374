/** How the command line shows a run: messages and progress on stderr, results on stdout. */
import type { RunSummary, RunUi } from '../pipelines/train.js';
import { Progress } from './progress.js';
import type { TaskSpec } from '../src/tasks.js';

export const cliUi = (): RunUi => ({
  info: (message) => process.stderr.write(`${message}\n`),
  progress: (label, total) => new Progress(label, total, process.stderr),
});

const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '   –  ' : (x * 100).toFixed(2).padStart(6));

/** A pipeline's extra figures that carry a `label` and a `mean` (e.g. Market's official 12-task accuracy). */
const headlineFigures = (extra: Readonly<Record<string, unknown>> | undefined): { label: string; mean: number }[] =>
  Object.values(extra ?? {}).flatMap((v) => {
    const f = v as { label?: unknown; mean?: unknown } | null;
    return typeof f === 'object' && f !== null && typeof f.label === 'string' && typeof f.mean === 'number' ? [{ label: f.label, mean: f.mean }] : [];
  });

/** The end-of-run table: per-task accuracy next to the majority-class baseline, and the final weights. */
export const formatSummary = (summary: RunSummary, tasks: readonly TaskSpec[]): string => {
  const test = summary.evaluations.test;
  const val = summary.evaluations.val;
  const shown = test ?? val;
  const which = test !== undefined ? 'test' : 'val';
  const baseline = summary.baselines[which];
  const width = Math.max(10, ...tasks.map((t) => t.name.length));
  const lines: string[] = [];
  lines.push(`${'task'.padEnd(width)}  ${which} acc  baseline   delta  weight`);
  tasks.forEach((task, j) => {
    const acc = shown?.metrics.perTask[j]?.accuracy;
    const base = baseline?.perTask[j];
    const delta = acc !== undefined && base !== undefined ? acc - base : undefined;
    const d = delta === undefined || Number.isNaN(delta) ? '    – ' : `${delta >= 0 ? '+' : ''}${(delta * 100).toFixed(2)}`.padStart(6);
    lines.push(`${task.name.padEnd(width)}  ${pct(acc)}    ${pct(base)}  ${d}  ${summary.finalWeights[j]?.toFixed(3).padStart(6) ?? ''}`);
  });
  lines.push('');
  if (shown !== undefined) {
    const base = baseline?.meanAccuracy;
    lines.push(
      `mean ${which} accuracy ${pct(shown.metrics.meanAccuracy).trim()}% vs majority-class baseline ${pct(base).trim()}% ` +
        `(balanced ${pct(shown.metrics.meanBalancedAccuracy).trim()}%, mA ${pct(shown.metrics.labelBased.mA).trim()}%) on ${shown.images} images`,
    );
  }
  for (const figure of headlineFigures(shown?.extra)) lines.push(`${figure.label} ${pct(figure.mean).trim()}% (${which})`);
  if (val !== undefined && test !== undefined) lines.push(`mean val accuracy ${pct(val.metrics.meanAccuracy).trim()}%`);
  lines.push(`final weights: min ${Math.min(...summary.finalWeights).toFixed(3)}, max ${Math.max(...summary.finalWeights).toFixed(3)}`);
  if (summary.skippedImages > 0) lines.push(`skipped images: ${summary.skippedImages}`);
  lines.push(`${summary.iterations} iterations in ${summary.seconds.toFixed(1)} s; results in ${summary.out} (report.html, metrics.json, model/)`);
  return lines.join('\n');
};

export const printSummary = (summary: RunSummary, tasks: readonly TaskSpec[], json: boolean): void => {
  if (json) {
    const out = {
      out: summary.out,
      iterations: summary.iterations,
      seconds: summary.seconds,
      finalWeights: summary.finalWeights,
      baselines: summary.baselines,
      meanAccuracy: Object.fromEntries(Object.entries(summary.evaluations).map(([k, v]) => [k, v.metrics.meanAccuracy])),
      skippedImages: summary.skippedImages,
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    process.stdout.write(`${formatSummary(summary, tasks)}\n`);
  }
};
