/**
 * The image work of the input pipeline as plain functions over plain messages,
 * run by a worker thread (src/data/workers/worker.ts) or, with no workers, on
 * the main thread. Either way the bytes are the same: the same decode, crop,
 * resize ({@link decodeToUint8Into}) and the same normalisation and flip
 * ({@link normaliseInto}) as src/data/images.ts.
 *
 * - {@link performLoad}: images (from their files or from a preprocessed cache
 *   shard) into normalised float slots of a batch array;
 * - {@link performDecode}: images into HxWx3 byte records (what `awmtl prepare`
 *   writes into the cache), with each file's size and mtime taken from the
 *   same open file.
 *
 * Errors are values naming the file ({@link ImageError}), one per item.
 */
import * as E from 'fp-ts/lib/Either.js';
import { closeSync, openSync, read, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { ImageError } from '../image/decode.js';
import { type Normalisation, normaliseInto } from '../image/normalise.js';
import type { Crop } from '../images.js';

// The decoder (jimp) loads on first use: a worker that only reads the cache starts without it.
let decoderModule: Promise<typeof import('../images.js')> | undefined;
const decoder = (): Promise<typeof import('../images.js')> => (decoderModule ??= import('../images.js'));

/**
 * Where a cached image lies: `bytes` bytes at `position` of shard `file`, with
 * their CRC-32. `fd` is the shard opened by the cache's owner (file
 * descriptors are shared by the process's threads), so a shard replaced by a
 * new prepare after the cache was opened is still read whole.
 */
export interface CachedRecord {
  readonly file: string;
  readonly fd?: number;
  readonly position: number;
  readonly bytes: number;
  readonly crc: number;
}

/** One image to load: from its file, or from the cache when `cached` is given. */
export interface LoadItem {
  readonly path: string;
  readonly cached?: CachedRecord;
}

/** Load `items` as normalised floats (NHWC slots), mirrored where flips[i] is 1. */
export interface LoadTask {
  readonly items: readonly LoadItem[];
  readonly flips?: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly crop?: Crop;
  readonly normalisation: Normalisation;
}

/**
 * The images of a load task: item i at pixels[i * height * width * 3 ..]
 * (garbage where errors[i] is not null). The array is the task's own, so a
 * worker hands it over (transfers it) without a copy; plain ArrayBuffers, not
 * shared ones, because V8 counts those towards the heap's external memory
 * and collects them promptly (shared buffers allocated per batch piled up).
 */
export interface LoadResult {
  readonly errors: (ImageError | null)[];
  readonly pixels: Float32Array;
}

/** Decode `paths` as HxWx3 bytes. */
export interface DecodeTask {
  readonly paths: readonly string[];
  readonly height: number;
  readonly width: number;
  readonly crop?: Crop;
}

/** Path i's bytes at pixels[i * height * width * 3 ..] (garbage where results[i].error is set). */
export interface DecodeOutput {
  readonly results: DecodeResult[];
  readonly pixels: Uint8Array;
}

/** A decoded file's stats (size -1 and mtime -1 when it does not exist), and its error if it could not be decoded. */
export interface DecodeResult {
  readonly size: number;
  readonly mtimeMs: number;
  readonly error: ImageError | null;
}

/** Reads records with pread, through the record's fd or a file opened here by name (closed by close()). */
export class ShardReader {
  private readonly fds = new Map<string, number>();

  private fdOf(record: CachedRecord): number {
    let fd = record.fd ?? this.fds.get(record.file);
    if (fd === undefined) {
      fd = openSync(record.file, 'r');
      this.fds.set(record.file, fd);
    }
    return fd;
  }

  /** Reads a record into a new array, asynchronously: a task's records are read in parallel (hides cold-disk latency). */
  readAsync(record: CachedRecord): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const into = new Uint8Array(record.bytes);
      read(this.fdOf(record), into, 0, record.bytes, record.position, (error, n) => {
        if (error !== null) reject(error);
        else if (n !== record.bytes) reject(new Error(`${record.file}: ends before byte ${record.position + record.bytes}`));
        else resolve(into);
      });
    });
  }

  read(record: CachedRecord, into: Uint8Array): void {
    const fd = this.fdOf(record);
    let done = 0;
    while (done < record.bytes) {
      const n = readSync(fd, into, done, record.bytes - done, record.position + done);
      if (n === 0) throw new Error(`${record.file}: ends before byte ${record.position + record.bytes}`);
      done += n;
    }
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }
}

