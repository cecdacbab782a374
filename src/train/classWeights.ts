/**
 * The label weights of the class-imbalance-aware loss ('wbce', src/train/losses.ts), from the
 * label counts of the train split.
 *
 * - Binary task, positive ratio r = positives / labelled (missing labels not counted):
 *   [negative, positive] = [exp(r), exp(1 - r)] (DeepMAR, Li et al. 2015, eq. 2).
 * - Multi-class task of C classes, train frequencies p_c: w_c = 1 / (C max(p_c, 1 / (2n))),
 *   n the labelled count (a class absent from the train split gets the weight of half a
 *   sample, not infinity). The weights average 1 over the train labels.
 * - A task with no train label gets weight 1 everywhere.
 *
 * Pure: counts in, weights out. {@link countLabels} reads the counts from a split.
 */
import type { SplitView } from '../data/attributeDataset.js';
import type { TaskSpec } from '../tasks.js';
import type { ClassWeights } from './losses.js';

/** Label counts per task: [negatives, positives] for a binary task, one per class otherwise. */
export type LabelCounts = readonly (readonly number[])[];

/** Counts the labels of every task over a split (missing labels and out-of-range values skipped). */
export const countLabels = (tasks: readonly TaskSpec[], split: Pick<SplitView, 'size' | 'labelsInto'>): LabelCounts => {
  const m = tasks.length;
  const counts = tasks.map((t) => new Array<number>(t.kind === 'binary' ? 2 : t.classes.length).fill(0));
  const row = new Float32Array(m);
  for (let i = 0; i < split.size; i++) {
    split.labelsInto(i, row, 0);
    for (let j = 0; j < m; j++) {
      const v = row[j];
      if (v >= 0 && v < counts[j].length && Number.isInteger(v)) counts[j][v] += 1;
    }
  }
  return counts;
};

/** The 'wbce' weights of every task from its train label counts. */
export const balancedClassWeights = (tasks: readonly TaskSpec[], counts: LabelCounts): ClassWeights =>
  tasks.map((task, j) => {
    const c = counts[j];
    const n = c.reduce((a, b) => a + b, 0);
    if (n === 0) return c.map(() => 1);
    if (task.kind === 'binary') {
      const r = c[1] / n;
      return [Math.exp(r), Math.exp(1 - r)];
    }
    const k = c.length;
    return c.map((x) => 1 / (k * Math.max(x / n, 1 / (2 * n))));
  });
