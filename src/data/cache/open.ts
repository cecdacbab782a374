/**
 * Opening a cache for a dataset, verified, so it is never read stale:
 *
 * - index.json must exist (it is written last, by rename: a killed prepare
 *   leaves none, or the previous complete one) and decode;
 * - format, version, decoder fingerprint, image root, size and crop must match;
 * - every shard must exist with the byte length the index gives;
 * - every image the dataset will read must be in the index, and its file must
 *   have the size and mtime it had when it was decoded (a file added, removed
 *   or modified since makes the cache stale).
 *
 * The last check is one stat() per image: about 10 us each here with the
 * metadata in the page cache, so about 2 s for CelebA's 202,599 files (more on
 * a cold disk or a network file system); `verifySeconds` says what it took.
 * Reading then checks each record's CRC-32, so a shard damaged after the
 * check is an error naming the image, never wrong pixels.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { decodeJson, formatDecodeError } from '../../decode.js';
import type { Crop, ImageError } from '../images.js';
import type { CachedRecord } from '../workers/work.js';
import { type CacheIndex, CacheIndexCodec, cropKey, decoderFingerprint, INDEX_FILE } from './format.js';

export type CacheProblem =
  /** No complete cache in the folder (never prepared, or the first prepare was killed). */
  | { readonly _tag: 'NoCache'; readonly dir: string; readonly message: string }
  /** The cache is damaged: unreadable index, missing or truncated shards. */
  | { readonly _tag: 'BadCache'; readonly dir: string; readonly message: string }
  /** The cache is intact but does not match: other settings or decoder, or source files changed. */
  | { readonly _tag: 'StaleCache'; readonly dir: string; readonly message: string };

export interface CacheExpectation {
  /** Absolute folder the index's paths are relative to. */
  readonly root: string;
  readonly height: number;
  readonly width: number;
  readonly crop?: Crop;
}

/** What the cache holds for one image: its record, or the error its decoding gave at prepare time. */
export type CacheEntry = { readonly record: CachedRecord } | { readonly error: ImageError };

export interface ImageCache {
  readonly dir: string;
  readonly root: string;
  readonly height: number;
  readonly width: number;
  /** Files in the index, and how many of them have a record. */
  readonly files: number;
  readonly records: number;
  /** Seconds the verification took (reading the index, checking shards, one stat per image). */
  readonly verifySeconds: number;
  /** The entry of an image file (absolute or relative to the working folder), undefined when not in the cache. */
  lookup(path: string): CacheEntry | undefined;
  /** Closes the shards (opened once, for every thread). */
  close(): void;
}

const problem = (tag: CacheProblem['_tag'], dir: string, message: string): CacheProblem => ({ _tag: tag, dir, message: `cache ${dir}: ${message}` });

const sameCrop = (a: unknown, b: Crop | undefined): boolean => JSON.stringify(a) === cropKey(b);

/** Checks the index's internal consistency (columns, records, shards); a message when it is inconsistent. */
const inconsistency = (dir: string, index: CacheIndex): string | undefined => {
  const { paths, sizes, mtimes, records } = index.files;
  const n = paths.length;
  if (sizes.length !== n || mtimes.length !== n || records.length !== n) return 'index columns differ in length';
  if (index.recordBytes !== index.height * index.width * 3) return `records of ${index.recordBytes} bytes for ${index.height}x${index.width}x3 images`;
  if (!Number.isInteger(index.recordsPerShard) || index.recordsPerShard < 1) return `bad recordsPerShard ${index.recordsPerShard}`;
  const total = index.crcs.length;
  const seen = new Uint8Array(total);
  for (let i = 0; i < n; i++) {
    const r = records[i];
    if (r === -1) continue;
    if (!Number.isInteger(r) || r < 0 || r >= total || seen[r] === 1) return `file ${paths[i]} has a bad record number ${r}`;
    seen[r] = 1;
  }
  if (seen.some((s) => s === 0)) return 'a record belongs to no file';
  const shards = Math.ceil(total / index.recordsPerShard);
  if (index.shards.length !== shards) return `${index.shards.length} shards listed, ${shards} expected for ${total} records`;
  for (let s = 0; s < shards; s++) {
    const expected = Math.min(index.recordsPerShard, total - s * index.recordsPerShard) * index.recordBytes;
    const shard = index.shards[s];
    if (shard.bytes !== expected) return `shard ${shard.file} listed with ${shard.bytes} bytes, ${expected} expected`;
    const file = join(dir, shard.file);
    const st = statSync(file, { throwIfNoEntry: false });
    if (st === undefined) return `shard ${shard.file} is missing`;
    if (st.size !== shard.bytes) return `shard ${shard.file} has ${st.size} bytes, the index says ${shard.bytes} (truncated or overwritten)`;
  }
  const withError = new Set<number>();
  for (const e of index.errors) {
    if (!Number.isInteger(e.file) || e.file < 0 || e.file >= n || records[e.file] !== -1) return `bad error entry for file ${e.file}`;
    withError.add(e.file);
  }
  for (let i = 0; i < n; i++) if (records[i] === -1 && !withError.has(i)) return `file ${paths[i]} has neither record nor error`;
  return undefined;
};

