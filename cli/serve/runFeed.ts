/**
 * Following a run folder: its log.jsonl and evals.jsonl read from the start,
 * then polled for appended lines, as {@link RunEvent}s.
 *
 * Polling (a stat every `intervalMs`, then a read of the new bytes only) rather
 * than fs.watch: it works the same for a run written by another process, on any
 * file system, and its cost to a training in the same process is one stat per
 * file per interval plus reading what the trainer wrote anyway.
 */
import { existsSync, readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKPOINT_POINTER, MODEL_DIR as CHECKPOINT_MODEL_DIR } from '../../src/checkpoint/index.js';
import { evalLineEvents, logLineEvents, type RunEvent, type RunInfoEvent } from '../../src/log/runEvents.js';
import { decodeMeta, META_JSON } from '../../src/model/index.js';
import { CONFIG_JSON, EVALS_JSONL, LOG_JSONL, METRICS_JSON, MODEL_DIR } from '../../pipelines/train.js';

/**
 * Calls `onLines` with the complete lines appended to `path` since the last
 * call (the whole file first), `onReset` when the file shrank (rewritten).
 * A missing file is waited for. Returns a stop function.
 */
export const tailLines = (
  path: string,
  onLines: (lines: readonly string[]) => void,
  onReset: () => void,
  intervalMs = 250,
): (() => void) => {
  let offset = 0;
  let rest = '';
  let stopped = false;
  let busy = false;
  const poll = async (): Promise<void> => {
    if (busy || stopped) return;
    busy = true;
    try {
      const info = await stat(path).catch(() => undefined);
      if (info === undefined) return;
      if (info.size < offset) {
        offset = 0;
        rest = '';
        onReset();
      }
      if (info.size === offset) return;
      const file = await open(path, 'r');
      try {
        const buffer = Buffer.alloc(info.size - offset);
        const { bytesRead } = await file.read(buffer, 0, buffer.length, offset);
        offset += bytesRead;
        const text = rest + buffer.subarray(0, bytesRead).toString('utf8');
        const cut = text.lastIndexOf('\n');
        rest = text.slice(cut + 1);
        if (cut >= 0 && !stopped) onLines(text.slice(0, cut).split('\n').filter((l) => l.trim() !== ''));
      } finally {
        await file.close();
      }
    } finally {
      busy = false;
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
};

const readJson = (path: string): unknown => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Task names from the run's model, else from its latest checkpoint's model. */
const taskNames = (dir: string): string[] | undefined => {
  const candidates = [join(dir, MODEL_DIR, META_JSON)];
  const pointer = readJson(join(dir, CHECKPOINT_POINTER)) as { latest?: unknown } | undefined;
  if (typeof pointer?.latest === 'string') candidates.push(join(dir, pointer.latest, CHECKPOINT_MODEL_DIR, META_JSON));
  for (const path of candidates) {
    if (!existsSync(path)) continue;
    const meta = decodeMeta(readFileSync(path, 'utf8'));
    if (meta._tag === 'Right') return meta.right.tasks.map((t) => t.name);
  }
  return undefined;
};

/** What config.json (and a model, when there is one) say about the run. */
export const runInfo = (dir: string, tasks?: readonly string[]): RunInfoEvent => {
  const config = readJson(join(dir, CONFIG_JSON)) as { iterations?: unknown; strategy?: { name?: unknown }; pipeline?: unknown } | undefined;
  const names = tasks ?? taskNames(dir);
  return {
    type: 'run',
    dir,
    ...(names === undefined ? {} : { tasks: names }),
    ...(typeof config?.iterations === 'number' ? { iterations: config.iterations } : {}),
    ...(typeof config?.strategy?.name === 'string' ? { strategy: config.strategy.name } : {}),
    ...(typeof config?.pipeline === 'string' ? { pipeline: config.pipeline } : {}),
  };
};

/**
 * Follows a run folder for one client: first the run's description, then
 * every event of its log and evaluations so far, then new ones as they are
 * written, and `finished` once metrics.json exists. Returns a stop function.
 */
export const followRun = (dir: string, emit: (event: RunEvent) => void, options: { tasks?: readonly string[]; intervalMs?: number } = {}): (() => void) => {
  const interval = options.intervalMs ?? 250;
  let info = runInfo(dir, options.tasks);
  emit(info);
  let finished = false;
  const stops = [
    tailLines(
      join(dir, LOG_JSONL),
      (lines) => {
        // config.json may follow the client's arrival, and the tasks of a run started elsewhere its first checkpoint.
        if (info.tasks === undefined || info.iterations === undefined) {
          const now = runInfo(dir, options.tasks);
          if (now.tasks !== undefined || now.iterations !== undefined) emit((info = now));
        }
        for (const line of lines) for (const e of logLineEvents(line)) emit(e);
      },
      () => {
        finished = false;
        emit({ type: 'reset' });
        emit((info = runInfo(dir, options.tasks)));
      },
      interval,
    ),
    tailLines(join(dir, EVALS_JSONL), (lines) => lines.forEach((line) => evalLineEvents(line).forEach(emit)), () => undefined, interval),
  ];
  const done = setInterval(() => {
    if (!finished && existsSync(join(dir, METRICS_JSON))) {
      finished = true;
      emit({ type: 'finished' });
    }
  }, interval);
  done.unref();
  return () => {
    clearInterval(done);
    for (const stop of stops) stop();
  };
};
