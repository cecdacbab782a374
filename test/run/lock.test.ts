import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import * as E from 'fp-ts/lib/Either.js';
import { acquireRunLock, LOCK_FILE, lockHolder, pidAlive, takeoverMessage } from '../../src/run/lock.js';
import { clearRunFiles, runFolderState } from '../../src/run/folder.js';

const fresh = (): string => mkdtempSync(join(tmpdir(), 'awmtl-lock-'));

const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.once('exit', r));
  return child.pid as number;
};

test('a lock is exclusive while held, names its holder, and is gone once released', (t) => {
  const dir = fresh();
  const a = acquireRunLock(dir, 'train a');
  if (E.isLeft(a)) return t.fail(a.left.message);
  const owner = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
  t.is(owner.pid, process.pid);
  t.is(owner.command, 'train a');
  const b = acquireRunLock(dir, 'train b');
  t.true(E.isLeft(b));
  if (E.isLeft(b)) {
    t.is(b.left._tag, 'Locked');
    t.regex(b.left.message, new RegExp(`in use by another awmtl process \\(pid ${process.pid}`));
  }
  a.right.release();
  t.false(existsSync(join(dir, LOCK_FILE)));
  a.right.release(); // idempotent
  const c = acquireRunLock(dir);
  t.true(E.isRight(c));
  if (E.isRight(c)) c.right.release();
});

test("a dead process's lock is taken over and reported; a live one on another host is not", async (t) => {
  const dir = fresh();
  const pid = await deadPid();
  t.false(pidAlive(pid));
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: hostname(), started: 'x', command: 'train' }));
  const taken = acquireRunLock(dir);
  if (E.isLeft(taken)) return t.fail(taken.left.message);
  t.is(taken.right.tookOverFrom?.pid, pid);
  t.regex(takeoverMessage(taken.right) ?? '', new RegExp(`left by pid ${pid}, which is no longer running`));
  taken.right.release();
  // Another host's lock: its pid cannot be checked from here, so it stands.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host: 'elsewhere.example', started: 'x', command: 'train' }));
  const refused = acquireRunLock(dir);
  t.true(E.isLeft(refused));
  // An unreadable (torn) lock counts as dead.
  writeFileSync(join(dir, LOCK_FILE), '{"pi');
  const torn = acquireRunLock(dir);
  t.true(E.isRight(torn));
  if (E.isRight(torn)) torn.right.release();
});

test('a release does not remove a lock that another process holds by now', (t) => {
  const dir = fresh();
  const a = acquireRunLock(dir);
  if (E.isLeft(a)) return t.fail(a.left.message);
  // Someone replaced the lock (e.g. took it over after a false death): releasing ours leaves theirs.
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 1, host: hostname(), started: 'y', command: 'other' }));
  a.right.release();
  t.true(existsSync(join(dir, LOCK_FILE)));
});

test('runFolderState tells absent, file, empty, run, checkpointed and finished folders apart; clearRunFiles keeps other files', (t) => {
  const dir = fresh();
  t.is(runFolderState(join(dir, 'nope'))._tag, 'Absent');
  writeFileSync(join(dir, 'file'), 'x');
  t.is(runFolderState(join(dir, 'file'))._tag, 'NotAFolder');
  t.is(runFolderState(dir)._tag, 'NoRun');
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ iterations: 10 }));
  t.like(runFolderState(dir), { _tag: 'Run', checkpointIteration: undefined, finished: false, iterations: 10 });
  writeFileSync(join(dir, 'checkpoint.json'), JSON.stringify({ latest: 'checkpoints/iter-0000010', iteration: 10 }));
  t.like(runFolderState(dir), { _tag: 'Run', checkpointIteration: 10, finished: false });
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ iterations: 5 }));
  t.like(runFolderState(dir), { finished: false }, 'metrics of another iteration count: a continuation that did not finish');
  writeFileSync(join(dir, 'metrics.json'), JSON.stringify({ iterations: 10 }));
  t.like(runFolderState(dir), { finished: true });
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  clearRunFiles(dir);
  t.is(runFolderState(dir)._tag, 'NoRun');
  t.true(existsSync(join(dir, 'notes.txt')));
  t.true(existsSync(join(dir, 'file')));
});

test('lockHolder names a live holder, and nothing for a free folder or a dead holder', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'awmtl-holder-'));
  try {
    t.is(lockHolder(dir), undefined);
    const lock = acquireRunLock(dir, 'train');
    t.true(E.isRight(lock));
    t.regex(lockHolder(dir)?.text ?? '', new RegExp(`^pid ${process.pid}, since `));
    if (E.isRight(lock)) lock.right.release();
    t.is(lockHolder(dir), undefined);
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), started: 'x', command: 'train' }));
    t.is(lockHolder(dir), undefined, 'a pid that does not run');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
