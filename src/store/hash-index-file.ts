/**
 * The file hash index on disk (`<store>/index/file-hashes.bin`), read in place: a lookup reads one block of the file
 * (positioned read, a few kB), so a process holds a small block table whatever the number of files (the JSON form it
 * replaces was loaded whole: some 265 heap bytes per file, 26 MB at 100,000 images).
 *
 *   header  8 B    "HCFHIDX1"
 *   blocks         entries sorted by path (UTF-8 bytes, = code point order), each
 *                  u32 path length, path (UTF-8), f64 size, f64 mtimeMs, 32 B sha256;
 *                  a block is about {@link BLOCK_BYTES} (an entry is never split; a longer one is a block alone)
 *   table          per block: f64 offset, u32 byte length, u32 entries, 32 B sha256 of the block,
 *                  u32 first path length, first path
 *   footer  64 B   f64 table offset, u32 table length, u32 blocks, f64 entries, 32 B sha256 of the table, "HCFHEND1"
 *
 * All numbers little-endian. Opening reads the footer and the table (checked by its sha256); a block is checked by
 * its sha256 when read. A damaged file is an error naming it (it is only a cache: deleting it costs one re-hash).
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { HoloclipError } from '../errors.js';
import { isErrno } from './atomic.js';

export const HEADER = Buffer.from('HCFHIDX1', 'latin1');
const FOOTER_MAGIC = Buffer.from('HCFHEND1', 'latin1');
const FOOTER_BYTES = 64;
/** Target block size: a lookup reads one block; the table holds one first path per block. */
export const BLOCK_BYTES = 4096;
const ENTRY_FIXED = 4 + 8 + 8 + 32;
const TABLE_FIXED = 8 + 4 + 4 + 32 + 4;

/** One entry as stored: the path's UTF-8 bytes and the 32 raw bytes of its sha256. */
export interface PackedEntry {
  readonly key: Buffer;
  readonly size: number;
  readonly mtimeMs: number;
  readonly sha256: Buffer;
}

/** A damaged index file: the error names it and says what is wrong (`problem`) and how to fix it. */
export class HashIndexDamageError extends HoloclipError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`file hash index ${file} is damaged (${problem}); delete it (it is only a cache: the images are hashed again), or run holoclip store verify --repair`);
    this.name = 'HashIndexDamageError';
  }
}

function damaged(file: string, problem: string): HashIndexDamageError {
  return new HashIndexDamageError(file, problem);
}

const sha = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/**
 * The bytes of an index file holding `entries` (sorted by key, strictly increasing: checked), generated block by
 * block: only the current block and the table are held.
 */
export function* encodeHashIndex(entries: Iterable<PackedEntry>): Generator<Uint8Array> {
  yield HEADER;
  let offset = HEADER.length;
  const table: Buffer[] = [];
  let tableLength = 0;
  let blocks = 0;
  let count = 0;
  // Entries are written into the block's own buffer (a new one per block: a buffer per entry was 100,000 small
  // allocations per save at 100,000 files).
  let block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
  let blockLength = 0;
  let blockCount = 0;
  let firstKey: Buffer | null = null;
  let previous: Buffer | null = null;
  const flush = function* (): Generator<Uint8Array> {
    if (blockCount === 0 || firstKey === null) return;
    const bytes = block.subarray(0, blockLength);
    const row = Buffer.alloc(TABLE_FIXED + firstKey.length);
    row.writeDoubleLE(offset, 0);
    row.writeUInt32LE(blockLength, 8);
    row.writeUInt32LE(blockCount, 12);
    sha(bytes).copy(row, 16);
    row.writeUInt32LE(firstKey.length, 48);
    firstKey.copy(row, TABLE_FIXED);
    table.push(row);
    tableLength += row.length;
    blocks++;
    offset += blockLength;
    block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
    blockLength = 0;
    blockCount = 0;
    firstKey = null;
    yield bytes;
  };
  for (const e of entries) {
    if (previous !== null && Buffer.compare(previous, e.key) >= 0) throw new Error('encodeHashIndex: entries must be sorted by key, without duplicates');
    if (e.sha256.length !== 32) throw new RangeError('encodeHashIndex: sha256 must be 32 bytes');
    previous = e.key;
    const length = ENTRY_FIXED + e.key.length;
    if (blockCount > 0 && blockLength + length > BLOCK_BYTES) yield* flush();
    if (blockLength + length > block.length) {
      // An entry longer than a block: a block of its own, in a buffer of its size.
      const grown = Buffer.allocUnsafeSlow(blockLength + length);
      block.copy(grown, 0, 0, blockLength);
      block = grown;
    }
    const at = blockLength;
    block.writeUInt32LE(e.key.length, at);
    e.key.copy(block, at + 4);
    block.writeDoubleLE(e.size, at + 4 + e.key.length);
    block.writeDoubleLE(e.mtimeMs, at + 12 + e.key.length);
    e.sha256.copy(block, at + 20 + e.key.length);
    firstKey ??= e.key;
    blockLength += length;
    blockCount++;
    count++;
  }
  yield* flush();
  const tableBytes = Buffer.concat(table, tableLength);
  yield tableBytes;
  const footer = Buffer.alloc(FOOTER_BYTES);
  footer.writeDoubleLE(offset, 0);
  footer.writeUInt32LE(tableLength, 8);
  footer.writeUInt32LE(blocks, 12);
  footer.writeDoubleLE(count, 16);
  sha(tableBytes).copy(footer, 24);
  FOOTER_MAGIC.copy(footer, 56);
  yield footer;
}

