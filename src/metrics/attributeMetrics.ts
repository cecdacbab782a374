/**
 * Attribute classification metrics over plain arrays, shared by the CelebA
 * and pedestrian pipelines.
 *
 * Inputs: predicted labels `pred` (from predictLabels) and true `labels`,
 * both row-major [N, tasks.length] in the layout of src/tasks.ts.
 * Entries whose true label is MISSING_LABEL are skipped everywhere.
 *
 * Conventions (documented choices):
 * - Accuracy per task: binary by threshold (see ./predictLabels.ts), multi-class by
 *   argmax; mean accuracy = mean over tasks that have at least one label
 *   (the CelebA standard with 40 binary tasks).
 * - Label-based metrics use the "binary view": each binary task is one
 *   column, each multi-class task one column per class (one-vs-rest: label
 *   == c against prediction == c). Per column, with P positives and N
 *   negatives among labelled samples: balanced = (TP/P + TN/N) / 2, and
 *   mA = mean of balanced over the columns.
 * - A column with P = 0 (e.g. Market test `downpurple`) or N = 0 has one
 *   undefined half. Default `undefinedHalf: 'defined-half'`: its value is the
 *   defined half alone (TN/N or TP/P). Alternatives: 'zero' counts the
 *   undefined half as 0 (what an eps in the denominator gives, as in
 *   Rethinking_of_PAR), 'exclude' leaves the column out of mA. A column with
 *   no labels at all is NaN and always left out. Such columns are listed in
 *   `degenerate`.
 * - Balanced accuracy per task: a binary task's column value; a multi-class
 *   task's mean recall over its classes present in the labels.
 * - Instance-based (per sample over the binary-view columns, then averaged
 *   over samples with at least one labelled column): accuracy =
 *   |Y and Yhat| / |Y or Yhat|, precision = |Y and Yhat| / |Yhat|, recall =
 *   |Y and Yhat| / |Y|; a 0/0 counts as `zeroDivision` (default 0, as the eps
 *   convention of Rethinking_of_PAR gives); F1 = 2PR / (P + R) of the
 *   averaged P and R (0 when P + R = 0).
 */
import { MISSING_LABEL, type TaskSpec } from '../tasks.js';
import { predictLabels, type ScoreScale } from './predictLabels.js';

const checkShapes = (pred: ArrayLike<number>, labels: ArrayLike<number>, tasks: readonly TaskSpec[]): number => {
  const m = tasks.length;
  if (m === 0 || labels.length % m !== 0) throw new RangeError(`labels: length ${labels.length} is not a multiple of ${m} tasks`);
  if (pred.length !== labels.length) throw new RangeError(`predictions: length ${pred.length}, labels: length ${labels.length}`);
  return labels.length / m;
};

export interface TaskAccuracy {
  readonly task: string;
  readonly correct: number;
  readonly labelled: number;
  /** correct / labelled; NaN when nothing is labelled. */
  readonly accuracy: number;
}

/** Accuracy per task (threshold / argmax already applied in `pred`). */
export const accuracyPerTask = (
  pred: ArrayLike<number>,
  labels: ArrayLike<number>,
  tasks: readonly TaskSpec[],
): TaskAccuracy[] => {
  const n = checkShapes(pred, labels, tasks);
  const m = tasks.length;
  return tasks.map((task, t) => {
    let correct = 0;
    let labelled = 0;
    for (let i = 0; i < n; i++) {
      const y = labels[i * m + t];
      if (y === MISSING_LABEL) continue;
      labelled++;
      if (pred[i * m + t] === y) correct++;
    }
    return { task: task.name, correct, labelled, accuracy: labelled === 0 ? NaN : correct / labelled };
  });
};

/** Mean of the finite values (NaN when there are none). */
export const meanDefined = (xs: readonly number[]): number => {
  const ok = xs.filter((x) => Number.isFinite(x));
  return ok.length === 0 ? NaN : ok.reduce((a, b) => a + b, 0) / ok.length;
};

export type UndefinedHalf = 'defined-half' | 'zero' | 'exclude';

