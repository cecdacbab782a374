/**
 * How the command line reports a failure: once, on one line,
 * `awmtl: <command>: <what>: <why>`, with no stack trace unless AWMTL_DEBUG=1
 * (then the exception behind an unexpected failure follows).
 *
 * Exit codes: 2 usage errors (options and their values, checked before any
 * data is read), 1 data and run-time errors, 130 / 143 after SIGINT / SIGTERM.
 */
export const EXIT_USAGE = 2;
export const EXIT_FAILURE = 1;

export const debugEnabled = (env: NodeJS.ProcessEnv = process.env): boolean => env.AWMTL_DEBUG === '1' || env.AWMTL_DEBUG === 'true';

/** The one line for a failure (newlines inside the message are folded). */
export const failureLine = (command: string, message: string, usage = false): string =>
  `awmtl: ${command}: ${message.replace(/\s*\n\s*/g, ' ')}${usage ? ` (see 'awmtl ${command} --help')` : ''}`;

/** Prints the failure and returns its exit code. */
export const reportFailure = (command: string, message: string, code: number, cause?: unknown): number => {
  process.stderr.write(`${failureLine(command, message, code === EXIT_USAGE)}\n`);
  if (debugEnabled() && cause instanceof Error && cause.stack !== undefined) process.stderr.write(`${cause.stack}\n`);
  return code;
};

/** A one-line description of an unexpected exception: its code and path for a file-system error, else its first line. */
export const describeException = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const e = error as NodeJS.ErrnoException;
  if (e.code !== undefined && e.path !== undefined) return `${e.path}: ${e.code}${e.syscall === undefined ? '' : ` (${e.syscall})`}`;
  return e.message.split('\n')[0].slice(0, 500);
};
