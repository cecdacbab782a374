import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { runCli, runInProcess } from '../cli/run.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-bench-soak-'));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));

interface Sample {
  label: string;
  sample: { iteration: number; numTensors: number; rssMB: number; heapUsedMB: number };
}

test('bench soak samples tensors and RSS at the start, every N iterations and at the end of a cached run', async (t) => {
  const r = await runCli([
    'bench', 'soak', '--data', FIXTURE, '--cache', join(tmp, 'caches'), '--size', '16', '--batch-size', '4',
    '--iterations', '6', '--sample-every', '3', '--eval-every', '2', '--eval-limit', '8', '--checkpoint-every', '2', '--json',
  ]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /input: cache /, 'the run reads the cache the soak prepared');
  const out = JSON.parse(r.stdout) as { iterations: number; samples: Sample[]; rssGrowth: number; tensorDelta: number };
  t.is(out.iterations, 6);
  t.deepEqual(out.samples.map((s) => s.label), ['before the run', 'iteration 1', 'iteration 3', 'end (6)', 'after the run']);
  const [before, first, third, end, after] = out.samples.map((s) => s.sample);
  // The model's variables and the optimiser's slots live during the run, and only then.
  t.is(before.numTensors, 0);
  t.true(first.numTensors > 0);
  t.is(third.numTensors, first.numTensors, 'no tensor leaks from step to step (evaluations and checkpoints included)');
  t.is(end.numTensors, first.numTensors);
  t.is(out.tensorDelta, 0);
  t.is(after.numTensors, 0, 'the run disposes what it made');
  t.true(out.samples.every((s) => s.sample.rssMB > 0));
  t.is(out.rssGrowth, end.rssMB / third.rssMB - 1);
  const usage = await runInProcess(['bench', 'soak', '--out', join(tmp, 'x')]);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /--out is fixed by the soak/);
});
