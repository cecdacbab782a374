/**
 * The events of a training run as the live dashboard receives them (one JSON
 * object per Server-Sent Event on `GET /events`), decoded from the lines of the
 * run folder's `log.jsonl` and `evals.jsonl`. Reading the files, not hooking
 * the training loop, is what lets the dashboard follow a run started earlier,
 * or one that has finished.
 *
 * Pure: a line in, events out. A line that is not a complete, well-formed
 * record gives no event (the writer may be mid-line; the dashboard is a view,
 * not a validator: `awmtl replay` and `--resume` report bad lines).
 */

/** What the dashboard knows of the run before its first iteration. */
export interface RunInfoEvent {
  readonly type: 'run';
  /** The run folder, as given. */
  readonly dir: string;
  /** Task names in logit order, when known (awmtl.json of a model or checkpoint, or the training command). */
  readonly tasks?: readonly string[];
  /** The iteration budget from config.json. */
  readonly iterations?: number;
  readonly strategy?: string;
  readonly pipeline?: string;
}

export interface IterationEvent {
  readonly type: 'iteration';
  readonly iteration: number;
  readonly trainLoss: readonly number[];
  readonly valLoss: readonly number[];
  /** Weights used at this iteration. */
  readonly weights: readonly number[];
  /** Wall time of the step, seconds. */
  readonly seconds: number;
}

/** A strategy's decision at an update point: new weights, or the reason it kept the old ones. */
export type DecisionEvent =
  | { readonly type: 'decision'; readonly iteration: number; readonly updated: true; readonly weights: readonly number[] }
  | { readonly type: 'decision'; readonly iteration: number; readonly updated: false; readonly reason: string };

/** One line of a run's evals.jsonl: an interim evaluation. */
export interface EvalLine {
  readonly iteration: number;
  readonly split: string;
  readonly images: number;
  readonly meanAccuracy: number;
  readonly meanBalancedAccuracy: number;
  readonly meanLoss: number;
  /** Per-task loss on the evaluated images. */
  readonly loss: readonly number[];
}

export interface EvalEvent extends EvalLine {
  readonly type: 'eval';
}

/** The log file was truncated (a new run in the same folder, or a resume rewriting it): start over. */
export interface ResetEvent {
  readonly type: 'reset';
}

/** metrics.json appeared: the run has finished. */
export interface FinishedEvent {
  readonly type: 'finished';
}

export type RunEvent = RunInfoEvent | IterationEvent | DecisionEvent | EvalEvent | ResetEvent | FinishedEvent;

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const numbers = (x: unknown): readonly number[] | undefined =>
  Array.isArray(x) && x.every((v) => typeof v === 'number') ? (x as number[]) : undefined;

const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    const json: unknown = JSON.parse(line);
    return isRecord(json) ? json : undefined;
  } catch {
    return undefined;
  }
};

/** Events of one log.jsonl line: the iteration, then its decision when it has one. */
export const logLineEvents = (line: string): RunEvent[] => {
  const obj = parse(line);
  if (obj === undefined || typeof obj.iteration !== 'number') return [];
  const trainLoss = numbers(obj.trainLoss);
  const valLoss = numbers(obj.valLoss);
  const weights = numbers(obj.weights);
  if (trainLoss === undefined || valLoss === undefined || weights === undefined) return [];
  const iteration = obj.iteration;
  const events: RunEvent[] = [
    { type: 'iteration', iteration, trainLoss, valLoss, weights, seconds: typeof obj.seconds === 'number' ? obj.seconds : 0 },
  ];
  const d = obj.decision;
  if (isRecord(d)) {
    const updated = numbers(d.weights);
    events.push(
      updated !== undefined
        ? { type: 'decision', iteration, updated: true, weights: updated }
        : { type: 'decision', iteration, updated: false, reason: String(d.skipped) },
    );
  }
  return events;
};

/** The event of one evals.jsonl line. */
export const evalLineEvents = (line: string): RunEvent[] => {
  const obj = parse(line);
  if (obj === undefined || typeof obj.iteration !== 'number') return [];
  const num = (k: string): number => (typeof obj[k] === 'number' ? (obj[k] as number) : NaN);
  return [
    {
      type: 'eval',
      iteration: obj.iteration,
      split: typeof obj.split === 'string' ? obj.split : 'val',
      images: num('images'),
      meanAccuracy: num('meanAccuracy'),
      meanBalancedAccuracy: num('meanBalancedAccuracy'),
      meanLoss: num('meanLoss'),
      loss: numbers(obj.loss) ?? [],
    },
  ];
};

/**
 * Progress figures from the step times: iterations per second over the last
 * `window` steps, and the seconds left at that rate (undefined without a budget
 * or without steps yet).
 */
export const progressOf = (
  seconds: readonly number[],
  done: number,
  total: number | undefined,
  window = 50,
): { readonly rate: number | undefined; readonly eta: number | undefined } => {
  const recent = seconds.slice(-window).filter((s) => s > 0);
  const mean = recent.reduce((a, b) => a + b, 0) / Math.max(1, recent.length);
  const rate = recent.length === 0 ? undefined : 1 / mean;
  const eta = rate === undefined || total === undefined ? undefined : Math.max(0, total - done) / rate;
  return { rate, eta };
};
