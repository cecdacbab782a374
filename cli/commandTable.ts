/**
 * The commands of the awmtl command line, each with its one-line summary and
 * the module that runs it, imported only when the command runs.
 */
export type Run = (argv: readonly string[]) => Promise<number>;
export type Command = { readonly summary: string; readonly load: () => Promise<Run> };

export const commands: Record<string, Command> = {
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

export const usage = (): string =>
  [
    'usage: awmtl <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`),
    '',
    "Run 'awmtl <command> --help' for a command's options.",
  ].join('\n');
