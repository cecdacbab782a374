/**
 * Decoding one miMATRIX element into a {@link MatValue}: array flags,
 * dimensions and name, then the class's own data: numeric (stored in any
 * smaller type and converted back to its class, complex parts), logical,
 * char (miUTF8, miUTF16, miUTF32, miUINT16 or 8-bit), cell, struct and
 * object (recursively), sparse; function handles and opaque objects as
 * `unsupported`.
 */
import type { MatValue, NumericClass, NumericData } from './types.js';
import {
  FLAG_COMPLEX,
  FLAG_GLOBAL,
  FLAG_LOGICAL,
  miDOUBLE,
  miINT16,
  miINT32,
  miINT64,
  miINT8,
  miMATRIX,
  miSINGLE,
  miUINT16,
  miUINT32,
  miUINT64,
  miUINT8,
  miUTF16,
  miUTF32,
  miUTF8,
  NUMERIC_BY_CODE,
  TYPE_SIZE,
  typeName,
} from './codes.js';
import { expectType, fail, readNumbers, readTag, type Source, type Tag } from './source.js';

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

export interface Parsed {
  readonly name: string;
  readonly global: boolean;
  readonly value: MatValue;
}

const EMPTY: MatValue = { kind: 'numeric', class: 'double', dims: [0, 0], real: new Float64Array(0) };

/** Parse the body of an miMATRIX element occupying [start, end). `path` names it for messages. */
export const parseMatrix = (src: Source, start: number, end: number, path: string): Parsed => {
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
