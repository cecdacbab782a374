/**
 * Saving and loading a model folder: `model.json` + `weights.bin` (tfjs layers format, loadable in
 * a browser with tf.loadLayersModel) and `awmtl.json` (task list, input shape, normalisation and
 * anything else a reader needs to use the logits).
 *
 * A save writes into a temporary sibling folder and renames it into place, so a reader never sees
 * a half-written model. Replacing an existing folder renames the old one aside first, then removes
 * it: if the process dies between those two renames the old model survives as `<dir>.old-*`.
 */
import type * as tf from '@tensorflow/tfjs';
import { left, right, type Either } from 'fp-ts/lib/Either.js';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { logitLayout, type TaskSpec } from '../tasks.js';
import { outputWidth } from './build.js';
import { errorMessage, type ModelError } from './errors.js';
import { loadLayersModelFile } from './fileBackbone.js';
import { fileSystemSaver, MODEL_JSON } from './fsio.js';

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

interface MetaFile extends ModelMeta {
  readonly format: typeof META_FORMAT;
  readonly version: number;
}

const uniqueSuffix = (): string => `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Saves a model and its metadata into `dir` (created or replaced as a whole). */
export const saveModel = async (model: tf.LayersModel, dir: string, meta: ModelMeta): Promise<Either<ModelError, string>> => {
  const target = resolve(dir);
  const width = logitLayout(meta.tasks).width;
  if (outputWidth(model) !== width) {
    return left({
      _tag: 'BadModelOption',
      field: 'meta.tasks',
      message: `the tasks need ${width} logits, the model outputs ${outputWidth(model)}`,
    });
  }
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${uniqueSuffix()}`);
  try {
    await mkdir(dirname(target), { recursive: true });
    await mkdir(tmp);
    await model.save(fileSystemSaver(tmp));
    const file: MetaFile = { format: META_FORMAT, version: META_VERSION, ...meta };
    await writeFile(join(tmp, META_JSON), JSON.stringify(file, null, 2));
    if (existsSync(target)) {
      const old = join(dirname(target), `.${basename(target)}.old-${uniqueSuffix()}`);
      await rename(target, old);
      await rename(tmp, target);
      await rm(old, { recursive: true, force: true });
    } else {
      await rename(tmp, target);
    }
    return right(target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    return left({ _tag: 'ModelWriteFailed', path: target, message: errorMessage(err) });
  }
};

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

/** Loads a model folder written by {@link saveModel}; checks the metadata agrees with the model. */
export const loadModel = async (dir: string): Promise<Either<ModelError, { readonly model: tf.LayersModel; readonly meta: ModelMeta }>> => {
  const metaPath = join(dir, META_JSON);
  let text: string;
  try {
    text = await readFile(metaPath, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? left({ _tag: 'ModelFileMissing', path: metaPath })
      : left({ _tag: 'BadModelFile', path: metaPath, message: errorMessage(err) });
  }
  const meta = decodeMeta(text);
  if (meta._tag === 'Left') return left({ _tag: 'BadModelFile', path: metaPath, message: meta.left });
  const loaded = await loadLayersModelFile(join(dir, MODEL_JSON));
  if (loaded._tag === 'Left') return loaded;
  const model = loaded.right;
  const width = logitLayout(meta.right.tasks).width;
  if (outputWidth(model) !== width) {
    model.dispose();
    return left({
      _tag: 'BadModelFile',
      path: metaPath,
      message: `tasks need ${width} logits but ${join(dir, MODEL_JSON)} outputs ${outputWidth(model)}`,
    });
  }
  const bad = nonFiniteWeight(model);
  if (bad !== undefined) {
    model.dispose();
    return left({
      _tag: 'BadModelFile',
      path: join(dir, 'weights.bin'),
      message: `weight ${bad.name} holds ${bad.count} non-finite value${bad.count === 1 ? '' : 's'} (NaN or infinity): the model diverged before it was saved`,
    });
  }
  return right({ model, meta: meta.right });
};

/** The first weight of a model with NaN or infinite entries, and how many (one read-back per weight). */
export const nonFiniteWeight = (model: tf.LayersModel): { readonly name: string; readonly count: number } | undefined => {
  for (const w of model.weights) {
    const values = w.read().dataSync();
    let count = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) count += 1;
    if (count > 0) return { name: w.originalName, count };
  }
  return undefined;
};
