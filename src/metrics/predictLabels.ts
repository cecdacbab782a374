/**
 * Turning model outputs into predicted labels, in the label layout of
 * src/tasks.ts (one number per task and sample).
 *
 * Scores are row-major [N, width] with width = logitLayout(tasks).width: a
 * binary task's single logit (or probability), a multi-class task's logits
 * (or probabilities) over its own slice.
 *
 * - binary: 1 when logit > 0 (probability > 0.5), else 0; exactly 0 (0.5)
 *   predicts 0.
 * - multi-class: the argmax of the slice; the first class wins a tie.
 */
import { logitLayout, type TaskSpec } from '../tasks.js';

export type ScoreScale = 'logits' | 'probabilities';

/** Number of samples in scores of these tasks; throws RangeError on a ragged length. */
export const sampleCount = (scores: ArrayLike<number>, tasks: readonly TaskSpec[]): number => {
  const { width } = logitLayout(tasks);
  if (width === 0 || scores.length % width !== 0) {
    throw new RangeError(`scores: length ${scores.length} is not a multiple of the logit width ${width}`);
  }
  return scores.length / width;
};

/** Predicted labels, row-major [N, tasks.length]. */
export const predictLabels = (scores: ArrayLike<number>, tasks: readonly TaskSpec[], scale: ScoreScale = 'logits'): Int32Array => {
  const { offsets, width } = logitLayout(tasks);
  const n = sampleCount(scores, tasks);
  const m = tasks.length;
  const threshold = scale === 'logits' ? 0 : 0.5;
  const out = new Int32Array(n * m);
  for (let i = 0; i < n; i++) {
    const row = i * width;
    for (let t = 0; t < m; t++) {
      const task = tasks[t];
      const o = row + offsets[t];
      if (task.kind === 'binary') {
        out[i * m + t] = scores[o] > threshold ? 1 : 0;
      } else {
        let best = 0;
        for (let k = 1; k < task.classes.length; k++) if (scores[o + k] > scores[o + best]) best = k;
        out[i * m + t] = best;
      }
    }
  }
  return out;
};
