/**
 * Opening a run folder for a run: never over another run, never shared.
 *
 * - {@link lockRunFolder}: the folder is created if needed and locked
 *   (src/run/lock.ts) for the run's whole life; a second process is refused
 *   with the holder's pid; a dead holder's lock is taken over, and the caller
 *   is told so.
 * - {@link checkRunFolder}: a fresh run refuses a folder that already holds a
 *   run unless told to `overwrite` it; a resumed run needs a run folder with a
 *   checkpoint. Checked under the lock, so two processes starting at once
 *   cannot both see an empty folder.
 * - {@link prepareRunFolder}: an overwrite removes the old run's files (other
 *   files are kept).
 */
import { mkdirSync, rmdirSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';
import { clearRunFiles, type RunFolderState, runFolderState } from '../src/run/folder.js';
import { acquireRunLock, type RunLock, takeoverMessage } from '../src/run/lock.js';

export type OpenMode = 'fresh' | 'resume' | 'overwrite';

/**
 * Creates and locks a run folder; the Right has the lock and a line to show when a dead process's
 * lock was taken over. Releasing the lock of a folder created here that is still empty removes it,
 * so a run that failed before writing anything leaves nothing behind.
 */
export const lockRunFolder = (dir: string): E.Either<string, { readonly lock: RunLock; readonly notice: string | undefined }> => {
  const state = runFolderState(dir);
  if (state._tag === 'NotAFolder') return E.left(`${dir} is a file, not a folder: give --out a folder`);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return E.left(`cannot create the run folder ${dir} (${e.code ?? e.message})`);
  }
  const locked = acquireRunLock(dir);
  if (E.isLeft(locked)) {
    if (state._tag === 'Absent') removeIfEmpty(dir);
    return E.left(locked.left.message);
  }
  const lock: RunLock =
    state._tag === 'Absent'
      ? {
          ...locked.right,
          release: () => {
            locked.right.release();
            removeIfEmpty(dir);
          },
        }
      : locked.right;
  return E.right({ lock, notice: takeoverMessage(locked.right) });
};

const removeIfEmpty = (dir: string): void => {
  try {
    rmdirSync(dir);
  } catch {
    // not empty (the run wrote something), or gone
  }
};

/** Whether a run may start in `dir` in this mode; the Left is one line naming the folder and what to do. */
export const checkRunFolder = (dir: string, mode: OpenMode): E.Either<string, RunFolderState> => {
  const state = runFolderState(dir);
  if (state._tag === 'NotAFolder') return E.left(`${dir} is a file, not a folder: give --out a folder`);
  if (mode === 'fresh' && state._tag === 'Run') {
    return E.left(`${dir} already holds a ${state.finished ? 'finished ' : ''}run; pass --resume to continue it or --overwrite to replace it`);
  }
  if (mode === 'resume') {
    if (state._tag !== 'Run') return E.left(`cannot resume ${dir}: it holds no run${state._tag === 'Absent' ? ' (no such folder)' : ''}; start one without --resume`);
    if (state.checkpointIteration === undefined) {
      return E.left(`cannot resume ${dir}: it has no checkpoint yet; rerun without --resume (with --overwrite to replace what is there)`);
    }
  }
  return E.right(state);
};

/** Removes an overwritten run's files. */
export const prepareRunFolder = (dir: string, mode: OpenMode): E.Either<string, void> => {
  if (mode !== 'overwrite') return E.right(undefined);
  try {
    clearRunFiles(dir);
    return E.right(undefined);
  } catch (error) {
    return E.left(`cannot overwrite ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
};
