/**
 * Task definitions shared by data readers, models, losses and metrics.
 *
 * A multi-task problem is an ordered list of tasks. A binary task predicts one
 * logit; a multi-class task (Market-1501 age, a colour group) predicts one
 * logit per class, scored with a softmax over its own slice of the logits.
 *
 * Labels travel as one number per task and sample: 0 or 1 for a binary task,
 * the class index for a multi-class task, and {@link MISSING_LABEL} where the
 * annotation has no value (such a label is left out of losses and metrics).
 */

export type TaskSpec = BinaryTask | MultiClassTask;

export interface BinaryTask {
  readonly kind: 'binary';
  readonly name: string;
  /**
   * Names of the two values, label 0 then label 1, when they are not simply
   * no/yes (e.g. gender: ['male', 'female']). Absent means ['no', 'yes'].
   */
  readonly values?: readonly [string, string];
}

export interface MultiClassTask {
  readonly kind: 'multiclass';
  readonly name: string;
  readonly classes: readonly string[];
}

/** Label value meaning "no annotation"; masked out of losses and metrics. */
export const MISSING_LABEL = -1;

export const binaryTask = (name: string, values?: readonly [string, string]): BinaryTask =>
  values === undefined || (values[0] === 'no' && values[1] === 'yes') ? { kind: 'binary', name } : { kind: 'binary', name, values };

/** The value names of a binary task: its own, or no/yes. */
export const binaryValues = (task: BinaryTask): readonly [string, string] => task.values ?? ['no', 'yes'];

export const multiClassTask = (name: string, classes: readonly string[]): MultiClassTask => ({
  kind: 'multiclass',
  name,
  classes,
});

/** Number of logits a task occupies in the model's output. */
export const logitWidth = (task: TaskSpec): number => (task.kind === 'binary' ? 1 : task.classes.length);

/** Offset of each task's logits in the concatenated logit vector, and the total width. */
export const logitLayout = (
  tasks: readonly TaskSpec[],
): { readonly offsets: readonly number[]; readonly width: number } => {
  const offsets: number[] = [];
  let width = 0;
  for (const task of tasks) {
    offsets.push(width);
    width += logitWidth(task);
  }
  return { offsets, width };
};
