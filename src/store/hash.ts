import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HoloclipError } from '../errors.js';
import { detachedFlat } from '../util/detached-flat.js';
import { isErrno, writeChunksAtomic } from './atomic.js';
import { currentEntries, encodeHashIndex, HashIndexSnapshot, mergeSorted, type PackedEntry } from './hash-index-file.js';
import { isSha256Hex } from './integrity.js';

/** Hex sha256 of bytes or of a UTF-8 string. */
export function sha256(data: Buffer | Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Hex sha256 of a file's bytes, streamed (constant memory). */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** One remembered hash: valid while the file's size and mtime are unchanged. */
export interface FileHashEntry {
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** Where {@link FileHashIndex} keeps its data inside a store (see hash-index-file.ts for the format). */
export function fileHashIndexPath(storeRoot: string): string {
  return path.join(storeRoot, 'index', 'file-hashes.bin');
}

/** Where holoclip kept the index before (JSON, read whole): converted to {@link fileHashIndexPath} once, then removed. */
export function legacyFileHashIndexPath(storeRoot: string): string {
  return path.join(storeRoot, 'index', 'file-hashes.json');
}

/** The older on-disk form: compact JSON, one `[size, mtimeMs, sha256]` triple per absolute path. */
interface FileHashIndexFile {
  version: 1;
  entries: Record<string, [number, number, string]>;
}

export interface FileHashIndexOptions {
  /**
   * Files modified less than this long before they were stat'ed are hashed but not remembered,
   * because a later write within the same mtime tick would go unnoticed ("racy" stat, as in git).
   * Default 2000 ms.
   */
  racyWindowMs?: number;
}

/**
 * A persisted stat cache: absolute path -> {size, mtimeMs, sha256}, so re-hashing an unchanged file costs one stat.
 * Stored as `<store>/index/file-hashes.bin`, sorted by path and read in place (a lookup reads one block of a few kB;
 * the process holds the block table and the entries not yet saved, never the whole index: see hash-index-file.ts).
 * `save()` writes a new file, atomically, merging the file as it is then (what other processes saved meanwhile)
 * with this instance's new entries, streamed: concurrent users lose nothing but speed. Lookups read the version of
 * the file read at open or at the last save (kept open), as the JSON form's whole copy in memory was read then.
 */
export class FileHashIndex {
  /** Entries recorded since the last save (they win over the file's). */
  private readonly changed = new Map<string, FileHashEntry>();
  private readonly racyWindowMs: number;
  /** The index file as last read; null when there is none. */
  private disk: HashIndexSnapshot | null;
  /** Scratch space for a looked-up path's UTF-8 bytes. */
  private keyBuffer = Buffer.allocUnsafe(1024);

  private constructor(
    readonly file: string,
    disk: HashIndexSnapshot | null,
    options: FileHashIndexOptions,
  ) {
    this.disk = disk;
    this.racyWindowMs = options.racyWindowMs ?? 2000;
  }

  /**
   * The store's index. An index in the older JSON form (`file-hashes.json`, and no `file-hashes.bin`) is converted
   * (read once, written in the new form, then removed).
   */
  static async open(storeRoot: string, options: FileHashIndexOptions = {}): Promise<FileHashIndex> {
    const root = path.resolve(storeRoot);
    const file = fileHashIndexPath(root);
    let disk = HashIndexSnapshot.open(file);
    if (disk === null) {
      const legacy = legacyFileHashIndexPath(root);
      const entries = await loadLegacyEntries(legacy);
      if (entries !== null) {
        await writeChunksAtomic(file, encodeHashIndex(sortedPacked(entries)));
        await rm(legacy, { force: true });
        disk = HashIndexSnapshot.open(file);
      }
    }
    return new FileHashIndex(file, disk, options);
  }

  /** Number of remembered files (saved, or recorded since). */
  get size(): number {
    let added = 0;
    for (const k of this.changed.keys()) if (this.fromDisk(k) === undefined) added++;
    return (this.disk?.entries ?? 0) + added;
  }

  /** True if there are entries not yet saved. */
  get dirty(): boolean {
    return this.changed.size > 0;
  }

  /** The remembered entry for `file`, without checking it is still current. */
  peek(file: string): FileHashEntry | undefined {
    // Keys are resolved absolute paths: a path already in that form (as dataset items are) needs no resolve.
    const found = this.lookup(file);
    if (found !== undefined) return found;
    const abs = path.resolve(detachedFlat(file));
    return abs === file ? undefined : this.lookup(abs);
  }

  /**
   * sha256 of `file`. If `bytes` (the file's content, already read by the caller) is given it is
   * hashed instead of reading the file again. Unchanged files (same size and mtime) cost one stat.
   */
  async hashFile(file: string, bytes?: Buffer | Uint8Array): Promise<string> {
    const abs = path.resolve(file);
    const st = await stat(abs);
    const known = this.lookup(abs);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.sha256;
    // Trust caller-supplied bytes only if they have the size the file has now.
    const digest = bytes && bytes.length === st.size ? sha256(bytes) : await sha256File(abs);
    if (Date.now() - st.mtimeMs >= this.racyWindowMs) this.changed.set(abs, { size: st.size, mtimeMs: st.mtimeMs, sha256: digest });
    return digest;
  }

  /**
   * Remember a hash computed elsewhere (e.g. by a decode worker that read the file), given the
   * size and mtime it saw when it read the bytes. Same racy-window rule as hashFile.
   */
  record(file: string, stat: { size: number; mtimeMs: number }, digest: string): void {
    const abs = path.resolve(detachedFlat(file));
    if (Date.now() - stat.mtimeMs < this.racyWindowMs) return;
    const known = this.lookup(abs);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.sha256 === digest) return;
    this.changed.set(abs, { size: stat.size, mtimeMs: stat.mtimeMs, sha256: digest });
  }

  /** Persist new entries atomically, merged over whatever is on disk now. No-op if nothing changed. */
  async save(): Promise<void> {
    if (this.changed.size === 0) return;
    // The file is generated while it is written, from the file as it is now (another process may have saved since
    // this one read it) and the entries recorded up to here; one recorded meanwhile stays dirty, saved next time.
    const saving = new Map(this.changed);
    await writeChunksAtomic(this.file, encodeHashIndex(mergeSorted(currentEntries(this.file), sortedPacked(saving))));
    this.disk?.close();
    this.disk = HashIndexSnapshot.open(this.file);
    for (const [k, v] of saving) if (this.changed.get(k) === v) this.changed.delete(k);
  }

  private lookup(key: string): FileHashEntry | undefined {
    return this.changed.get(key) ?? this.fromDisk(key);
  }

  private fromDisk(key: string): FileHashEntry | undefined {
    if (this.disk === null) return undefined;
    // Its UTF-8 bytes from a copy: a dataset's item path itself would keep a flat copy of its characters for good.
    const flat = detachedFlat(key);
    const length = Buffer.byteLength(flat, 'utf8');
    if (length > this.keyBuffer.length) this.keyBuffer = Buffer.allocUnsafe(length);
    this.keyBuffer.write(flat, 0, 'utf8');
    return this.disk.find(this.keyBuffer, length);
  }
}

/** Valid entries of `entries` sorted by their UTF-8 key bytes (one whose sha256 is not hex is not remembered). */
function sortedPacked(entries: ReadonlyMap<string, FileHashEntry>): PackedEntry[] {
  const out: PackedEntry[] = [];
  for (const [k, v] of entries) {
    if (!isSha256Hex(v.sha256)) continue;
    out.push({ key: Buffer.from(k, 'utf8'), size: v.size, mtimeMs: v.mtimeMs, sha256: Buffer.from(v.sha256, 'hex') });
  }
  return out.sort((a, b) => Buffer.compare(a.key, b.key));
}

/** The entries of an index file in the older JSON form, or null when there is none. */
async function loadLegacyEntries(file: string): Promise<Map<string, FileHashEntry> | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw err;
  }
  return parseIndexEntries(bytes) ?? parseIndexWhole(bytes.toString('utf8'), file);
}

