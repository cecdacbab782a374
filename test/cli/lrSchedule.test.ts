/** `awmtl train --lr-schedule`: the schedule reaches the run's config, and misused options are usage errors. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { defaultCelebaFixtureDir, ensureCelebaFixture } from '../../fixtures/celeba/fixture.js';
import { runInProcess } from './run.js';

const FIXTURE = ensureCelebaFixture(defaultCelebaFixtureDir(3, 160), { seed: 3, count: 160 }).dir;
const tmp = mkdtempSync(join(tmpdir(), 'awmtl-lr-'));
const quick = (out: string, extra: string[]): string[] => [
  'train', '--pipeline', 'celeba', '--data', FIXTURE, '--out', out, '--size', '32', '--batch-size', '8', '--iterations', '6',
  '--k', '3', '--eval-every', '0', '--backend', 'cpu', ...extra,
];

for (const [extra, message] of [
  [['--warmup', '5'], /--warmup applies to --lr-schedule cosine/],
  [['--lr-schedule', 'cosine', '--lr-gamma', '0.5'], /--lr-gamma applies to --lr-schedule step/],
  [['--lr-schedule', 'step'], /--lr-schedule step needs --lr-step N/],
  [['--lr-schedule', 'linear'], /--lr-schedule must be one of constant, cosine, step/],
  [['--lr-schedule', 'cosine', '--lr-final', '2'], /--lr-final must be in \[0, 1\]/],
] as const) {
  test(`usage error: ${extra.join(' ')}`, async (t) => {
    const r = await runInProcess(quick(join(tmp, 'never'), [...extra]));
    t.is(r.code, 2, r.stderr);
    t.regex(r.stderr, message);
  });
}

test('a cosine schedule is written into config.json and the run trains', async (t) => {
  const out = join(tmp, 'cosine');
  const r = await runInProcess(quick(out, ['--lr-schedule', 'cosine', '--warmup', '2', '--lr-final', '0.1']));
  t.is(r.code, 0, r.stderr);
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  t.deepEqual(config.lrSchedule, { name: 'cosine', warmup: 2, finalFraction: 0.1 });
});

test("Adam's rate defaults to the pipeline's (celeba 3e-3, measured); --lr, SGD and the other pipelines keep theirs", async (t) => {
  const { parseOptions } = await import('../../cli/options/optionTable.js');
  const { trainSpec } = await import('../../cli/commands/train.js');
  const { configFromValues } = await import('../../cli/commands/trainOptions.js');
  const { findPipeline } = await import('../../pipelines/index.js');
  const rate = (pipeline: string, extra: string[]): number => {
    const parsed = parseOptions(trainSpec(), ['--pipeline', pipeline, '--data', 'somewhere', ...extra]);
    if (parsed._tag === 'Left' || parsed.right === 'help') throw new Error('parse failed');
    const config = configFromValues(parsed.right.values, parsed.right.given, findPipeline(pipeline)!);
    if (config._tag === 'Left') throw new Error(config.left.message);
    return config.right.config.optimizer.learningRate;
  };
  t.is(rate('celeba', []), 3e-3);
  t.is(rate('celeba', ['--lr', '1e-3']), 1e-3);
  t.is(rate('celeba', ['--optimizer', 'sgd']), 1e-4);
  t.is(rate('market1501', []), 1e-3);
});
