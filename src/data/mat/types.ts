/**
 * Values and errors of the MAT-file reader (see ../mat.ts).
 *
 * Array layout: every array keeps MATLAB's column-major order. `dims` are
 * MATLAB's dimensions (at least two, e.g. [1, 751] for a row vector) and the
 * flat data holds element (i, j, k, ...) (0-based) at
 * i + dims[0] * (j + dims[1] * (k + ...)); see `linearIndex` and `at` in
 * ./access.ts.
 */

export type NumericClass =
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64';

/** The typed array of each numeric class (the class, not the type it was stored in). */
export interface NumericArrays {
  readonly double: Float64Array;
  readonly single: Float32Array;
  readonly int8: Int8Array;
  readonly uint8: Uint8Array;
  readonly int16: Int16Array;
  readonly uint16: Uint16Array;
  readonly int32: Int32Array;
  readonly uint32: Uint32Array;
  readonly int64: BigInt64Array;
  readonly uint64: BigUint64Array;
}

export type NumericData = NumericArrays[NumericClass];

/**
 * A numeric array. `real` (and `imag` for complex arrays) hold the values in
 * the array's MATLAB class, whatever smaller type the file stored them in
 * (MATLAB writes integer-valued doubles as miUINT8, for example).
 */
export interface MatNumeric {
  readonly kind: 'numeric';
  readonly class: NumericClass;
  readonly dims: readonly number[];
  readonly real: NumericData;
  readonly imag?: NumericData;
}

/** A logical array: 0 / 1 per element. */
export interface MatLogical {
  readonly kind: 'logical';
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * A char array. `text` is its UTF-16 code units in column-major order: for a
 * row vector (1xN, the usual case) simply the string. Use `charRows` for a
 * multi-row char matrix.
 */
export interface MatChar {
  readonly kind: 'char';
  readonly dims: readonly number[];
  readonly text: string;
}

/** A cell array: `cells` in column-major order. */
export interface MatCell {
  readonly kind: 'cell';
  readonly dims: readonly number[];
  readonly cells: readonly MatValue[];
}

/**
 * A struct array (or a MATLAB object: then `className` is set). `fieldNames`
 * in the file's order; `elements` in column-major order, each a map from
 * field name to value. Access fields by name: their order is not meaningful.
 */
export interface MatStruct {
  readonly kind: 'struct';
  readonly dims: readonly number[];
  readonly fieldNames: readonly string[];
  readonly elements: readonly ReadonlyMap<string, MatValue>[];
  readonly className?: string;
}

/** A sparse matrix in compressed-column form (0-based row indices). */
export interface MatSparse {
  readonly kind: 'sparse';
  readonly dims: readonly number[];
  readonly logical: boolean;
  /** Row index of each stored value. */
  readonly rowIndex: Int32Array;
  /** Index into rowIndex / real where each column starts; length columns + 1. */
  readonly colStart: Int32Array;
  readonly real: Float64Array;
  readonly imag?: Float64Array;
}

/** An array of a class this reader does not decode (function handles, MATLAB objects of the new class system). */
export interface MatUnsupported {
  readonly kind: 'unsupported';
  readonly class: string;
  readonly reason: string;
}

export type MatValue = MatNumeric | MatLogical | MatChar | MatCell | MatStruct | MatSparse | MatUnsupported;

export interface MatVariable {
  readonly name: string;
  readonly global: boolean;
  readonly value: MatValue;
  /** Byte offset of the variable's element in the file. */
  readonly offset: number;
  /** Whether the variable was stored in an miCOMPRESSED element. */
  readonly compressed: boolean;
}

export interface MatHeader {
  /** The descriptive text (bytes 0..115), trailing blanks removed. */
  readonly text: string;
  readonly version: number;
  readonly endian: 'little' | 'big';
  /** Subsystem data offset (bytes 116..123), 0 when absent. */
  readonly subsystemOffset: bigint;
}

export interface MatFile {
  /** The name given to the reader (usually the path), used in messages. */
  readonly file: string;
  readonly header: MatHeader;
  readonly variables: readonly MatVariable[];
}

/**
 * Errors. Every one carries `message`, a complete sentence naming the file and,
 * where it applies, the byte offset and the variable path (e.g.
 * `market_attribute.test.image_index{1,3}`).
 *
 * Offsets: `offset` is a byte offset in the file; for data inside an
 * miCOMPRESSED element it is the offset of that element, and `inflatedOffset`
 * is the offset within its decompressed bytes.
 */
export type MatError =
  | { readonly _tag: 'MatReadFailed'; readonly file: string; readonly message: string }
  | {
      readonly _tag: 'MatUnsupportedVersion';
      readonly file: string;
      readonly version: 'v7.3' | 'v4' | 'unknown';
      readonly message: string;
    }
  | {
      readonly _tag: 'MatTruncated' | 'MatCorrupt' | 'MatUnsupported';
      readonly file: string;
      readonly offset: number;
      readonly inflatedOffset?: number;
      readonly path: string;
      readonly message: string;
    }
  | {
      /** An accessor found something other than what it was asked for. */
      readonly _tag: 'MatUnexpected';
      readonly file: string;
      readonly path: string;
      readonly message: string;
    };
