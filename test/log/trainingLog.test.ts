import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { readTrainingLog, TrainingLogWriter } from '../../src/log/trainingLog.js';

const dir = mkdtempSync(join(tmpdir(), 'awmtl-log-'));

const record = (iteration: number) => ({
  iteration,
  trainLoss: [0.1 * iteration, 1 / 3],
  valLoss: [0.2 * iteration, Math.PI],
  weights: [1, 1],
  seconds: 0.25,
});

test('written records read back exactly (full double precision)', (t) => {
  const path = join(dir, 'a.jsonl');
  const w = TrainingLogWriter.create(path);
  for (let i = 1; i <= 4; i++) {
    w.append(i === 4 ? { ...record(i), decision: { _tag: 'Updated', iteration: 4, weights: [1.5, 0.5] } } : record(i));
  }
  w.close();
  const r = readTrainingLog(path);
  t.true(E.isRight(r));
  if (E.isLeft(r)) return;
  t.is(r.right.records.length, 4);
  t.deepEqual(r.right.records[2].valLoss, [0.2 * 3, Math.PI]);
  t.deepEqual(r.right.records[3].decision, { _tag: 'Updated', iteration: 4, weights: [1.5, 0.5] });
  t.is(r.right.text, readFileSync(path, 'utf8'));
});

test('reading up to an iteration, and a torn last line from a kill is ignored', (t) => {
  const path = join(dir, 'b.jsonl');
  const w = TrainingLogWriter.create(path);
  for (let i = 1; i <= 5; i++) w.append(record(i));
  w.close();
  appendFileSync(path, '{"iteration": 6, "trainLo');
  const upTo3 = readTrainingLog(path, 3);
  t.true(E.isRight(upTo3) && upTo3.right.records.length === 3);
  const all = readTrainingLog(path);
  t.true(E.isRight(all) && all.right.records.length === 5);
});

test('a gap in iterations is an error naming the line', (t) => {
  const path = join(dir, 'c.jsonl');
  const lines = [record(1), record(3)].map((r) => JSON.stringify(r)).join('\n');
  writeFileSync(path, `${lines}\n`);
  const r = readTrainingLog(path);
  t.deepEqual(E.isLeft(r) && [r.left.line, r.left.message], [2, 'expected iteration 2, found 3']);
});

test('continueAfter rewrites the log to the kept lines, then appends', (t) => {
  const path = join(dir, 'd.jsonl');
  const w = TrainingLogWriter.create(path);
  for (let i = 1; i <= 5; i++) w.append(record(i));
  w.close();
  const kept = readTrainingLog(path, 2);
  if (E.isLeft(kept)) return t.fail();
  const again = TrainingLogWriter.continueAfter(path, kept.right.text);
  again.append(record(3));
  again.close();
  const r = readTrainingLog(path);
  t.true(E.isRight(r) && r.right.records.length === 3);
});