const INDEX_HEAD = Buffer.from('{"version":1,"entries":{');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function entryOf(e: unknown): FileHashEntry | null {
  return Array.isArray(e) && e.length >= 3 && typeof e[0] === 'number' && typeof e[1] === 'number' && typeof e[2] === 'string' ? { size: e[0], mtimeMs: e[1], sha256: e[2] } : null;
}

/**
 * The entries of an older JSON index file in exactly the form holoclip wrote (`{"version":1,"entries":{...}}` as JSON.stringify writes it), read entry by entry (each key and value
 * parsed on its own): what JSON.parse of the whole file gives, without the whole file's parse tree (at 100,000 files
 * that transient was some 60 MB, four times the index itself, and set the run's RSS high-water mark). Null when the
 * text is in any other form (hand-edited, other whitespace, damaged): the caller then parses it whole.
 */
export function parseIndexEntries(buf: Buffer): Map<string, FileHashEntry> | null {
  if (buf.length < INDEX_HEAD.length + 2 || !buf.subarray(0, INDEX_HEAD.length).equals(INDEX_HEAD)) return null;
  const map = new Map<string, FileHashEntry>();
  let pos = INDEX_HEAD.length;
  if (buf[pos] !== 0x7d) {
    for (;;) {
      if (buf[pos] !== QUOTE) return null;
      let i = pos + 1;
      while (i < buf.length && buf[i] !== QUOTE) i += buf[i] === BACKSLASH ? 2 : 1;
      if (i >= buf.length || buf[i + 1] !== 0x3a || buf[i + 2] !== 0x5b) return null; // "key":[
      const close = buf.indexOf(0x5d, i + 3); // the value holds two numbers and a hex string: no ']' inside
      if (close < 0) return null;
      let key: unknown;
      let value: unknown;
      try {
        key = JSON.parse(buf.toString('utf8', pos, i + 1));
        value = JSON.parse(buf.toString('utf8', i + 2, close + 1));
      } catch {
        return null;
      }
      if (typeof key !== 'string') return null;
      const entry = entryOf(value);
      if (entry) map.set(key, entry);
      else map.delete(key); // as the whole parse: a later duplicate key replaces the earlier value
      pos = close + 1;
      if (buf[pos] === 0x2c) {
        pos++;
        continue;
      }
      if (buf[pos] === 0x7d) break;
      return null;
    }
  }
  if (buf[pos + 1] !== 0x7d) return null; // }}
  for (let i = pos + 2; i < buf.length; i++) if (buf[i] !== 0x0a && buf[i] !== 0x20 && buf[i] !== 0x0d && buf[i] !== 0x09) return null;
  return map;
}

/** The entries of an index file of any JSON form, parsed whole (see {@link parseIndexEntries}). */
export function parseIndexWhole(text: string, file: string): Map<string, FileHashEntry> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new HoloclipError(`file hash index ${file} is not valid JSON; delete it (it is only a cache)`, { cause: err });
  }
  const entries = (parsed as Partial<FileHashIndexFile> | null)?.entries;
  if ((parsed as Partial<FileHashIndexFile> | null)?.version !== 1 || typeof entries !== 'object' || entries === null) {
    throw new HoloclipError(`file hash index ${file} has an unknown format; delete it (it is only a cache)`);
  }
  const map = new Map<string, FileHashEntry>();
  for (const key of Object.keys(entries)) {
    const entry = entryOf(entries[key]);
    if (entry) map.set(key, entry);
  }
  return map;
}
