/**
 * The preprocessed image cache on disk (written by `awmtl prepare`, read by
 * train, eval and compare):
 *
 *   DIR/index.json                      written last, by rename: its presence marks a complete cache
 *   DIR/shard-<generation>-0000.bin     uint8 records, HxWx3 each, back to back
 *   DIR/shard-<generation>-0001.bin     ... (at most `recordsPerShard` records per shard, about 1 GiB)
 *
 * A record holds one image decoded, cropped and resized exactly as
 * src/data/images.ts does before normalisation (the uint8 stage), so a
 * batch read from the cache is bit-identical to one decoded from the files.
 *
 * index.json: the settings (format, version, decoder fingerprint, image root,
 * height, width, crop), the shards (name and byte length), and one column
 * entry per source file (path relative to the root, size, mtime in ms,
 * record number or -1 when the file could not be decoded), a CRC-32 per
 * record, and the decode errors (file number, tag, message after the path).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as t from 'io-ts';
import type { Crop } from '../images.js';

export const CACHE_FORMAT = 'awmtl-image-cache';
export const CACHE_VERSION = 1;
export const INDEX_FILE = 'index.json';
export const LOCK_FILE = 'prepare.lock';
/** Records per shard are chosen to keep a shard at about this many bytes. */
export const SHARD_BYTES = 1 << 30;

const numberColumn = new t.Type<number[], number[], unknown>(
  'number[]',
  (u): u is number[] => Array.isArray(u) && u.every((x) => typeof x === 'number'),
  (u, c) => {
    if (!Array.isArray(u)) return t.failure(u, c, 'expected an array of numbers');
    for (let i = 0; i < u.length; i++) if (typeof u[i] !== 'number' || !Number.isFinite(u[i])) return t.failure(u[i], c, `entry ${i}: expected a number`);
    return t.success(u as number[]);
  },
  t.identity,
);

const stringColumn = new t.Type<string[], string[], unknown>(
  'string[]',
  (u): u is string[] => Array.isArray(u) && u.every((x) => typeof x === 'string'),
  (u, c) => {
    if (!Array.isArray(u)) return t.failure(u, c, 'expected an array of strings');
    for (let i = 0; i < u.length; i++) if (typeof u[i] !== 'string') return t.failure(u[i], c, `entry ${i}: expected a string`);
    return t.success(u as string[]);
  },
  t.identity,
);

const CropCodec = t.union([
  t.string,
  t.type({ center: t.type({ width: t.number, height: t.number }) }),
  t.type({ x: t.number, y: t.number, width: t.number, height: t.number }),
]);

export const CacheIndexCodec = t.type({
  format: t.literal(CACHE_FORMAT),
  version: t.literal(CACHE_VERSION),
  decoder: t.string,
  root: t.string,
  height: t.number,
  width: t.number,
  crop: CropCodec,
  recordBytes: t.number,
  recordsPerShard: t.number,
  generation: t.string,
  createdAt: t.string,
  shards: t.array(t.type({ file: t.string, bytes: t.number })),
  files: t.type({
    paths: stringColumn,
    sizes: numberColumn,
    mtimes: numberColumn,
    records: numberColumn,
  }),
  crcs: numberColumn,
  errors: t.array(t.type({ file: t.number, tag: t.string, detail: t.string })),
});

export type CacheIndex = t.TypeOf<typeof CacheIndexCodec>;

/** The crop as stored in the index and compared on open ('none' when absent). */
export const cropKey = (crop: Crop | undefined): string => JSON.stringify(crop ?? 'none');

let fingerprint: string | undefined;

/**
 * The decoder fingerprint: a hash of the sources of the uint8 stage (decode,
 * crop, resample) and of jimp's version. A change to any of them makes every
 * cache written before it stale, so a cache never outlives the code that
 * defines its bytes (a comment edit also does; then prepare runs again).
 */
export const decoderFingerprint = (): string => {
  if (fingerprint !== undefined) return fingerprint;
  const hash = createHash('sha256');
  // The sources next to this module: .ts when run from the repository, the compiled .js in dist/.
  const ext = import.meta.url.endsWith('.js') ? '.js' : '.ts';
  for (const file of ['../image/decode', '../image/resample', '../images'].map((f) => `${f}${ext}`)) {
    try {
      hash.update(readFileSync(new URL(file, import.meta.url)));
    } catch {
      hash.update(`missing ${file}`);
    }
  }
  try {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve('jimp/package.json'), 'utf8')) as { version?: string };
    hash.update(`jimp ${pkg.version ?? '?'}`);
  } catch {
    hash.update('jimp ?');
  }
  fingerprint = hash.digest('hex').slice(0, 16);
  return fingerprint;
};
