/**
 * Logits to per-task probabilities: a sigmoid for a binary task, a softmax
 * over its own slice for a multi-class task.
 */
import { binaryValues, logitLayout, type TaskSpec } from '../tasks.js';

export type TaskProbability =
  | {
      readonly task: string;
      readonly kind: 'binary';
      /** Probability of label 1 (the second value). */
      readonly probability: number;
      /** Value names, label 0 then label 1 (no/yes unless the task names them). */
      readonly values: readonly [string, string];
    }
  | { readonly task: string; readonly kind: 'multiclass'; readonly classes: readonly { readonly name: string; readonly probability: number }[] };

/** Probabilities of one sample's logits row. */
export const taskProbabilities = (logits: ArrayLike<number>, row: number, tasks: readonly TaskSpec[]): TaskProbability[] => {
  const { offsets, width } = logitLayout(tasks);
  const base = row * width;
  return tasks.map((task, j) => {
    const at = base + offsets[j];
    if (task.kind === 'binary') {
      return { task: task.name, kind: 'binary', probability: 1 / (1 + Math.exp(-logits[at])), values: binaryValues(task) };
    }
    let top = -Infinity;
    for (let c = 0; c < task.classes.length; c++) top = Math.max(top, logits[at + c]);
    const exps = task.classes.map((_, c) => Math.exp(logits[at + c] - top));
    const total = exps.reduce((a, b) => a + b, 0);
    return { task: task.name, kind: 'multiclass', classes: task.classes.map((name, c) => ({ name, probability: exps[c] / total })) };
  });
};

/**
 * One task's prediction as `awmtl predict --json` prints it and the browser page shows it:
 * - binary: `probability` = P(label 1, the second value), `class` = the value at `threshold`;
 * - multi-class: `probability` and `class` of the top class (the first wins a tie), `classes` all of them.
 */
export type TaskPredictionJson =
  | { readonly probability: number; readonly class: string }
  | { readonly probability: number; readonly class: string; readonly classes: Readonly<Record<string, number>> };

/** The `tasks` object of one image: task name to {@link TaskPredictionJson}. */
export const predictionJson = (probs: readonly TaskProbability[], threshold = 0.5): Record<string, TaskPredictionJson> =>
  Object.fromEntries(
    probs.map((p) => {
      if (p.kind === 'binary') return [p.task, { probability: p.probability, class: p.probability >= threshold ? p.values[1] : p.values[0] }];
      const best = p.classes.reduce((a, b) => (b.probability > a.probability ? b : a));
      return [p.task, { probability: best.probability, class: best.name, classes: Object.fromEntries(p.classes.map((c) => [c.name, c.probability])) }];
    }),
  );
