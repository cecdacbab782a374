/**
 * webgpu against wasm through the real CLI, each run in its own process (the backend is chosen
 * once per process): the same seeded CelebA-layout run (the fixture, 16 px, batch 4: lavapipe is slow) trained on
 * both, checkpoints resumed on the other backend, and the webgpu-trained model's predictions on
 * both. Skipped, with the reason, where Dawn finds no adapter (see test/backend/webgpu.test.ts).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { probeWebgpu } from '../../src/backend/webgpu.js';
import { runCli } from './run.js';

const probe = await probeWebgpu();
const gpuTest = probe.available ? test.serial : test.serial.skip;
const skipNote = probe.available ? '' : ` (skipped: ${probe.why})`;

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-webgpu-cli-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

const ITERATIONS = 10; // the ten iterations
const trainArgs = (out: string, backend: string): string[] => [
  'train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', out, '--iterations', String(ITERATIONS), '--size', '16',
  '--batch-size', '4', '--k', '2', '--eval-every', '0', '--eval-limit', '16', '--checkpoint-every', String(ITERATIONS),
  '--seed', '4', '--no-cache', '--backend', backend,
];
const env = { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir() };

interface LogLine {
  readonly iteration: number;
  readonly trainLoss: number[];
  readonly valLoss: number[];
  readonly weights: number[];
}
const readLog = (out: string): LogLine[] =>
  readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as LogLine);

/** The largest |a - b| / |b| over two equally long vectors. */
const relative = (a: readonly number[], b: readonly number[]): number => {
  if (a.length !== b.length || a.length === 0) return Infinity;
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.max(Math.abs(b[i]), 1e-12)));
};

const gpuRun = join(tmp, 'webgpu');
const wasmRun = join(tmp, 'wasm');

gpuTest(`the same seeded run on webgpu and on wasm: the first iteration's losses agree to 1e-4, the last validation losses to 2e-2${skipNote}`, async (t) => {
  const [gpu, wasm] = await Promise.all([runCli(trainArgs(gpuRun, 'webgpu'), undefined, { env }), runCli(trainArgs(wasmRun, 'wasm'), undefined, { env })]);
  t.is(gpu.code, 0, gpu.stderr);
  t.is(wasm.code, 0, wasm.stderr);
  t.regex(gpu.stderr, /^backend: webgpu, adapter .+ \/ .+ \/ .+/m);
  t.regex(wasm.stderr, /^backend: wasm/m);
  const a = readLog(gpuRun);
  const b = readLog(wasmRun);
  t.is(a.length, ITERATIONS);
  t.is(b.length, ITERATIONS);
  const first = Math.max(relative(a[0].trainLoss, b[0].trainLoss), relative(a[0].valLoss, b[0].valLoss));
  const last = relative(a[ITERATIONS - 1].valLoss, b[ITERATIONS - 1].valLoss);
  t.log(`iteration 1 losses: ${first.toExponential(2)} relative; iteration ${ITERATIONS} validation losses: ${last.toExponential(2)}`);
  t.true(first <= 1e-4, `iteration 1: ${first}`);
  t.true(last <= 2e-2, `iteration ${ITERATIONS}: ${last}`);
  t.true(a.every((l) => l.trainLoss.every(Number.isFinite) && l.valLoss.every(Number.isFinite)));
});

gpuTest(`a webgpu checkpoint resumes on wasm and a wasm one on webgpu, and they continue alike${skipNote}`, async (t) => {
  const more = ['--iterations', String(ITERATIONS + 2)];
  const [onWasm, onGpu] = await Promise.all([
    runCli(['train', '--resume', gpuRun, ...more, '--backend', 'wasm'], undefined, { env }),
    runCli(['train', '--resume', wasmRun, ...more, '--backend', 'webgpu'], undefined, { env }),
  ]);
  t.is(onWasm.code, 0, onWasm.stderr);
  t.is(onGpu.code, 0, onGpu.stderr);
  t.regex(onWasm.stderr, new RegExp(`resuming .* at iteration ${ITERATIONS + 1}`));
  const a = readLog(gpuRun);
  const b = readLog(wasmRun);
  t.deepEqual(a.map((l) => l.iteration), Array.from({ length: ITERATIONS + 2 }, (_, i) => i + 1));
  t.deepEqual(b.map((l) => l.iteration), a.map((l) => l.iteration));
  for (const i of [ITERATIONS, ITERATIONS + 1]) {
    const r = Math.max(relative(a[i].trainLoss, b[i].trainLoss), relative(a[i].valLoss, b[i].valLoss));
    t.true(r <= 2e-2, `iteration ${i + 1}: ${r}`);
  }
});

