import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { withErrorPath } from '../util/fs-errors.js';

/**
 * Marker inside the names of in-progress temp files and folders: `<name>.holoclip-tmp-<pid>-<12 hex>`. A pattern
 * nobody else uses: only names that match it whole, and whose pid is no longer alive, are ever removed.
 */
export const TEMP_MARKER = '.holoclip-tmp-';
/** Marker of a folder moved aside before it is replaced: `<name>.holoclip-old-<pid>-<12 hex>`. */
export const OLD_MARKER = '.holoclip-old-';
/** Temp names written by holoclip before 0.x (`<name>.tmp-<pid>-<12 hex>`): still skipped by readers, never removed. */
const LEGACY_TEMP = /\.tmp-\d+-[0-9a-f]+$/;
const LEFTOVER = /\.holoclip-(tmp|old)-(\d+)-[0-9a-f]{12}$/;

function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** A unique temp file name next to `file` (same directory, so the final rename is atomic). */
export function tempPathFor(file: string): string {
  return `${file}${TEMP_MARKER}${uniqueSuffix()}`;
}

/** A unique name next to `dir` to move it aside before it is replaced. */
export function oldPathFor(dir: string): string {
  return `${dir}${OLD_MARKER}${uniqueSuffix()}`;
}

/**
 * Moves `dir` aside to {@link oldPathFor} before a new version is renamed into its place; returns where it went, or
 * null when there was nothing to move (the caller removes the old copy once the new one is in place).
 */
