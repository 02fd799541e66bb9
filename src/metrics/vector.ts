/** Small dense-vector helpers over row-major Float32Arrays. Pure; no I/O. */
import { kernelMatmulTransposed } from './wasm/matmul-kernel.js';

/** Divide each of the n rows of length dim by its L2 norm, in place. Zero rows stay zero. */
export function l2NormalizeRows(data: Float32Array, n: number, dim: number): Float32Array {
  for (let i = 0; i < n; i++) {
    const off = i * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) s += data[off + j] * data[off + j];
    const norm = Math.sqrt(s);
    if (norm > 0) for (let j = 0; j < dim; j++) data[off + j] /= norm;
  }
  return data;
}

/**
 * out[i, j] = sum_k a[i, k] * b[j, k]  (a: n x d, b: m x d, result n x m): each sum in float64, k = 0 .. d - 1 in order,
 * rounded to float32 once. Runs in the WebAssembly SIMD kernel (wasm/matmul-kernel.ts: the same figures, bit for bit,
 * several times faster), else in {@link matmulTransposedJs}. `into` (at least n x m): written there (its first n x m
 * values) instead of a new array.
 */
export function matmulTransposed(a: Float32Array, n: number, b: Float32Array, m: number, d: number, into?: Float32Array): Float32Array {
  if (into !== undefined && into.length < n * m) throw new RangeError(`matmulTransposed: into holds ${into.length} values, ${n} x ${m} needed`);
  const out = into === undefined ? new Float32Array(n * m) : into.subarray(0, n * m);
  if (!kernelMatmulTransposed(a, n, b, m, d, out)) matmulTransposedJs(a, n, b, m, d, out);
  return out;
}

/** {@link matmulTransposed}'s JS loop (where the kernel cannot run, and the kernel's reference in tests), into `out`. */
export function matmulTransposedJs(a: Float32Array, n: number, b: Float32Array, m: number, d: number, out: Float32Array): Float32Array {
  for (let i = 0; i < n; i++) {
    const ao = i * d;
    for (let j = 0; j < m; j++) {
      const bo = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) s += a[ao + k] * b[bo + k];
      out[i * m + j] = s;
    }
  }
  return out;
}
