/**
 * Decoder for MATLAB Level 5 MAT-files (versions 5 to 7: `save -v6` / `-v7`).
 *
 * Written from the published format description ("MAT-File Format",
 * MathWorks): a 128-byte header, then data elements, each an 8-byte tag
 * (type, byte count) or a 4-byte small-element tag, padded to 8 bytes.
 * Variables are miMATRIX elements, possibly wrapped in an miCOMPRESSED
 * (zlib) element. Both byte orders are read.
 *
 * Internally failures throw a private exception; `decodeMat` turns it into a
 * Left. Nothing thrown leaves this module.
 */
import { inflateSync, constants as zlibConstants } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import type {
  MatError,
  MatFile,
  MatHeader,
  MatValue,
  MatVariable,
  NumericClass,
  NumericData,
} from './types.js';

// Data types (tag type field).
export const miINT8 = 1;
export const miUINT8 = 2;
export const miINT16 = 3;
export const miUINT16 = 4;
export const miINT32 = 5;
export const miUINT32 = 6;
export const miSINGLE = 7;
export const miDOUBLE = 9;
export const miINT64 = 12;
export const miUINT64 = 13;
export const miMATRIX = 14;
export const miCOMPRESSED = 15;
export const miUTF8 = 16;
export const miUTF16 = 17;
export const miUTF32 = 18;

/** Array class codes (low byte of the array flags). */
export const CLASS_CODES: Readonly<Record<string, number>> = {
  cell: 1,
  struct: 2,
  object: 3,
  char: 4,
  sparse: 5,
  double: 6,
  single: 7,
  int8: 8,
  uint8: 9,
  int16: 10,
  uint16: 11,
  int32: 12,
  uint32: 13,
  int64: 14,
  uint64: 15,
  function: 16,
  opaque: 17,
};

const NUMERIC_BY_CODE: Readonly<Record<number, NumericClass>> = {
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
};

export const FLAG_COMPLEX = 0x0800;
export const FLAG_GLOBAL = 0x0400;
export const FLAG_LOGICAL = 0x0200;

/** Byte size of each numeric storage type. */
const TYPE_SIZE: Readonly<Record<number, number>> = {
  [miINT8]: 1,
  [miUINT8]: 1,
  [miINT16]: 2,
  [miUINT16]: 2,
  [miINT32]: 4,
  [miUINT32]: 4,
  [miSINGLE]: 4,
  [miDOUBLE]: 8,
  [miINT64]: 8,
  [miUINT64]: 8,
  [miUTF8]: 1,
  [miUTF16]: 2,
  [miUTF32]: 4,
};

const TYPE_NAME: Readonly<Record<number, string>> = {
  [miINT8]: 'miINT8',
  [miUINT8]: 'miUINT8',
  [miINT16]: 'miINT16',
  [miUINT16]: 'miUINT16',
  [miINT32]: 'miINT32',
  [miUINT32]: 'miUINT32',
  [miSINGLE]: 'miSINGLE',
  [miDOUBLE]: 'miDOUBLE',
  [miINT64]: 'miINT64',
  [miUINT64]: 'miUINT64',
  [miMATRIX]: 'miMATRIX',
  [miCOMPRESSED]: 'miCOMPRESSED',
  [miUTF8]: 'miUTF8',
  [miUTF16]: 'miUTF16',
  [miUTF32]: 'miUTF32',
};

const typeName = (t: number): string => TYPE_NAME[t] ?? `type ${t}`;

export const V73_MESSAGE = 'MATLAB v7.3 (HDF5) files are not supported; re-save with -v7';

class Failure {
  constructor(readonly error: MatError) {}
}

