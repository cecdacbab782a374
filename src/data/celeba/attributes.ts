/**
 * Parser of CelebA's attribute annotations, in either form:
 *
 * - `list_attr_celeba.txt`: line 1 = image count, line 2 = the 40 names, then
 *   `000001.jpg -1  1  1 -1 ...` (whitespace-aligned, LF or CRLF);
 * - Kaggle's `list_attr_celeba.csv`: header `image_id,5_o_Clock_Shadow,...`,
 *   then `000001.jpg,-1,1,1,-1,...`.
 *
 * The form is told by the contents (a comma in the first line means CSV).
 * Labels are stored compactly, 0/1 bytes in one row-major Uint8Array.
 *
 * Header-count policy: a line-1 count that disagrees with the rows is a
 * warning, not an error (the real truncated file in ../shared/data says
 * 202599 above 20,000 rows and must still load); the warning is returned in
 * the table for the CLI to print.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type CelebaError, type CelebaWarning, at, duplicateId, thousands } from './errors.js';
import { CELEBA_ATTRIBUTES } from './names.js';
import { LineScanner, countLines, fieldText, hasComma, isBlank, plusMinusOne, splitFields } from './text.js';

export interface AttributeTable {
  readonly file: string;
  readonly format: 'txt' | 'csv';
  /** Attribute names in file order. */
  readonly names: readonly string[];
  /** Image file name of each row, e.g. `000001.jpg`. */
  readonly ids: readonly string[];
  /** 1-based line of each row in the file, for later messages. */
  readonly lines: Int32Array;
  /** Row-major [rows, names.length] labels, 1 for +1 and 0 for -1. */
  readonly labels: Uint8Array;
  /** The count on line 1 of a .txt; null for CSV. */
  readonly declaredCount: number | null;
  /** Row of each id. */
  readonly index: ReadonlyMap<string, number>;
  readonly warnings: readonly CelebaWarning[];
}

export interface ParseAttributeOptions {
  /** Force a form instead of telling it from the contents. */
  readonly format?: 'txt' | 'csv';
  /**
   * Names the header must list, in order (default: the 40 CelebA names).
   * `null` accepts any non-empty list of distinct names.
   */
  readonly expectedNames?: readonly string[] | null;
}

const MAX_SHOWN = 40;

const badRow = (file: string, line: number, what: string): E.Either<CelebaError, never> =>
  E.left({ _tag: 'BadRow', file, line, message: at(file, line, what) });

/** The first line's text (after a BOM), for format detection. */
const firstLineHasComma = (buf: Uint8Array): boolean => {
  const scan = new LineScanner(buf);
  while (scan.next()) {
    if (!isBlank(buf, scan.start, scan.end)) return hasComma(buf, scan.start, scan.end);
  }
  return false;
};

export const detectFormat = (buf: Uint8Array): 'txt' | 'csv' => (firstLineHasComma(buf) ? 'csv' : 'txt');

const checkNames = (
  file: string,
  line: number,
  got: readonly string[],
  expected: readonly string[] | null,
  what: string,
): E.Either<CelebaError, readonly string[]> => {
  const bad = (message: string): E.Either<CelebaError, never> =>
    E.left({ _tag: 'BadHeader', file, line, message: at(file, line, message) });
  if (expected === null) {
    if (got.length === 0) return bad(`expected ${what}, found none`);
    const seen = new Set<string>();
    for (const name of got) {
      if (seen.has(name)) return bad(`attribute '${name}' is named twice`);
      seen.add(name);
    }
    return E.right(got);
  }
  for (let i = 0; i < Math.min(got.length, expected.length); i++) {
    if (got[i] !== expected[i]) {
      return bad(
        `expected ${what}; name ${i + 1} is '${got[i].slice(0, MAX_SHOWN)}' where '${expected[i]}' was expected`,
      );
    }
  }
  if (got.length !== expected.length) {
    return bad(`expected ${what} (${expected.length} names), got ${got.length}`);
  }
  return E.right(expected);
};

/**
 * Parses attribute annotations from the bytes of a .txt or .csv file.
 *
 * @param data the file's bytes
 * @param file the path, used in every message
 */
/** All fields of the scanner's current line, as strings (header lines only). */
const lineFields = (data: Uint8Array, scan: LineScanner, sep: 'ws' | 'comma'): string[] => {
  let starts = new Int32Array(64);
  let ends = new Int32Array(64);
  let n = splitFields(data, scan.start, scan.end, sep, starts, ends);
  if (n > starts.length) {
    starts = new Int32Array(n);
    ends = new Int32Array(n);
    n = splitFields(data, scan.start, scan.end, sep, starts, ends);
  }
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(fieldText(data, starts[i], ends[i]));
  return out;
};

interface Rows {
  readonly ids: string[];
  readonly lines: Int32Array;
  readonly labels: Uint8Array;
  readonly index: Map<string, number>;
}

