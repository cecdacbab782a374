/**
 * The HTML report of a training run (pure: data in, HTML text out). Curves
 * are inline SVG pictures: per-task weight curves, loss curves, per-task
 * validation-loss curves, evaluation accuracy; then the per-task table.
 */
import type { TaskSpec } from '../tasks.js';
import { escapeXml, lineChart, type Panel, type Series, smallMultiples } from './svg.js';

export interface ReportRecord {
  readonly iteration: number;
  readonly trainLoss: readonly number[];
  readonly valLoss: readonly number[];
  readonly weights: readonly number[];
}

export interface ReportEval {
  readonly iteration: number;
  readonly meanAccuracy: number;
  readonly meanBalancedAccuracy: number;
  readonly meanLoss: number;
}

export interface ReportSplit {
  readonly images: number;
  readonly metrics: {
    readonly meanAccuracy: number;
    readonly meanBalancedAccuracy: number;
    readonly labelBased: { readonly mA: number };
    readonly perTask: readonly { readonly task: string; readonly accuracy: number; readonly balancedAccuracy: number }[];
  };
}

export interface RunReportData {
  readonly title: string;
  readonly tasks: readonly TaskSpec[];
  readonly records: readonly ReportRecord[];
  readonly evals: readonly ReportEval[];
  readonly evaluations: Readonly<Partial<Record<'val' | 'test', ReportSplit>>>;
  /** Majority-class baseline per evaluated split. */
  readonly baselines: Readonly<Partial<Record<'val' | 'test', { readonly perTask: readonly number[]; readonly meanAccuracy: number }>>>;
  readonly weightHistory: readonly ({ readonly iteration: number } & ({ readonly weights: readonly number[] } | { readonly skipped: string }))[];
  readonly config: unknown;
  readonly facts: Readonly<Record<string, unknown>>;
  readonly warnings: readonly string[];
}

/** At most `max` evenly spaced indices of 0..n-1 (always the last). */
export const thin = (n: number, max: number): number[] => {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const step = n / max;
  const out: number[] = [];
  for (let i = 0; i < max; i++) out.push(Math.floor(i * step));
  if (out[out.length - 1] !== n - 1) out.push(n - 1);
  return out;
};

/** Trailing moving average (window w) of a series. */
export const movingAverage = (xs: readonly number[], w: number): number[] => {
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sum += xs[i];
    if (i >= w) sum -= xs[i - w];
    out.push(sum / Math.min(i + 1, w));
  }
  return out;
};

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

const pct = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? '–' : `${(x * 100).toFixed(2)}`);

/** Charts of a run as standalone SVG documents. */
export const runCharts = (data: RunReportData): { weights: string; losses: string; taskLosses: string; accuracy?: string } => {
  const records = data.records;
  const idx = thin(records.length, 600);
  const window = Math.max(1, Math.round(records.length / 50));
  const trainMean = movingAverage(records.map((r) => mean(r.trainLoss)), window);
  const valMean = movingAverage(records.map((r) => mean(r.valLoss)), window);
  const losses = lineChart(
    [
      { name: 'train loss (mean over tasks)', points: idx.map((i) => [records[i].iteration, trainMean[i]] as const) },
      { name: 'validation loss (mean over tasks)', points: idx.map((i) => [records[i].iteration, valMean[i]] as const) },
    ],
    { title: `Loss (moving average over ${window} iterations)`, xLabel: 'iteration', yLabel: 'loss', width: 860, height: 340 },
  );
  const weightPanels: Panel[] = data.tasks.map((task, j) => ({
    title: task.name,
    series: [{ name: task.name, points: idx.map((i) => [records[i].iteration, records[i].weights[j]] as const), color: '#d62728' }],
  }));
  const weights = smallMultiples(weightPanels, {
    title: 'Task weights used at each iteration (dashed: 1)',
    columns: 8,
    sharedY: true,
    referenceY: 1,
  });
  const valSmooth = data.tasks.map((_, j) => movingAverage(records.map((r) => r.valLoss[j]), window));
  const trainSmooth = data.tasks.map((_, j) => movingAverage(records.map((r) => r.trainLoss[j]), window));
  const taskPanels: Panel[] = data.tasks.map((task, j) => ({
    title: task.name,
    series: [
      { name: 'train', points: idx.map((i) => [records[i].iteration, trainSmooth[j][i]] as const), color: '#1f77b4' },
      { name: 'val', points: idx.map((i) => [records[i].iteration, valSmooth[j][i]] as const), color: '#ff7f0e' },
    ],
  }));
  const taskLosses = smallMultiples(taskPanels, {
    title: `Per-task loss (moving average over ${window} iterations)`,
    columns: 8,
    legend: [
      { name: 'train', points: [], color: '#1f77b4' },
      { name: 'validation', points: [], color: '#ff7f0e' },
    ],
  });
  const accuracySeries: Series[] = [
    { name: 'mean accuracy (val)', points: data.evals.map((e) => [e.iteration, e.meanAccuracy * 100] as const) },
    { name: 'mean balanced accuracy (val)', points: data.evals.map((e) => [e.iteration, e.meanBalancedAccuracy * 100] as const) },
  ];
  const valBaseline = data.baselines.val;
  if (valBaseline !== undefined && data.evals.length > 0) {
    const b = valBaseline.meanAccuracy * 100;
    accuracySeries.push({ name: 'majority baseline (val)', points: [[data.evals[0].iteration, b], [data.evals[data.evals.length - 1].iteration, b]], dashed: true, color: '#7f7f7f' });
  }
  const accuracy =
    data.evals.length > 0
      ? lineChart(accuracySeries, { title: 'Validation accuracy during training', xLabel: 'iteration', yLabel: '%', width: 860, height: 300 })
      : undefined;
  return { weights, losses, taskLosses, ...(accuracy === undefined ? {} : { accuracy }) };
};