gpuTest(`a model trained on webgpu predicts the same on wasm (1e-4)${skipNote}`, async (t) => {
  const dir = join(FIXTURE, 'img_align_celeba');
  const images = readdirSync(dir).filter((n) => n.endsWith('.jpg')).sort().slice(0, 4).map((n) => join(dir, n));
  const predict = (backend: string) => runCli(['predict', '--model', gpuRun, '--json', '--backend', backend, ...images], undefined, { env });
  const [gpu, wasm] = await Promise.all([predict('webgpu'), predict('wasm')]);
  t.is(gpu.code, 0, gpu.stderr);
  t.is(wasm.code, 0, wasm.stderr);
  type Row = { image: string; tasks: Record<string, { probability: number }> };
  const a = JSON.parse(gpu.stdout) as Row[];
  const b = JSON.parse(wasm.stdout) as Row[];
  t.is(a.length, images.length);
  t.deepEqual(a.map((r) => r.image), b.map((r) => r.image));
  let worst = 0;
  a.forEach((row, i) => {
    const names = Object.keys(row.tasks);
    t.is(names.length, 40);
    t.deepEqual(names, Object.keys(b[i].tasks));
    for (const n of names) worst = Math.max(worst, Math.abs(row.tasks[n].probability - b[i].tasks[n].probability));
  });
  t.log(`largest probability difference ${worst.toExponential(2)}`);
  t.true(worst <= 1e-4, `largest difference ${worst}`);
});

gpuTest(`bench step on webgpu: backend webgpu, a finite loss, no leaked tensors; auto takes wasm on a software adapter${skipNote}`, async (t) => {
  const bench = (backend: string) =>
    runCli(['bench', 'step', '--backend', backend, '--json', '--batch', '4', '--size', '16', '--steps', '2', '--warmup', '1'], undefined, { env });
  const [gpu, auto] = await Promise.all([bench('webgpu'), bench('auto')]);
  t.is(gpu.code, 0, gpu.stderr);
  t.is(auto.code, 0, auto.stderr);
  const g = JSON.parse(gpu.stdout) as { backend: string; finalLoss: number; numTensorsBefore: number; numTensorsAfter: number };
  t.is(g.backend, 'webgpu');
  t.true(Number.isFinite(g.finalLoss));
  t.is(g.numTensorsAfter, g.numTensorsBefore);
  const expected = probe.available && !probe.adapter.software ? 'webgpu' : 'wasm';
  t.is((JSON.parse(auto.stdout) as { backend: string }).backend, expected);
});

test(`awmtl backends --json lists every backend, with the webgpu adapter when there is one${skipNote}`, async (t) => {
  const r = await runCli(['backends', '--json'], undefined, { env });
  t.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    backends: { name: string; available: boolean; reason?: string; details: Record<string, unknown> }[];
    auto: string;
  };
  t.deepEqual(report.backends.map((b) => b.name), ['tensorflow', 'webgpu', 'wasm', 'cpu']);
  for (const b of report.backends) t.true(b.available || (typeof b.reason === 'string' && b.reason.length > 0), b.name);
  const webgpu = report.backends[1];
  t.is(webgpu.available, probe.available);
  if (probe.available) {
    t.like(webgpu.details, { adapter: { vendor: probe.adapter.vendor, description: probe.adapter.description }, software: probe.adapter.software });
  }
  t.like(report.backends[2], { available: true, details: { simd: true, variant: 'tfjs-backend-wasm-simd.wasm' } });
  const tensorflow = report.backends[0];
  t.is(report.auto, tensorflow.available ? 'tensorflow' : probe.available && !probe.adapter.software ? 'webgpu' : 'wasm');
});
