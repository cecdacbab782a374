/**
 * Writing a cache (`awmtl prepare`): every image decoded, cropped and resized
 * once, in worker threads when a pool is given, written in path order into
 * uint8 shards, then the index.
 *
 * Crash safety: shards of this run get a fresh generation name; index.json is
 * written to a temporary file, synced and renamed into place last, and only
 * then are the shards of older generations deleted. A prepare killed at any
 * point leaves either no index (no cache) or the previous complete cache,
 * never an index pointing at partial shards. A lock file (with the writer's
 * pid) keeps two prepares from writing one folder at once.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { acquireRunLock } from '../../run/lock.js';
import type { Crop, ImageError } from '../images.js';
import type { WorkerPool } from '../workers/pool.js';
import { type DecodeOutput, type DecodeTask, performDecode } from '../workers/work.js';
import { CACHE_FORMAT, CACHE_VERSION, type CacheIndex, decoderFingerprint, INDEX_FILE, LOCK_FILE, SHARD_BYTES } from './format.js';

export interface PrepareOptions {
  /** The cache folder (created if needed). */
  readonly dir: string;
  /** The folder the index's paths are relative to (see location.ts). */
  readonly root: string;
  /** The image files (absolute or relative to the working folder); duplicates are stored once. */
  readonly files: Iterable<string>;
  readonly image: { readonly height: number; readonly width: number; readonly crop?: Crop };
  /** Decode in these workers; without, on this thread. */
  readonly pool?: WorkerPool;
  /** Called after each written chunk (throwing aborts the prepare; the folder then holds no new index). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Records per shard (default: about 1 GiB of records). */
  readonly recordsPerShard?: number;
  /** Images per decode task (default 16). */
  readonly chunk?: number;
}

export interface PrepareReport {
  readonly dir: string;
  /** Files indexed and records written (files whose decoding failed have an error entry instead). */
  readonly files: number;
  readonly records: number;
  readonly errors: readonly ImageError[];
  readonly bytes: number;
  readonly shards: number;
  readonly seconds: number;
}

export type PrepareError = { readonly _tag: 'PrepareError'; readonly dir: string; readonly message: string };

export const prepareError = (dir: string, message: string): PrepareError => ({ _tag: 'PrepareError', dir, message: `cache ${dir}: ${message}` });

/** Takes the folder's lock (src/run/lock.ts); a lock left by a dead process is taken over. */
export const lockCacheFolder = (dir: string): E.Either<PrepareError, () => void> => {
  const locked = acquireRunLock(dir, 'prepare', LOCK_FILE);
  if (E.isRight(locked)) return E.right(() => locked.right.release());
  return E.left(
    prepareError(
      dir,
      locked.left._tag === 'Locked' ? `another awmtl prepare (pid ${locked.left.owner.pid}) is writing this cache` : `cannot take ${LOCK_FILE} (${locked.left.message})`,
    ),
  );
};

const syncDir = (dir: string): void => {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported on every file system; the rename is still atomic
  }
};

