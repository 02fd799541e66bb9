/**
 * The WebAssembly SIMD build of matmulTransposed (matmul.wat): out[i, j] = sum_k a[i, k] * b[j, k], every output's sum
 * in float64 in the JS order (k = 0 .. d - 1) and rounded to float32 once, so the figures are the JS loop's, bit for
 * bit, some five to ten times faster (zero-shot scores of 50,000 images against 1,000 classes in 512 dimensions
 * took about a minute in the JS loop).
 *
 * b is packed, a group of up to GROUP_COLS of its rows at a time, into blocks of 8 columns (k-major, float64); a's
 * rows go through in chunks of about CHUNK_BYTES, promoted to float64 on the way in. One instance per thread, its
 * memory grown to the largest call's layout (some 3 MB at d = 512) and kept.
 */
import { MATMUL_WASM_BASE64 } from './matmul-wasm.js';
import { growMemoryTo, LazyWasmInstance } from '../../util/wasm-instance.js';

interface KernelExports {
  memory: WebAssembly.Memory;
  scores(a: number, rows: number, d: number, b: number, nb: number, out: number): void;
}

/** Columns (rows of b) packed at once: d x 512 float64 is 2 MB at d = 512. */
const GROUP_COLS = 512;
/** Bytes of float64 rows of a per kernel call. */
const CHUNK_BYTES = 1 << 18;
/** Widest rows the kernel takes; wider ones take the JS loop (same figures). */
const KERNEL_MAX_DIM = 1 << 16;

const kernel = new LazyWasmInstance<KernelExports>(MATMUL_WASM_BASE64);

/** Whether the SIMD kernel runs in this thread. */
export function matmulKernelAvailable(): boolean {
  return kernel.get() !== null;
}

/** The kernel's memory in this thread, in bytes (0 before its first use). */
export function matmulKernelMemoryBytes(): number {
  return kernel.memoryBytes();
}

const aligned = (bytes: number): number => (bytes + 15) & ~15;

/**
 * Writes a (n x d) times b (m x d) transposed into `out` (its first n x m values) through the kernel; false (nothing
 * written) when the kernel cannot run here or d is wider than it takes.
 */
export function kernelMatmulTransposed(a: Float32Array, n: number, b: Float32Array, m: number, d: number, out: Float32Array): boolean {
  if (d > KERNEL_MAX_DIM) return false;
  const k = kernel.get();
  if (k === null) return false;
  if (n === 0 || m === 0) return true;
  const chunkRows = Math.min(n, d === 0 ? n : Math.max(1, Math.floor(CHUNK_BYTES / (d * 8))));
  for (let j0 = 0; j0 < m; j0 += GROUP_COLS) {
    const cols = Math.min(GROUP_COLS, m - j0);
    const nb = Math.ceil(cols / 8);
    const stride = nb * 8;
    const bAt = 0;
    const aAt = aligned(bAt + stride * d * 8);
    const outAt = aligned(aAt + chunkRows * d * 8);
    growMemoryTo(k.memory, outAt + chunkRows * stride * 4);
    const packed = new Float64Array(k.memory.buffer, bAt, stride * d);
    for (let t = 0; t < stride; t++) {
      const lane = ((t >> 3) * d) * 8 + (t & 7);
      if (t < cols) {
        const row = (j0 + t) * d;
        for (let kk = 0; kk < d; kk++) packed[lane + kk * 8] = b[row + kk];
      } else {
        for (let kk = 0; kk < d; kk++) packed[lane + kk * 8] = 0;
      }
    }
    const rowsIn = new Float64Array(k.memory.buffer, aAt, chunkRows * d);
    const scores = new Float32Array(k.memory.buffer, outAt, chunkRows * stride);
    for (let i0 = 0; i0 < n; i0 += chunkRows) {
      const rows = Math.min(chunkRows, n - i0);
      rowsIn.set(a.subarray(i0 * d, (i0 + rows) * d));
      k.scores(aAt, rows, d, bAt, nb, outAt);
      if (cols === m && stride === m) out.set(scores.subarray(0, rows * m), i0 * m);
      else for (let i = 0; i < rows; i++) out.set(scores.subarray(i * stride, i * stride + cols), (i0 + i) * m + j0);
    }
  }
  return true;
}
