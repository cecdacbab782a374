/**
 * Command-line options, each declared once: name, kind, parser, default and help.
 *
 * A command is a `CommandSpec`: its synopsis, description and a table of
 * options (`Record<name, Option>`). `parseOptions` turns argv into typed values
 * through node:util parseArgs (strict: an option not in the table is a usage
 * error) and each option's own parser; `usageText` prints the same table as
 * the command's --help. Since both read the one table, the usage text cannot
 * list an option the parser refuses, nor the parser accept one it does not list.
 *
 * Errors are values (`UsageError`), worded `--limit must be a positive integer, got "abc"`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';

export interface UsageError {
  readonly _tag: 'UsageError';
  readonly message: string;
}

export const usageError = (message: string): UsageError => ({ _tag: 'UsageError', message });

/** One option: a flag (present or not) or an option with a value, parsed by `parse`. */
export interface Option<T> {
  readonly kind: 'flag' | 'value';
  /** What the value looks like in the help (N, DIR, NAME); empty for a flag. */
  readonly metavar: string;
  /** One or more lines (\n) of help. */
  readonly help: string;
  readonly short?: string;
  /** The value when the option is absent. */
  readonly absent: T;
  /** The default as the help shows it, `(default X)`; none shown when undefined. */
  readonly defaultText?: string;
  /** The value of the option given without one (last, or followed by another option): `--dashboard` alone. */
  readonly implicit?: string;
  /** The value from its text; Left is the whole message (`--flag` is the option as written). */
  readonly parse: (raw: string, flag: string) => E.Either<string, T>;
}

export type OptionTable = Readonly<Record<string, Option<unknown>>>;

/** The typed values of a table: each option's value, or its `absent` value. */
export type Values<T extends OptionTable> = { readonly [K in keyof T]: T[K] extends Option<infer V> ? V : never };

export interface CommandSpec<T extends OptionTable> {
  /** As in the error lines: `eval`, `bench step`. */
  readonly name: string;
  /** The usage lines after `awmtl `, e.g. `eval --model DIR --data DIR [options]`. */
  readonly synopsis: readonly string[];
  /** Paragraphs printed between the synopsis and the options. */
  readonly description?: string;
  readonly options: T;
  /** Positional arguments: how they read in the help and how many are taken (none when absent). */
  readonly positionals?: { readonly metavar: string; readonly min: number; readonly max: number };
  /** Printed after the options. */
  readonly epilog?: string;
}

export interface Parsed<T extends OptionTable> {
  readonly values: Values<T>;
  readonly positionals: readonly string[];
  /** The options given on the command line, in order. */
  readonly given: ReadonlySet<keyof T & string>;
  /** Their text as given (true for a flag), in order: e.g. to write the command line again. */
  readonly raw: Readonly<Record<string, string | true>>;
}

// ---------------------------------------------------------------------------
// Declaring options

interface Common {
  readonly help: string;
  readonly metavar?: string;
  readonly short?: string;
  /** Shown as `(default X)` when the default is not a plain value (e.g. "the pipeline's"). */
  readonly defaultText?: string;
  readonly implicit?: string;
}

const value = <T>(o: Common, absent: T, parse: Option<T>['parse'], metavar: string): Option<T> => ({
  kind: 'value',
  metavar: o.metavar ?? metavar,
  help: o.help,
  absent,
  parse,
  ...(o.short === undefined ? {} : { short: o.short }),
  ...(o.defaultText !== undefined ? { defaultText: o.defaultText } : absent === undefined ? {} : { defaultText: String(absent) }),
  ...(o.implicit === undefined ? {} : { implicit: o.implicit }),
});

/** An option without a value: true when given. */
export const flag = (help: string, o: { short?: string } = {}): Option<boolean> => ({
  kind: 'flag',
  metavar: '',
  help,
  absent: false,
  parse: () => E.right(true),
  ...(o.short === undefined ? {} : { short: o.short }),
});

