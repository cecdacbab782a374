/** A command's start: parse argv by its table, print --help, or report a usage error (exit 2) on one line. */
import * as E from 'fp-ts/lib/Either.js';
import { EXIT_USAGE, failureLine, reportFailure } from '../fail.js';
import { type CommandSpec, type OptionTable, type Parsed, parseOptions, usageText } from './optionTable.js';

/** Where a command writes (the process's streams by default; tests collect). */
export interface CommandIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CommandIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
};

/** Runs `body` with the parsed options; --help prints the usage (exit 0), a usage error its line (exit 2). */
export const runCommand = async <T extends OptionTable>(
  spec: CommandSpec<T>,
  argv: readonly string[],
  body: (parsed: Parsed<T>) => Promise<number> | number,
  io: CommandIo = processIo,
): Promise<number> => {
  const parsed = parseOptions(spec, argv);
  if (E.isLeft(parsed)) {
    if (io === processIo) return reportFailure(spec.name, parsed.left.message, EXIT_USAGE);
    io.err(`${failureLine(spec.name, parsed.left.message, true)}\n`);
    return EXIT_USAGE;
  }
  if (parsed.right === 'help') {
    io.out(`${usageText(spec)}\n`);
    return 0;
  }
  return body(parsed.right);
};