/** A byte range being decoded: the file itself or the inflated content of one miCOMPRESSED element. */
interface Source {
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

const fail = (
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

interface Tag {
  readonly type: number;
  readonly size: number;
  /** Where the element's data starts. */
  readonly data: number;
  /** Where the next element starts (after padding). */
  readonly next: number;
  readonly at: number;
}

const readTag = (src: Source, at: number, end: number, path: string, what: string): Tag => {
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

const expectType = (src: Source, tag: Tag, allowed: readonly number[], path: string, what: string): void => {
  if (!allowed.includes(tag.type)) {
    fail(src, 'MatCorrupt', tag.at, path, `corrupt ${what}: element type ${typeName(tag.type)}, expected ${allowed.map(typeName).join(' or ')}`);
  }
};

/** Read `count` values of storage type `type` starting at `at`. */
const readNumbers = (src: Source, type: number, at: number, count: number): number[] | bigint[] => {
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

const NUMERIC_STORAGE = [miINT8, miUINT8, miINT16, miUINT16, miINT32, miUINT32, miSINGLE, miDOUBLE, miINT64, miUINT64];

const makeArray = (cls: NumericClass, values: readonly (number | bigint)[]): NumericData => {
  const n = values.length;
  if (cls === 'int64' || cls === 'uint64') {
    const out = cls === 'int64' ? new BigInt64Array(n) : new BigUint64Array(n);
    for (let i = 0; i < n; i++) {
      const x = values[i];
      out[i] = typeof x === 'bigint' ? x : BigInt(Math.trunc(x));
    }
    return out;
  }
  const ctor = {
    double: Float64Array,
    single: Float32Array,
    int8: Int8Array,
    uint8: Uint8Array,
    int16: Int16Array,
    uint16: Uint16Array,
    int32: Int32Array,
    uint32: Uint32Array,
  }[cls];
  const out = new ctor(n);
  for (let i = 0; i < n; i++) out[i] = Number(values[i]);
  return out;
};

/** Read one numeric subelement (real or imaginary part) of `count` values. */
const readNumericPart = (
  src: Source,
  at: number,
  end: number,
  count: number,
  path: string,
  what: string,
): { readonly values: number[] | bigint[]; readonly next: number } => {
  const tag = readTag(src, at, end, path, what);
  expectType(src, tag, NUMERIC_STORAGE, path, what);
  const size = TYPE_SIZE[tag.type];
  if (tag.size !== count * size) {
    fail(src, 'MatCorrupt', tag.at, path, `corrupt ${what}: ${tag.size} bytes of ${typeName(tag.type)} for ${count} elements (expected ${count * size})`);
  }
  return { values: readNumbers(src, tag.type, tag.data, count), next: tag.next };
};

const numelOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

const subscriptText = (dims: readonly number[], k: number): string => {
  const subs: number[] = [];
  let rest = k;
  for (let d = 0; d < dims.length; d++) {
    const n = dims[d];
    subs.push((rest % n) + 1);
    rest = Math.floor(rest / n);
  }
  return subs.join(',');
};

const ascii = (src: Source, at: number, size: number): string => {
  let s = '';
  for (let i = 0; i < size; i++) {
    const c = src.bytes[at + i];
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

const decodeChars = (src: Source, tag: Tag, count: number, path: string): string => {
  const bytes = src.bytes.subarray(tag.data, tag.data + tag.size);
  let text: string;
  switch (tag.type) {
    case miUTF8:
      try {
        text = utf8.decode(bytes);
      } catch {
        return fail(src, 'MatCorrupt', tag.at, path, 'corrupt char data: invalid UTF-8');
      }
      break;
    case miUINT16:
    case miUTF16:
    case miINT16: {
      if (tag.size % 2 !== 0) fail(src, 'MatCorrupt', tag.at, path, `corrupt char data: odd byte count ${tag.size} for 16-bit characters`);
      const units = readNumbers(src, tag.type === miINT16 ? miUINT16 : tag.type, tag.data, tag.size / 2) as number[];
      text = '';
      for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode(...units.slice(i, i + 4096));
      break;
    }
    case miUTF32: {
      if (tag.size % 4 !== 0) fail(src, 'MatCorrupt', tag.at, path, `corrupt char data: byte count ${tag.size} is not a multiple of 4 for UTF-32`);
      const points = readNumbers(src, miUINT32, tag.data, tag.size / 4) as number[];
      try {
        text = points.map((p) => String.fromCodePoint(p)).join('');
      } catch {
        return fail(src, 'MatCorrupt', tag.at, path, 'corrupt char data: invalid UTF-32 code point');
      }
      break;
    }
    case miUINT8:
    case miINT8:
      text = '';
      for (const b of bytes) text += String.fromCharCode(b);
      break;
    default:
      return fail(src, 'MatCorrupt', tag.at, path, `corrupt char data: element type ${typeName(tag.type)}`);
  }
  if (text.length !== count) {
    fail(src, 'MatCorrupt', tag.at, path, `corrupt char data: ${text.length} characters for ${count} elements`);
  }
  return text;
};

interface Parsed {
  readonly name: string;
  readonly global: boolean;
  readonly value: MatValue;
}

const EMPTY: MatValue = { kind: 'numeric', class: 'double', dims: [0, 0], real: new Float64Array(0) };

/** Parse the body of an miMATRIX element occupying [start, end). `path` names it for messages. */
const parseMatrix = (src: Source, start: number, end: number, path: string): Parsed => {
  if (start === end) return { name: '', global: false, value: EMPTY };
  const flagsTag = readTag(src, start, end, path, 'array flags');
  expectType(src, flagsTag, [miUINT32], path, 'array flags');
  if (flagsTag.size !== 8) fail(src, 'MatCorrupt', flagsTag.at, path, `corrupt array flags: ${flagsTag.size} bytes (expected 8)`);
  const flags = src.view.getUint32(flagsTag.data, src.little);
  const nzmax = src.view.getUint32(flagsTag.data + 4, src.little);
  const code = flags & 0xff;
  const complex = (flags & FLAG_COMPLEX) !== 0;
  const global = (flags & FLAG_GLOBAL) !== 0;
  const logical = (flags & FLAG_LOGICAL) !== 0;
  let at = flagsTag.next;

  if (code === 17) {
    // Opaque (new-style objects, strings, tables): name, then class-system data this reader does not decode.
    const nameTag = readTag(src, at, end, path, 'array name');
    const name = ascii(src, nameTag.data, nameTag.size);
    return { name, global, value: { kind: 'unsupported', class: 'opaque', reason: 'MATLAB opaque object (e.g. string, table, datetime)' } };
  }

  const dimsTag = readTag(src, at, end, path, 'dimensions');
  expectType(src, dimsTag, [miINT32], path, 'dimensions');
  if (dimsTag.size % 4 !== 0 || dimsTag.size < 8) {
    fail(src, 'MatCorrupt', dimsTag.at, path, `corrupt dimensions: ${dimsTag.size} bytes (need at least two 4-byte values)`);
  }
  const dims = readNumbers(src, miINT32, dimsTag.data, dimsTag.size / 4) as number[];
  if (dims.some((d) => d < 0)) fail(src, 'MatCorrupt', dimsTag.at, path, `corrupt dimensions [${dims.join(', ')}]`);
  at = dimsTag.next;

  const nameTag = readTag(src, at, end, path, 'array name');
  expectType(src, nameTag, [miINT8, miUINT8, miUTF8], path, 'array name');
  const name = ascii(src, nameTag.data, nameTag.size);
  at = nameTag.next;
  const here = path === '' ? name : path;
  const numel = numelOf(dims);

  const children = (count: number, childPath: (k: number) => string): MatValue[] => {
    const out: MatValue[] = [];
    for (let k = 0; k < count; k++) {
      const p = childPath(k);
      const tag = readTag(src, at, end, p, 'array element');
      expectType(src, tag, [miMATRIX], p, 'array element');
      out.push(parseMatrix(src, tag.data, tag.data + tag.size, p).value);
      at = tag.next;
    }
    return out;
  };

  switch (code) {
    case 1: {
      const cells = children(numel, (k) => `${here}{${subscriptText(dims, k)}}`);
      return { name, global, value: { kind: 'cell', dims, cells } };
    }
    case 2:
    case 3: {
      let className: string | undefined;
      if (code === 3) {
        const classTag = readTag(src, at, end, here, 'class name');
        expectType(src, classTag, [miINT8, miUINT8], here, 'class name');
        className = ascii(src, classTag.data, classTag.size);
        at = classTag.next;
      }
      const lenTag = readTag(src, at, end, here, 'field name length');
      expectType(src, lenTag, [miINT32], here, 'field name length');
      const fieldLen = src.view.getInt32(lenTag.data, src.little);
      at = lenTag.next;
      const namesTag = readTag(src, at, end, here, 'field names');
      expectType(src, namesTag, [miINT8, miUINT8], here, 'field names');
      if (fieldLen <= 0 ? namesTag.size !== 0 : namesTag.size % fieldLen !== 0) {
        fail(src, 'MatCorrupt', namesTag.at, here, `corrupt field names: ${namesTag.size} bytes is not a multiple of the field name length ${fieldLen}`);
      }
      const fieldNames: string[] = [];
      for (let f = 0; fieldLen > 0 && f < namesTag.size / fieldLen; f++) {
        fieldNames.push(ascii(src, namesTag.data + f * fieldLen, fieldLen));
      }
      at = namesTag.next;
      const elements: Map<string, MatValue>[] = [];
      for (let k = 0; k < numel; k++) {
        const prefix = numel === 1 ? here : `${here}(${subscriptText(dims, k)})`;
        const values = children(fieldNames.length, (f) => `${prefix}.${fieldNames[f]}`);
        elements.push(new Map(fieldNames.map((f, i) => [f, values[i]])));
      }
      return { name, global, value: { kind: 'struct', dims, fieldNames, elements, ...(className === undefined ? {} : { className }) } };
    }
    case 4: {
      if (at >= end && numel === 0) return { name, global, value: { kind: 'char', dims, text: '' } };
      const tag = readTag(src, at, end, here, 'char data');
      return { name, global, value: { kind: 'char', dims, text: decodeChars(src, tag, numel, here) } };
    }
    case 5: {
      const cols = dims[1] ?? 0;
      const irTag = readTag(src, at, end, here, 'sparse row indices');
      expectType(src, irTag, [miINT32, miUINT32], here, 'sparse row indices');
      const ir = readNumbers(src, irTag.type, irTag.data, irTag.size / 4) as number[];
      at = irTag.next;
      const jcTag = readTag(src, at, end, here, 'sparse column starts');
      expectType(src, jcTag, [miINT32, miUINT32], here, 'sparse column starts');
      const jc = readNumbers(src, jcTag.type, jcTag.data, jcTag.size / 4) as number[];
      at = jcTag.next;
      if (jc.length !== cols + 1) fail(src, 'MatCorrupt', jcTag.at, here, `corrupt sparse array: ${jc.length} column starts for ${cols} columns`);
      const nnz = jc[cols];
      if (nnz > ir.length || nnz > nzmax) fail(src, 'MatCorrupt', jcTag.at, here, `corrupt sparse array: ${nnz} non-zeros, ${ir.length} row indices, nzmax ${nzmax}`);
      const re = readNumericPart(src, at, end, nnz, here, 'sparse values');
      at = re.next;
      const im = complex ? readNumericPart(src, at, end, nnz, here, 'sparse imaginary values') : undefined;
      return {
        name,
        global,
        value: {
          kind: 'sparse',
          dims,
          logical,
          rowIndex: Int32Array.from(ir.slice(0, nnz)),
          colStart: Int32Array.from(jc),
          real: Float64Array.from(re.values as number[], Number),
          ...(im === undefined ? {} : { imag: Float64Array.from(im.values as number[], Number) }),
        },
      };
    }
    case 16:
      return { name, global, value: { kind: 'unsupported', class: 'function', reason: 'function handle' } };
    default: {
      const cls = NUMERIC_BY_CODE[code];
      if (cls === undefined) return fail(src, 'MatCorrupt', flagsTag.at, here, `corrupt array flags: unknown array class ${code}`);
      const re = readNumericPart(src, at, end, numel, here, 'real part');
      at = re.next;
      if (logical && !complex) {
        const data = new Uint8Array(numel);
        for (let i = 0; i < numel; i++) data[i] = Number(re.values[i]) !== 0 ? 1 : 0;
        return { name, global, value: { kind: 'logical', dims, data } };
      }
      const real = makeArray(cls, re.values);
      if (!complex) return { name, global, value: { kind: 'numeric', class: cls, dims, real } };
      const im = readNumericPart(src, at, end, numel, here, 'imaginary part');
      return { name, global, value: { kind: 'numeric', class: cls, dims, real, imag: makeArray(cls, im.values) } };
    }
  }
};

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

const hasHdf5Signature = (bytes: Uint8Array, at: number): boolean =>
  bytes.length >= at + 8 && HDF5_SIGNATURE.every((b, i) => bytes[at + i] === b);

const parseHeader = (file: string, bytes: Uint8Array): MatHeader => {
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(116, bytes.length))).replace(/[\s\0]+$/, '');
  const v73 = (): never => {
    throw new Failure({ _tag: 'MatUnsupportedVersion', file, version: 'v7.3', message: `${file}: ${V73_MESSAGE}` });
  };
  if (hasHdf5Signature(bytes, 0) || hasHdf5Signature(bytes, 512) || /^MATLAB 7\.3 MAT-file/.test(text)) v73();
  if (bytes.length < 128) {
    if (bytes.length === 0 || text.startsWith('MATLAB')) {
      throw new Failure({
        _tag: 'MatTruncated',
        file,
        offset: bytes.length,
        path: '',
        message: `${file}: truncated: the 128-byte MAT-file header ends at byte ${bytes.length}`,
      });
    }
  }
  const indicator = bytes.length >= 128 ? String.fromCharCode(bytes[126], bytes[127]) : '';
  if (indicator !== 'IM' && indicator !== 'MI') {
    throw new Failure({
      _tag: 'MatUnsupportedVersion',
      file,
      version: text.startsWith('MATLAB') ? 'unknown' : 'v4',
      message: `${file}: not a MATLAB Level 5 MAT-file (no endian indicator 'IM' or 'MI' at byte 126); Level 4 and other formats are not supported`,
    });
  }
  const little = indicator === 'IM';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(124, little);
  if (version === 0x0200) v73();
  if (version !== 0x0100) {
    throw new Failure({
      _tag: 'MatUnsupportedVersion',
      file,
      version: 'unknown',
      message: `${file}: unsupported MAT-file version 0x${version.toString(16).padStart(4, '0')} at byte 124 (expected 0x0100)`,
    });
  }
  const rawOffset = view.getBigUint64(116, little);
  // MATLAB fills an unused subsystem offset with zeros or spaces.
  const subsystemOffset = rawOffset === 0x2020202020202020n ? 0n : rawOffset;
  return { text, version, endian: little ? 'little' : 'big', subsystemOffset };
};

const inflate = (src: Source, tag: Tag): Uint8Array => {
  const packed = src.bytes.subarray(tag.data, tag.data + tag.size);
  try {
    return inflateSync(packed);
  } catch (strictError) {
    // Some writers end the stream without its checksum: take what inflates, the element parse checks completeness.
    try {
      const partial = inflateSync(packed, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
      if (partial.length > 0) return partial;
    } catch {
      // fall through to the strict error
    }
    const reason = strictError instanceof Error ? strictError.message : String(strictError);
    return fail(src, 'MatCorrupt', tag.at, '', `corrupt compressed element (zlib: ${reason})`);
  }
};

const parseVariables = (file: string, bytes: Uint8Array, little: boolean): MatVariable[] => {
  const src: Source = { file, bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), little };
  const variables: MatVariable[] = [];
  let at = 128;
  while (at < bytes.length) {
    const label = `variable ${variables.length + 1}`;
    const tag = readTag(src, at, bytes.length, '', label);
    if (tag.type === miCOMPRESSED) {
      const inflated = inflate(src, tag);
      const inner: Source = {
        file,
        bytes: inflated,
        view: new DataView(inflated.buffer, inflated.byteOffset, inflated.byteLength),
        little,
        compressedAt: tag.at,
      };
      const innerTag = readTag(inner, 0, inflated.length, '', label);
      expectType(inner, innerTag, [miMATRIX], '', label);
      const parsed = parseMatrix(inner, innerTag.data, innerTag.data + innerTag.size, '');
      variables.push({ ...parsed, offset: tag.at, compressed: true });
    } else if (tag.type === miMATRIX) {
      const parsed = parseMatrix(src, tag.data, tag.data + tag.size, '');
      variables.push({ ...parsed, offset: tag.at, compressed: false });
    } else {
      fail(src, 'MatCorrupt', tag.at, '', `corrupt file: top-level element of type ${typeName(tag.type)} (expected miMATRIX or miCOMPRESSED)`);
    }
    at = tag.next;
  }
  return variables;
};

/**
 * Decode a Level 5 MAT-file held in memory. `file` names it in messages.
 * Never throws: every failure is a Left naming the file, the byte offset and
 * the variable path.
 */
export const decodeMat = (bytes: Uint8Array, file: string): E.Either<MatError, MatFile> => {
  try {
    const header = parseHeader(file, bytes);
    const variables = parseVariables(file, bytes, header.endian === 'little');
    return E.right({ file, header, variables });
  } catch (e) {
    if (e instanceof Failure) return E.left(e.error);
    // A bug or an exotic input we did not foresee: still a value, with what we know.
    const reason = e instanceof Error ? e.message : String(e);
    return E.left({ _tag: 'MatCorrupt', file, offset: 0, path: '', message: `${file}: cannot decode (${reason})` });
  }
};
