/**
 * The bytes of one dataset item and their cache identity, wherever they live: a plain file (`path`)
 * or a member of a tar shard (`source`, WebDataset).
 */
import { promises as fs, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { ImageReadError, errorMessage } from '../errors.js';
import { sha256, type FileHashIndex } from '../store/hash.js';
import { detachedFlat } from '../util/detached-flat.js';
import type { ItemList } from './item-list.js';
import type { DatasetItem } from './types.js';

/** What the decode worker needs to find an item's bytes (a DecodeRequest item's fields). */
export interface ItemLocation {
  readonly path: string;
  readonly source?: DatasetItem['source'];
}

/**
 * The stat the file hash index keys an item's sha256 on: for a file its own size and mtime; for a
 * tar member the member's size and the tar's mtime (a rewritten shard gets a new mtime, so its
 * members are hashed again), remembered under the display path `<tar>#<member>`.
 */
export interface ItemStat {
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Item stats for one run: each file (and each tar shard) is stat'ed once however many models and tasks ask, so a
 * suite of six models over 6,000 images costs 6,000 stats rather than 36,000, and every model sees the same
 * snapshot. An item asked for as position `at` of an item list (a dataset's items, which a suite shares between its
 * models) is remembered in that list's typed arrays (16 bytes an item, nothing per path); one asked for alone, by its
 * path. Two lists over the same files (an OOD set that is the ID folder again) stat each file once per list: matching
 * their paths in one map compared two strings per file, which made V8 flatten both in place (some 100 bytes per
 * path, held for the run). Plain files are stat'ed synchronously (about 10 us each on a local disk, against some 30 us through
 * libuv's thread pool); when those calls turn out slow (a network file system: the first 64 average over 100 us)
 * the cache switches to asynchronous stats, which can overlap there.
 */
export class ItemStatCache {
  private readonly tars = new Map<string, Promise<number>>();
  /** File -> its slot in `sizes` / `mtimes`: a number per file rather than an object (a run holds every image's). */
  private readonly files = new Map<string, number>();
  private sizes: Float64Array = new Float64Array(1024);
  private mtimes: Float64Array = new Float64Array(1024);
  private syncCalls = 0;
  private syncMs = 0;
  private async_ = false;
  /** Per item list: size and mtime by position (NaN: not stat'ed yet). */
  private readonly lists = new WeakMap<ItemList, { sizes: Float64Array; mtimes: Float64Array }>();

  /** The stat of `item`; with `list` and `at`, `item` is `list.get(at)` and its stat is remembered by that position. */
  async stat(item: ItemLocation, list?: ItemList, at?: number): Promise<ItemStat> {
    if (!item.source && list !== undefined && at !== undefined) return this.statInList(item.path, list, at);
    if (!item.source) return this.statFile(item.path);
    const { tar, size } = item.source;
    let mtime = this.tars.get(tar);
    if (mtime === undefined) {
      mtime = fs.stat(tar).then((st) => st.mtimeMs);
      this.tars.set(tar, mtime);
    }
    return { size, mtimeMs: await mtime };
  }

  private async statInList(file: string, list: ItemList, at: number): Promise<ItemStat> {
    let slots = this.lists.get(list);
    if (slots === undefined) {
      slots = { sizes: new Float64Array(list.length).fill(Number.NaN), mtimes: new Float64Array(list.length) };
      this.lists.set(list, slots);
    }
    if (!Number.isNaN(slots.sizes[at])) return { size: slots.sizes[at], mtimeMs: slots.mtimes[at] };
    const st = await this.statNow(file);
    if (Number.isNaN(slots.sizes[at])) {
      // (else stat'ed meanwhile: the first answer stands)
      slots.sizes[at] = st.size;
      slots.mtimes[at] = st.mtimeMs;
    }
    return { size: slots.sizes[at], mtimeMs: slots.mtimes[at] };
  }

  /** A stat of `file` now (synchronous unless those turned out slow). */
  private async statNow(file: string): Promise<{ size: number; mtimeMs: number }> {
    // Through a copy of the path: the item's own string would keep a flat copy of its characters (util/detached-flat).
    if (this.async_) return fs.stat(detachedFlat(file));
    const t0 = performance.now();
    const st = statSync(detachedFlat(file));
    this.syncMs += performance.now() - t0;
    if (++this.syncCalls === 64 && this.syncMs / 64 > 0.1) this.async_ = true;
    return st;
  }

  private async statFile(file: string): Promise<ItemStat> {
    const known = this.files.get(file);
    if (known !== undefined) return { size: this.sizes[known], mtimeMs: this.mtimes[known] };
    const st = await this.statNow(file);
    const raced = this.files.get(file); // stat'ed meanwhile (an asynchronous stat of the same file)
    if (raced !== undefined) return { size: this.sizes[raced], mtimeMs: this.mtimes[raced] };
    const slot = this.files.size;
    if (slot === this.sizes.length) {
      const grow = (a: Float64Array): Float64Array => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.sizes = grow(this.sizes);
      this.mtimes = grow(this.mtimes);
    }
    this.sizes[slot] = st.size;
    this.mtimes[slot] = st.mtimeMs;
    this.files.set(file, slot);
    return { size: st.size, mtimeMs: st.mtimeMs };
  }
}

/**
 * Open tar shards of one batch: every member of a shard is read through one handle (positional
 * reads, so concurrent reads share it safely). `close()` when the batch is done.
 */
export class TarHandles {
  private readonly open = new Map<string, Promise<{ handle: FileHandle; mtimeMs: number }>>();

  get(tar: string): Promise<{ handle: FileHandle; mtimeMs: number }> {
    let h = this.open.get(tar);
    if (h === undefined) {
      h = (async () => {
        const handle = await fs.open(tar, 'r');
        try {
          return { handle, mtimeMs: (await handle.stat()).mtimeMs };
        } catch (err) {
          await handle.close();
          throw err;
        }
      })();
      this.open.set(tar, h);
    }
    return h;
  }

  async close(): Promise<void> {
    const all = [...this.open.values()];
    this.open.clear();
    await Promise.all(all.map((p) => p.then((h) => h.handle.close()).catch(() => undefined)));
  }
}

/**
 * Read an item's bytes and the stat they correspond to. Throws ImageReadError (with a short reason).
 * A plain file is read exactly as before (one open, stat, readFile: no extra copy).
 */
export async function readItemBytes(item: ItemLocation, tars: TarHandles): Promise<{ bytes: Buffer; stat: ItemStat }> {
  if (!item.source) {
    try {
      const handle = await fs.open(item.path, 'r');
      try {
        const s = await handle.stat();
        return { stat: { size: s.size, mtimeMs: s.mtimeMs }, bytes: await handle.readFile() };
      } finally {
        await handle.close();
      }
    } catch (err) {
      throw new ImageReadError(item.path, readFailureReason(err, 'file'));
    }
  }
  const { tar, offset, size } = item.source;
  let opened: { handle: FileHandle; mtimeMs: number };
  try {
    opened = await tars.get(tar);
  } catch (err) {
    throw new ImageReadError(item.path, readFailureReason(err, 'shard'));
  }
  const bytes = Buffer.allocUnsafe(size);
  let bytesRead: number;
  try {
    ({ bytesRead } = await opened.handle.read(bytes, 0, size, offset));
  } catch (err) {
    throw new ImageReadError(item.path, readFailureReason(err, 'shard'));
  }
  if (bytesRead !== size) throw new ImageReadError(item.path, `shard ${tar} is truncated or changed since it was listed (${bytesRead} of ${size} bytes at offset ${offset})`);
  return { bytes, stat: { size, mtimeMs: opened.mtimeMs } };
}

/**
 * sha256 of an item's bytes through the hash index, like `FileHashIndex.hashFile` for a plain file
 * (which cannot stat the display path of a tar member): an unchanged member costs one (cached)
 * stat of its tar, a new one one positional read. For code outside the embedding pipeline that
 * fingerprints datasets (suite result keys).
 */
export async function hashItem(item: ItemLocation, index: FileHashIndex, stats: ItemStatCache = new ItemStatCache(), list?: ItemList, at?: number): Promise<string> {
  const st = await stats.stat(item, list, at);
  const known = index.peek(item.path);
  if (known && known.size === st.size && known.mtimeMs === st.mtimeMs) return known.sha256;
  if (!item.source) return index.hashFile(item.path);
  const tars = new TarHandles();
  try {
    const { bytes, stat } = await readItemBytes(item, tars);
    const digest = sha256(bytes);
    index.record(item.path, stat, digest);
    return digest;
  } finally {
    await tars.close();
  }
}

function readFailureReason(err: unknown, what: 'file' | 'shard'): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${what} not found`;
  if (code === 'EISDIR') return `${what === 'file' ? '' : 'shard '}is a directory`;
  return errorMessage(err);
}
