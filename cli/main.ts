#!/usr/bin/env node
/**
 * The awmtl command line: the composition root (cli -> pipelines -> operators -> src).
 *
 * Each command's module is imported only when that command runs, so
 * `awmtl --help` (and a command's own --help, where its module is light)
 * prints without loading TensorFlow.js, jimp or a backend.
 */
import { describeException, EXIT_FAILURE, reportFailure } from './fail.js';

type Run = (argv: readonly string[]) => Promise<number>;
type Command = { readonly summary: string; readonly load: () => Promise<Run> };

const commands: Record<string, Command> = {
  demo: { summary: 'train the CelebA pipeline on the bundled synthetic fixture (what npm start runs)', load: async () => (await import('./commands/demo.js')).demoCommand },
  train: { summary: 'train a multi-task model with adaptive task weighting (or --resume a run)', load: async () => (await import('./commands/train.js')).trainCommand },
  eval: { summary: "a trained model's metrics on a split of a dataset", load: async () => (await import('./commands/eval.js')).evalCommand },
  predict: { summary: "each image's attributes with their probabilities", load: async () => (await import('./commands/predict.js')).predictCommand },
  dataset: { summary: "what a dataset holds (info) or one identity's attributes (show), without training", load: async () => (await import('./commands/dataset.js')).datasetCommand },
  replay: { summary: 'replay weight updates of a strategy on a recorded loss log', load: async () => (await import('./commands/replay.js')).replayCommand },
  prepare: { summary: "decode, crop and resize a dataset's images once into the cache that train/eval/compare read", load: async () => (await import('./commands/prepare.js')).prepareCommand },
  bench: { summary: 'benchmarks: input, step, soak, decode, celeba-load, startup, compare (tfjs vs PyTorch), dashboard', load: async () => (await import('./bench/bench.js')).benchCommand },
  serve: { summary: 'serve a page that runs a model in the browser (--model), or the live dashboard of a run (--run)', load: async () => (await import('./commands/serve.js')).serveCommand },
  backends: { summary: 'which backends work here (GPU adapter, native TensorFlow, wasm build) and what auto picks', load: async () => (await import('./commands/backends.js')).backendsCommand },
  compare: { summary: 'train several weighting strategies with the same seeds and budget, and tabulate them', load: async () => (await import('./commands/compare.js')).compareCommand },
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
  if (command === undefined) return reportFailure('awmtl', `unknown command "${name}" (known: ${Object.keys(commands).join(', ')}; see 'awmtl --help')`, 2);
  try {
    return await (await command.load())(rest);
  } catch (error) {
    // A failure no command turned into a message: still one line (AWMTL_DEBUG=1 adds the stack).
    return reportFailure(name, describeException(error), EXIT_FAILURE, error);
  }
};

// Errors that escape every handler (a callback's throw, a rejection nobody awaited) end the process
// with one line too, never with a dump of the module source the throw came from.
const lastResort = (error: unknown): void => {
  reportFailure(process.argv[2] ?? 'awmtl', `unexpected error: ${describeException(error)}`, EXIT_FAILURE, error);
  process.exit(EXIT_FAILURE);
};
process.on('uncaughtException', lastResort);
process.on('unhandledRejection', lastResort);

process.exitCode = await main(process.argv.slice(2));
