/**
 * Parser of CelebA's `identity_CelebA.txt`: `000001.jpg 2880` per line (image,
 * person id), whitespace-separated, no header. A seeded split groups by it so
 * that no person is in two splits (faces of one person in train and test make
 * the test score a recognition score).
 */
import * as E from 'fp-ts/lib/Either.js';
import { type CelebaError, at, duplicateId } from './errors.js';

export const IDENTITY_FILE = 'identity_CelebA.txt';

/** Image file name -> person id. */
export type IdentityTable = ReadonlyMap<string, string>;

/** Parses the file's text; Left naming the file and line of the first bad row. */
export const parseIdentities = (text: string, file: string): E.Either<CelebaError, IdentityTable> => {
  const out = new Map<string, string>();
  const firstLine = new Map<string, number>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    if (fields.length !== 2 || !/^\d+$/.test(fields[1])) {
      return E.left({ _tag: 'BadPartition', file, line: i + 1, message: at(file, i + 1, `expected "<image> <identity number>", got ${JSON.stringify(line.slice(0, 60))}`) });
    }
    const seen = firstLine.get(fields[0]);
    if (seen !== undefined) return E.left(duplicateId(file, i + 1, seen, fields[0]));
    firstLine.set(fields[0], i + 1);
    out.set(fields[0], fields[1]);
  }
  return E.right(out);
};
