import test from 'ava';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateMarketFixture } from '../../fixtures/market/fixture.js';
import { OFFICIAL_TASKS } from '../../src/metrics/index.js';
import { runCli } from '../cli/run.js';

const root = mkdtempSync(join(tmpdir(), 'awmtl-market-pipeline-'));
const data = join(root, 'Market-1501');
const out = join(root, 'run');
const fixture = generateMarketFixture({ dir: data, seed: 11, trainIds: 16, testIds: 10, imagesPerId: 3, junkImages: 4 });
test.after.always(() => rmSync(root, { recursive: true, force: true }));

const small = ['--size', '64x32', '--batch-size', '8', '--val-fraction', '0.25', '--k', '5', '--eval-every', '10', '--eval-limit', '8', '--checkpoint-every', '10', '--seed', '2'];

interface SplitMetrics {
  images: number;
  mA: number;
  meanAccuracy: number;
  perTask: { task: string; accuracy: number }[];
  marketOfficial?: { label: string; mean: number; images: number; perTask: Record<string, number> };
}

// One run serves the checks below (serial: they read the same folder).
test.serial('awmtl train --pipeline market1501 on the fixture: output folder, metrics with mA and the official accuracy, summary', async (t) => {
  await fixture;
  const r = await runCli(['train', '--pipeline', 'market1501', '--data', data, '--out', out, '--iterations', '20', ...small]);
  t.is(r.code, 0, r.stderr);
  for (const f of ['config.json', 'log.jsonl', 'evals.jsonl', 'metrics.json', 'report.html', 'weights.svg', 'checkpoint.json', 'model/model.json', 'model/weights.bin', 'model/awmtl.json']) {
    t.true(existsSync(join(out, f)), f);
  }
  // The data problems are printed, not dropped.
  t.regex(r.stderr, /warning: market_attribute\.(train|test): \d+ identit(y has|ies have) no up colour marked yes/);
  t.regex(r.stderr, /warning: 4 junk images \(identity -1 or 0000\) left out/);
  t.regex(r.stderr, /12 tasks; train 36, val 12, test 30 images/);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as {
    pipeline: string;
    tasks: string[];
    splits: Record<'val' | 'test', SplitMetrics>;
    data: Record<string, unknown>;
  };
  t.is(metrics.pipeline, 'market1501');
  t.deepEqual(metrics.tasks, ['age', 'backpack', 'bag', 'handbag', 'clothes', 'down', 'up', 'hair', 'hat', 'gender', 'upcolor', 'downcolor']);
  for (const split of ['val', 'test'] as const) {
    const s = metrics.splits[split];
    t.true(s.mA > 0 && s.mA <= 1, `${split} mA ${s.mA}`);
    const official = s.marketOfficial;
    if (official === undefined) return t.fail(`${split}: no marketOfficial`);
    t.deepEqual(Object.keys(official.perTask), [...OFFICIAL_TASKS]);
    t.is(official.images, s.images);
    // The official plain tasks are the model's binary tasks scored the same way: equal accuracies.
    for (const task of ['gender', 'hair', 'hat', 'backpack']) {
      t.is(official.perTask[task], s.perTask.find((p) => p.task === task)?.accuracy ?? NaN, `${split} ${task}`);
    }
  }
  t.is(metrics.splits.test.images, 30);
  t.like(metrics.data, { junkImagesExcluded: 4, queryImages: 10, trainIdentities: 12, valIdentities: 4, testIdentities: 10, colours: 'groups' });
  t.true((metrics.data.warnings as string[]).some((w) => w.includes('downpurple')));
  // The summary shows mA and the official accuracy.
  t.regex(r.stdout, /mean test accuracy [\d.]+% vs majority-class baseline [\d.]+% \(balanced [\d.]+%, mA [\d.]+%\) on 30 images/);
  t.true(r.stdout.includes(`official Market-1501 12-task accuracy ${((metrics.splits.test.marketOfficial?.mean ?? NaN) * 100).toFixed(2)}% (test)`), r.stdout);
  t.regex(r.stdout, /^upcolor\s+[\d.]+/m);
  const report = readFileSync(join(out, 'report.html'), 'utf8');
  t.true(report.includes('downcolor') && report.includes('downpurple'));
  const meta = JSON.parse(readFileSync(join(out, 'model', 'awmtl.json'), 'utf8')) as { inputShape: number[] };
  t.deepEqual(meta.inputShape, [64, 32, 3]);
});

test.serial('awmtl eval --json on the Market run adds the official accuracy; --resume continues the run', async (t) => {
  if (!existsSync(join(out, 'metrics.json'))) return t.fail('the training test did not leave a run');
  const e = await runCli(['eval', '--model', out, '--data', data, '--split', 'test', '--json']);
  t.is(e.code, 0, e.stderr);
  const evaluated = JSON.parse(e.stdout) as SplitMetrics;
  const trained = (JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8')) as { splits: Record<string, SplitMetrics> }).splits.test;
  t.is(evaluated.images, 30);
  t.true(Math.abs(evaluated.mA - trained.mA) < 1e-6);
  t.true(Math.abs((evaluated.marketOfficial?.mean ?? NaN) - (trained.marketOfficial?.mean ?? NaN)) < 1e-6);
  const r = await runCli(['train', '--resume', out, '--iterations', '25']);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /resuming .* at iteration 21 of 25/);
  t.is(readFileSync(join(out, 'log.jsonl'), 'utf8').trim().split('\n').length, 25);
});

test('train errors: a bad --colours names the option; a wrong folder names the layout', async (t) => {
  await fixture;
  const [bad, folder] = await Promise.all([
    runCli(['train', '--pipeline', 'market1501', '--data', data, '--out', join(root, 'bad'), '--colours', 'rgb']),
    // Its own folder: two runs on one folder at once are refused (the run-folder lock).
    runCli(['train', '--pipeline', 'market1501', '--data', root, '--out', join(root, 'bad-folder'), '--annotations', join(data, 'market_attribute.mat')]),
  ]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /--colours must be groups or binary, got "rgb"/);
  t.is(folder.code, 1);
  t.regex(folder.stderr, /bounding_box_train does not exist: --data must be a Market-1501 folder/);
  t.false(existsSync(join(root, 'bad', 'config.json')));
  t.false(existsSync(join(root, 'bad-folder')), 'a run that failed before writing anything leaves no folder');
});