export const renderRunReport = (data: RunReportData): string => {
  const charts = runCharts(data);
  const test = data.evaluations.test;
  const val = data.evaluations.val;
  const finalWeights = data.records.length > 0 ? data.records[data.records.length - 1].weights : [];
  const lastDecision = data.weightHistory[data.weightHistory.length - 1];
  const finalInForce = lastDecision !== undefined && 'weights' in lastDecision ? lastDecision.weights : finalWeights;
  const rows = data.tasks
    .map((task, j) => {
      const t = test?.metrics.perTask[j];
      const v = val?.metrics.perTask[j];
      const base = data.baselines.test?.perTask[j];
      const delta = t !== undefined && base !== undefined ? t.accuracy - base : undefined;
      const cls = delta === undefined ? '' : delta > 0.005 ? 'up' : delta < -0.005 ? 'down' : '';
      return `<tr><td>${escapeXml(task.name)}</td><td>${pct(v?.accuracy)}</td><td>${pct(t?.accuracy)}</td><td>${pct(t?.balancedAccuracy)}</td><td>${pct(base)}</td><td class="${cls}">${delta === undefined ? '–' : (delta * 100).toFixed(2)}</td><td>${finalInForce[j]?.toFixed(3) ?? '–'}</td></tr>`;
    })
    .join('\n');
  const skips = data.weightHistory.filter((e) => 'skipped' in e) as { iteration: number; skipped: string }[];
  const summary = [
    val ? `validation: mean accuracy <b>${pct(val.metrics.meanAccuracy)}%</b>, balanced ${pct(val.metrics.meanBalancedAccuracy)}%, mA ${pct(val.metrics.labelBased.mA)}% (${val.images} images)` : '',
    test ? `test: mean accuracy <b>${pct(test.metrics.meanAccuracy)}%</b>, balanced ${pct(test.metrics.meanBalancedAccuracy)}%, mA ${pct(test.metrics.labelBased.mA)}% (${test.images} images)` : '',
    ...(['val', 'test'] as const)
      .filter((s) => data.baselines[s] !== undefined)
      .map((s) => `majority-class baseline on ${s}: ${pct(data.baselines[s]?.meanAccuracy)}%`),
    `weight updates: ${data.weightHistory.length - skips.length}, skipped: ${skips.length}`,
  ].filter((s) => s !== '');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(data.title)}</title>
<style>
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1240px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
td:first-child, th:first-child { text-align: left; } th { background: #f4f4f4; }
.up { color: #1a7f37; } .down { color: #cf222e; } pre { background: #f6f8fa; padding: 8px; font-size: 12px; overflow-x: auto; }
.warn { color: #9a6700; }
</style></head><body>
<h1>${escapeXml(data.title)}</h1>
<ul>${summary.map((s) => `<li>${s}</li>`).join('')}</ul>
${data.warnings.length > 0 ? `<h2>Data warnings</h2><ul>${data.warnings.map((w) => `<li class="warn">${escapeXml(w)}</li>`).join('')}</ul>` : ''}
<h2>Task weights</h2>
${charts.weights}
<h2>Loss</h2>
${charts.losses}
${charts.accuracy ?? ''}
<h2>Per-task loss</h2>
${charts.taskLosses}
<h2>Per-task accuracy (%)</h2>
<table><tr><th>task</th><th>val acc</th><th>test acc</th><th>test balanced</th><th>test majority baseline</th><th>test − baseline</th><th>final weight</th></tr>
${rows}
</table>
${skips.length > 0 ? `<h2>Skipped weight updates</h2><ul>${skips.slice(0, 50).map((s) => `<li>iteration ${s.iteration}: ${escapeXml(s.skipped)}</li>`).join('')}</ul>` : ''}
<h2>Data</h2>
<pre>${escapeXml(JSON.stringify(data.facts, null, 2))}</pre>
<h2>Configuration</h2>
<pre>${escapeXml(JSON.stringify(data.config, null, 2))}</pre>
</body></html>
`;
};
