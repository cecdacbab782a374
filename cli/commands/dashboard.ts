/**
 * `awmtl train --dashboard [PORT] [--host H]`: the live dashboard of the run
 * being trained, served next to it. The server only reads the run folder's
 * files (as `awmtl serve --run` does), so the training loop needs no hook.
 */
import * as E from 'fp-ts/lib/Either.js';
import { isNonNegativeInteger, type Parsed, stringOption, usageError, type UsageError } from '../../src/cli/args.js';
import { startServer } from '../serve/server.js';
import { DEFAULT_PORT } from './serve.js';

export { DEFAULT_PORT };

/** `--dashboard` without a port (last, or before another option) gets the default port. */
export const withDashboardPort = (argv: readonly string[]): string[] =>
  argv.flatMap((arg, i) => (arg === '--dashboard' && (i + 1 >= argv.length || argv[i + 1].startsWith('-')) ? [`--dashboard=${DEFAULT_PORT}`] : [arg]));

export interface DashboardOptions {
  readonly port: number;
  readonly host: string;
}

/** The dashboard's port and host, undefined without --dashboard; --host alone is a usage error. */
export const dashboardFromArgs = (parsed: Parsed): E.Either<UsageError, DashboardOptions | undefined> => {
  const raw = stringOption(parsed, 'dashboard');
  const host = stringOption(parsed, 'host');
  if (raw === undefined) return host === undefined ? E.right(undefined) : E.left(usageError('--host goes with --dashboard'));
  const port = Number(raw);
  if (raw.trim() === '' || !isNonNegativeInteger(port) || port > 65535) {
    return E.left(usageError(`--dashboard takes a port number (0 to 65535), got ${JSON.stringify(raw)}`));
  }
  return E.right({ port, host: host ?? '127.0.0.1' });
};

/** Starts the dashboard of run folder `out`; Right is the function that closes it. */
export const startDashboard = async (
  options: DashboardOptions,
  out: string,
  tasks: readonly string[],
  info: (message: string) => void,
): Promise<E.Either<string, () => Promise<void>>> => {
  try {
    const server = await startServer({ host: options.host, port: options.port, run: out, tasks });
    info(`dashboard: ${server.url}`);
    return E.right(async () => {
      // Let the dashboard read the last lines and see metrics.json before it goes.
      await new Promise((done) => setTimeout(done, 600));
      await server.close();
    });
  } catch (error) {
    return E.left(`cannot start the dashboard on ${options.host}:${options.port}: ${(error as Error).message}`);
  }
};
