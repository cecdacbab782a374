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
import { logitLayout } from '../tasks.js';
import { outputWidth } from './build.js';
import { errorMessage, type ModelError } from './errors.js';
import { decodeMeta, META_FORMAT, META_JSON, META_VERSION, type MetaFile, type ModelMeta } from './meta.js';
import { loadLayersModelFile } from './fileBackbone.js';
import { fileSystemSaver, MODEL_JSON } from './fsio.js';

export { decodeMeta, META_FORMAT, META_JSON, META_VERSION, type ModelMeta, type Normalisation } from './meta.js';

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
  const bad = await nonFiniteWeight(model);
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

/**
 * The first weight of a model with NaN or infinite entries, and how many. Read with data(), not
 * dataSync(): a GPU backend cannot read synchronously in Node.
 */
export const nonFiniteWeight = async (model: tf.LayersModel): Promise<{ readonly name: string; readonly count: number } | undefined> => {
  for (const w of model.weights) {
    const values = await w.read().data();
    let count = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) count += 1;
    if (count > 0) return { name: w.originalName, count };
  }
  return undefined;
};
