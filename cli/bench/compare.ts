/**
 * `awmtl bench compare [--backbone NAME] [--threads 1] [--repeats 3] [step options] [--json]`:
 * alternates `awmtl bench step` and its PyTorch counterpart (./torchStep.ts, run by
 * /usr/bin/python3 with Debian's python3-torch) on the same net, batch and thread count, each in
 * a fresh process, and prints every run and the best and median images/s. Other load on the
 * machine slows both; alternating spreads it evenly.
 *
 * With --backbone (small-cnn, resnet18, resnet50), tfjs times the project's model and PyTorch
 * torchvision's (40 outputs, BCE, Adam); the ratio reported is the median over the alternating
 * pairs of tfjs/PyTorch images/s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { EXIT_FAILURE, reportFailure } from '../fail.js';
import { type CommandSpec, flag, integer, type OptionTable, type Parsed, text } from '../options/optionTable.js';
import { runCommand } from '../options/runCommand.js';
import { awmtlBin } from './awmtlBin.js';
import { stepOptions } from './step.js';
import { TORCH_STEP_PY } from './torchStep.js';

interface Run {
  readonly imagesPerSecond: number;
  readonly bestImagesPerSecond: number;
  /** Images per second of process CPU time (all threads). */
  readonly cpuImagesPerSecond: number;
  /** PyTorch only: the BLAS libraries its process loaded (real paths). */
  readonly blas?: readonly string[];
}

/**
 * Debian's netlib reference BLAS (libblas3, the default of update-alternatives without OpenBLAS):
 * torch's own convolutions fall back to it for 1x1 convolutions below batch 16 on one thread, where
 * it is several times slower than OpenBLAS (ResNet-50 at batch 8: 7 s against 0.9 s a step).
 */
export const isReferenceBlas = (path: string): boolean => /\/blas\/libblas\.so/.test(path);

/** The thread counts of the BLAS and OpenMP pools, so that PyTorch's whole process uses `threads`. */
export const torchEnv = (threads: number): NodeJS.ProcessEnv => ({
  ...process.env,
  OMP_NUM_THREADS: String(threads),
  OPENBLAS_NUM_THREADS: String(threads),
  MKL_NUM_THREADS: String(threads),
});

export const compareSpec = () =>
  ({
    name: 'bench compare',
    synopsis: ['bench compare [--backbone NAME] [--threads 1] [--repeats 3] [--steps 50] [--warmup 5] [--batch 32] [--size 64] [--json]'],
    description:
      'Alternates the tfjs training step (awmtl bench step, backend auto) and the same step in PyTorch\n' +
      '(/usr/bin/python3 with torch; torchvision for --backbone resnet18|resnet50), each in a fresh process.',
    options: {
      ...stepOptions(),
      repeats: integer({ default: 3, help: 'alternating pairs of runs' }),
      python: text({ metavar: 'PATH', default: '/usr/bin/python3', help: 'the Python that has torch' }),
      json: flag('print the summary as one JSON object on stdout'),
    },
  }) satisfies CommandSpec<OptionTable>;

export const benchCompareCommand = async (argv: readonly string[]): Promise<number> => runCommand(compareSpec(), argv, compare);

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const lastJson = (out: string): Run => JSON.parse(out.trim().split('\n').pop() ?? '') as Run;

const loadAverage = (): number => (existsSync('/proc/loadavg') ? Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) : NaN);