const shownChanges = 3;

/**
 * Opens and verifies the cache in `dir` for reading the images `files` (the
 * images the caller will read; each must be in the cache and unchanged).
 */
export const openCache = (dir: string, expect: CacheExpectation, files: Iterable<string>): E.Either<CacheProblem, ImageCache> => {
  const started = performance.now();
  const indexPath = join(dir, INDEX_FILE);
  if (!existsSync(indexPath)) return E.left(problem('NoCache', dir, 'no index.json (not prepared, or its preparation did not finish)'));
  let text: string;
  try {
    text = readFileSync(indexPath, 'utf8');
  } catch (error) {
    return E.left(problem('BadCache', dir, `cannot read index.json (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`));
  }
  const decoded = decodeJson(CacheIndexCodec, indexPath)(text);
  if (E.isLeft(decoded)) return E.left(problem('BadCache', dir, formatDecodeError(decoded.left)));
  const index = decoded.right;
  const root = resolve(expect.root);
  if (index.decoder !== decoderFingerprint()) {
    return E.left(problem('StaleCache', dir, `written by another version of the image decoder (${index.decoder}, now ${decoderFingerprint()})`));
  }
  if (index.root !== root) return E.left(problem('StaleCache', dir, `holds images of ${index.root}, not ${root}`));
  if (index.height !== expect.height || index.width !== expect.width) {
    return E.left(problem('StaleCache', dir, `holds ${index.height}x${index.width} images, ${expect.height}x${expect.width} wanted`));
  }
  if (!sameCrop(index.crop, expect.crop)) return E.left(problem('StaleCache', dir, `holds crop ${JSON.stringify(index.crop)}, ${cropKey(expect.crop)} wanted`));
  const bad = inconsistency(dir, index);
  if (bad !== undefined) return E.left(problem('BadCache', dir, bad));

  const { paths, sizes, mtimes, records } = index.files;
  const byPath = new Map<string, number>();
  for (let i = 0; i < paths.length; i++) byPath.set(paths[i], i);
  const errors = new Map<number, { tag: string; detail: string }>();
  for (const e of index.errors) errors.set(e.file, e);

  // The files the caller will read, against the index.
  const changed: string[] = [];
  let changes = 0;
  const checked = new Set<number>();
  for (const file of files) {
    const abs = resolve(file);
    const i = byPath.get(relative(root, abs));
    if (i === undefined) {
      changes += 1;
      if (changed.length < shownChanges) changed.push(`${abs} is not in the cache (added since it was prepared?)`);
      continue;
    }
    if (checked.has(i)) continue;
    checked.add(i);
    const st = statSync(abs, { throwIfNoEntry: false });
    const size = st === undefined ? -1 : st.size;
    const mtime = st === undefined ? -1 : st.mtimeMs;
    if (size !== sizes[i] || mtime !== mtimes[i]) {
      changes += 1;
      if (changed.length < shownChanges) {
        changed.push(
          st === undefined
            ? `${abs} was removed`
            : sizes[i] === -1
              ? `${abs} was added`
              : `${abs} changed (size ${sizes[i]} -> ${size}, mtime ${new Date(mtimes[i]).toISOString()} -> ${new Date(mtime).toISOString()})`,
        );
      }
    }
  }
  if (changes > 0) {
    return E.left(problem('StaleCache', dir, `${changes} source file${changes === 1 ? '' : 's'} changed since it was prepared: ${changed.join('; ')}${changes > changed.length ? '; ...' : ''}`));
  }

  // The shards are opened now, for every thread: a prepare that replaces them from here on cannot pull them away.
  const shardFiles = index.shards.map((s) => join(dir, s.file));
  const fds: number[] = [];
  const closeAll = (): void => {
    for (const fd of fds.splice(0)) closeSync(fd);
  };
  for (let s = 0; s < shardFiles.length; s++) {
    let fd: number;
    try {
      fd = openSync(shardFiles[s], 'r');
    } catch (error) {
      closeAll();
      return E.left(problem('BadCache', dir, `cannot open shard ${index.shards[s].file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`));
    }
    fds.push(fd);
    if (fstatSync(fd).size !== index.shards[s].bytes) {
      closeAll();
      return E.left(problem('BadCache', dir, `shard ${index.shards[s].file} changed while it was opened`));
    }
  }
  const perShard = index.recordsPerShard;
  const recordBytes = index.recordBytes;
  return E.right({
    dir,
    root,
    height: index.height,
    width: index.width,
    files: paths.length,
    records: index.crcs.length,
    verifySeconds: (performance.now() - started) / 1000,
    close: closeAll,
    lookup: (path) => {
      const i = byPath.get(relative(root, resolve(path)));
      if (i === undefined) return undefined;
      const r = records[i];
      if (r === -1) {
        const e = errors.get(i);
        return { error: { _tag: (e?.tag ?? 'UndecodableImage') as ImageError['_tag'], path, message: `${path}: ${e?.detail ?? 'could not be decoded'}` } };
      }
      const shard = Math.floor(r / perShard);
      return { record: { file: shardFiles[shard], fd: fds[shard], position: (r % perShard) * recordBytes, bytes: recordBytes, crc: index.crcs[r] } };
    },
  });
};