/** Closes the file of a snapshot dropped without close(). */
const openFiles = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
});

/** `length` bytes at `position`, read into `into`'s memory when it is large enough (a buffer of its own, not pooled). */
function readExactly(fd: number, length: number, position: number, file: string, into?: Buffer): Buffer {
  const buf = into !== undefined && into.buffer.byteLength >= length ? Buffer.from(into.buffer, 0, length) : Buffer.allocUnsafeSlow(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) throw damaged(file, `ends at byte ${position + done}, ${length - done} bytes short`);
    done += n;
  }
  return buf;
}

/**
 * One version of an index file: its block table (offsets, lengths, counts, checksums, and each block's first path in
 * one buffer), read with the file's footer. Blocks are read on demand, through a small cache.
 */
export class HashIndexSnapshot {
  private readonly cache = new Map<number, { data: Buffer; starts: Uint32Array }>();
  /** The open file lookups read (set by {@link open}). */
  private fd: number | null = null;
  /** The buffer of the block last dropped from the cache, reused for the next read (a read per block is garbage). */
  private spare: Buffer | undefined;
  private static readonly CACHED_BLOCKS = 32;

  private constructor(
    readonly file: string,
    readonly entries: number,
    private readonly offsets: Float64Array,
    private readonly lengths: Uint32Array,
    private readonly counts: Uint32Array,
    private readonly table: Buffer,
    /** Where block i's row starts in `table` (its checksum at +16, its first path at +TABLE_FIXED). */
    private readonly rows: Uint32Array,
  ) {}

  get blocks(): number {
    return this.offsets.length;
  }

  /** The index file as it is now, or null when there is none. */
  static open(file: string): HashIndexSnapshot | null {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    }
    let snapshot: HashIndexSnapshot;
    try {
      snapshot = HashIndexSnapshot.read(fd, file);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    // The snapshot keeps the file open: lookups read this version of it (replaced meanwhile or not), one positioned
    // read per block (opening the file for each read cost four times the read). Closed by close(), or when the
    // snapshot is garbage-collected.
    snapshot.fd = fd;
    openFiles.register(snapshot, fd, snapshot);
    return snapshot;
  }

  /** Closes the file (lookups then fail). */
  close(): void {
    if (this.fd === null) return;
    openFiles.unregister(this);
    closeSync(this.fd);
    this.fd = null;
  }

  /** The snapshot of the file open as `fd`. */
  static read(fd: number, file: string): HashIndexSnapshot {
    const size = fstatSync(fd).size;
    if (size < HEADER.length + FOOTER_BYTES) throw damaged(file, `${size} bytes, too short for an index`);
    if (!readExactly(fd, HEADER.length, 0, file).equals(HEADER)) throw damaged(file, 'it does not start with HCFHIDX1');
    const footer = readExactly(fd, FOOTER_BYTES, size - FOOTER_BYTES, file);
    if (!footer.subarray(56).equals(FOOTER_MAGIC)) throw damaged(file, 'no footer: truncated or overwritten');
    const tableOffset = footer.readDoubleLE(0);
    const tableLength = footer.readUInt32LE(8);
    const blocks = footer.readUInt32LE(12);
    const entries = footer.readDoubleLE(16);
    if (!Number.isSafeInteger(tableOffset) || tableOffset < HEADER.length || tableOffset + tableLength !== size - FOOTER_BYTES) throw damaged(file, 'its footer does not match its size');
    const table = readExactly(fd, tableLength, tableOffset, file);
    if (!sha(table).equals(footer.subarray(24, 56))) throw damaged(file, 'its block table does not match its checksum');
    const offsets = new Float64Array(blocks);
    const lengths = new Uint32Array(blocks);
    const counts = new Uint32Array(blocks);
    const rows = new Uint32Array(blocks);
    let pos = 0;
    let expectedOffset = HEADER.length;
    let total = 0;
    for (let i = 0; i < blocks; i++) {
      if (pos + TABLE_FIXED > table.length) throw damaged(file, 'its block table is short');
      rows[i] = pos;
      offsets[i] = table.readDoubleLE(pos);
      lengths[i] = table.readUInt32LE(pos + 8);
      counts[i] = table.readUInt32LE(pos + 12);
      if (offsets[i] !== expectedOffset) throw damaged(file, `block ${i} is not where its table says`);
      expectedOffset += lengths[i];
      total += counts[i];
      pos += TABLE_FIXED + table.readUInt32LE(pos + 48);
    }
    if (pos !== table.length || expectedOffset !== tableOffset || total !== entries) throw damaged(file, 'its block table does not add up');
    return new HashIndexSnapshot(file, entries, offsets, lengths, counts, table, rows);
  }