export interface ColumnScore {
  /** 'gender' for a binary task, 'age=adult' for a class of a multi-class task. */
  readonly name: string;
  readonly task: string;
  readonly class?: string;
  readonly positives: number;
  readonly negatives: number;
  readonly truePositives: number;
  readonly trueNegatives: number;
  /** TP / P; NaN when P = 0. */
  readonly tpr: number;
  /** TN / N; NaN when N = 0. */
  readonly tnr: number;
  /** The column's value under the chosen convention (NaN when left out of mA). */
  readonly balanced: number;
  readonly note?: 'no-positives' | 'no-negatives' | 'no-labels';
}

export interface LabelBased {
  readonly columns: readonly ColumnScore[];
  /** Mean of the columns' `balanced` values that are defined. */
  readonly mA: number;
  /** Names of columns with an undefined half or no labels, and how they were treated. */
  readonly degenerate: readonly { readonly name: string; readonly note: string; readonly treatment: string }[];
}

interface Column {
  readonly name: string;
  readonly task: string;
  readonly t: number;
  readonly cls?: number;
  readonly className?: string;
}

const columnsOf = (tasks: readonly TaskSpec[]): Column[] =>
  tasks.flatMap((task, t): Column[] =>
    task.kind === 'binary'
      ? [{ name: task.name, task: task.name, t }]
      : task.classes.map((c, k) => ({ name: `${task.name}=${c}`, task: task.name, t, cls: k, className: c })),
  );

/** Binary-view value of a label or prediction for a column: 1, 0, or MISSING_LABEL. */
const columnValue = (col: Column, v: number): number =>
  v === MISSING_LABEL ? MISSING_LABEL : col.cls === undefined ? v : v === col.cls ? 1 : 0;

/** Label-based metrics over the binary view (see the module comment). */
export const labelBased = (
  pred: ArrayLike<number>,
  labels: ArrayLike<number>,
  tasks: readonly TaskSpec[],
  options: { readonly undefinedHalf?: UndefinedHalf } = {},
): LabelBased => {
  const n = checkShapes(pred, labels, tasks);
  const m = tasks.length;
  const policy = options.undefinedHalf ?? 'defined-half';
  const degenerate: { name: string; note: string; treatment: string }[] = [];
  const columns = columnsOf(tasks).map((col): ColumnScore => {
    let P = 0;
    let N = 0;
    let TP = 0;
    let TN = 0;
    for (let i = 0; i < n; i++) {
      const y = columnValue(col, labels[i * m + col.t]);
      if (y === MISSING_LABEL) continue;
      const p = columnValue(col, pred[i * m + col.t]);
      if (y === 1) {
        P++;
        if (p === 1) TP++;
      } else {
        N++;
        if (p === 0) TN++;
      }
    }
    const tpr = P === 0 ? NaN : TP / P;
    const tnr = N === 0 ? NaN : TN / N;
    let balanced: number;
    let note: ColumnScore['note'];
    if (P > 0 && N > 0) balanced = (tpr + tnr) / 2;
    else {
      note = P === 0 && N === 0 ? 'no-labels' : P === 0 ? 'no-positives' : 'no-negatives';
      const half = P === 0 ? tnr : tpr;
      balanced = note === 'no-labels' || policy === 'exclude' ? NaN : policy === 'zero' ? half / 2 : half;
      degenerate.push({
        name: col.name,
        note,
        treatment: note === 'no-labels' || policy === 'exclude' ? 'left out of mA' : policy === 'zero' ? 'undefined half counted as 0' : 'defined half only',
      });
    }
    return {
      name: col.name,
      task: col.task,
      ...(col.className === undefined ? {} : { class: col.className }),
      positives: P,
      negatives: N,
      truePositives: TP,
      trueNegatives: TN,
      tpr,
      tnr,
      balanced,
      ...(note === undefined ? {} : { note }),
    };
  });
  return { columns, mA: meanDefined(columns.map((c) => c.balanced)), degenerate };
};

/**
 * Balanced accuracy per task: a binary task's (TPR + TNR) / 2 (with the same
 * undefined-half convention as labelBased), a multi-class task's mean recall
 * over the classes present in the labels.
 */
