/**
 * A batch as plain data. Batches cross operator boundaries, tensors never do:
 * the training step turns a batch into tensors and disposes them itself.
 */
export interface Batch {
  /** Images, NHWC, normalised float values. Length = size * height * width * channels. */
  readonly images: Float32Array;
  /** Labels, row-major [size, tasks]: see MISSING_LABEL and TaskSpec in src/tasks.ts. */
  readonly labels: Float32Array;
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  /** Number of tasks (columns of labels). */
  readonly tasks: number;
  /** Optional sample identifiers (file names), for reports and debugging. */
  readonly ids?: readonly string[];
}
