/**
 * Integrity of a built benchmark folder: every file its manifest.json lists must still have its sha256, and no image a
 * dataset reader would pick up may have appeared. Checked before a build is declared up to date (issue 14 case 9).
 *
 * Hashing every file (6,155 files for emoji-shift) on each run cost 0.3-2 s, so a verified file is remembered in
 * `VERIFIED_STAMP` inside the folder with its size, mtime, ctime and inode, as git's index does: a later check
 * re-hashes only files whose stat changed. Any write to a file changes its ctime (which no user tool can set back),
 * so a file changed in place is hashed again; files modified within RACY_WINDOW_MS of the check are not remembered.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isHiddenName, isImageFileName } from '../data/image-extensions.js';
import { isErrno, writeFileAtomic } from '../store/atomic.js';
import { mapLimit } from '../util/concurrency.js';

/** The file (in the benchmark folder) remembering which files were verified, and at which stat. */
export const VERIFIED_STAMP = '.holoclip-verified.json';
const RACY_WINDOW_MS = 2000;

/** One verified file: its sha256 and the stat it had when it was hashed. */
type StampEntry = [sha256: string, size: number, mtimeMs: number, ctimeMs: number, ino: number];
interface VerifiedStamp {
  version: 1;
  files: Record<string, StampEntry>;
}

function readStamp(root: string): Map<string, StampEntry> {
  try {
    const raw = JSON.parse(readFileSync(path.join(root, VERIFIED_STAMP), 'utf8')) as Partial<VerifiedStamp>;
    if (raw.version !== 1 || typeof raw.files !== 'object' || raw.files === null) return new Map();
    return new Map(Object.entries(raw.files).filter(([, e]) => Array.isArray(e) && e.length === 5));
  } catch {
    return new Map(); // absent or unreadable: every file is hashed, as without a stamp
  }
}

function stampOf(sha: string, st: Stats): StampEntry {
  return [sha, st.size, st.mtimeMs, st.ctimeMs, st.ino];
}

function sameStat(e: StampEntry, st: Stats): boolean {
  return e[1] === st.size && e[2] === st.mtimeMs && e[3] === st.ctimeMs && e[4] === st.ino;
}

/**
 * Files under `root` (relative POSIX paths), manifest.json left out. Listed synchronously: a build is about a
 * thousand small folders, and a synchronous readdir of a local folder costs a fraction of a thread-pool round trip.
 */
function listFiles(root: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...listFiles(root, child));
    else if (child !== 'manifest.json') out.push(child);
  }
  return out;
}

/**
 * The files of a build that do not match its manifest: listed but missing or with another sha256, or an image
 * (a name a dataset reader would pick up) present but not listed. Other unlisted files (a depth map next to an
 * image, a hidden file) change no split and are not damage. Sorted; empty when the build is intact.
 */
export async function damagedFiles(root: string, expected: Readonly<Record<string, string>>, options: { racyWindowMs?: number } = {}): Promise<string[]> {
  const racyMs = options.racyWindowMs ?? RACY_WINDOW_MS;
  let present: string[];
  try {
    present = listFiles(root);
  } catch {
    return Object.keys(expected).sort();
  }
  const listed = new Set(Object.keys(expected));
  const damaged = present.filter((f) => !listed.has(f) && isImageFileName(f) && !f.split('/').some(isHiddenName));
  const stamp = readStamp(root);
  const verified = new Map<string, StampEntry>();
  let hashed = 0;
  const changed = await mapLimit(Object.entries(expected), 16, async ([rel, sha]) => {
    const file = path.join(root, ...rel.split('/'));
    try {
      const known = stamp.get(rel);
      const before = statSync(file);
      if (known && known[0] === sha && sameStat(known, before)) {
        verified.set(rel, known);
        return null;
      }
      hashed++;
      const ok = createHash('sha256').update(await readFile(file)).digest('hex') === sha;
      if (!ok) return rel;
      const after = statSync(file);
      const now = Date.now();
      if (sameStat(stampOf(sha, before), after) && now - after.mtimeMs >= racyMs && now - after.ctimeMs >= racyMs) verified.set(rel, stampOf(sha, after));
      return null;
    } catch {
      return rel;
    }
  });
  for (const rel of changed) if (rel !== null) damaged.push(rel);
  if (damaged.length === 0 && hashed > 0) await writeStamp(root, verified);
  return damaged.sort();
}

/** Remember the verified files; a folder that cannot be written (a read-only share) is simply checked in full each time. */
async function writeStamp(root: string, verified: ReadonlyMap<string, StampEntry>): Promise<void> {
  const out: VerifiedStamp = { version: 1, files: Object.fromEntries([...verified].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
  try {
    await writeFileAtomic(path.join(root, VERIFIED_STAMP), `${JSON.stringify(out)}\n`);
  } catch (err) {
    if (!['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT'].some((code) => isErrno(err, code))) throw err;
  }
}

export function describeDamage(damaged: readonly string[]): string {
  return `${damaged.length} file${damaged.length === 1 ? '' : 's'} missing, changed or added: ${damaged.slice(0, 3).join(', ')}${damaged.length > 3 ? ', ...' : ''}`;
}
