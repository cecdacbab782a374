/**
 * Reading data elements from a byte range of a MAT-file: an 8-byte tag
 * (type, byte count) or a 4-byte small-element tag, padded to 8 bytes, and
 * the numbers it holds, in either byte order.
 *
 * A failure throws a private {@link Failure} naming the file, the byte offset
 * and the variable path; `decodeMat` (./reader.ts) catches it and returns it
 * as a Left, so nothing thrown leaves the reader.
 */
import type { MatError } from './types.js';
import {
  miCOMPRESSED,
  miDOUBLE,
  miINT16,
  miINT32,
  miINT64,
  miINT8,
  miSINGLE,
  miUINT16,
  miUINT32,
  miUINT64,
  miUINT8,
  miUTF16,
  miUTF32,
  miUTF8,
  typeName,
} from './codes.js';

export class Failure {
  constructor(readonly error: MatError) {}
}

/** A byte range being decoded: the file itself or the inflated content of one miCOMPRESSED element. */
export interface Source {
  readonly file: string;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly little: boolean;
  /** File offset of the compressed element this source was inflated from; undefined for the file itself. */
  readonly compressedAt?: number;
}

const where = (src: Source, at: number): string =>
  src.compressedAt === undefined
    ? `byte ${at}`
    : `byte ${at} of the data inflated from the compressed element at byte ${src.compressedAt}`;

export const fail = (
  src: Source,
  tag: 'MatTruncated' | 'MatCorrupt' | 'MatUnsupported',
  at: number,
  path: string,
  what: string,
): never => {
  const subject = path === '' ? '' : ` (variable ${path})`;
  const offsets =
    src.compressedAt === undefined
      ? { offset: at }
      : { offset: src.compressedAt, inflatedOffset: at };
  throw new Failure({
    _tag: tag,
    file: src.file,
    ...offsets,
    path,
    message: `${src.file}: ${what} at ${where(src, at)}${subject}`,
  });
};

export interface Tag {
  readonly type: number;
  readonly size: number;
  /** Where the element's data starts. */
  readonly data: number;
  /** Where the next element starts (after padding). */
  readonly next: number;
  readonly at: number;
}

export const readTag = (src: Source, at: number, end: number, path: string, what: string): Tag => {
  if (at + 4 > end) fail(src, 'MatTruncated', at, path, `truncated: ${what} tag needs 4 bytes, ${end - at} left`);
  const first = src.view.getUint32(at, src.little);
  const small = first >>> 16;
  if (small !== 0) {
    // Small data element: size in the upper 16 bits, type in the lower; data in the next 4 bytes.
    const type = first & 0xffff;
    if (small > 4) fail(src, 'MatCorrupt', at, path, `corrupt ${what} tag: small element of ${small} bytes (at most 4)`);
    if (at + 8 > end) fail(src, 'MatTruncated', at, path, `truncated: ${what} (small element) needs 8 bytes, ${end - at} left`);
    return { type, size: small, data: at + 4, next: at + 8, at };
  }
  if (at + 8 > end) fail(src, 'MatTruncated', at, path, `truncated: ${what} tag needs 8 bytes, ${end - at} left`);
  const size = src.view.getUint32(at + 4, src.little);
  const data = at + 8;
  if (data + size > end) {
    fail(src, 'MatTruncated', at, path, `truncated: ${what} (${typeName(first)}) declares ${size} bytes, only ${end - data} left`);
  }
  const padded = first === miCOMPRESSED ? data + size : data + Math.ceil(size / 8) * 8;
  return { type: first, size, data, next: Math.min(padded, end), at };
};

export const expectType = (src: Source, tag: Tag, allowed: readonly number[], path: string, what: string): void => {
  if (!allowed.includes(tag.type)) {
    fail(src, 'MatCorrupt', tag.at, path, `corrupt ${what}: element type ${typeName(tag.type)}, expected ${allowed.map(typeName).join(' or ')}`);
  }
};

/** Read `count` values of storage type `type` starting at `at`. */
export const readNumbers = (src: Source, type: number, at: number, count: number): number[] | bigint[] => {
  const v = src.view;
  const le = src.little;
  if (type === miINT64 || type === miUINT64) {
    const out: bigint[] = new Array(count);
    for (let i = 0; i < count; i++) out[i] = type === miINT64 ? v.getBigInt64(at + 8 * i, le) : v.getBigUint64(at + 8 * i, le);
    return out;
  }
  const out: number[] = new Array(count);
  switch (type) {
    case miINT8:
      for (let i = 0; i < count; i++) out[i] = v.getInt8(at + i);
      break;
    case miUINT8:
    case miUTF8:
      for (let i = 0; i < count; i++) out[i] = v.getUint8(at + i);
      break;
    case miINT16:
      for (let i = 0; i < count; i++) out[i] = v.getInt16(at + 2 * i, le);
      break;
    case miUINT16:
    case miUTF16:
      for (let i = 0; i < count; i++) out[i] = v.getUint16(at + 2 * i, le);
      break;
    case miINT32:
      for (let i = 0; i < count; i++) out[i] = v.getInt32(at + 4 * i, le);
      break;
    case miUINT32:
    case miUTF32:
      for (let i = 0; i < count; i++) out[i] = v.getUint32(at + 4 * i, le);
      break;
    case miSINGLE:
      for (let i = 0; i < count; i++) out[i] = v.getFloat32(at + 4 * i, le);
      break;
    case miDOUBLE:
      for (let i = 0; i < count; i++) out[i] = v.getFloat64(at + 8 * i, le);
      break;
    default:
      throw new Error(`readNumbers: type ${type}`);
  }
  return out;
};
