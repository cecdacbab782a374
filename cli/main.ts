#!/usr/bin/env node
/**
 * The awmtl command line: the composition root (cli -> pipelines -> operators -> src).
 *
 * Each command's module is imported only when that command runs, so
 * `awmtl --help` (and a command's own --help, where its module is light)
 * prints without loading TensorFlow.js, jimp or a backend.
 */
import { commands, usage } from './commandTable.js';
import { describeException, EXIT_FAILURE, reportFailure } from './fail.js';

export const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) return reportFailure('awmtl', `unknown command "${name}" (known: ${Object.keys(commands).join(', ')}; see 'awmtl --help')`, 2);
  try {
    return await (await command.load())(rest);
  } catch (error) {
    // A failure no command turned into a message: still one line (AWMTL_DEBUG=1 adds the stack).
    return reportFailure(name, describeException(error), EXIT_FAILURE, error);
  }
};

// Errors that escape every handler (a callback's throw, a rejection nobody awaited) end the process
// with one line too, never with a dump of the module source the throw came from.
const lastResort = (error: unknown): void => {
  reportFailure(process.argv[2] ?? 'awmtl', `unexpected error: ${describeException(error)}`, EXIT_FAILURE, error);
  process.exit(EXIT_FAILURE);
};
process.on('uncaughtException', lastResort);
process.on('unhandledRejection', lastResort);
// A reader that stops early (`awmtl compare --plan | head -3`) closes the pipe: stop quietly, as
// other Unix tools do, instead of reporting the failed write.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  lastResort(error);
});

process.exitCode = await main(process.argv.slice(2));