/** Decodes every file and writes the cache; the Left is for the folder itself (lock, disk), not for bad images. */
export const prepareCache = async (options: PrepareOptions): Promise<E.Either<PrepareError, PrepareReport>> => {
  const started = performance.now();
  const dir = resolve(options.dir);
  const root = resolve(options.root);
  const { height, width, crop } = options.image;
  const recordBytes = height * width * 3;
  const perShard = Math.max(1, Math.floor(options.recordsPerShard ?? SHARD_BYTES / recordBytes));
  const chunk = Math.max(1, Math.floor(options.chunk ?? 16));
  const files = [...new Set([...options.files].map((f) => resolve(f)))].sort();
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    return E.left(prepareError(dir, `cannot create the folder (${(error as Error).message})`));
  }
  const locked = lockCacheFolder(dir);
  if (E.isLeft(locked)) return locked;
  const generation = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const shardName = (s: number): string => `shard-${generation}-${String(s).padStart(4, '0')}.bin`;
  const shards: { file: string; bytes: number }[] = [];
  let fd: number | undefined;
  let inShard = 0;
  try {
    const sizes: number[] = [];
    const mtimes: number[] = [];
    const records: number[] = [];
    const crcs: number[] = [];
    const errorEntries: CacheIndex['errors'] = [];
    const errors: ImageError[] = [];

    const launch = (from: number): { from: number; done: Promise<DecodeOutput> } => {
      const task: DecodeTask = { paths: files.slice(from, from + chunk), height, width, crop };
      const done = options.pool === undefined ? performDecode(task) : options.pool.decode(task);
      done.catch(() => undefined); // awaited in order below
      return { from, done };
    };
    const window = options.pool === undefined ? 1 : options.pool.size * 2;
    const queue: ReturnType<typeof launch>[] = [];
    let next = 0;
    while (next < files.length || queue.length > 0) {
      while (next < files.length && queue.length < window) {
        queue.push(launch(next));
        next += chunk;
      }
      const head = queue.shift() as ReturnType<typeof launch>;
      const { results, pixels } = await head.done;
      for (let k = 0; k < results.length; k++) {
        const i = head.from + k;
        const r = results[k];
        sizes.push(r.size);
        mtimes.push(r.mtimeMs);
        if (r.error !== null) {
          records.push(-1);
          errors.push(r.error);
          const prefix = `${files[i]}: `;
          errorEntries.push({ file: i, tag: r.error._tag, detail: r.error.message.startsWith(prefix) ? r.error.message.slice(prefix.length) : r.error.message });
          continue;
        }
        if (fd === undefined || inShard === perShard) {
          if (fd !== undefined) {
            fsyncSync(fd);
            closeSync(fd);
          }
          const name = shardName(shards.length);
          fd = openSync(join(dir, name), 'w');
          shards.push({ file: name, bytes: 0 });
          inShard = 0;
        }
        const bytes = pixels.subarray(k * recordBytes, (k + 1) * recordBytes);
        let written = 0;
        while (written < recordBytes) written += writeSync(fd, bytes, written, recordBytes - written);
        shards[shards.length - 1].bytes += recordBytes;
        inShard += 1;
        records.push(crcs.length);
        crcs.push(crc32(bytes) >>> 0);
      }
      options.onProgress?.(Math.min(head.from + results.length, files.length), files.length);
    }
    if (fd !== undefined) {
      fsyncSync(fd);
      closeSync(fd);
      fd = undefined;
    }
    const index: CacheIndex = {
      format: CACHE_FORMAT,
      version: CACHE_VERSION,
      decoder: decoderFingerprint(),
      root,
      height,
      width,
      crop: (crop ?? 'none') as CacheIndex['crop'],
      recordBytes,
      recordsPerShard: perShard,
      generation,
      createdAt: new Date().toISOString(),
      shards,
      files: { paths: files.map((f) => relative(root, f)), sizes, mtimes, records },
      crcs,
      errors: errorEntries,
    };
    const tmp = join(dir, `${INDEX_FILE}.tmp-${generation}`);
    const tfd = openSync(tmp, 'w');
    try {
      writeFileSync(tfd, JSON.stringify(index));
      fsyncSync(tfd);
    } finally {
      closeSync(tfd);
    }
    renameSync(tmp, join(dir, INDEX_FILE));
    syncDir(dir);
    // The new index is in place: older generations (and leftovers of killed runs) can go.
    for (const name of readdirSync(dir)) {
      const old = (name.startsWith('shard-') && name.endsWith('.bin') && !name.startsWith(`shard-${generation}-`)) || name.startsWith(`${INDEX_FILE}.tmp-`);
      if (old) rmSync(join(dir, name), { force: true });
    }
    return E.right({
      dir,
      files: files.length,
      records: crcs.length,
      errors,
      bytes: crcs.length * recordBytes,
      shards: shards.length,
      seconds: (performance.now() - started) / 1000,
    });
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    // This run's shards are useless without their index.
    for (const s of shards) rmSync(join(dir, s.file), { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) return E.left(prepareError(dir, `cannot write (${code}: ${(error as Error).message})`));
    throw error;
  } finally {
    locked.right();
  }
};
