/**
 * Parser of CelebA's evaluation partition: `list_eval_partition.txt`
 * (`000001.jpg 0`, whitespace-separated, no header) or Kaggle's
 * `list_eval_partition.csv` (header `image_id,partition`). 0, 1, 2 mean
 * train, val, test.
 */
import * as E from 'fp-ts/lib/Either.js';
import { type CelebaError, at, duplicateId } from './errors.js';
import { LineScanner, countLines, fieldText, hasComma, isBlank, splitFields } from './text.js';

export interface PartitionTable {
  readonly file: string;
  readonly format: 'txt' | 'csv';
  readonly ids: readonly string[];
  /** Partition code of each row: 0 train, 1 val, 2 test. */
  readonly codes: Uint8Array;
  /** 1-based line of each row. */
  readonly lines: Int32Array;
}

const MAX_SHOWN = 40;

const bad = (file: string, line: number, what: string): E.Either<CelebaError, never> =>
  E.left({ _tag: 'BadPartition', file, line, message: at(file, line, what) });

/**
 * Parses a partition file's bytes.
 *
 * @param data the file's bytes
 * @param file the path, used in every message
 */
export const parsePartition = (
  data: Uint8Array,
  file: string,
  options: { readonly format?: 'txt' | 'csv' } = {},
): E.Either<CelebaError, PartitionTable> => {
  const scan = new LineScanner(data);
  const starts = new Int32Array(8);
  const ends = new Int32Array(8);
  const capacity = countLines(data);
  const codes = new Uint8Array(capacity);
  const lines = new Int32Array(capacity);
  const ids: string[] = [];
  const seen = new Map<string, number>();
  let format = options.format;
  let sep: 'ws' | 'comma' = format === 'csv' ? 'comma' : 'ws';
  let rows = 0;
  let headerDone = false;
  while (scan.next()) {
    if (isBlank(data, scan.start, scan.end)) continue;
    const line = scan.line;
    if (!headerDone) {
      headerDone = true;
      format ??= hasComma(data, scan.start, scan.end) ? 'csv' : 'txt';
      sep = format === 'csv' ? 'comma' : 'ws';
      if (format === 'csv') {
        const n = splitFields(data, scan.start, scan.end, sep, starts, ends);
        const header = fieldText(data, scan.start, scan.end, MAX_SHOWN);
        if (n !== 2 || fieldText(data, starts[0], ends[0]) !== 'image_id' || fieldText(data, starts[1], ends[1]) !== 'partition') {
          return E.left({
            _tag: 'BadHeader',
            file,
            line,
            message: at(file, line, `expected the CSV header 'image_id,partition', got '${header}'`),
          });
        }
        continue;
      }
    }
    const n = splitFields(data, scan.start, scan.end, sep, starts, ends);
    if (n !== 2) return bad(file, line, `expected an image id and a partition (0, 1 or 2), got ${n} value${n === 1 ? '' : 's'}`);
    if (ends[0] === starts[0]) return bad(file, line, 'the image id is empty');
    const id = fieldText(data, starts[0], ends[0]);
        const code = ends[1] - starts[1] === 1 ? data[starts[1]] - 48 : -1;
    if (code < 0 || code > 2) {
      return bad(
        file,
        line,
        `partition '${fieldText(data, starts[1], ends[1], MAX_SHOWN)}' of ${id} is not 0, 1 or 2 (train, val, test)`,
      );
    }
    const previous = seen.get(id);
    if (previous !== undefined) return E.left(duplicateId(file, line, lines[previous], id));
    seen.set(id, rows);
    ids.push(id);
    codes[rows] = code;
    lines[rows] = line;
    rows++;
  }
  return E.right({
    file,
    format: format ?? 'txt',
    ids,
    codes: codes.slice(0, rows),
    lines: lines.slice(0, rows),
  });
};
