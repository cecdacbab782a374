/**
 * A model folder's `awmtl.json`: the task list, input shape, normalisation and
 * anything else a reader needs to use the logits, and the image options the
 * model's input is prepared with.
 *
 * Pure (no file system): the Node side (src/model/persist.ts) and the browser
 * page of `awmtl serve` decode the file with the same code.
 */
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { CROP_PRESETS, type Crop, type ImageOptions } from '../data/image/preprocess.js';
import { NORMALISE_HALF } from '../data/image/normalise.js';
import type { TaskSpec } from '../tasks.js';
import { errorMessage } from './errors.js';

export const META_JSON = 'awmtl.json';
export const META_FORMAT = 'awmtl-model';
export const META_VERSION = 1;

/** Per-channel normalisation applied to pixel values in [0, 1] before the model: (x - mean) / std. */
export interface Normalisation {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export interface ModelMeta {
  readonly backbone: string;
  readonly inputShape: readonly [number, number, number];
  readonly tasks: readonly TaskSpec[];
  readonly normalisation?: Normalisation;
  /** Anything else worth keeping with the model (plain JSON). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface MetaFile extends ModelMeta {
  readonly format: typeof META_FORMAT;
  readonly version: number;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const isNumberArray = (x: unknown, n?: number): x is number[] =>
  Array.isArray(x) && x.every((v) => typeof v === 'number' && Number.isFinite(v)) && (n === undefined || x.length === n);

const decodeTask = (x: unknown, field: string): Either<string, TaskSpec> => {
  if (!isRecord(x)) return left(`${field}: expected an object`);
  if (typeof x.name !== 'string' || x.name.length === 0) return left(`${field}.name: expected a non-empty string`);
  if (x.kind === 'binary') {
    if (x.values === undefined) return right({ kind: 'binary', name: x.name });
    if (!Array.isArray(x.values) || x.values.length !== 2 || !x.values.every((v) => typeof v === 'string')) {
      return left(`${field}.values: expected two value names`);
    }
    return right({ kind: 'binary', name: x.name, values: [x.values[0] as string, x.values[1] as string] });
  }
  if (x.kind === 'multiclass') {
    if (!Array.isArray(x.classes) || x.classes.length < 2 || !x.classes.every((c) => typeof c === 'string')) {
      return left(`${field}.classes: expected at least 2 class names`);
    }
    return right({ kind: 'multiclass', name: x.name, classes: x.classes as string[] });
  }
  return left(`${field}.kind: expected 'binary' or 'multiclass', got ${JSON.stringify(x.kind)}`);
};

/** Decodes the text of an awmtl.json; Left is a message naming the field. */
export const decodeMeta = (text: string): Either<string, ModelMeta> => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return left(`not JSON: ${errorMessage(err)}`);
  }
  if (!isRecord(json)) return left('expected a JSON object');
  if (json.format !== META_FORMAT) return left(`format: expected '${META_FORMAT}', got ${JSON.stringify(json.format)}`);
  if (json.version !== META_VERSION) return left(`version: expected ${META_VERSION}, got ${JSON.stringify(json.version)}`);
  if (typeof json.backbone !== 'string') return left('backbone: expected a string');
  const shape = json.inputShape;
  if (!isNumberArray(shape, 3) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    return left('inputShape: expected [height, width, channels] of positive integers');
  }
  if (!Array.isArray(json.tasks) || json.tasks.length === 0) return left('tasks: expected a non-empty array');
  const tasks: TaskSpec[] = [];
  for (let i = 0; i < json.tasks.length; i++) {
    const task = decodeTask(json.tasks[i], `tasks[${i}]`);
    if (task._tag === 'Left') return task;
    tasks.push(task.right);
  }
  let normalisation: Normalisation | undefined;
  if (json.normalisation !== undefined) {
    const n = json.normalisation;
    if (!isRecord(n) || !isNumberArray(n.mean, shape[2]) || !isNumberArray(n.std, shape[2])) {
      return left(`normalisation: expected { mean, std } with ${shape[2]} numbers each`);
    }
    normalisation = { mean: n.mean, std: n.std };
  }
  if (json.extra !== undefined && !isRecord(json.extra)) return left('extra: expected an object');
  return right({
    backbone: json.backbone,
    inputShape: [shape[0], shape[1], shape[2]],
    tasks,
    ...(normalisation !== undefined ? { normalisation } : {}),
    ...(json.extra !== undefined ? { extra: json.extra as Record<string, unknown> } : {}),
  });
};


const isCrop = (x: unknown): x is Crop => {
  if (x === 'none' || (typeof x === 'string' && x in CROP_PRESETS)) return true;
  if (!isRecord(x)) return false;
  if (isRecord(x.center)) return typeof x.center.width === 'number' && typeof x.center.height === 'number';
  return ['x', 'y', 'width', 'height'].every((k) => typeof x[k] === 'number');
};

/**
 * How images are prepared for this model: its input size, the crop recorded at
 * training (`extra.crop`, default none) and its normalisation (default mean 0.5, std 0.5).
 */
export const imageOptionsOf = (meta: ModelMeta): ImageOptions => {
  const [height, width] = meta.inputShape;
  const crop: Crop = isCrop(meta.extra?.crop) ? meta.extra.crop : 'none';
  const n = meta.normalisation;
  const normalisation =
    n === undefined ? NORMALISE_HALF : { mean: [n.mean[0], n.mean[1], n.mean[2]] as const, std: [n.std[0], n.std[1], n.std[2]] as const };
  return { height, width, crop, normalisation };
};
