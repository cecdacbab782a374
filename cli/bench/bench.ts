/**
 * `awmtl bench <benchmark> [options]` (also `npm run bench -- <benchmark> ...`): every benchmark
 * of awmtl, each a command with its own options (`awmtl bench <benchmark> --help`). A benchmark's
 * module loads only when it runs.
 */
import { EXIT_USAGE, reportFailure } from '../fail.js';

type Run = (argv: readonly string[]) => Promise<number>;

const BENCHMARKS: Readonly<Record<string, { readonly summary: string; readonly load: () => Promise<Run> }>> = {
  input: { summary: 'how fast images reach the training step: decoding, cache, step, waiting for data, RSS', load: async () => (await import('./input.js')).benchInputCommand },
  step: { summary: 'images/s of one training step (the reference net, or a backbone), with a per-kernel profile', load: async () => (await import('./step.js')).benchStepCommand },
  soak: { summary: 'tensors and RSS over a long cached training run on the demo fixture', load: async () => (await import('./soak.js')).benchSoakCommand },
  decode: { summary: 'ms per JPEG: decoding, crop and resize, next to jimp', load: async () => (await import('./decode.js')).benchDecodeCommand },
  'celeba-load': { summary: 'format, parse and load times of full-size CelebA annotations', load: async () => (await import('./celebaLoad.js')).benchCelebaLoadCommand },
  startup: { summary: 'awmtl --help and replay --help against a bare node -e 0 (compiled bin)', load: async () => (await import('./startup.js')).benchStartupCommand },
  compare: { summary: 'the training step in tfjs against PyTorch (/usr/bin/python3 with torch), alternating', load: async () => (await import('./compare.js')).benchCompareCommand },
  dashboard: { summary: 'step times of training with and without the live dashboard (and a browser on it)', load: async () => (await import('./dashboard.js')).benchDashboardCommand },
};

export const BENCHMARK_NAMES: readonly string[] = Object.keys(BENCHMARKS);

export const benchUsage = (): string =>
  [
    'usage: awmtl bench <benchmark> [options]',
    '',
    'Benchmarks:',
    ...Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(12)} ${b.summary}`),
    '',
    "Run 'awmtl bench <benchmark> --help' for a benchmark's options. cli/bench/gpu.sh runs the GPU check.",
  ].join('\n');

export const benchCommand = async (argv: readonly string[]): Promise<number> => {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h' || sub === 'help') {
    process.stdout.write(`${benchUsage()}\n`);
    return 0;
  }
  const bench = sub === undefined ? undefined : BENCHMARKS[sub];
  if (bench === undefined) {
    const known = `${BENCHMARK_NAMES.slice(0, -1).join(', ')} or ${BENCHMARK_NAMES[BENCHMARK_NAMES.length - 1]}`;
    return reportFailure('bench', `${sub === undefined ? 'which benchmark?' : `unknown benchmark "${sub}"`} (${known})`, EXIT_USAGE);
  }
  return (await bench.load())(rest);
};
