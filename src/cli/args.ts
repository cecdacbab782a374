/** Command-line option parsing on top of node:util parseArgs, with errors as values. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';

export interface UsageError {
  readonly _tag: 'UsageError';
  readonly message: string;
}

export const usageError = (message: string): UsageError => ({ _tag: 'UsageError', message });

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

/** Parse argv strictly: unknown options and missing values are usage errors. */
export const parseCommandArgs = (argv: readonly string[], options: OptionSpec): E.Either<UsageError, Parsed> => {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return E.right({ values: values as Parsed['values'], positionals });
  } catch (error) {
    return E.left(usageError(error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error)));
  }
};

export const stringOption = (parsed: Parsed, name: string): string | undefined => {
  const v = parsed.values[name];
  return typeof v === 'string' ? v : undefined;
};

export const flagOption = (parsed: Parsed, name: string): boolean => parsed.values[name] === true;

/** A numeric option: absent gives the fallback; present must satisfy the check. */
export const numberOption = (
  parsed: Parsed,
  name: string,
  fallback: number,
  check: (x: number) => boolean = Number.isFinite,
  expectation = 'a number',
): E.Either<UsageError, number> => {
  const raw = stringOption(parsed, name);
  if (raw === undefined) return E.right(fallback);
  const value = raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(value) && check(value)
    ? E.right(value)
    : E.left(usageError(`--${name} must be ${expectation}, got ${JSON.stringify(raw)}`));
};

export const isPositiveInteger = (x: number): boolean => Number.isInteger(x) && x >= 1;
export const isNonNegativeInteger = (x: number): boolean => Number.isInteger(x) && x >= 0;
