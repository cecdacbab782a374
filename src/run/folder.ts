/**
 * What a run folder holds, before a run writes into it: nothing (absent or
 * empty), a file where a folder should be, or a run (fresh, checkpointed or
 * finished). `train` refuses to write over a run unless told to resume or
 * overwrite it (see pipelines/train.ts).
 *
 * A run is finished when metrics.json, written last, records the iteration
 * count of its config.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The files and folders a run writes (also what --overwrite removes). */
export const RUN_FILES = [
  'config.json',
  'log.jsonl',
  'evals.jsonl',
  'checkpoint.json',
  'checkpoints',
  'model',
  'metrics.json',
  'report.html',
  'weights.svg',
  'losses.svg',
  'task-losses.svg',
] as const;

/** Files whose presence makes a folder a run. */
const MARKERS = ['config.json', 'log.jsonl', 'checkpoint.json', 'metrics.json', 'model'];

export type RunFolderState =
  | { readonly _tag: 'Absent'; readonly dir: string }
  | { readonly _tag: 'NotAFolder'; readonly dir: string }
  | { readonly _tag: 'NoRun'; readonly dir: string }
  | {
      readonly _tag: 'Run';
      readonly dir: string;
      /** Iterations of the latest checkpoint, undefined without one. */
      readonly checkpointIteration: number | undefined;
      /** Iterations the run's config asks for (undefined without a readable config.json). */
      readonly iterations: number | undefined;
      /** metrics.json exists and records the config's iteration count. */
      readonly finished: boolean;
    };

const readJson = (path: string): Record<string, unknown> | undefined => {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

export const runFolderState = (dir: string): RunFolderState => {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (st === undefined) return { _tag: 'Absent', dir };
  if (!st.isDirectory()) return { _tag: 'NotAFolder', dir };
  if (!MARKERS.some((f) => existsSync(join(dir, f)))) return { _tag: 'NoRun', dir };
  const pointer = readJson(join(dir, 'checkpoint.json'));
  const config = readJson(join(dir, 'config.json'));
  const metrics = readJson(join(dir, 'metrics.json'));
  const iterations = typeof config?.iterations === 'number' ? config.iterations : undefined;
  const checkpointIteration = typeof pointer?.iteration === 'number' ? pointer.iteration : undefined;
  const finished = metrics !== undefined && iterations !== undefined && metrics.iterations === iterations;
  return { _tag: 'Run', dir, checkpointIteration, iterations, finished };
};

/** Removes what a run wrote into `dir` (for --overwrite); other files are left alone. */
export const clearRunFiles = (dir: string): void => {
  for (const name of RUN_FILES) rmSync(join(dir, name), { recursive: true, force: true });
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.checkpoint.json.tmp-')) rmSync(join(dir, name), { force: true });
  }
};