export async function moveAside(dir: string): Promise<string | null> {
  try {
    await stat(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
  const old = oldPathFor(dir);
  await rename(dir, old);
  return old;
}

/** True if `name` is an in-progress temp name (holoclip's, or the older `.tmp-<pid>-<hex>` form): readers skip it. */
export function isTempFileName(name: string): boolean {
  return LEFTOVER.test(name) || LEGACY_TEMP.test(name);
}

/** The owner pid of a holoclip temp / old name (`.holoclip-tmp-` or `.holoclip-old-`), else null. Other names: null. */
export function leftoverOwner(name: string): number | null {
  const m = LEFTOVER.exec(name);
  return m ? Number(m[2]) : null;
}

/** True if a process with this pid exists (EPERM: it exists, owned by someone else). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH');
  }
}

/**
 * True if `name` was left by a holoclip process that is gone: it matches `.holoclip-tmp-<pid>-<hex>` or
 * `.holoclip-old-<pid>-<hex>` and that pid is not alive. Nothing else is ever ours to remove.
 */
export function isDeadLeftover(name: string): boolean {
  const pid = leftoverOwner(name);
  return pid !== null && pid > 0 && !processAlive(pid);
}

/**
 * Write `data` to `file` so that readers see either the old content or the whole new content,
 * never a partial file: mkdir -p, write a unique temp file in the same directory, fsync, rename
 * ({@link AtomicWriter} with one piece). A crash leaves at worst a `<name>.holoclip-tmp-*` file
 * (see {@link removeStaleTempFiles}).
 */
export async function writeFileAtomic(file: string, data: Buffer | Uint8Array | string): Promise<void> {
  await writeChunksAtomic(file, [data]);
}

/**
 * Strings are encoded as they come into a buffer of this many bytes, written when full. Encoding at once, rather than
 * keeping the strings until a batch is full, lets them die young: a batch of a million characters of
 * predictions.jsonl lines outlived several young-generation collections (what survived each of the scoring phase's
 * fell from about 2 MB to 0.4 MB on a 100,000-image run).
 */
const STRING_BATCH_BYTES = 1 << 20;

/**
 * {@link writeFileAtomic} of the concatenation of `chunks`, written as they are produced: a file of N lines (a
 * generator of them) or a header and a large typed array's bytes never exist as one string or buffer. Strings are
 * written in batches of about a megabyte of UTF-8, byte arrays as they come (no copy).
 */
export async function writeChunksAtomic(file: string, chunks: Iterable<string | Uint8Array>): Promise<void> {
  const writer = await AtomicWriter.open(file);
  try {
    for (const chunk of chunks) await writer.write(chunk);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.commit();
}

/**
 * A file written piece by piece over a whole computation (a run's logits block after block) and made visible at once:
 * the pieces go to a unique temp file next to `file`; {@link commit} fsyncs it and renames it into place,
 * {@link abort} removes it. Readers see the old content or the whole new one, as with {@link writeFileAtomic}.
 * Strings are encoded into batches of about a megabyte of UTF-8; byte arrays are written as they come (no copy).
 */
export class AtomicWriter {
  /** The current batch of encoded strings (null: none started); `used` bytes of it are filled. */
  private batch: Buffer | null = null;
  private used = 0;
  /**
   * The file's writes, in the order their pieces came: what goes where is decided when `write` is called, so writes
   * not awaited one by one still land in order.
   */
  private writes: Promise<void> = Promise.resolve();
  private done = false;

  private constructor(
    readonly file: string,
    private readonly tmp: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(file: string): Promise<AtomicWriter> {
    await mkdir(path.dirname(file), { recursive: true });
    const tmp = tempPathFor(file);
    return new AtomicWriter(file, tmp, await open(tmp, 'wx'));
  }

  /** Appends `chunk` (a byte array is written as it is: leave it unchanged until this resolves). */
  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.done) throw new Error(`AtomicWriter: ${this.file} is already committed or aborted`);
    if (typeof chunk === 'string') {
      // At most 3 UTF-8 bytes per UTF-16 unit: the exact length is counted only when the batch might overflow.
      if (this.used + chunk.length * 3 > STRING_BATCH_BYTES) {
        const bytes = Buffer.byteLength(chunk, 'utf8');
        if (this.used + bytes > STRING_BATCH_BYTES) this.queueBatch();
        if (bytes > STRING_BATCH_BYTES) this.queue(Buffer.from(chunk, 'utf8'));
        else this.append(chunk);
      } else {
        this.append(chunk);
      }
    } else {
      this.queueBatch();
      this.queue(chunk);
    }
    await this.settled();
  }

  /** fsync, close and rename into place; on failure the temp file is removed. */
  async commit(): Promise<void> {
    if (this.done) throw new Error(`AtomicWriter: ${this.file} is already committed or aborted`);
    this.done = true;
    this.queueBatch();
    let renamed = false;
    try {
      try {
        await this.settled();
        await this.handle.sync().catch((err: unknown) => Promise.reject(withErrorPath(err, this.file)));
      } finally {
        await this.handle.close();
      }
      await rename(this.tmp, this.file);
      renamed = true;
      await syncDirectory(path.dirname(this.file));
    } finally {
      if (!renamed) await unlink(this.tmp).catch(() => undefined);
    }
  }

  /** Close and remove the temp file (the old content of `file`, if any, stays). Safe to call after commit. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.batch = null;
    this.used = 0;
    await this.writes.catch(() => undefined); // no write may still be running on the handle
    await this.handle.close().catch(() => undefined);
    await unlink(this.tmp).catch(() => undefined);
  }

  private append(text: string): void {
    this.batch ??= Buffer.allocUnsafe(STRING_BATCH_BYTES);
    this.used += this.batch.write(text, this.used, 'utf8');
  }

  /** Queues the current batch's bytes (handed over: the next string starts a new batch). */
  private queueBatch(): void {
    if (this.batch === null || this.used === 0) return;
    const bytes = this.batch.subarray(0, this.used);
    this.batch = null;
    this.used = 0;
    this.queue(bytes);
  }

  private queue(bytes: Uint8Array): void {
    // After a failed write nothing more is written: every later write rejects with the first error.
    this.writes = this.writes.then(() => writeAll(this.handle, bytes));
  }

  /** Waits for the writes queued so far; a write on an open handle (ENOSPC, EDQUOT, EIO) carries no path: name the file. */
  private async settled(): Promise<void> {
    try {
      await this.writes;
    } catch (err) {
      throw withErrorPath(err, this.file);
    }
  }
}

/** Writes all of `bytes` at the handle's position (a write may take fewer bytes than given). */
export async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

/** {@link writeFileAtomic} of `JSON.stringify(value, null, 2)` plus a trailing newline. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Delete temp files holoclip left in `dir`: names of the `.holoclip-tmp-<pid>-<hex>` pattern whose pid is not alive
 * and whose mtime is older than `maxAgeMs` (the age guards a shared store, where the pid may be another host's).
 * Any other file (a user's `notes.tmp-2024.txt`, an older holoclip's `.tmp-` file) is left alone. Returns how many
 * were removed. A missing `dir` is fine.
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
    if (leftoverOwner(name) === null || !name.includes(TEMP_MARKER) || !isDeadLeftover(name)) continue;
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
