/**
 * The WebAssembly SIMD build of Pillow's two resampling passes (pil-resample.wat), behind a small typed API over
 * plain typed arrays. One instance per thread (each decode worker has its own), its memory grown to the largest image
 * seen. `null` when the engine cannot compile the module (every node >= 16.4 can): callers then use the JS passes,
 * which compute the same bytes.
 */
import { PIL_RESAMPLE_WASM_BASE64 } from './pil-resample-wasm.js';
import { growMemoryTo, LazyWasmInstance } from '../../util/wasm-instance.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  horizontal3(src: number, srcStride: number, rows: number, out: number, cols: number, starts: number, counts: number, ks: number, ksize: number): void;
  vertical(src: number, stride: number, outRows: number, out: number, rowStarts: number, counts: number, ks: number, ksize: number): void;
}

/** Bytes the kernels may read or write past a buffer's end (a 64-bit load or store at its last byte). */
const SLACK = 8;
/**
 * The largest working set run in the kernel: a WebAssembly memory never shrinks, so one huge image would keep its
 * size for the worker's lifetime. Larger images (beyond about 4000 x 3000) take the JS passes: the same bytes.
 */
export const KERNEL_MAX_BYTES = 48 * 1024 * 1024;

const kernel = new LazyWasmInstance<KernelExports>(PIL_RESAMPLE_WASM_BASE64);

/** The kernel's memory in this thread, in bytes (0 before its first use). */
export function kernelMemoryBytes(): number {
  return kernel.memoryBytes();
}

/** Whether the SIMD passes are available in this thread. */
export function resampleKernelAvailable(): boolean {
  return kernel.get() !== null;
}

/** Lays buffers out one after the other (16-byte aligned, with slack) in the kernel's memory, growing it as needed. */
class Arena {
  private next = 0;
  alloc(bytes: number): number {
    const at = this.next;
    this.next = (at + bytes + SLACK + 15) & ~15;
    return at;
  }
  /** Bytes laid out so far, slack included. */
  get size(): number {
    return this.next + SLACK;
  }
  ensure(memory: WebAssembly.Memory): void {
    growMemoryTo(memory, this.size);
  }
}

/** Outputs [first, first + n) of an axis: their tap counts and coefficients, written at `counts` and `ks` in `mem`. */
function writeTaps(mem: ArrayBuffer, counts: number, ks: number, coeffs: AxisCoeffs, first: number, n: number): void {
  new Int32Array(mem, counts, n).set(coeffs.count.subarray(first, first + n));
  new Int32Array(mem, ks, n * coeffs.ksize).set(coeffs.k.subarray(first * coeffs.ksize, (first + n) * coeffs.ksize));
}

/** One axis' fixed-point coefficients: for output i, taps k[i*ksize .. + count[i]) from source index start[i]. */
export interface AxisCoeffs {
  ksize: number;
  start: Int32Array;
  count: Int32Array;
  k: Int32Array;
}

export interface HorizontalStep {
  coeffs: AxisCoeffs;
  /** Output columns [colFirst, colFirst + cols). */
  colFirst: number;
  cols: number;
  /** Source rows [rowFirst, rowFirst + rows). */
  rowFirst: number;
  rows: number;
}

export interface VerticalStep {
  coeffs: AxisCoeffs;
  /** Output rows [rowFirst, rowFirst + rows). */
  rowFirst: number;
  rows: number;
  /** Subtracted from each coefficient's source row: the input starts at that source row. */
  rowShift: number;
}

/**
 * A horizontal pass over 3-channel interleaved `src` (width x height), then optionally a vertical pass, in the kernel.
 * Without a horizontal step `src` goes straight to the vertical pass (any channel count). Returns the output bytes, or
 * null when the kernel is unavailable or the image is larger than KERNEL_MAX_BYTES (the caller then runs the JS
 * passes).
 */
export function runResamplePasses(
  src: Uint8Array,
  width: number,
  channels: number,
  horizontal: HorizontalStep | null,
  vertical: VerticalStep | null,
): Uint8Array | null {
  const k = kernel.get();
  if (!k) return null;
  if (horizontal && channels !== 3) throw new RangeError(`runResamplePasses: the horizontal kernel takes 3 channels, got ${channels}`);
  const arena = new Arena();
  // Source: only the rows the horizontal pass reads (or all of it).
  const srcRowBytes = width * channels;
  const srcFirst = horizontal ? horizontal.rowFirst : 0;
  const srcRows = horizontal ? horizontal.rows : src.length / srcRowBytes;
  const srcAt = arena.alloc(srcRows * srcRowBytes);
  let h: { starts: number; counts: number; ks: number; out: number; cols: number } | null = null;
  if (horizontal) {
    const { cols } = horizontal;
    h = { starts: arena.alloc(4 * cols), counts: arena.alloc(4 * cols), ks: arena.alloc(4 * cols * horizontal.coeffs.ksize), out: arena.alloc(cols * 3 * horizontal.rows), cols };
  }
  const midWidth = horizontal ? horizontal.cols : width;
  const midStride = midWidth * channels;
  let v: { rowStarts: number; counts: number; ks: number; out: number } | null = null;
  if (vertical) {
    const { rows } = vertical;
    v = { rowStarts: arena.alloc(4 * rows), counts: arena.alloc(4 * rows), ks: arena.alloc(4 * rows * vertical.coeffs.ksize), out: arena.alloc(rows * midStride) };
  }
  if (arena.size > KERNEL_MAX_BYTES) return null;
  arena.ensure(k.memory);
  const mem = k.memory.buffer;
  new Uint8Array(mem, srcAt, srcRows * srcRowBytes).set(src.subarray(srcFirst * srcRowBytes, (srcFirst + srcRows) * srcRowBytes));
  let midAt = srcAt;
  let midRows = srcRows;
  if (horizontal && h) {
    const { coeffs, colFirst, cols } = horizontal;
    const starts = new Int32Array(mem, h.starts, cols);
    for (let c = 0; c < cols; c++) starts[c] = coeffs.start[colFirst + c] * 3;
    writeTaps(mem, h.counts, h.ks, coeffs, colFirst, cols);
    k.horizontal3(srcAt, srcRowBytes, horizontal.rows, h.out, cols, h.starts, h.counts, h.ks, coeffs.ksize);
    midAt = h.out;
    midRows = horizontal.rows;
  }
  if (vertical && v) {
    const { coeffs, rowFirst, rows, rowShift } = vertical;
    const rowStarts = new Int32Array(mem, v.rowStarts, rows);
    for (let r = 0; r < rows; r++) rowStarts[r] = (coeffs.start[rowFirst + r] - rowShift) * midStride;
    writeTaps(mem, v.counts, v.ks, coeffs, rowFirst, rows);
    k.vertical(midAt, midStride, rows, v.out, v.rowStarts, v.counts, v.ks, coeffs.ksize);
    return new Uint8Array(mem, v.out, rows * midStride).slice();
  }
  return new Uint8Array(mem, midAt, midRows * midStride).slice();
}