/** A string option, taken as given. */
export function text(o: Common & { readonly default: string }): Option<string>;
export function text(o: Common): Option<string | undefined>;
export function text(o: Common & { readonly default?: string }): Option<string | undefined> {
  return value(o, o.default, (raw) => E.right(raw), 'X');
}

interface NumberCommon extends Common {
  /** How the error words what is expected, e.g. 'in (0, 1)'. */
  readonly expectation?: string;
}

const numberFrom = (check: (x: number) => boolean, expectation: string) => (raw: string, flag: string): E.Either<string, number> => {
  const x = raw.trim() === '' ? NaN : Number(raw);
  return Number.isFinite(x) && check(x) ? E.right(x) : E.left(`${flag} must be ${expectation}, got ${JSON.stringify(raw)}`);
};

/** An integer option, at least `min` (default 1) and at most `max`. */
export function integer(o: NumberCommon & { readonly min?: number; readonly max?: number; readonly default: number }): Option<number>;
export function integer(o: NumberCommon & { readonly min?: number; readonly max?: number }): Option<number | undefined>;
export function integer(o: NumberCommon & { readonly min?: number; readonly max?: number; readonly default?: number }): Option<number | undefined> {
  const min = o.min ?? 1;
  const expectation = o.expectation ?? (min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : `an integer from ${min}`);
  return value(o, o.default, numberFrom((x) => Number.isInteger(x) && x >= min && (o.max === undefined || x <= o.max), expectation), 'N');
}

/** A number option that passes `check` (default: any finite number). */
export function number(o: NumberCommon & { readonly check?: (x: number) => boolean; readonly default: number }): Option<number>;
export function number(o: NumberCommon & { readonly check?: (x: number) => boolean }): Option<number | undefined>;
export function number(o: NumberCommon & { readonly check?: (x: number) => boolean; readonly default?: number }): Option<number | undefined> {
  return value(o, o.default, numberFrom(o.check ?? (() => true), o.expectation ?? 'a number'), 'X');
}

/** One of a fixed list of words; the help lists them unless it says otherwise. */
export function choice<const C extends string>(values: readonly C[], o: Common & { readonly default: C }): Option<C>;
export function choice<const C extends string>(values: readonly C[], o: Common): Option<C | undefined>;
export function choice<const C extends string>(values: readonly C[], o: Common & { readonly default?: C }): Option<C | undefined> {
  return value(
    o,
    o.default,
    (raw, flag) => ((values as readonly string[]).includes(raw) ? E.right(raw as C) : E.left(`${flag} must be one of ${values.join(', ')}, got ${JSON.stringify(raw)}`)),
    values.join('|'),
  );
}

/** An option with its own parser (Left: the whole message). */
export function custom<T>(parse: (raw: string, flag: string) => E.Either<string, T>, o: Common & { readonly default: T }): Option<T>;
export function custom<T>(parse: (raw: string, flag: string) => E.Either<string, T>, o: Common): Option<T | undefined>;
export function custom<T>(parse: (raw: string, flag: string) => E.Either<string, T>, o: Common & { readonly default?: T }): Option<T | undefined> {
  return value(o, o.default, parse, 'X');
}

/** The table without some options (e.g. compare: train's table without --resume). */
export const without = <T extends OptionTable, K extends keyof T>(table: T, ...names: readonly K[]): Omit<T, K> => {
  const out: Record<string, Option<unknown>> = { ...table };
  for (const n of names) delete out[n as string];
  return out as Omit<T, K>;
};

/** Every table takes -h/--help. */
export const HELP = flag('print this help', { short: 'h' });

// ---------------------------------------------------------------------------
// Parsing

/** `--name` alone (last, or before another option) of an option with an implicit value becomes `--name=VALUE`. */
const withImplicitValues = (argv: readonly string[], table: OptionTable): string[] =>
  argv.flatMap((arg, i) => {
    const o = arg.startsWith('--') ? table[arg.slice(2)] : undefined;
    if (o?.implicit === undefined) return [arg];
    const next = argv[i + 1];
    return next === undefined || next.startsWith('-') ? [`${arg}=${o.implicit}`] : [arg];
  });

