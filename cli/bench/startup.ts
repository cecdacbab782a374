/**
 * `awmtl bench startup [--runs 10] [--json]`: how long `awmtl --help` and
 * `awmtl replay --help` take against a bare `node -e 0`, each the median of
 * alternating runs of the compiled bin (dist/cli/main.js; `npm run bench`
 * builds it first). The target is at most 12 times a bare Node and 1.5 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT_FAILURE, reportFailure } from '../fail.js';
import { type CommandSpec, flag, integer, type OptionTable, type Parsed } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';

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

export const startupSpec = () =>
  ({
    name: 'bench startup',
    synopsis: ['bench startup [--runs N] [--json]'],
    description: 'Median wall time of `awmtl --help`, `awmtl replay --help` and a bare `node -e 0` (the compiled bin).',
    options: {
      runs: integer({ default: 10, help: 'alternating runs of each' }),
      json: flag('print the medians as one JSON object on stdout'),
    },
  }) satisfies CommandSpec<OptionTable>;

export const benchStartupCommand = async (argv: readonly string[]): Promise<number> => runCommand(startupSpec(), argv, startup);

const startup = async ({ values: v }: Parsed<ReturnType<typeof startupSpec>['options']>): Promise<number> => {
  const fail = (message: string): number => reportFailure('bench startup', message, EXIT_FAILURE);
  const bin = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? '../main.js' : '../../dist/cli/main.js', import.meta.url));
  if (!existsSync(bin)) return fail(`${bin} not found: run npm run build first`);
  const bare: number[] = [];
  const help: number[] = [];
  const replay: number[] = [];
  for (let i = 0; i < v.runs; i++) {
    bare.push(timed(['-e', '0']));
    help.push(timed([bin, '--help']));
    replay.push(timed([bin, 'replay', '--help']));
  }
  const result = {
    runs: v.runs,
    bareNodeMs: median(bare),
    helpMs: median(help),
    replayHelpMs: median(replay),
    helpRatio: median(help) / median(bare),
    replayHelpRatio: median(replay) / median(bare),
  };
  if (v.json) process.stdout.write(`${JSON.stringify(result)}\n`);
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
