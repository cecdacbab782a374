/**
 * MATLAB Level 5 MAT-file reader (files written by `save` with -v6 or -v7,
 * the default before R2006b and still the usual format of dataset
 * annotations such as market_attribute.mat).
 *
 * Supported: little- and big-endian files; miCOMPRESSED (zlib) elements;
 * small-element tags; numeric classes stored in any smaller type (MATLAB
 * stores integer-valued doubles as miUINT8, say) and converted back to their
 * class; complex parts; logical arrays; char arrays in miUTF8, miUTF16,
 * miUTF32, miUINT16 or 8-bit form; cell arrays; struct arrays and objects
 * (fields accessed by name); sparse matrices. Function handles and opaque
 * objects (strings, tables) decode as `{ kind: 'unsupported' }`, so the other
 * variables of the file still read.
 *
 * Not supported, with a clear Left: v7.3 (HDF5) files ("MATLAB v7.3 (HDF5)
 * files are not supported; re-save with -v7") and Level 4 files. Truncated or
 * corrupt input gives a Left naming the file, the byte offset and the
 * variable path. The public functions never throw.
 *
 * Arrays stay column-major; see ./mat/types.ts for the layout and
 * ./mat/access.ts for helpers (`at(value, i, j)`, `getField`, `cellStrings`).
 *
 * @example
 *   const mat = readMatFileSync('market_attribute.mat');
 *   // Right({ file, header: { endian: 'little', ... }, variables: [{ name: 'market_attribute', value: { kind: 'struct', ... } }] })
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { decodeMat } from './mat/reader.js';
import type { MatError, MatFile } from './mat/types.js';

export * from './mat/types.js';
export { at, asStruct, cellStrings, charRows, getField, getVariable, linearIndex, numel, toNumbers, vectorNumbers } from './mat/access.js';
export { decodeMat, V73_MESSAGE } from './mat/reader.js';

const readFailed = (file: string, e: unknown): MatError => ({
  _tag: 'MatReadFailed',
  file,
  message: `${file}: cannot read (${e instanceof Error ? e.message : String(e)})`,
});

const toBytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** Read and decode a MAT-file. */
export const readMatFile =
  (path: string): TE.TaskEither<MatError, MatFile> =>
  async () => {
    let buffer: Buffer;
    try {
      buffer = await readFile(path);
    } catch (e) {
      return E.left(readFailed(path, e));
    }
    return decodeMat(toBytes(buffer), path);
  };

/** Synchronous {@link readMatFile}. */
export const readMatFileSync = (path: string): E.Either<MatError, MatFile> => {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (e) {
    return E.left(readFailed(path, e));
  }
  return decodeMat(toBytes(buffer), path);
};
