import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDukeFixture } from '../../fixtures/market/fixture.js';
import { runCli } from '../cli/run.js';

const root = mkdtempSync(join(tmpdir(), 'awmtl-duke-pipeline-'));
const data = join(root, 'DukeMTMC-reID');
const out = join(root, 'run');
test.after.always(() => rmSync(root, { recursive: true, force: true }));

test('awmtl train --pipeline duke --colours binary on the fixture: 23 binary tasks, mA in metrics, no Market scoring', async (t) => {
  await generateDukeFixture({ dir: join(data, 'images'), seed: 12, trainIds: 14, testIds: 8, imagesPerId: 3 });
  // The annotation file given with --annotations (it also lies in the image folder, where it would be found).
  const annotations = join(data, 'images', 'duke_attribute.mat');
  const r = await runCli([
    'train', '--pipeline', 'duke', '--data', join(data, 'images'), '--annotations', annotations, '--out', out, '--colours', 'binary',
    '--iterations', '16', '--size', '64x32', '--batch-size', '8', '--val-fraction', '0.3', '--k', '4', '--eval-every', '0', '--checkpoint-every', '0',
  ]);
  t.is(r.code, 0, r.stderr);
  for (const f of ['metrics.json', 'report.html', 'model/model.json', 'model/awmtl.json', 'log.jsonl']) t.true(existsSync(join(out, f)), f);
  t.regex(r.stderr, /23 tasks; train \d+, val \d+, test 24 images/);
  // The fixture's invalid `top` code (as in the real file) is reported.
  t.regex(r.stderr, /warning: duke_attribute\.train\.top: 1 identity has a code outside 1\.\.2 \(0\); their label is missing/);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as {
    pipeline: string;
    tasks: string[];
    splits: Record<string, { mA: number; images: number; marketOfficial?: unknown; perTask: { task: string; labelled: number }[] }>;
    data: Record<string, unknown>;
  };
  t.is(metrics.pipeline, 'duke');
  t.is(metrics.tasks.length, 23);
  t.deepEqual(metrics.tasks.slice(0, 8), ['backpack', 'bag', 'handbag', 'boots', 'gender', 'hat', 'shoes', 'top']);
  t.true(metrics.tasks.includes('upbrown') && metrics.tasks.includes('downred'));
  t.true(metrics.splits.test.mA > 0 && metrics.splits.test.mA <= 1);
  t.is(metrics.splits.test.images, 24);
  t.is(metrics.splits.test.marketOfficial, undefined);
  t.like(metrics.data, { colours: 'binary', testIdentities: 8 });
  const meta = JSON.parse(readFileSync(join(out, 'model', 'awmtl.json'), 'utf8')) as { tasks: { kind: string }[]; extra: { pipeline: string; dataOptions: Record<string, string> } };
  t.true(meta.tasks.every((x) => x.kind === 'binary'));
  t.is(meta.extra.pipeline, 'duke');
  t.like(meta.extra.dataOptions, { colours: 'binary', 'val-fraction': '0.3' });
  t.regex(r.stdout, /\(balanced [\d.]+%, mA [\d.]+%\) on 24 images/);
  t.notRegex(r.stdout, /official/);
});