  /** The entry for `key` (UTF-8 bytes: `key[0, keyLength)`), or undefined. */
  find(key: Buffer, keyLength: number): { size: number; mtimeMs: number; sha256: string } | undefined {
    // The last block whose first path is <= key.
    let lo = 0;
    let hi = this.offsets.length - 1;
    if (hi < 0 || this.compareFirst(key, keyLength, 0) < 0) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.compareFirst(key, keyLength, mid) >= 0) lo = mid;
      else hi = mid - 1;
    }
    const { data, starts } = this.block(lo);
    let a = 0;
    let b = starts.length - 1;
    while (a <= b) {
      const m = (a + b) >> 1;
      const s = starts[m];
      const len = data.readUInt32LE(s);
      const c = key.compare(data, s + 4, s + 4 + len, 0, keyLength);
      if (c === 0) {
        const at = s + 4 + len;
        return { size: data.readDoubleLE(at), mtimeMs: data.readDoubleLE(at + 8), sha256: data.toString('hex', at + 16, at + 48) };
      }
      if (c > 0) a = m + 1;
      else b = m - 1;
    }
    return undefined;
  }

  /** Every entry in key order, read block by block from `fd` (this version of the file). */
  *entriesFrom(fd: number): Generator<PackedEntry> {
    for (let i = 0; i < this.offsets.length; i++) {
      const { data, starts } = this.readBlock(fd, i);
      for (const s of starts) {
        const len = data.readUInt32LE(s);
        const at = s + 4 + len;
        yield { key: data.subarray(s + 4, at), size: data.readDoubleLE(at), mtimeMs: data.readDoubleLE(at + 8), sha256: data.subarray(at + 16, at + 48) };
      }
    }
  }

  /** key[0, keyLength) compared with block i's first path. */
  private compareFirst(key: Buffer, keyLength: number, i: number): number {
    const row = this.rows[i];
    const start = row + TABLE_FIXED;
    return key.compare(this.table, start, start + this.table.readUInt32LE(row + 48), 0, keyLength);
  }

  private block(i: number): { data: Buffer; starts: Uint32Array } {
    const hit = this.cache.get(i);
    if (hit !== undefined) {
      this.cache.delete(i);
      this.cache.set(i, hit);
      return hit;
    }
    if (this.fd === null) throw new Error(`file hash index ${this.file}: read after close()`);
    if (this.cache.size >= HashIndexSnapshot.CACHED_BLOCKS) {
      const oldest = this.cache.keys().next().value as number;
      this.spare = this.cache.get(oldest)?.data;
      this.cache.delete(oldest);
    }
    const read = this.readBlock(this.fd, i, this.spare);
    if (read.data.buffer === this.spare?.buffer) this.spare = undefined;
    this.cache.set(i, read);
    return read;
  }

  private readBlock(fd: number, i: number, into?: Buffer): { data: Buffer; starts: Uint32Array } {
    const data = readExactly(fd, this.lengths[i], this.offsets[i], this.file, into);
    const row = this.rows[i];
    if (!sha(data).equals(this.table.subarray(row + 16, row + 48))) throw damaged(this.file, `block ${i} does not match its checksum`);
    const starts = new Uint32Array(this.counts[i]);
    let pos = 0;
    for (let k = 0; k < starts.length; k++) {
      if (pos + ENTRY_FIXED > data.length) throw damaged(this.file, `block ${i} is short`);
      starts[k] = pos;
      pos += ENTRY_FIXED + data.readUInt32LE(pos);
    }
    if (pos !== data.length) throw damaged(this.file, `block ${i} does not hold its ${starts.length} entries`);
    return { data, starts };
  }
}

/**
 * The entries of `a` and `b` (both sorted by key) in key order; on a key in both, `b`'s entry (the newer) wins.
 */
export function* mergeSorted(a: Iterable<PackedEntry>, b: Iterable<PackedEntry>): Generator<PackedEntry> {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  let x = ia.next();
  let y = ib.next();
  try {
    while (!x.done || !y.done) {
      if (y.done || (!x.done && Buffer.compare(x.value.key, y.value.key) < 0)) {
        yield x.value as PackedEntry;
        x = ia.next();
      } else {
        if (!x.done && Buffer.compare(x.value.key, y.value.key) === 0) x = ia.next();
        yield y.value;
        y = ib.next();
      }
    }
  } finally {
    ia.return?.();
    ib.return?.();
  }
}

/** The entries of the index file as it is now (none if there is none), in key order, from one version of it. */
export function* currentEntries(file: string): Generator<PackedEntry> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  try {
    yield* HashIndexSnapshot.read(fd, file).entriesFrom(fd);
  } finally {
    closeSync(fd);
  }
}
