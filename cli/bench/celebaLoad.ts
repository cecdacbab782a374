/**
 * `awmtl bench celeba-load` (also `npm run bench -- celeba-load`): CelebA annotation loading figures
 * (./runCelebaLoadBench.ts) that used to be wall-clock assertions of test/data/celeba-perf.test.ts.
 */
import v8 from 'node:v8';
import vm from 'node:vm';
import { EXIT_FAILURE, reportFailure } from '../fail.js';
import { type CommandSpec, flag, type OptionTable, type Parsed } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { runCelebaLoadBench } from './runCelebaLoadBench.js';

export const celebaLoadSpec = () =>
  ({
    name: 'bench celeba-load',
    synopsis: ['bench celeba-load [--json]'],
    description:
      'Full-size CelebA annotations (202,599 rows, generated): format, parse and load times, and the memory\n' +
      'the parsed attribute table keeps.',
    options: { json: flag('print the figures as one JSON object on stdout') },
  }) satisfies CommandSpec<OptionTable>;

export const benchCelebaLoadCommand = async (argv: readonly string[]): Promise<number> => runCommand(celebaLoadSpec(), argv, celebaLoad);

const celebaLoad = async ({ values: v }: Parsed<ReturnType<typeof celebaLoadSpec>['options']>): Promise<number> => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const r = await runCelebaLoadBench(gc);
    if (v.json) {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      return 0;
    }
    process.stdout.write(
      [
        `formatCelebaAttributes: ${r.formatMs.toFixed(0)} ms`,
        `parseAttributes: ${r.rows} rows (${r.fileMiB.toFixed(1)} MiB) in ${r.parseMs.toFixed(0)} ms, retains ~${r.retainedMiB.toFixed(0)} MiB`,
        `loadCelebaDataset (read both files, parse, join the partition): ${r.loadMs.toFixed(0)} ms`,
        `loadCelebaDataset with a seeded split: ${r.loadSeededMs.toFixed(0)} ms`,
      ].join('\n') + '\n',
    );
    return 0;
  } catch (error) {
    return reportFailure('bench celeba-load', error instanceof Error ? error.message : String(error), EXIT_FAILURE);
  }
};
