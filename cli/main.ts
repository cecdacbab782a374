/**
 * The awmtl command line: the composition root (cli -> pipelines -> operators -> src).
 */
import { replayCommand } from './commands/replay.js';
import { backendsCommand } from './commands/backends.js';
import { compareCommand } from './commands/compare.js';
import { datasetCommand } from './commands/dataset.js';
import { demoCommand } from './commands/demo.js';
import { evalCommand } from './commands/eval.js';
import { predictCommand } from './commands/predict.js';
import { inputCommands } from './commands/prepare.js';
import { trainCommand } from './commands/train.js';

type Command = { readonly summary: string; readonly run: (argv: readonly string[]) => Promise<number> };

const commands: Record<string, Command> = {
  demo: { summary: 'train the CelebA pipeline on the bundled synthetic fixture (what npm start runs)', run: demoCommand },
  train: { summary: 'train a multi-task model with adaptive task weighting (or --resume a run)', run: trainCommand },
  eval: { summary: "a trained model's metrics on a split of a dataset", run: evalCommand },
  predict: { summary: "each image's attributes with their probabilities", run: predictCommand },
  dataset: { summary: 'what a dataset holds (info) or one identity\'s attributes (show), without training', run: datasetCommand },
  replay: { summary: 'replay weight updates of a strategy on a recorded loss log', run: replayCommand },
  ...inputCommands,
  backends: { summary: 'which backends work here (GPU adapter, native TensorFlow, wasm build) and what auto picks', run: backendsCommand },
  compare: { summary: 'train several weighting strategies with the same seeds and budget, and tabulate them', run: compareCommand },
};

const usage = (): string =>
  [
    'usage: awmtl <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    "Run 'awmtl <command> --help' for a command's options.",
  ].join('\n');

export const main = async (argv: readonly string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    process.stderr.write(`awmtl: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  return command.run(rest);
};

process.exitCode = await main(process.argv.slice(2));
