/**
 * `awmtl train --dashboard [PORT] [--host H]` (options in ../options/dashboardOptions.ts): the live
 * dashboard of the run being trained, served next to it. The server only reads the run folder's
 * files (as `awmtl serve --run` does), so the training loop needs no hook.
 */
import * as E from 'fp-ts/lib/Either.js';
import type { DashboardOptions } from '../options/dashboardOptions.js';
import { startServer } from '../serve/server.js';

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
