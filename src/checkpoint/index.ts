/**
 * Checkpoints of a training run, written atomically.
 *
 *   OUT/checkpoints/iter-000200/model/       the model (tfjs layers format + awmtl.json)
 *   OUT/checkpoints/iter-000200/state.json   iteration, task weights, weight history,
 *                                            RNG state, trainer (optimiser) state, run config
 *   OUT/checkpoint.json                      {"latest": "checkpoints/iter-000200", "iteration": 200}
 *
 * A checkpoint directory is complete before checkpoint.json points at it, and
 * checkpoint.json is replaced by rename, so a kill at any moment leaves the
 * previous checkpoint or the new one, never a torn one. Older ones are removed
 * after the pointer moves.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import * as t from 'io-ts';
import { type DecodeError, decodeJson } from '../decode.js';

export const CHECKPOINT_POINTER = 'checkpoint.json';
export const CHECKPOINTS_DIR = 'checkpoints';
export const STATE_JSON = 'state.json';
export const MODEL_DIR = 'model';

const WeightEvent = t.union([
  t.type({ iteration: t.number, weights: t.array(t.number) }),
  t.type({ iteration: t.number, skipped: t.string }),
]);

export const CheckpointState = t.type({
  format: t.literal('awmtl-checkpoint'),
  version: t.literal(1),
  /** Iterations completed. */
  iteration: t.number,
  /** Task weights in force for the next iteration. */
  weights: t.array(t.number),
  /** Every weight decision so far. */
  weightHistory: t.array(WeightEvent),
  /** Randomness: batches, validation draws and flips are pure functions of (seed, iteration). */
  rng: t.type({ seed: t.number, scheme: t.literal('counter'), nextIteration: t.number }),
  /** The trainer's optimiser state (src/train/state.ts), opaque here. */
  trainer: t.unknown,
  /** The run's configuration, to resume with the same settings. */
  config: t.UnknownRecord,
  createdAt: t.string,
});
export type CheckpointState = t.TypeOf<typeof CheckpointState>;
export type WeightEvent = t.TypeOf<typeof WeightEvent>;

const Pointer = t.type({ latest: t.string, iteration: t.number });

export type CheckpointError =
  | DecodeError
  | { readonly _tag: 'NoCheckpoint'; readonly dir: string }
  | { readonly _tag: 'CheckpointIoError'; readonly path: string; readonly message: string };

export const formatCheckpointError = (e: CheckpointError): string => {
  switch (e._tag) {
    case 'DecodeError':
      return e.path === '' ? `${e.file}: ${e.message}` : `${e.file}: field ${e.path}: ${e.message}`;
    case 'NoCheckpoint':
      return `no checkpoint in ${e.dir} (expected ${join(e.dir, CHECKPOINT_POINTER)})`;
    case 'CheckpointIoError':
      return `${e.path}: ${e.message}`;
  }
};

const iterationDir = (iteration: number): string => `iter-${String(iteration).padStart(7, '0')}`;

/**
 * Write a checkpoint: `writeModel` saves the model into the folder it is given;
 * then state.json; then the pointer moves; then older checkpoints go.
 */
export const writeCheckpoint = async (
  outDir: string,
  state: CheckpointState,
  writeModel: (dir: string) => Promise<E.Either<string, unknown>>,
): Promise<E.Either<CheckpointError, string>> => {
  const name = iterationDir(state.iteration);
  const root = join(outDir, CHECKPOINTS_DIR);
  const tmp = join(root, `.${name}.tmp-${process.pid}`);
  const final = join(root, name);
  try {
    await mkdir(root, { recursive: true });
    await rm(tmp, { recursive: true, force: true });
    await mkdir(tmp);
    const model = await writeModel(join(tmp, MODEL_DIR));
    if (E.isLeft(model)) return E.left({ _tag: 'CheckpointIoError', path: join(tmp, MODEL_DIR), message: model.left });
    await writeFile(join(tmp, STATE_JSON), JSON.stringify(state));
    await rm(final, { recursive: true, force: true });
    await rename(tmp, final);
    const pointerTmp = join(outDir, `.${CHECKPOINT_POINTER}.tmp-${process.pid}`);
    await writeFile(pointerTmp, `${JSON.stringify({ latest: `${CHECKPOINTS_DIR}/${name}`, iteration: state.iteration })}\n`);
    await rename(pointerTmp, join(outDir, CHECKPOINT_POINTER));
    for (const entry of await readdir(root)) {
      if (entry !== name) await rm(join(root, entry), { recursive: true, force: true });
    }
    return E.right(final);
  } catch (error) {
    return E.left({ _tag: 'CheckpointIoError', path: final, message: (error as Error).message });
  }
};

export interface LoadedCheckpoint {
  readonly dir: string;
  readonly modelDir: string;
  readonly state: CheckpointState;
}

/** Find and decode the latest checkpoint of a run folder. */
export const readCheckpoint = async (outDir: string): Promise<E.Either<CheckpointError, LoadedCheckpoint>> => {
  const pointerPath = join(outDir, CHECKPOINT_POINTER);
  if (!existsSync(pointerPath)) return E.left({ _tag: 'NoCheckpoint', dir: outDir });
  try {
    const pointer = decodeJson(Pointer, pointerPath)(await readFile(pointerPath, 'utf8'));
    if (E.isLeft(pointer)) return pointer;
    const dir = join(outDir, pointer.right.latest);
    const statePath = join(dir, STATE_JSON);
    const state = decodeJson(CheckpointState, statePath)(await readFile(statePath, 'utf8'));
    if (E.isLeft(state)) return state;
    if (state.right.iteration !== pointer.right.iteration) {
      return E.left({
        _tag: 'DecodeError',
        file: statePath,
        path: 'iteration',
        message: `is ${state.right.iteration}, but ${pointerPath} says ${pointer.right.iteration}`,
      });
    }
    return E.right({ dir, modelDir: join(dir, MODEL_DIR), state: state.right });
  } catch (error) {
    return E.left({ _tag: 'CheckpointIoError', path: pointerPath, message: (error as Error).message });
  }
};
