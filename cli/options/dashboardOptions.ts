/** --dashboard [PORT] and --host H (train): the live dashboard of the run, served while it trains. */
import * as E from 'fp-ts/lib/Either.js';
import { integer, text, usageError, type UsageError } from './optionTable.js';

export const DEFAULT_PORT = 8600;

export const hostOption = (help = "the address to listen on (default 127.0.0.1: this machine only)") => text({ metavar: 'H', help });

export const dashboardOptions = {
  dashboard: integer({
    min: 0,
    max: 65535,
    metavar: '[PORT]',
    implicit: String(DEFAULT_PORT),
    expectation: 'a port number (0 to 65535)',
    help: `serve the live dashboard of the run while it trains (port ${DEFAULT_PORT} when none is given)`,
  }),
  host: hostOption("the dashboard's address (default 127.0.0.1: this machine only)"),
};

export interface DashboardOptions {
  readonly port: number;
  readonly host: string;
}

/** The dashboard's port and host, undefined without --dashboard; --host alone is a usage error. */
export const dashboardFromValues = (v: { readonly dashboard: number | undefined; readonly host: string | undefined }): E.Either<UsageError, DashboardOptions | undefined> => {
  if (v.dashboard === undefined) return v.host === undefined ? E.right(undefined) : E.left(usageError('--host goes with --dashboard'));
  return E.right({ port: v.dashboard, host: v.host ?? '127.0.0.1' });
};
