/**
 * The numbers of the Level 5 MAT-file format ("MAT-File Format", MathWorks):
 * data element types, array class codes and array flags, with the byte size
 * and name of each element type.
 */
import type { NumericClass } from './types.js';

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

export const NUMERIC_BY_CODE: Readonly<Record<number, NumericClass>> = {
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
export const TYPE_SIZE: Readonly<Record<number, number>> = {
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

export const typeName = (t: number): string => TYPE_NAME[t] ?? `type ${t}`;
