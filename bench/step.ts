/**
 * Training-step benchmark of the reference net (see src/bench/step.ts).
 *
 *   npx tsx bench/step.ts [--json] [--batch 32] [--size 64] [--steps 50] [--warmup 5]
 *                         [--threads 1] [--backend auto|tensorflow|webgpu|wasm|cpu] [--backbone NAME]
 *
 * With --json, prints one JSON object on stdout (the backend choice is logged on stderr).
 */
import { runStepBench, type StepBenchOptions } from '../src/bench/step.js';
import { backendChoiceError, isBackendChoice } from '../src/backend/index.js';

function parseArgs(argv: readonly string[]): { json: boolean; opts: StepBenchOptions } {
  let json = false;
  const opts: { -readonly [K in keyof StepBenchOptions]: StepBenchOptions[K] } = {};
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n)) throw new Error(`${flag} needs a number, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case '--json':
        json = true;
        break;
      case '--batch':
        opts.batch = num(a, argv[++i]);
        break;
      case '--size':
        opts.size = num(a, argv[++i]);
        break;
      case '--steps':
        opts.steps = num(a, argv[++i]);
        break;
      case '--warmup':
        opts.warmup = num(a, argv[++i]);
        break;
      case '--threads':
        opts.threads = num(a, argv[++i]);
        break;
      case '--backbone': {
        const b = argv[++i];
        if (b === undefined) throw new Error('--backbone needs a name');
        opts.backbone = b;
        break;
      }
      case '--backend': {
        const b = argv[++i];
        if (b === undefined || !isBackendChoice(b)) throw new Error(backendChoiceError(b ?? 'nothing'));
        opts.backend = b;
        break;
      }
      default:
        throw new Error(`unknown argument ${a}`);
    }
  }
  return { json, opts };
}

try {
  const { json, opts } = parseArgs(process.argv.slice(2));
  const r = await runStepBench(opts);
  if (json) {
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    console.log(
      `${r.backend} (${r.threads} thread(s)), batch ${r.batch} at ${r.size}px: ` +
        `${r.imagesPerSecond.toFixed(1)} img/s (${r.stepMs.mean.toFixed(1)} ms/step; ` +
        `median ${r.stepMs.median.toFixed(1)}, best ${r.stepMs.min.toFixed(1)} ms = ${r.bestImagesPerSecond.toFixed(1)} img/s), ` +
        `tensors ${r.numTensorsBefore} -> ${r.numTensorsAfter}`,
    );
  }
  process.exit(0);
} catch (e) {
  console.error(`bench/step: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
