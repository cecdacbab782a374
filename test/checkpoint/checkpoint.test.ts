import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { type CheckpointState, formatCheckpointError, readCheckpoint, writeCheckpoint } from '../../src/checkpoint/index.js';

const state = (iteration: number): CheckpointState => ({
  format: 'awmtl-checkpoint',
  version: 1,
  iteration,
  weights: [1.25, 0.75],
  weightHistory: [{ iteration: 4, weights: [1.25, 0.75] }, { iteration: 6, skipped: 'mean trend is 0' }],
  rng: { seed: 7, scheme: 'counter', nextIteration: iteration + 1 },
  trainer: { slots: [] },
  config: { k: 2 },
  createdAt: new Date(0).toISOString(),
});

const fakeModel = async (dir: string) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), '{}');
  return E.right(dir);
};

test('a written checkpoint reads back, and only the latest is kept', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'awmtl-ckpt-'));
  t.true(E.isRight(await writeCheckpoint(out, state(10), fakeModel)));
  t.true(E.isRight(await writeCheckpoint(out, state(20), fakeModel)));
  const loaded = await readCheckpoint(out);
  t.true(E.isRight(loaded));
  if (E.isRight(loaded)) {
    t.is(loaded.right.state.iteration, 20);
    t.deepEqual(loaded.right.state.weightHistory[1], { iteration: 6, skipped: 'mean trend is 0' });
    t.true(existsSync(join(loaded.right.modelDir, 'model.json')));
  }
  t.deepEqual(readdirSync(join(out, 'checkpoints')), ['iter-0000020']);
});

test('a failed model write leaves the previous checkpoint in force', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'awmtl-ckpt-'));
  await writeCheckpoint(out, state(10), fakeModel);
  const failed = await writeCheckpoint(out, state(20), async () => E.left('disk full'));
  t.true(E.isLeft(failed));
  const loaded = await readCheckpoint(out);
  t.true(E.isRight(loaded) && loaded.right.state.iteration === 10);
});

test('no checkpoint, and a corrupt state, are clear errors', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'awmtl-ckpt-'));
  const none = await readCheckpoint(out);
  t.true(E.isLeft(none) && /no checkpoint in/.test(formatCheckpointError(none.left)));
  await writeCheckpoint(out, { ...state(10), weights: [1, 'x' as unknown as number] }, fakeModel);
  const bad = await readCheckpoint(out);
  t.true(E.isLeft(bad));
  if (E.isLeft(bad)) t.regex(formatCheckpointError(bad.left), /state\.json: field weights\.1: expected number, got "x"/);
});