export const balancedAccuracyPerTask = (
  pred: ArrayLike<number>,
  labels: ArrayLike<number>,
  tasks: readonly TaskSpec[],
  options: { readonly undefinedHalf?: UndefinedHalf } = {},
): { readonly task: string; readonly balancedAccuracy: number }[] => {
  const lb = labelBased(pred, labels, tasks, options);
  return tasks.map((task) => {
    const cols = lb.columns.filter((c) => c.task === task.name);
    if (task.kind === 'binary') return { task: task.name, balancedAccuracy: cols[0].balanced };
    return { task: task.name, balancedAccuracy: meanDefined(cols.filter((c) => c.positives > 0).map((c) => c.tpr)) };
  });
};

export interface InstanceBased {
  readonly accuracy: number;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Samples averaged over (those with at least one labelled column). */
  readonly samples: number;
}

/** Instance-based metrics over the binary view (see the module comment). */
export const instanceBased = (
  pred: ArrayLike<number>,
  labels: ArrayLike<number>,
  tasks: readonly TaskSpec[],
  options: { readonly zeroDivision?: 0 | 1 } = {},
): InstanceBased => {
  const n = checkShapes(pred, labels, tasks);
  const m = tasks.length;
  const zero = options.zeroDivision ?? 0;
  const cols = columnsOf(tasks);
  const ratio = (a: number, b: number): number => (b === 0 ? zero : a / b);
  let acc = 0;
  let prec = 0;
  let rec = 0;
  let samples = 0;
  for (let i = 0; i < n; i++) {
    let inter = 0;
    let union = 0;
    let y1 = 0;
    let p1 = 0;
    let labelled = 0;
    for (const col of cols) {
      const y = columnValue(col, labels[i * m + col.t]);
      if (y === MISSING_LABEL) continue;
      labelled++;
      const p = columnValue(col, pred[i * m + col.t]);
      if (y === 1) y1++;
      if (p === 1) p1++;
      if (y === 1 && p === 1) inter++;
      if (y === 1 || p === 1) union++;
    }
    if (labelled === 0) continue;
    samples++;
    acc += ratio(inter, union);
    prec += ratio(inter, p1);
    rec += ratio(inter, y1);
  }
  const precision = samples === 0 ? NaN : prec / samples;
  const recall = samples === 0 ? NaN : rec / samples;
  return {
    accuracy: samples === 0 ? NaN : acc / samples,
    precision,
    recall,
    f1: samples === 0 ? NaN : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
    samples,
  };
};

export interface AttributeReport {
  readonly perTask: readonly (TaskAccuracy & { readonly balancedAccuracy: number })[];
  /** Mean of per-task accuracies (tasks with labels). */
  readonly meanAccuracy: number;
  /** Mean of per-task balanced accuracies. */
  readonly meanBalancedAccuracy: number;
  readonly labelBased: LabelBased;
  readonly instanceBased: InstanceBased;
}

export interface AttributeMetricOptions {
  /** What `scores` hold (default 'logits'). */
  readonly scale?: ScoreScale;
  readonly undefinedHalf?: UndefinedHalf;
  readonly zeroDivision?: 0 | 1;
}

/**
 * Every attribute metric at once, from scores [N, logit width] and labels
 * [N, tasks.length].
 *
 * @example
 *   const r = attributeMetrics(logits, labels, tasks);
 *   r.meanAccuracy; r.labelBased.mA; r.instanceBased.f1
 */
export const attributeMetrics = (
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  tasks: readonly TaskSpec[],
  options: AttributeMetricOptions = {},
): AttributeReport => {
  const pred = predictLabels(scores, tasks, options.scale ?? 'logits');
  const acc = accuracyPerTask(pred, labels, tasks);
  const bal = balancedAccuracyPerTask(pred, labels, tasks, options);
  return {
    perTask: acc.map((a, t) => ({ ...a, balancedAccuracy: bal[t].balancedAccuracy })),
    meanAccuracy: meanDefined(acc.map((a) => a.accuracy)),
    meanBalancedAccuracy: meanDefined(bal.map((b) => b.balancedAccuracy)),
    labelBased: labelBased(pred, labels, tasks, options),
    instanceBased: instanceBased(pred, labels, tasks, options),
  };
};