const compare = async ({ values: v }: Parsed<ReturnType<typeof compareSpec>['options']>): Promise<number> => {
  const fail = (message: string): number => reportFailure('bench compare', message, EXIT_FAILURE);
  const python = v.python;
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    const why = probe.error !== undefined ? probe.error.message : probe.stderr.trim().split('\n').pop() || `exit ${probe.status}`;
    return fail(`PyTorch is not available: ${python} -c 'import torch' failed (${why}); install python3-torch, or give --python PATH`);
  }
  const common = [
    '--threads', String(v.threads),
    '--steps', String(v.steps),
    '--warmup', String(v.warmup),
    '--batch', String(v.batch),
    '--size', String(v.size),
    ...(v.backbone !== undefined ? ['--backbone', v.backbone] : []),
  ];
  const tfjs: Run[] = [];
  const torch: Run[] = [];
  const loads: number[] = [];
  try {
    for (let r = 0; r < v.repeats; r++) {
      loads.push(loadAverage());
      tfjs.push(lastJson(execFileSync(process.execPath, [awmtlBin(), 'bench', 'step', '--json', ...common], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })));
      torch.push(lastJson(execFileSync(python, ['-c', TORCH_STEP_PY, ...common], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: torchEnv(v.threads) })));
      if (r === 0) {
        const blas = torch[0].blas ?? [];
        process.stderr.write(`pytorch BLAS: ${blas.length > 0 ? blas.join(', ') : 'none loaded (or not reported)'}\n`);
        if (blas.some(isReferenceBlas)) {
          process.stderr.write(
            'warning: PyTorch runs on the netlib reference BLAS, several times slower than OpenBLAS where oneDNN does not take the convolution ' +
              '(1x1 below batch 16 on one thread): the ratios flatter awmtl. Install libopenblas0-pthread for a fair baseline.\n',
          );
        }
      }
      if (!v.json) {
        process.stdout.write(
          `run ${r + 1}: tfjs ${tfjs[r].imagesPerSecond.toFixed(1)} img/s, pytorch ${torch[r].imagesPerSecond.toFixed(1)} img/s, ` +
            `ratio ${(tfjs[r].imagesPerSecond / torch[r].imagesPerSecond).toFixed(2)}` +
            ` (CPU time: ${tfjs[r].cpuImagesPerSecond.toFixed(1)} vs ${torch[r].cpuImagesPerSecond.toFixed(1)} img/s) (load average ${loads[r]})\n`,
        );
      }
    }
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    return fail(`a step run failed: ${(e.stderr ?? '').trim().split('\n').pop() || e.message.split('\n')[0]}`);
  }
  const summary = (runs: Run[]) => ({
    bestRun: Math.max(...runs.map((r) => r.imagesPerSecond)),
    medianRun: median(runs.map((r) => r.imagesPerSecond)),
    bestStep: Math.max(...runs.map((r) => r.bestImagesPerSecond)),
    medianCpu: median(runs.map((r) => r.cpuImagesPerSecond)),
  });
  const ratios = tfjs.map((r, i) => r.imagesPerSecond / torch[i].imagesPerSecond);
  const cpuRatios = tfjs.map((r, i) => r.cpuImagesPerSecond / torch[i].cpuImagesPerSecond);
  const result = {
    net: v.backbone ?? 'reference',
    threads: v.threads,
    repeats: v.repeats,
    loadAverages: loads,
    tfjs: summary(tfjs),
    pytorch: summary(torch),
    ratios,
    medianRatio: median(ratios),
    cpuRatios,
    medianCpuRatio: median(cpuRatios),
    pytorchBlas: torch[0]?.blas ?? [],
  };
  if (v.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const line = (name: string, s: ReturnType<typeof summary>): string =>
    `${name}: best run ${s.bestRun.toFixed(1)}, median run ${s.medianRun.toFixed(1)}, best single step ${s.bestStep.toFixed(1)} img/s`;
  process.stdout.write(
    [
      line('tfjs   ', result.tfjs),
      line('pytorch', result.pytorch),
      `ratio tfjs/pytorch (median runs): ${(result.tfjs.medianRun / result.pytorch.medianRun).toFixed(2)}`,
      `ratio tfjs/pytorch (wall) per alternating pair: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${result.medianRatio.toFixed(2)}`,
      `ratio by CPU time per pair: ${cpuRatios.map((r) => r.toFixed(2)).join(', ')}; median ${result.medianCpuRatio.toFixed(2)}`,
    ].join('\n') + '\n',
  );
  return 0;
};
