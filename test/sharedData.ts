/**
 * Tests that need the workplace's real datasets under ../shared/data, which a plain clone does not
 * have. `testWithData(paths, title, impl)` registers an ava test when every path exists and a
 * skipped one (`test.skip`) otherwise, with the paths in its title, so that without the data ava
 * reports it as skipped, never as passed.
 */
import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import test, { type ImplementationFn } from 'ava';

/** True when every path exists. */
export const present = (...paths: readonly string[]): boolean => paths.every((p) => existsSync(p));

export const testWithData = (paths: readonly string[], title: string, impl: ImplementationFn<[]>): void => {
  (present(...paths) ? test : test.skip)(`${title} (needs ${paths.map((p) => relative(process.cwd(), p)).join(', ')})`, impl);
};
