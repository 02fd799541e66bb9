/**
 * A run's scratch matrix on disk: float32 rows appended block by block to a temp file in the run's output folder,
 * then read back in blocks, as often as needed (a temperature fit makes a pass per evaluation), and removed. It keeps
 * an n x classes matrix out of memory when a task needs several passes over it. The file has a temp name
 * (`<name>.holoclip-tmp-<pid>-<hex>`), so one left by a killed run is recognised as a leftover.
 */
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { tempPathFor, writeAll } from './atomic.js';
import { withErrorPath } from '../util/fs-errors.js';

export class RowSpill {
  private rowCount = 0;
  private closed = false;

  private constructor(
    readonly file: string,
    readonly width: number,
    private handle: FileHandle | null,
  ) {}

  /** A new spill of rows `width` float32s wide, in `dir` (created if needed), named after `name`. */
  static async create(dir: string, name: string, width: number): Promise<RowSpill> {
    if (!Number.isSafeInteger(width) || width < 1) throw new RangeError(`RowSpill: width must be a positive integer (got ${width})`);
    await mkdir(dir, { recursive: true });
    const file = tempPathFor(path.join(dir, name));
    return new RowSpill(file, width, await open(file, 'wx'));
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.rowCount;
  }

  /** Append whole rows (row-major, a multiple of `width` values). */
  async append(rows: Float32Array): Promise<void> {
    if (this.handle === null) throw new Error(`RowSpill: ${this.file} is no longer open for appending`);
    if (rows.length % this.width !== 0) throw new RangeError(`RowSpill: ${rows.length} values are not whole rows of ${this.width}`);
    const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
    try {
      await writeAll(this.handle, bytes);
    } catch (err) {
      throw withErrorPath(err, this.file);
    }
    this.rowCount += rows.length / this.width;
  }

  /**
   * Calls `visit` on consecutive blocks of up to `blockRows` rows, in order, covering every row appended (each block
   * a fresh array). Appending ends at the first read.
   */
  async forEachBlock(visit: (block: Float32Array, firstRow: number, rows: number) => void, blockRows = 4096): Promise<void> {
    if (this.closed) throw new Error(`RowSpill: ${this.file} was removed`);
    if (this.handle !== null) {
      await this.handle.close();
      this.handle = null;
    }
    const reader = await open(this.file, 'r');
    try {
      // One buffer for every block (the temperature fit passes over the rows dozens of times: a new 2 MB array per
      // block was garbage outside the heap until a full GC); `visit` uses a block before the next one is read.
      const buffer = new Float32Array(Math.min(blockRows, this.rowCount) * this.width);
      for (let first = 0; first < this.rowCount; first += blockRows) {
        const rows = Math.min(blockRows, this.rowCount - first);
        const block = buffer.subarray(0, rows * this.width);
        const bytes = new Uint8Array(block.buffer, block.byteOffset, block.byteLength);
        let offset = 0;
        while (offset < bytes.byteLength) {
          const { bytesRead } = await reader.read(bytes, offset, bytes.byteLength - offset, first * this.width * 4 + offset);
          if (bytesRead === 0) throw new Error(`RowSpill: ${this.file} ends before row ${first + rows} (changed by someone else?)`);
          offset += bytesRead;
        }
        visit(block, first, rows);
      }
    } catch (err) {
      throw withErrorPath(err, this.file);
    } finally {
      await reader.close();
    }
  }

  /** Close and delete the file (idempotent). */
  async remove(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.handle !== null) await this.handle.close().catch(() => undefined);
    this.handle = null;
    await unlink(this.file).catch(() => undefined);
  }
}
