/**
 * Output folders checked before any work: `--out` and `--store` must be folders (or creatable ones) on a writable
 * file system. Node's recursive mkdir reports ENOENT when the file system is read-only and the folder is missing;
 * the real cause (EROFS, EACCES, a file in the way) is found by looking at the nearest existing parent.
 */
import { accessSync, constants, mkdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { describeFsCode, describeFsError, fsErrorCode } from '../util/fs-errors.js';

export interface OutputFolderRole {
  /** What the folder is, for messages: "output folder", "store". */
  readonly what: string;
  /** The flag that sets it: "--out", "--store". */
  readonly flag: string;
}

const OUT: OutputFolderRole = { what: 'output folder', flag: '--out' };

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** The errno that keeps `dir` from being written, looking at it or at its nearest existing parent; null if writable. */
function writeBlocker(dir: string): { at: string; code: string } | { at: string; file: true } | null {
  let at = path.resolve(dir);
  for (;;) {
    const st = statOrNull(at);
    if (st !== null) {
      if (!st.isDirectory()) return { at, file: true };
      try {
        accessSync(at, constants.W_OK);
        return null;
      } catch (err) {
        return { at, code: fsErrorCode(err) ?? 'EACCES' };
      }
    }
    const parent = path.dirname(at);
    if (parent === at) return null;
    at = parent;
  }
}

function problem(dir: string, role: OutputFolderRole, blocker: NonNullable<ReturnType<typeof writeBlocker>>): string {
  if ('file' in blocker) {
    return blocker.at === path.resolve(dir)
      ? `${role.flag} ${dir} is a file, not a folder; choose another ${role.flag} (the ${role.what} is a folder holoclip writes into)`
      : `${role.flag} ${dir} cannot be created: ${blocker.at} is a file, not a folder; choose another ${role.flag}`;
  }
  const where = blocker.at === path.resolve(dir) ? '' : ` (at ${blocker.at})`;
  return `${role.flag} ${dir} is not writable${where}: ${describeFsCode(blocker.code)}; choose another ${role.flag}${blocker.code === 'EROFS' ? ' on a writable disk' : ', or fix the permissions (ls -ld)'}`;
}

/**
 * Create `dir` if missing and check that it is a writable folder, before any work. Throws a HoloclipError naming
 * the folder, the cause (a file in the way, read-only, permission) and the flag to change.
 */
export function prepareOutputFolder(dir: string, role: OutputFolderRole = OUT): void {
  const blocker = writeBlocker(dir);
  if (blocker !== null) throw new HoloclipError(problem(dir, role, blocker));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    const again = writeBlocker(dir);
    throw new HoloclipError(again !== null ? problem(dir, role, again) : (describeFsError(err, `create the ${role.what} ${dir}`) ?? `cannot create the ${role.what} ${dir}: ${(err as Error).message}; choose another ${role.flag}`), { cause: err });
  }
}

/**
 * The store: a folder (or a creatable one). A store on a read-only disk is allowed (every result may already be in
 * it): that returns a note instead of throwing; writing a missing result then fails naming the file.
 */
export function checkStoreFolder(dir: string, role: OutputFolderRole = { what: 'store', flag: '--store' }): string | null {
  const blocker = writeBlocker(dir);
  if (blocker === null) return null;
  if ('file' in blocker || statOrNull(dir) === null) throw new HoloclipError(problem(dir, role, blocker));
  return `the ${role.what} ${dir} is read-only (${blocker.code}): what is cached in it is read, but anything missing cannot be stored; give a writable ${role.flag} if the run has work to do`;
}
