/**
 * The live dashboard of a training run (`awmtl serve --run DIR`, `awmtl train
 * --dashboard`): progress, loss and weight curves, the last evaluation and the
 * strategy's decisions, updated from the Server-Sent Events of `GET /events`.
 *
 * The charts are the run report's (src/report/runReport.ts runCharts, over
 * src/report/svg.ts), drawn from the same records, so the dashboard at the end
 * of a run shows what report.html shows.
 *
 * Hooks: `data-status` on <html> (connecting, live, finished, disconnected)
 * and `data-iteration`, the last iteration received.
 */
import { escapeXml } from '../src/report/svg.js';
import { type ReportEval, type ReportRecord, runCharts } from '../src/report/runReport.js';
import { type DecisionEvent, type EvalEvent, progressOf, type RunEvent, type RunInfoEvent } from '../src/log/runEvents.js';
import type { TaskSpec } from '../src/tasks.js';

const root = document.documentElement;
const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;

let info: RunInfoEvent = { type: 'run', dir: '' };
let records: ReportRecord[] = [];
let seconds: number[] = [];
let evals: EvalEvent[] = [];
let decisions: DecisionEvent[] = [];
let finished = false;
let dirty = false;

const reset = (): void => {
  records = [];
  seconds = [];
  evals = [];
  decisions = [];
  finished = false;
};

const tasks = (): TaskSpec[] => {
  const m = records[0]?.weights.length ?? info.tasks?.length ?? 0;
  return Array.from({ length: m }, (_, j) => ({ kind: 'binary', name: info.tasks?.[j] ?? `task ${j + 1}` }));
};

const duration = (s: number | undefined): string => {
  if (s === undefined || !Number.isFinite(s)) return '–';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const r = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(r).padStart(2, '0')}s` : `${r}s`;
};

const on = (event: RunEvent): void => {
  dirty = true;
  switch (event.type) {
    case 'run':
      info = event;
      break;
    case 'reset':
      reset();
      break;
    case 'iteration':
      // A resumed run rewrites its log: a repeated iteration starts the view over from there.
      if (records.length > 0 && event.iteration <= records[records.length - 1].iteration) {
        const keep = records.findIndex((r) => r.iteration >= event.iteration);
        records = records.slice(0, keep);
        seconds = seconds.slice(0, keep);
      }
      records.push({ iteration: event.iteration, trainLoss: event.trainLoss, valLoss: event.valLoss, weights: event.weights });
      seconds.push(event.seconds);
      break;
    case 'decision':
      decisions.push(event);
      break;
    case 'eval':
      evals.push(event);
      break;
    case 'finished':
      finished = true;
      break;
  }
};

const drawEvaluation = (specs: readonly TaskSpec[]): void => {
  const last = evals[evals.length - 1];
  if (last === undefined) return;
  const losses = last.loss.map((l, j) => `<span>${escapeXml(specs[j]?.name ?? `task ${j + 1}`)} <b>${l.toFixed(4)}</b></span>`).join('');
  $('evaluation').innerHTML =
    `<p>iteration ${last.iteration}, ${last.split} split, ${last.images} images: mean accuracy <b>${(last.meanAccuracy * 100).toFixed(2)}%</b>, ` +
    `balanced ${(last.meanBalancedAccuracy * 100).toFixed(2)}%, mean loss ${last.meanLoss.toFixed(4)}; loss per task:</p>` +
    `<div class="task-losses">${losses}</div>`;
};

const drawDecisions = (specs: readonly TaskSpec[]): void => {
  const updated = decisions.filter((d) => d.updated).length;
  $('decision-counts').textContent = `(${updated} updated, ${decisions.length - updated} skipped)`;
  const weights = (w: readonly number[]): string => {
    const named = w.map((v, j) => `${specs[j]?.name ?? j + 1} ${v.toFixed(2)}`);
    return named.length > 6 ? `${named.slice(0, 6).join(', ')}, … (${named.length} tasks)` : named.join(', ');
  };
  $('decisions').innerHTML = decisions
    .slice(-200)
    .reverse()
    .map((d) =>
      d.updated
        ? `<li class="updated">iteration ${d.iteration}: updated, ${escapeXml(weights(d.weights))}</li>`
        : `<li class="skipped">iteration ${d.iteration}: skipped, ${escapeXml(d.reason)}</li>`,
    )
    .join('');
};

const draw = (): void => {
  if (!dirty) return;
  dirty = false;
  const specs = tasks();
  const done = records.length > 0 ? records[records.length - 1].iteration : 0;
  const { rate, eta } = progressOf(seconds, done, info.iterations);
  root.dataset.iteration = String(done);
  $('iteration').textContent = String(done);
  $('total').textContent = info.iterations === undefined ? '?' : String(info.iterations);
  $('progress-bar').style.width = info.iterations === undefined ? '0%' : `${Math.min(100, (done / info.iterations) * 100).toFixed(1)}%`;
  $('rate').textContent = rate === undefined ? '–' : rate.toFixed(rate >= 10 ? 0 : 2);
  $('eta').textContent = finished ? '–' : duration(eta);
  $('finished').textContent = finished ? 'finished' : '';
  if (finished) $('connection').textContent = 'run finished';
  $('run').textContent = [info.dir, info.pipeline, info.strategy && `strategy ${info.strategy}`, specs.length > 0 && `${specs.length} tasks`].filter(Boolean).join(' · ');
  if (finished) root.dataset.status = 'finished';
  if (records.length > 0) {
    const evalPoints: ReportEval[] = evals.filter((e) => e.split === 'val');
    const charts = runCharts({
      title: info.dir,
      tasks: specs,
      records,
      evals: evalPoints,
      evaluations: {},
      baselines: {},
      weightHistory: [],
      config: {},
      facts: {},
      warnings: [],
    });
    $('weights').innerHTML = charts.weights;
    $('losses').innerHTML = charts.losses;
    $('accuracy').innerHTML = charts.accuracy ?? '';
    $('task-losses').innerHTML = charts.taskLosses;
  }
  drawEvaluation(specs);
  drawDecisions(specs);
};

const source = new EventSource('/events');
source.onopen = () => {
  // A reconnect replays the run from its start.
  reset();
  if (!finished) root.dataset.status = 'live';
  $('connection').textContent = 'live';
};
source.onmessage = (message) => on(JSON.parse(message.data as string) as RunEvent);
source.onerror = () => {
  if (!finished) root.dataset.status = 'disconnected';
  $('connection').textContent = finished ? 'finished' : 'disconnected (retrying)';
};
// Redraw at most twice a second whatever the rate of iterations, and less often when drawing is slow
// (many tasks, a long run), so that a browser on the training machine takes little of its CPU.
const redraw = (): void => {
  const start = performance.now();
  draw();
  setTimeout(redraw, Math.max(500, 20 * (performance.now() - start)));
};
redraw();
