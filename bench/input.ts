/**
 * Input benchmark (see src/bench/input.ts): the same as `awmtl bench input`.
 *
 *   npx tsx bench/input.ts --pipeline celeba --data DIR [--json] [--workers N] [--iterations 100] ...
 */
import { benchInputCommand } from '../cli/commands/bench.js';

process.exitCode = await benchInputCommand(process.argv.slice(2));
