/**
 * Decoder for MATLAB Level 5 MAT-files (versions 5 to 7: `save -v6` / `-v7`).
 *
 * Written from the published format description ("MAT-File Format",
 * MathWorks): a 128-byte header, then data elements, each an 8-byte tag
 * (type, byte count) or a 4-byte small-element tag, padded to 8 bytes.
 * Variables are miMATRIX elements, possibly wrapped in an miCOMPRESSED
 * (zlib) element. Both byte orders are read.
 *
 * This module reads the file level: the header (and the v7.3 / Level 4
 * files it refuses), the top-level elements and the inflating of
 * miCOMPRESSED ones. Element tags and numbers are read by ./source.ts, with
 * the format's codes in ./codes.ts; arrays are decoded by ./parseMatrix.ts.
 *
 * Internally failures throw a private exception (./source.ts); `decodeMat`
 * turns it into a Left. Nothing thrown leaves `decodeMat`.
 */
import { inflateSync, constants as zlibConstants } from 'node:zlib';
import * as E from 'fp-ts/lib/Either.js';
import type { MatError, MatFile, MatHeader, MatVariable } from './types.js';
import { miCOMPRESSED, miMATRIX, typeName } from './codes.js';
import { parseMatrix } from './parseMatrix.js';
import { expectType, fail, Failure, readTag, type Source, type Tag } from './source.js';

export const V73_MESSAGE = 'MATLAB v7.3 (HDF5) files are not supported; re-save with -v7';

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
