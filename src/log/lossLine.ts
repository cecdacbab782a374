/**
 * Decoding one line of a loss log, as read by `awmtl replay`: either a bare
 * JSON array of per-task losses, or an object with `valLoss` and/or
 * `trainLoss` arrays (the training log's shape, one line per iteration).
 */
import * as E from 'fp-ts/lib/Either.js';

export type LossSeriesName = 'valLoss' | 'trainLoss';

export interface LossLine {
  readonly valLoss?: readonly number[];
  readonly trainLoss?: readonly number[];
  /** A bare array: the loss series, whichever the reader wants. */
  readonly losses?: readonly number[];
}

export interface LineError {
  readonly _tag: 'LineError';
  /** Line number, counted from 1. */
  readonly line: number;
  readonly message: string;
}

const lineError = (line: number, message: string): LineError => ({ _tag: 'LineError', line, message });

const describe = (x: unknown): string => (x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x === 'string' ? JSON.stringify(x) : typeof x);

const numbers = (value: unknown, line: number, field: string): E.Either<LineError, number[]> => {
  if (!Array.isArray(value)) return E.left(lineError(line, `${field} must be an array of numbers, got ${describe(value)}`));
  for (let j = 0; j < value.length; j++) {
    if (typeof value[j] !== 'number') {
      return E.left(lineError(line, `${field}[${j}] is not a number (got ${describe(value[j])})`));
    }
  }
  return E.right(value as number[]);
};

/** Parse one log line (1-based line number for messages). */
export const parseLossLine = (text: string, line: number): E.Either<LineError, LossLine> => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const short = text.length > 40 ? `${text.slice(0, 40)}...` : text;
    return E.left(lineError(line, `not valid JSON (${JSON.stringify(short)})`));
  }
  if (Array.isArray(value)) {
    return E.map((losses: number[]): LossLine => ({ losses }))(numbers(value, line, 'losses'));
  }
  if (typeof value !== 'object' || value === null) {
    return E.left(lineError(line, `expected an array of losses or an object with valLoss/trainLoss, got ${describe(value)}`));
  }
  const record = value as Record<string, unknown>;
  const out: { valLoss?: number[]; trainLoss?: number[] } = {};
  for (const field of ['valLoss', 'trainLoss'] as const) {
    if (record[field] === undefined) continue;
    const parsed = numbers(record[field], line, field);
    if (E.isLeft(parsed)) return parsed;
    out[field] = parsed.right;
  }
  if (out.valLoss === undefined && out.trainLoss === undefined) {
    return E.left(lineError(line, 'object has neither a valLoss nor a trainLoss array'));
  }
  return E.right(out);
};

/**
 * The series a reader wants from a parsed line: a bare array serves as any
 * series; an object must carry the named field.
 */
export const seriesOf = (parsed: LossLine, series: LossSeriesName, line: number): E.Either<LineError, readonly number[]> => {
  if (parsed.losses !== undefined) return E.right(parsed.losses);
  const values = parsed[series];
  return values === undefined ? E.left(lineError(line, `missing ${series} array`)) : E.right(values);
};
