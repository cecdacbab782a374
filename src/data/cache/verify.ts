/**
 * `awmtl prepare --verify`: reads every record of a cache, checks its CRC-32
 * against the index, and rewrites each damaged record in place from its
 * source image (decoded exactly as `prepare` did, so the bytes and their CRC
 * are the index's again). This is the repair for a "checksum mismatch" met
 * while training: a full `prepare` would find the cache up to date, since
 * the sources did not change.
 */
import { closeSync, openSync, readFileSync, readSync, writeSync, fsyncSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import { decodeJson, formatDecodeError } from '../../decode.js';
import { performDecode } from '../workers/work.js';
import { CacheIndexCodec, INDEX_FILE } from './format.js';
import { lockCacheFolder, type PrepareError, prepareError } from './prepare.js';

export interface VerifyReport {
  readonly dir: string;
  readonly records: number;
  /** Records whose bytes did not match their CRC (or could not be read). */
  readonly bad: readonly { readonly path: string; readonly problem: string }[];
  readonly rewritten: number;
  /** Damaged records whose source no longer decodes to the indexed bytes: `prepare --force` rewrites the cache. */
  readonly unfixable: readonly string[];
  readonly seconds: number;
}

export const verifyCache = async (
  cacheDir: string,
  options: { readonly onProgress?: (done: number, total: number) => void } = {},
): Promise<E.Either<PrepareError, VerifyReport>> => {
  const started = performance.now();
  const dir = resolve(cacheDir);
  const indexPath = join(dir, INDEX_FILE);
  let text: string;
  try {
    text = readFileSync(indexPath, 'utf8');
  } catch (error) {
    return E.left(prepareError(dir, `cannot read ${INDEX_FILE} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`));
  }
  const decoded = decodeJson(CacheIndexCodec, indexPath)(text);
  if (E.isLeft(decoded)) return E.left(prepareError(dir, formatDecodeError(decoded.left)));
  const index = decoded.right;
  const locked = lockCacheFolder(dir);
  if (E.isLeft(locked)) return locked;
  const fileOf = new Int32Array(index.crcs.length).fill(-1);
  index.files.records.forEach((r, i) => {
    if (r >= 0 && r < fileOf.length) fileOf[r] = i;
  });
  const bytes = Buffer.alloc(index.recordBytes);
  const bad: { path: string; problem: string }[] = [];
  const unfixable: string[] = [];
  let rewritten = 0;
  const fds = new Map<string, number>();
  const shardFd = (s: number): number => {
    const file = join(dir, index.shards[s].file);
    let fd = fds.get(file);
    if (fd === undefined) {
      fd = openSync(file, 'r+');
      fds.set(file, fd);
    }
    return fd;
  };
  try {
    for (let r = 0; r < index.crcs.length; r++) {
      if (r % 1024 === 0) options.onProgress?.(r, index.crcs.length);
      const s = Math.floor(r / index.recordsPerShard);
      const position = (r % index.recordsPerShard) * index.recordBytes;
      const source = resolve(index.root, index.files.paths[fileOf[r]] ?? '');
      let problem: string | undefined;
      try {
        const fd = shardFd(s);
        let done = 0;
        while (done < bytes.length) {
          const n = readSync(fd, bytes, done, bytes.length - done, position + done);
          if (n === 0) throw new Error(`${index.shards[s].file} ends before byte ${position + bytes.length}`);
          done += n;
        }
        if (crc32(bytes) >>> 0 !== index.crcs[r]) problem = `checksum mismatch in ${index.shards[s].file}`;
      } catch (error) {
        problem = (error as Error).message;
      }
      if (problem === undefined) continue;
      bad.push({ path: source, problem });
      const fresh = await performDecode({ paths: [source], height: index.height, width: index.width, crop: index.crop as never });
      const result = fresh.results[0];
      if (result === undefined || result.error !== null || (crc32(fresh.pixels) >>> 0) !== index.crcs[r]) {
        unfixable.push(source);
        continue;
      }
      const fd = shardFd(s);
      let written = 0;
      while (written < fresh.pixels.length) written += writeSync(fd, fresh.pixels, written, fresh.pixels.length - written, position + written);
      rewritten += 1;
    }
    for (const fd of fds.values()) fsyncSync(fd);
    options.onProgress?.(index.crcs.length, index.crcs.length);
  } finally {
    for (const fd of fds.values()) closeSync(fd);
    locked.right();
  }
  return E.right({ dir, records: index.crcs.length, bad, rewritten, unfixable, seconds: (performance.now() - started) / 1000 });
};
