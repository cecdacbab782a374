import test from 'ava';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateCelebaFixture } from '../../fixtures/celeba/index.js';
import { runDecodeBench } from '../../cli/bench/runDecodeBench.js';

// The decode benchmark (`npm run bench -- decode`) runs end to end and reports a figure for each
// step and size asked for. How fast they are is for the benchmark to print, not for a test.

test('the decode benchmark times every step at every size on fixture faces', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'awmtl-decode-bench-'));
  try {
    generateCelebaFixture({ dir: tmp, seed: 1, count: 6 });
    const r = await runDecodeBench({ dir: join(tmp, 'img_align_celeba'), images: 4, sizes: [32, 48], repeats: 1 });
    t.is(r.images, 4);
    t.deepEqual(r.sizes.map((s) => s.size), [32, 48]);
    const figures = [r.decodeMs, r.jimpDecodeMs, r.loadImagesIntoMs, ...r.sizes.flatMap((s) => [s.oursMs, s.jimpMs])];
    t.true(figures.every((x) => Number.isFinite(x) && x > 0), JSON.stringify(r));
    await t.throwsAsync(runDecodeBench({ dir: tmp }), { message: new RegExp(`no \\.jpg files in ${tmp}`) });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
