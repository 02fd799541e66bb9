import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/** Marker inside the names of in-progress temp files: `<name>.tmp-<pid>-<random>`. */
export const TEMP_MARKER = '.tmp-';

/** A unique temp file name next to `file` (same directory, so the final rename is atomic). */
export function tempPathFor(file: string): string {
  return `${file}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** True if `name` looks like a temp file left by {@link writeFileAtomic}. */
export function isTempFileName(name: string): boolean {
  return name.includes(TEMP_MARKER);
}

/**
 * Write `data` to `file` so that readers see either the old content or the whole new content,
 * never a partial file: mkdir -p, write a unique temp file in the same directory, fsync, rename.
 * A crash leaves at worst a `<name>.tmp-*` file (see {@link removeStaleTempFiles}).
 */
export async function writeFileAtomic(file: string, data: Buffer | Uint8Array | string): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(file);
  let renamed = false;
  try {
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
    renamed = true;
    await syncDirectory(dir);
  } finally {
    if (!renamed) await unlink(tmp).catch(() => undefined);
  }
}

/** {@link writeFileAtomic} of `JSON.stringify(value, null, 2)` plus a trailing newline. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Delete temp files (names containing `.tmp-`) in `dir` whose mtime is older than `maxAgeMs`
 * (younger ones may belong to a live writer). Returns how many were removed. A missing `dir` is fine.
 */
export async function removeStaleTempFiles(dir: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    if (!isTempFileName(name)) continue;
    const file = path.join(dir, name);
    try {
      const st = await stat(file);
      if (st.isFile() && now - st.mtimeMs > maxAgeMs) {
        await unlink(file);
        removed++;
      }
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err; // someone else removed or renamed it: fine
    }
  }
  return removed;
}

/** Best-effort fsync of a directory so a rename survives power loss (not supported everywhere). */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  }
}

export function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