/** The end of a damaged-record message; a caller that knows the run's options replaces it with the exact command. */
export const CACHE_REPAIR_ADVICE = "repair the cache with 'awmtl prepare --verify' and the run's data options, or pass --no-cache";

const corrupt = (path: string, message: string): ImageError => ({
  _tag: 'UnreadableImage',
  path,
  message: `${path}: its cached copy is unusable (${message}); ${CACHE_REPAIR_ADVICE}`,
});

const unexpected = (path: string, error: unknown): ImageError => ({
  _tag: 'UndecodableImage',
  path,
  message: `${path}: cannot decode image (${error instanceof Error ? error.message : String(error)})`,
});

/** Runs a load task; one error entry per item: null when written, else the error naming the file. */
export const performLoad = async (task: LoadTask, shards: ShardReader): Promise<LoadResult> => {
  const { height, width } = task;
  const per = height * width * 3;
  const pixels = new Float32Array(task.items.length * per);
  const bytes = new Uint8Array(per);
  const resize = { height, width, crop: task.crop, flip: false };
  const errors: (ImageError | null)[] = [];
  const needsDecoder = task.items.some((item) => item.cached === undefined);
  const { decodeToUint8Into, readImageFile } = needsDecoder ? await decoder() : ({} as Awaited<ReturnType<typeof decoder>>);
  const read = (i: number) => (i < task.items.length && task.items[i].cached === undefined ? readImageFile(task.items[i].path) : undefined);
  // Every cached record of the task is read at once (in parallel); files one ahead of decoding.
  const records = task.items.map((item) => {
    if (item.cached === undefined) return undefined;
    try {
      return shards.readAsync(item.cached).then(
        (bytes) => ({ bytes }),
        (error: Error) => ({ error }),
      );
    } catch (error) {
      return Promise.resolve({ error: error as Error });
    }
  });
  // The next file is read while this one decodes.
  let pending = task.items.length > 0 ? read(0) : undefined;
  for (let i = 0; i < task.items.length; i++) {
    const item = task.items[i];
    const file = pending;
    pending = read(i + 1);
    let error: ImageError | null = null;
    let source: Uint8Array = bytes;
    try {
      if (item.cached !== undefined) {
        if (item.cached.bytes !== per) throw new Error(`a record of ${item.cached.bytes} bytes, ${per} expected`);
        const got = await (records[i] as Promise<{ bytes: Uint8Array } | { error: Error }>);
        if ('error' in got) error = corrupt(item.path, got.error.message);
        else if (crc32(got.bytes) >>> 0 !== item.cached.crc) error = corrupt(item.path, `checksum mismatch in ${item.cached.file}`);
        else source = got.bytes;
      } else {
        const content = await (file as Promise<E.Either<ImageError, Buffer>>);
        const done = E.isLeft(content) ? content : await decodeToUint8Into(content.right, item.path, bytes, 0, resize);
        if (E.isLeft(done)) error = done.left;
      }
    } catch (e) {
      error = unexpected(item.path, e);
    }
    if (error === null) {
      normaliseInto(source, 0, pixels, i * per, height, width, task.normalisation, task.flips?.[i] === 1);
    }
    errors.push(error);
  }
  return { errors, pixels };
};

/** Runs a decode task (awmtl prepare): stats come from the opened file, so they describe the bytes decoded. */
export const performDecode = async (task: DecodeTask): Promise<DecodeOutput> => {
  const per = task.height * task.width * 3;
  const pixels = new Uint8Array(task.paths.length * per);
  const resize = { height: task.height, width: task.width, crop: task.crop, flip: false };
  const { decodeToUint8Into } = await decoder();
  const results: DecodeResult[] = [];
  for (let i = 0; i < task.paths.length; i++) {
    const path = task.paths[i];
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const error: ImageError =
        err.code === 'ENOENT'
          ? { _tag: 'MissingImage', path, message: `${path}: no such image file` }
          : { _tag: 'UnreadableImage', path, message: `${path}: cannot read (${err.code ?? err.message})` };
      results.push({ size: -1, mtimeMs: -1, error });
      continue;
    }
    try {
      const stat = await handle.stat();
      let error: ImageError | null = null;
      try {
        const content = await handle.readFile();
        const done = await decodeToUint8Into(content, path, pixels, i * per, resize);
        if (E.isLeft(done)) error = done.left;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        error = err.code !== undefined ? { _tag: 'UnreadableImage', path, message: `${path}: cannot read (${err.code})` } : unexpected(path, e);
      }
      results.push({ size: stat.size, mtimeMs: stat.mtimeMs, error });
    } finally {
      await handle.close();
    }
  }
  return { results, pixels };
};
