/**
 * One writer per output folder: `<out>/.holoclip-lock`, created with O_EXCL, holds the owner's pid, host name and
 * start time. A second holoclip finding a live lock stops before any work; a lock whose pid is dead on this host is
 * taken over (with a note); a lock from another host is respected unless the caller forces it.
 */
import { closeSync, existsSync, openSync, readFileSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { describeFsError } from '../util/fs-errors.js';
import { isErrno, processAlive } from './atomic.js';
import { prepareOutputFolder } from './output-folder.js';

export const OUT_LOCK_FILE = '.holoclip-lock';

export interface OutLockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

export interface OutLockOptions {
  /** Take over a lock held by another host (its pid cannot be checked from here). */
  readonly forceUnlock?: boolean;
  /** Notes: a stale lock taken over. */
  readonly warn?: (message: string) => void;
  /** The lock file (default `<out>/.holoclip-lock`). */
  readonly lockFile?: string;
}

export interface OutLock {
  readonly file: string;
  /** Remove the lock if it is still ours. Idempotent; also runs on process exit. */
  release(): void;
}

function readOwner(file: string): OutLockOwner | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw new HoloclipError(`cannot read the lock file ${file}: ${(err as Error).message}; remove it if no holoclip run is writing there`, { cause: err });
  }
  try {
    const v = JSON.parse(text) as Partial<OutLockOwner>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.started === 'string') return { pid: v.pid, host: v.host, started: v.started };
  } catch {
    // fall through: unreadable content
  }
  // Half-written (a crash between create and write) or foreign content: treat as a dead owner on this host.
  return { pid: -1, host: hostname(), started: 'unknown' };
}

function tryCreate(file: string, owner: OutLockOwner): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw new HoloclipError(describeFsError(err, `create the lock file ${file}`) ?? `cannot create the lock file ${file}: ${(err as Error).message}; check that the output folder is writable`, { cause: err });
  }
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } catch (err) {
    closeSync(fd);
    fd = -1;
    try {
      unlinkSync(file);
    } catch {
      // nothing to undo
    }
    throw new HoloclipError(describeFsError(err, `write the lock file ${file}`) ?? `cannot write the lock file ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return true;
}

function sameOwner(a: OutLockOwner | null, b: OutLockOwner): boolean {
  return a !== null && a.pid === b.pid && a.host === b.host && a.started === b.started;
}

/**
 * Take the lock of output folder `out` (created if missing) or throw a HoloclipError naming the owner. The lock is
 * released by `release()`, and in any case when the process exits (normally, on an error, or via process.exit
 * from a SIGINT / SIGTERM handler). A folder this call created is removed on release if it is empty then (a run
 * that failed before writing anything leaves no empty folder behind); a folder that existed is always kept.
 */
export function acquireOutLock(out: string, options: OutLockOptions = {}): OutLock {
  const file = options.lockFile ?? path.join(out, OUT_LOCK_FILE);
  const dir = path.dirname(file);
  // Made by this run: removed again with the lock if the run leaves it empty (a run that failed before writing).
  const created = !existsSync(dir);
  // A file, a read-only disk or a folder without permission stops here, before any work.
  prepareOutputFolder(dir);
  const me: OutLockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; !tryCreate(file, me); attempt++) {
    const owner = readOwner(file);
    if (owner === null) continue; // released between our open and our read: try again
    const here = owner.host === me.host;
    if (here && owner.pid > 0 && processAlive(owner.pid)) {
      throw new HoloclipError(`another holoclip run (pid ${owner.pid}, started ${owner.started}) is writing to ${out}; wait for it or use another --out (lock file ${file})`);
    }
    if (!here && options.forceUnlock !== true) {
      throw new HoloclipError(
        `another holoclip run (pid ${owner.pid} on host ${owner.host}, started ${owner.started}) is writing to ${out}; wait for it or use another --out, or pass --force-unlock if that run is gone (lock file ${file})`,
      );
    }
    if (attempt >= 3) throw new HoloclipError(`cannot take the lock file ${file}: other processes keep taking it; wait for them or use another --out`);
    options.warn?.(
      here
        ? `taking over the lock of ${out} left by holoclip pid ${owner.pid} (started ${owner.started}), which is no longer running`
        : `--force-unlock: taking over the lock of ${out} held by pid ${owner.pid} on host ${owner.host} (started ${owner.started})`,
    );
    // Remove only the lock we judged stale: if another process took it over meanwhile, leave theirs.
    if (sameOwner(readOwner(file), owner)) {
      try {
        unlinkSync(file);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw new HoloclipError(`cannot remove the stale lock file ${file}: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      if (sameOwner(readOwner(file), me)) unlinkSync(file);
    } catch {
      // best effort: a lock left behind is taken over by the next run (its pid is dead)
    }
    if (created) {
      try {
        rmdirSync(dir); // only succeeds on an empty folder: anything the run wrote keeps it
      } catch {
        // not empty, or already gone: left as it is
      }
    }
  };
  process.on('exit', release);
  return { file, release };
}

/** Run `fn` holding the lock of `out`; released when `fn` settles (and on exit). */
export async function withOutLock<T>(out: string, options: OutLockOptions, fn: () => Promise<T>): Promise<T> {
  const lock = acquireOutLock(out, options);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}
