import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { HoloclipError } from '../errors.js';
import { isErrno, writeChunksAtomic } from './atomic.js';

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

/** Where {@link FileHashIndex} keeps its data inside a store. */
export function fileHashIndexPath(storeRoot: string): string {
  return path.join(storeRoot, 'index', 'file-hashes.json');
}

/** On-disk form: compact JSON, one `[size, mtimeMs, sha256]` triple per absolute path. */
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
 * A persisted stat cache: absolute path -> {size, mtimeMs, sha256}, so re-hashing an unchanged
 * file costs one stat. Stored as `<store>/index/file-hashes.json` and written atomically; `save()`
 * merges with what other processes saved meanwhile, so concurrent users lose nothing but speed.
 */
export class FileHashIndex {
  private readonly entries: Map<string, FileHashEntry>;
  private readonly changed = new Map<string, FileHashEntry>();
  private readonly racyWindowMs: number;
  /** Stat of the index file as this instance last read or wrote it; unchanged means no merge is needed. */
  private diskVersion: string | undefined;

  private constructor(
    readonly file: string,
    entries: Map<string, FileHashEntry>,
    diskVersion: string | undefined,
    options: FileHashIndexOptions,
  ) {
    this.entries = entries;
    this.diskVersion = diskVersion;
    this.racyWindowMs = options.racyWindowMs ?? 2000;
  }

  static async open(storeRoot: string, options: FileHashIndexOptions = {}): Promise<FileHashIndex> {
    const file = fileHashIndexPath(path.resolve(storeRoot));
    const version = await fileVersion(file);
    return new FileHashIndex(file, await loadEntries(file), version, options);
  }

  /** Number of remembered files. */
  get size(): number {
    return this.entries.size;
  }

  /** True if there are entries not yet saved. */
  get dirty(): boolean {
    return this.changed.size > 0;
  }

  /** The remembered entry for `file`, without checking it is still current. */
  peek(file: string): FileHashEntry | undefined {
    // Keys are resolved absolute paths: a path already in that form (as dataset items are) needs no resolve.
    return this.entries.get(file) ?? this.entries.get(path.resolve(file));
  }

  /**
   * sha256 of `file`. If `bytes` (the file's content, already read by the caller) is given it is
   * hashed instead of reading the file again. Unchanged files (same size and mtime) cost one stat.
   */
  async hashFile(file: string, bytes?: Buffer | Uint8Array): Promise<string> {
    const abs = absoluteKey(file);
    const st = await stat(abs);
    const known = this.entries.get(abs);
    if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.sha256;
    // Trust caller-supplied bytes only if they have the size the file has now.
    const digest = bytes && bytes.length === st.size ? sha256(bytes) : await sha256File(abs);
    if (Date.now() - st.mtimeMs >= this.racyWindowMs) {
      const entry: FileHashEntry = { size: st.size, mtimeMs: st.mtimeMs, sha256: digest };
      this.entries.set(abs, entry);
      this.changed.set(abs, entry);
    }
    return digest;
  }

  /**
   * Remember a hash computed elsewhere (e.g. by a decode worker that read the file), given the
   * size and mtime it saw when it read the bytes. Same racy-window rule as hashFile.
   */
  record(file: string, stat: { size: number; mtimeMs: number }, digest: string): void {
    const abs = absoluteKey(file);
    if (Date.now() - stat.mtimeMs < this.racyWindowMs) return;
    const known = this.entries.get(abs);
    if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs && known.sha256 === digest) return;
    const entry: FileHashEntry = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: digest };
    this.entries.set(abs, entry);
    this.changed.set(abs, entry);
  }

  /** Persist new entries atomically, merged over whatever is on disk now. No-op if nothing changed. */
  async save(): Promise<void> {
    if (this.changed.size === 0) return;
    // Another process saved since we last looked: merge its entries under ours.
    if ((await fileVersion(this.file)) !== this.diskVersion) {
      for (const [k, v] of await loadEntries(this.file)) if (!this.changed.has(k)) this.entries.set(k, v);
    }
    // The text is generated while it is written: an entry recorded meanwhile stays dirty, saved again next time.
    const saving = new Map(this.changed);
    await writeChunksAtomic(this.file, indexJson(this.entries));
    this.diskVersion = await fileVersion(this.file);
    for (const [k, v] of saving) if (this.changed.get(k) === v) this.changed.delete(k);
  }
}

/**
 * The index's key for `file`: `path.resolve(file)`, but the caller's own string when that is already the resolved
 * path (a dataset's item paths are), so the index does not hold a second copy of every path. path.resolve builds its
 * result from some ten string pieces per path (about 500 bytes in V8), which would be what the index keeps.
 */
function absoluteKey(file: string): string {
  const abs = path.resolve(file);
  return abs === file ? file : abs;
}

/**
 * The on-disk form of the entries (`{"version":1,"entries":{...}}` and a newline, as JSON.stringify writes it),
 * generated entry by entry: neither an object of every entry nor the whole text is ever built.
 */
export function* indexJson(entries: ReadonlyMap<string, FileHashEntry>): Generator<string> {
  yield '{"version":1,"entries":{';
  let first = true;
  for (const [k, v] of entries) {
    yield `${first ? '' : ','}${JSON.stringify(k)}:${JSON.stringify([v.size, v.mtimeMs, v.sha256])}`;
    first = false;
  }
  yield '}}\n';
}

/** Identity of the file's current version (inode, size, mtime), or undefined if absent. */
async function fileVersion(file: string): Promise<string | undefined> {
  try {
    const st = await stat(file, { bigint: true });
    return `${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

async function loadEntries(file: string): Promise<Map<string, FileHashEntry>> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return new Map();
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
 * The entries of an index file in exactly the form {@link indexJson} writes, read entry by entry (each key and value
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