/** Parses argv by the command's table: unknown options, missing and bad values, stray arguments are usage errors. */
export const parseOptions = <T extends OptionTable>(spec: CommandSpec<T>, argv: readonly string[]): E.Either<UsageError, Parsed<T> | 'help'> => {
  const table: OptionTable = { ...spec.options, help: HELP };
  const config: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, o] of Object.entries(table)) {
    config[name] = { type: o.kind === 'flag' ? 'boolean' : 'string', ...(o.short === undefined ? {} : { short: o.short }) };
  }
  let tokens;
  try {
    tokens = parseArgs({ args: withImplicitValues(argv, table), options: config, allowPositionals: true, strict: true, tokens: true }).tokens;
  } catch (error) {
    return E.left(usageError(error instanceof Error ? error.message.replace(/\. To specify a positional.*$/s, '') : String(error)));
  }
  const raw: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') positionals.push(token.value);
    else if (token.kind === 'option') {
      // A repeated option: the last one counts (and keeps its place at the end).
      delete raw[token.name];
      raw[token.name] = token.value ?? true;
    }
  }
  if (raw.help === true) return E.right('help');
  const p = spec.positionals;
  if (p === undefined && positionals.length > 0) return E.left(usageError(`unexpected argument ${JSON.stringify(positionals[0])}`));
  if (p !== undefined && (positionals.length < p.min || positionals.length > p.max)) {
    const want = p.min === p.max ? `${p.min}` : p.max === Infinity ? `at least ${p.min}` : `${p.min} to ${p.max}`;
    return E.left(usageError(`expected ${want} ${p.metavar} argument${p.max === 1 ? '' : 's'}, got ${positionals.length}`));
  }
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const given = raw[name];
    if (given === undefined) {
      values[name] = o.absent;
      continue;
    }
    const parsed = o.parse(given === true ? '' : given, `--${name}`);
    if (E.isLeft(parsed)) return E.left(usageError(parsed.left));
    values[name] = parsed.right;
  }
  return E.right({ values: values as Values<T>, positionals, given: new Set(Object.keys(raw)) as ReadonlySet<keyof T & string>, raw });
};

// ---------------------------------------------------------------------------
// Usage text

/** The widest option column before the help starts on its own line. */
const COLUMN = 26;

/** The aligned option list: `  --name METAVAR   help (default X)`. */
export const optionLines = (table: OptionTable): string[] => {
  const entries = Object.entries(table).map(([name, o]) => {
    const left = `${o.short === undefined ? '' : `-${o.short}, `}--${name}${o.metavar === '' ? '' : ` ${o.metavar}`}`;
    const help = o.help.split('\n');
    if (o.defaultText !== undefined) help[help.length - 1] += ` (default ${o.defaultText})`;
    return { left, help };
  });
  const width = Math.min(COLUMN, Math.max(0, ...entries.map((e) => e.left.length)));
  const pad = ' '.repeat(width + 4);
  return entries.flatMap(({ left, help }) => {
    const first = left.length <= width ? [`  ${left.padEnd(width)}  ${help[0]}`] : [`  ${left}`, `${pad}${help[0]}`];
    return [...first, ...help.slice(1).map((h) => `${pad}${h}`)];
  });
};

/** The command's --help: synopsis, description, options (with --help), epilog. */
export const usageText = <T extends OptionTable>(spec: CommandSpec<T>): string => {
  const [first, ...more] = spec.synopsis;
  return [
    `usage: awmtl ${first}`,
    ...more.map((s) => `       awmtl ${s}`),
    ...(spec.description === undefined ? [] : ['', spec.description]),
    '',
    'Options:',
    ...optionLines({ ...spec.options, help: HELP }),
    ...(spec.epilog === undefined ? [] : ['', spec.epilog]),
  ].join('\n');
};

/**
 * Options known only at run time (every pipeline's data options, every strategy's parameters):
 * in the table for parsing and help, left out of its static type, and read by name
 * (`values[name]`, `raw[name]`) by the code that knows them.
 */
export const dynamic = (table: OptionTable): {} => table;
