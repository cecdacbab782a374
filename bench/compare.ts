/**
 * Alternates the tfjs step benchmark (bench/step.ts) and its PyTorch counterpart
 * (bench/torch_step.py, Debian's python3-torch via /usr/bin/python3) on the same net, batch and
 * thread count, each in a fresh process, and prints every run and the best and median images/s.
 * Other load on the machine slows both; alternating spreads it evenly.
 *
 * With --backbone (small-cnn, resnet18, resnet50), tfjs times the project's model and PyTorch
 * torchvision's (40 outputs, BCE, Adam); the ratio reported is the median over the alternating
 * pairs of tfjs/PyTorch images/s.
 *
 *   npx tsx bench/compare.ts [--backbone NAME] [--threads 1] [--repeats 3] [--steps 50] [--warmup 5]
 *                            [--batch 32] [--size 64] [--json]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

interface Run {
  readonly imagesPerSecond: number;
  readonly bestImagesPerSecond: number;
  /** Images per second of process CPU time (all threads). */
  readonly cpuImagesPerSecond: number;
}

const args = process.argv.slice(2);
const opt = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
};
const threads = opt('threads', 1);
const repeats = opt('repeats', 3);
const backboneAt = args.indexOf('--backbone');
const backbone = backboneAt >= 0 ? args[backboneAt + 1] : undefined;
if (backboneAt >= 0 && (backbone === undefined || backbone.startsWith('--'))) throw new Error('--backbone needs a name');
const common = [
  '--threads', String(threads),
  '--steps', String(opt('steps', 50)),
  '--warmup', String(opt('warmup', 5)),
  '--batch', String(opt('batch', 32)),
  '--size', String(opt('size', 64)),
  ...(backbone !== undefined ? ['--backbone', backbone] : []),
];
const json = args.includes('--json');
const python = '/usr/bin/python3';

const run = (cmd: string, cmdArgs: string[]): Run => {
  const out = execFileSync(cmd, cmdArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as Run;
};
const loadAverage = (): number => (existsSync('/proc/loadavg') ? Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) : NaN);

const tfjs: Run[] = [];
const torch: Run[] = [];
const loads: number[] = [];
for (let r = 0; r < repeats; r++) {
  loads.push(loadAverage());
  tfjs.push(run(process.execPath, ['--import=tsx', 'bench/step.ts', '--json', ...common]));
  if (existsSync(python)) torch.push(run(python, ['bench/torch_step.py', ...common]));
  if (!json) {
    console.log(
      `run ${r + 1}: tfjs ${tfjs[r].imagesPerSecond.toFixed(1)} img/s` +
        (torch[r] ? `, pytorch ${torch[r].imagesPerSecond.toFixed(1)} img/s` : '') +
        (torch[r]
          ? `, ratio ${(tfjs[r].imagesPerSecond / torch[r].imagesPerSecond).toFixed(2)}` +
            ` (CPU time: ${tfjs[r].cpuImagesPerSecond.toFixed(1)} vs ${torch[r].cpuImagesPerSecond.toFixed(1)} img/s)`
          : '') +
        ` (load average ${loads[r]})`,
    );
  }
}
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const summary = (runs: Run[]) =>
  runs.length === 0
    ? null
    : {
        bestRun: Math.max(...runs.map((r) => r.imagesPerSecond)),
        medianRun: median(runs.map((r) => r.imagesPerSecond)),
        bestStep: Math.max(...runs.map((r) => r.bestImagesPerSecond)),
        medianCpu: median(runs.map((r) => r.cpuImagesPerSecond)),
      };
const paired = torch.length === tfjs.length;
const ratios = paired ? tfjs.map((r, i) => r.imagesPerSecond / torch[i].imagesPerSecond) : [];
const cpuRatios = paired ? tfjs.map((r, i) => r.cpuImagesPerSecond / torch[i].cpuImagesPerSecond) : [];
const result = {
  net: backbone ?? 'reference',
  threads,
  repeats,
  loadAverages: loads,
  tfjs: summary(tfjs),
  pytorch: summary(torch),
  ratios,
  medianRatio: ratios.length > 0 ? median(ratios) : null,
  cpuRatios,
  medianCpuRatio: cpuRatios.length > 0 ? median(cpuRatios) : null,
};
if (json) console.log(JSON.stringify(result));
else {
  const line = (name: string, s: ReturnType<typeof summary>) =>
    s
      ? `${name}: best run ${s.bestRun.toFixed(1)}, median run ${s.medianRun.toFixed(1)}, best single step ${s.bestStep.toFixed(1)} img/s`
      : `${name}: not available`;
  console.log(line('tfjs   ', result.tfjs));
  console.log(line('pytorch', result.pytorch));
  if (result.tfjs && result.pytorch) {
    console.log(`ratio tfjs/pytorch (median runs): ${(result.tfjs.medianRun / result.pytorch.medianRun).toFixed(2)}`);
    console.log(`ratio tfjs/pytorch (wall) per alternating pair: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${result.medianRatio?.toFixed(2)}`);
    console.log(`ratio by CPU time per pair: ${cpuRatios.map((r) => r.toFixed(2)).join(', ')}; median ${result.medianCpuRatio?.toFixed(2)}`);
  }
}
