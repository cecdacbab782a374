/**
 * A folder's lock (a run folder's `DIR/.awmtl.lock`, a cache's `prepare.lock`), created with O_EXCL (through a
 * hard link of a complete temporary file, so a reader never sees a torn lock)
 * and holding the owner's pid, host and start time. A second process that
 * wants the folder gets a {@link LockError} naming the holder; a lock whose
 * pid no longer runs on this host is taken over, and the caller is told so.
 *
 * Why a file and not flock(2): Node has no flock, and the lock must also be
 * readable by a person (`cat DIR/.awmtl.lock` says who holds the run).
 *
 * Takeover race: two processes that both find a dead holder both rename the
 * stale lock away; the one whose renamed file is not the stale lock it read
 * (it took the other's fresh lock) puts it back and reports the folder busy.
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as E from 'fp-ts/lib/Either.js';

export const LOCK_FILE = '.awmtl.lock';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  readonly command: string;
}

export type LockError =
  | { readonly _tag: 'Locked'; readonly dir: string; readonly owner: LockOwner; readonly message: string }
  | { readonly _tag: 'LockIoError'; readonly dir: string; readonly message: string };

export interface RunLock {
  readonly dir: string;
  /** Set when a dead process's lock was taken over (its pid). */
  readonly tookOverFrom: LockOwner | undefined;
  /** Removes the lock if it is still this process's; idempotent. */
  release(): void;
}

/** Whether a pid runs on this host (EPERM: it runs, as another user). */
export const pidAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const parseOwner = (text: string): LockOwner | undefined => {
  // A bare pid (the form of older lock files) is a holder on this host.
  if (/^\s*\d+\s*$/.test(text)) return { pid: Number(text.trim()), host: hostname(), started: '', command: '' };
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    return typeof o.pid === 'number' ? { pid: o.pid, host: String(o.host ?? ''), started: String(o.started ?? ''), command: String(o.command ?? '') } : undefined;
  } catch {
    return undefined;
  }
};

const ownerText = (o: LockOwner): string => `pid ${o.pid}${o.host !== '' && o.host !== hostname() ? ` on ${o.host}` : ''}${o.started !== '' ? `, since ${o.started}` : ''}`;

const locked = (dir: string, owner: LockOwner): LockError => ({
  _tag: 'Locked',
  dir,
  owner,
  message: `${dir} is in use by another awmtl process (${ownerText(owner)}); wait for it to finish or stop it`,
});

/** A lock is dead when its pid no longer runs here (a lock from another host is never taken over). */
const isDead = (owner: LockOwner | undefined): boolean => owner === undefined || (owner.host === hostname() && !pidAlive(owner.pid));

/**
 * The live holder of `dir`'s lock and how to name it (`pid 123, since ...`), or undefined when
 * it is free or its holder is dead (a lock from another host counts as live: it cannot be checked).
 */
export const lockHolder = (dir: string, file = LOCK_FILE): { readonly owner: LockOwner; readonly text: string } | undefined => {
  let text: string;
  try {
    text = readFileSync(join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
  const owner = parseOwner(text);
  return owner === undefined || isDead(owner) ? undefined : { owner, text: ownerText(owner) };
};

/** Takes the lock of `dir` (which must exist) for this process; `file` names the lock file in it. */
export const acquireRunLock = (dir: string, command = process.argv.slice(2).join(' '), file = LOCK_FILE): E.Either<LockError, RunLock> => {
  const path = join(dir, file);
  const me: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command };
  const text = `${JSON.stringify(me)}\n`;
  const tmp = join(dir, `${file}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  let tookOverFrom: LockOwner | undefined;
  try {
    writeFileSync(tmp, text, { mode: 0o644 });
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, path);
        let released = false;
        const release = (): void => {
          if (released) return;
          released = true;
          process.removeListener('exit', release);
          try {
            if (readFileSync(path, 'utf8') === text) unlinkSync(path);
          } catch {
            // gone already
          }
        };
        process.on('exit', release);
        return E.right({ dir, tookOverFrom, release });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      let seen: string;
      try {
        seen = readFileSync(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
        throw error;
      }
      const owner = parseOwner(seen);
      if (!isDead(owner)) return E.left(locked(dir, owner as LockOwner));
      // Stale: move it away, and check that what moved is the stale lock we read.
      const aside = `${tmp}.stale`;
      try {
        renameSync(path, aside);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw error;
      }
      const moved = readFileSync(aside, 'utf8');
      if (moved !== seen) {
        // Another process took it over between our read and rename: give it back.
        try {
          linkSync(aside, path);
        } catch {
          // it has another owner already
        }
        unlinkSync(aside);
        const other = parseOwner(moved);
        if (other !== undefined) return E.left(locked(dir, other));
        continue;
      }
      unlinkSync(aside);
      tookOverFrom = owner ?? { pid: 0, host: '', started: '', command: '' };
    }
    return E.left({ _tag: 'LockIoError', dir, message: `${path}: could not take the lock (it keeps changing hands)` });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return E.left({ _tag: 'LockIoError', dir, message: `${path}: cannot create the lock (${e.code ?? e.message})` });
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // not created
    }
  }
};

/** The line to print when a dead process's lock was taken over. */
export const takeoverMessage = (lock: RunLock): string | undefined =>
  lock.tookOverFrom === undefined
    ? undefined
    : `took over the lock of ${lock.dir} left by pid ${lock.tookOverFrom.pid}, which is no longer running`;
