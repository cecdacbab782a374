/**
 * `awmtl bench startup [--runs 10] [--json]`: how long `awmtl --help` and
 * `awmtl replay --help` take against a bare `node -e 0`, each the median of
 * alternating runs of the compiled bin (dist/cli/main.js; `npm run bench`
 * builds it first). The target is at most 12 times a bare Node and 1.5 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { flagOption, isPositiveInteger, numberOption, parseCommandArgs } from '../../src/cli/args.js';
import { reportFailure } from '../fail.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const timed = (args: string[]): number => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}`);
  return performance.now() - t0;
};

export const benchStartupCommand = async (argv: readonly string[]): Promise<number> => {
  const parsed = parseCommandArgs(argv, { runs: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } });
  const fail = (message: string, code = 2): number => reportFailure('bench startup', message, code);
  if (E.isLeft(parsed)) return fail(parsed.left.message);
  if (flagOption(parsed.right, 'help')) {
    process.stdout.write('usage: awmtl bench startup [--runs N] [--json]\n\nMedian wall time of `awmtl --help`, `awmtl replay --help` and a bare `node -e 0` (the compiled bin).\n');
    return 0;
  }
  const runs = numberOption(parsed.right, 'runs', 10, isPositiveInteger, 'a positive integer');
  if (E.isLeft(runs)) return fail(runs.left.message);
  const bin = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? './../main.js' : '../../dist/cli/main.js', import.meta.url));
  if (!existsSync(bin)) return fail(`${bin} not found: run npm run build first`, 1);
  const bare: number[] = [];
  const help: number[] = [];
  const replay: number[] = [];
  for (let i = 0; i < runs.right; i++) {
    bare.push(timed(['-e', '0']));
    help.push(timed([bin, '--help']));
    replay.push(timed([bin, 'replay', '--help']));
  }
  const result = {
    runs: runs.right,
    bareNodeMs: median(bare),
    helpMs: median(help),
    replayHelpMs: median(replay),
    helpRatio: median(help) / median(bare),
    replayHelpRatio: median(replay) / median(bare),
  };
  if (flagOption(parsed.right, 'json')) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `node -e 0          ${result.bareNodeMs.toFixed(0)} ms\n` +
        `awmtl --help       ${result.helpMs.toFixed(0)} ms (${result.helpRatio.toFixed(1)}x)\n` +
        `awmtl replay --help ${result.replayHelpMs.toFixed(0)} ms (${result.replayHelpRatio.toFixed(1)}x)\n` +
        `(medians of ${result.runs} alternating runs; target: at most 12x and 1.5 s)\n`,
    );
  }
  return 0;
};