/** The data rows after the header: the hot loop, free of closures and per-row arrays. */
const parseRows = (
  data: Uint8Array,
  scan: LineScanner,
  sep: 'ws' | 'comma',
  names: readonly string[],
  file: string,
): E.Either<CelebaError, Rows> => {
  const k = names.length;
  const starts = new Int32Array(k + 2);
  const ends = new Int32Array(k + 2);
  let capacity = Math.max(16, countLines(data));
  let labels = new Uint8Array(capacity * k);
  let lines = new Int32Array(capacity);
  const ids: string[] = [];
  const index = new Map<string, number>();
  let rows = 0;
  while (scan.next()) {
    const n = splitFields(data, scan.start, scan.end, sep, starts, ends);
    if (n === 0) continue;
    const line = scan.line;
    if (n !== k + 1) return badRow(file, line, `expected ${k} values of +-1, got ${n - 1}`);
    if (ends[0] === starts[0]) return badRow(file, line, 'the image id is empty');
    if (rows === capacity) {
      capacity *= 2;
      const grown = new Uint8Array(capacity * k);
      grown.set(labels);
      labels = grown;
      const grownLines = new Int32Array(capacity);
      grownLines.set(lines);
      lines = grownLines;
    }
    const base = rows * k;
    for (let j = 0; j < k; j++) {
      const v = plusMinusOne(data, starts[j + 1], ends[j + 1]);
      if (v < 0) {
        const text = fieldText(data, starts[j + 1], ends[j + 1], MAX_SHOWN);
        return badRow(file, line, `value ${j + 1} (${names[j]}) is '${text}', expected 1 or -1`);
      }
      labels[base + j] = v;
    }
    const id = fieldText(data, starts[0], ends[0]);
    const previous = index.get(id);
    if (previous !== undefined) return E.left(duplicateId(file, line, lines[previous], id));
    index.set(id, rows);
    ids.push(id);
    lines[rows] = line;
    rows++;
  }
  return E.right({ ids, lines: lines.slice(0, rows), labels: labels.slice(0, rows * k), index });
};

/**
 * Parses attribute annotations from the bytes of a .txt or .csv file.
 *
 * @param data the file's bytes
 * @param file the path, used in every message
 */
export const parseAttributes = (
  data: Uint8Array,
  file: string,
  options: ParseAttributeOptions = {},
): E.Either<CelebaError, AttributeTable> => {
  const expected = options.expectedNames === undefined ? CELEBA_ATTRIBUTES : options.expectedNames;
  const format = options.format ?? detectFormat(data);
  const sep = format === 'csv' ? 'comma' : 'ws';
  const scan = new LineScanner(data);
  const badHeader = (line: number, what: string): E.Either<CelebaError, never> =>
    E.left({ _tag: 'BadHeader', file, line, message: at(file, line, what) });

  let declaredCount: number | null = null;
  let names: readonly string[];
  if (format === 'txt') {
    if (!scan.next()) return badHeader(1, 'empty file: expected the image count on line 1');
    const first = lineFields(data, scan, sep);
    if (first.length !== 1 || !/^\d+$/.test(first[0])) {
      return badHeader(1, `expected the image count (one integer), got '${fieldText(data, scan.start, scan.end, MAX_SHOWN)}'`);
    }
    declaredCount = Number(first[0]);
    if (!scan.next()) return badHeader(2, 'expected the attribute names on line 2, found the end of the file');
    const checked = checkNames(file, 2, lineFields(data, scan, sep), expected, 'the attribute names');
    if (E.isLeft(checked)) return checked;
    names = checked.right;
  } else {
    let found = false;
    while (!found && scan.next()) found = !isBlank(data, scan.start, scan.end);
    if (!found) return badHeader(1, 'empty file: expected the CSV header image_id,<attribute names>');
    const got = lineFields(data, scan, sep);
    if (got[0] !== 'image_id') {
      return badHeader(scan.line, `expected the CSV header to start with 'image_id', got '${(got[0] ?? '').slice(0, MAX_SHOWN)}'`);
    }
    const checked = checkNames(file, scan.line, got.slice(1), expected, 'the CSV header image_id,<attribute names>');
    if (E.isLeft(checked)) return checked;
    names = checked.right;
  }

  const parsed = parseRows(data, scan, sep, names, file);
  if (E.isLeft(parsed)) return parsed;
  const { ids, lines, labels, index } = parsed.right;
  const rows = ids.length;
  const warnings: CelebaWarning[] = [];
  if (declaredCount !== null && declaredCount !== rows) {
    warnings.push({
      _tag: 'HeaderCountMismatch',
      file,
      line: 1,
      declared: declaredCount,
      actual: rows,
      message: at(
        file,
        1,
        `the header says ${thousands(declaredCount)} images but the file has ${thousands(rows)} rows` +
          (rows < declaredCount ? ' (a truncated file?); using the rows present' : '; using the rows present'),
      ),
    });
  }
  return E.right({ file, format, names, ids, lines, labels, declaredCount, index, warnings });
};
