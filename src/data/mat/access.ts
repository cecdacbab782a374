/**
 * Helpers to index and navigate decoded MAT values. Indices are 0-based and
 * column-major like MATLAB's storage; error paths use MATLAB's 1-based notation.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { MatChar, MatError, MatFile, MatStruct, MatValue } from './types.js';

/** Number of elements of an array with these dimensions. */
export const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * Column-major linear index of 0-based subscripts: (i, j, k, ...) ->
 * i + dims[0] * (j + dims[1] * (k + ...)). Missing trailing subscripts are 0.
 * Throws RangeError for a subscript out of range (a programming error).
 */
export const linearIndex = (dims: readonly number[], ...subs: readonly number[]): number => {
  let index = 0;
  let stride = 1;
  for (let d = 0; d < Math.max(dims.length, subs.length); d++) {
    const n = d < dims.length ? dims[d] : 1;
    const s = subs[d] ?? 0;
    if (!Number.isInteger(s) || s < 0 || s >= n) throw new RangeError(`subscript ${s} out of range 0..${n - 1} in dimension ${d + 1}`);
    index += s * stride;
    stride *= n;
  }
  return index;
};

/**
 * Element (i, j, ...) of a numeric or logical array as a number (the real
 * part; 64-bit integers converted with Number()).
 */
export const at = (value: MatValue, ...subs: readonly number[]): number => {
  if (value.kind === 'numeric') return Number(value.real[linearIndex(value.dims, ...subs)]);
  if (value.kind === 'logical') return value.data[linearIndex(value.dims, ...subs)];
  throw new TypeError(`at: a ${value.kind} array has no numeric elements`);
};

/** All elements of a numeric or logical array as plain numbers, column-major. */
export const toNumbers = (value: MatValue): Float64Array | undefined => {
  if (value.kind === 'numeric') return Float64Array.from(value.real as ArrayLike<number | bigint>, Number);
  if (value.kind === 'logical') return Float64Array.from(value.data);
  return undefined;
};

/** The rows of a char matrix (a 1xN char array gives one row). */
export const charRows = (value: MatChar): string[] => {
  const rows = value.dims[0] ?? 0;
  if (rows === 0) return [];
  const cols = value.text.length / rows;
  const out: string[] = [];
  for (let i = 0; i < rows; i++) {
    let s = '';
    for (let j = 0; j < cols; j++) s += value.text[i + rows * j];
    out.push(s);
  }
  return out;
};

const describe = (value: MatValue): string => {
  if (value.kind === 'unsupported') return `unsupported ${value.class}`;
  const dims = value.dims.join('x');
  if (value.kind === 'numeric') return `${dims} ${value.class}`;
  return `${dims} ${value.kind}`;
};

const unexpected = (file: string, path: string, what: string): E.Either<MatError, never> =>
  E.left({ _tag: 'MatUnexpected', file, path, message: `${file}: ${path}: ${what}` });

/** A variable by name. */
export const getVariable = (mat: MatFile, name: string): E.Either<MatError, MatValue> => {
  const found = mat.variables.find((v) => v.name === name);
  return found === undefined
    ? unexpected(mat.file, name, `no such variable (the file has ${mat.variables.map((v) => v.name).join(', ') || 'none'})`)
    : E.right(found.value);
};

/** `value` as a struct, or a Left naming `path`. */
export const asStruct = (file: string, path: string, value: MatValue): E.Either<MatError, MatStruct> =>
  value.kind === 'struct' ? E.right(value) : unexpected(file, path, `expected a struct, got ${describe(value)}`);

/**
 * Field `name` of element `index` (column-major, 0-based; default 0) of a
 * struct array; `path` is the struct's path, used in messages.
 */
export const getField = (
  file: string,
  path: string,
  value: MatValue,
  name: string,
  index = 0,
): E.Either<MatError, MatValue> => {
  if (value.kind !== 'struct') return unexpected(file, path, `expected a struct, got ${describe(value)}`);
  if (index >= value.elements.length) return unexpected(file, path, `struct array has ${value.elements.length} elements, asked for element ${index + 1}`);
  const field = value.elements[index].get(name);
  return field === undefined
    ? unexpected(file, `${path}.${name}`, `no such field (fields: ${value.fieldNames.join(', ')})`)
    : E.right(field);
};

/** The strings of a cell array of char row vectors (e.g. a 1xN cell of ids), column-major. */
export const cellStrings = (file: string, path: string, value: MatValue): E.Either<MatError, string[]> => {
  if (value.kind !== 'cell') return unexpected(file, path, `expected a cell array of strings, got ${describe(value)}`);
  const out: string[] = [];
  for (let k = 0; k < value.cells.length; k++) {
    const cell = value.cells[k];
    if (cell.kind !== 'char' || (cell.dims[0] > 1 && cell.text.length > 0)) {
      return unexpected(file, `${path}{${k + 1}}`, `expected a char row vector, got ${describe(cell)}`);
    }
    out.push(cell.text);
  }
  return E.right(out);
};

/** The elements of a numeric or logical vector (1xN or Nx1) as numbers. */
export const vectorNumbers = (
  file: string,
  path: string,
  value: MatValue,
  length?: number,
): E.Either<MatError, Float64Array> => {
  const numbers = toNumbers(value);
  if (numbers === undefined || value.kind === 'unsupported' || value.dims.filter((d) => d !== 1).length > 1) {
    return unexpected(file, path, `expected a numeric vector, got ${describe(value)}`);
  }
  if (length !== undefined && numbers.length !== length) {
    return unexpected(file, path, `expected ${length} values, got ${numbers.length} (${describe(value)})`);
  }
  return E.right(numbers);
};
