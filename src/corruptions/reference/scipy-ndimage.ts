/**
 * scipy.ndimage routines the ImageNet-C reference calls (Hendrycks & Dietterich 2019, make_imagenet_c.py;
 * bethgelab/imagecorruptions), reproduced with scipy's kernels, border modes and summation order:
 *
 * - `borderIndex` / `BorderMode`: how scipy.ndimage extends a line beyond its ends (also OpenCV's
 *   BORDER_REFLECT_101, scipy's `mirror`);
 * - `gaussianKernel1d`, `correlate1d`, `gaussianFilter`: scipy.ndimage.gaussian_filter (what
 *   skimage.filters.gaussian calls), same kernel, same border modes, same summation order;
 * - `zoomOutputLength`, `zoomTaps`: scipy.ndimage.zoom(order=1) (grid_mode=False: output o samples input
 *   o * (in-1)/(out-1)); the reference's `clipped_zoom` on top of it is in imagenet-c/common.ts;
 * - `mapCoordinatesLinear`, `reflectCoordinate`: scipy.ndimage.map_coordinates(order=1, mode='reflect').
 *
 * Planes are row-major Float64Array (width * height).
 */
import { exactExp, numpySum, roundHalfEven } from './numpy.js';

/** Border modes, named as scipy.ndimage names them. `mirror` is OpenCV's BORDER_REFLECT_101. */
export type BorderMode = 'nearest' | 'reflect' | 'mirror';

/** Maps an out-of-range index to [0, n) the way scipy.ndimage extends a line (any distance from the edge). */
export function borderIndex(i: number, n: number, mode: BorderMode): number {
  if (i >= 0 && i < n) return i;
  if (n === 1) return 0;
  switch (mode) {
    case 'nearest':
      return i < 0 ? 0 : n - 1;
    case 'reflect': {
      // d c b a | a b c d | d c b a  (period 2n)
      const p = 2 * n;
      let k = ((i % p) + p) % p;
      if (k >= n) k = p - 1 - k;
      return k;
    }
    case 'mirror': {
      // d c b | a b c d | c b a  (period 2n - 2)
      const p = 2 * n - 2;
      let k = ((i % p) + p) % p;
      if (k >= n) k = p - k;
      return k;
    }
  }
}

/** Index table for positions -r .. n-1+r (entry t is position t - r). */
export function borderTable(n: number, r: number, mode: BorderMode): Int32Array {
  const t = new Int32Array(n + 2 * r);
  for (let i = 0; i < t.length; i++) t[i] = borderIndex(i - r, n, mode);
  return t;
}

// ---------------------------------------------------------------- scipy.ndimage gaussian

export interface Kernel1d {
  readonly radius: number;
  /** 2 * radius + 1 weights, centre at index radius. */
  readonly weights: Float64Array;
}

/** scipy.ndimage._gaussian_kernel1d(sigma, 0, int(truncate * sigma + 0.5)). */
export function gaussianKernel1d(sigma: number, truncate = 4): Kernel1d {
  const radius = Math.trunc(truncate * sigma + 0.5);
  const k = -0.5 / (sigma * sigma);
  const phi = new Float64Array(2 * radius + 1);
  for (let i = 0; i < phi.length; i++) {
    const x = i - radius;
    phi[i] = exactExp(k * (x * x));
  }
  const s = numpySum(phi);
  for (let i = 0; i < phi.length; i++) phi[i] /= s;
  return { radius, weights: phi };
}

/**
 * scipy.ndimage.correlate1d of a plane along `axis` (0: down the columns, 1: along the rows) with a symmetric
 * kernel, summed in scipy's order for symmetric kernels: x[i]*w0 + sum over j = r..1 of (x[i-j] + x[i+j])*wj.
 * Kernels wider than twice the line fold onto the line first (same result up to rounding).
 */
export function correlate1d(src: Float64Array, width: number, height: number, axis: 0 | 1, kernel: Kernel1d, mode: BorderMode): Float64Array {
  const n = axis === 0 ? height : width;
  if (kernel.radius * 2 + 1 > 2 * n) return correlate1dFolded(src, width, height, axis, kernel, mode);
  const { radius: r, weights: w } = kernel;
  const out = new Float64Array(src.length);
  const idx = borderTable(n, r, mode);
  const w0 = w[r];
  if (axis === 1) {
    const line = new Float64Array(width + 2 * r);
    const w4 = width - (width % 4);
    for (let y = 0; y < height; y++) {
      const base = y * width;
      for (let t = 0; t < line.length; t++) line[t] = src[base + idx[t]];
      // Four outputs at a time, each with its own accumulator (same per-output order, no shared dependency chain).
      let x = 0;
      for (; x < w4; x += 4) {
        const c = x + r;
        let a0 = line[c] * w0;
        let a1 = line[c + 1] * w0;
        let a2 = line[c + 2] * w0;
        let a3 = line[c + 3] * w0;
        for (let j = r; j >= 1; j--) {
          const wj = w[r - j];
          a0 += (line[c - j] + line[c + j]) * wj;
          a1 += (line[c + 1 - j] + line[c + 1 + j]) * wj;
          a2 += (line[c + 2 - j] + line[c + 2 + j]) * wj;
          a3 += (line[c + 3 - j] + line[c + 3 + j]) * wj;
        }
        out[base + x] = a0;
        out[base + x + 1] = a1;
        out[base + x + 2] = a2;
        out[base + x + 3] = a3;
      }
      for (; x < width; x++) {
        const c = x + r;
        let acc = line[c] * w0;
        for (let j = r; j >= 1; j--) acc += (line[c - j] + line[c + j]) * w[r - j];
        out[base + x] = acc;
      }
    }
  } else {
    // Row by row: the same per-element order, but cache-friendly.
    for (let y = 0; y < height; y++) {
      const o = y * width;
      const c = y * width;
      for (let x = 0; x < width; x++) out[o + x] = src[c + x] * w0;
      for (let j = r; j >= 1; j--) {
        const a = idx[y + r - j] * width;
        const b = idx[y + r + j] * width;
        const wj = w[r - j];
        for (let x = 0; x < width; x++) out[o + x] += (src[a + x] + src[b + x]) * wj;
      }
    }
  }
  return out;
}

/**
 * correlate1d for kernels much wider than the line: fold the kernel into an n x n matrix M first (M[i][j] = the
 * total weight output i gives input j after border reflection), then apply it as a matrix product, with
 * contiguous inner loops along the rows.
 */
function correlate1dFolded(src: Float64Array, width: number, height: number, axis: 0 | 1, kernel: Kernel1d, mode: BorderMode): Float64Array {
  const n = axis === 0 ? height : width;
  const { radius: r, weights: w } = kernel;
  const m = new Float64Array(n * n);
  const idx = borderTable(n, r, mode);
  for (let i = 0; i < n; i++) {
    const mi = i * n;
    for (let t = 0; t <= 2 * r; t++) m[mi + idx[i + t]] += w[t];
  }
  const out = new Float64Array(src.length);
  // Four independent partial sums / four source rows per pass: the loops are latency- and memory-bound.
  const n4 = n - (n % 4);
  if (axis === 1) {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let i = 0; i < n; i++) {
        const mi = i * n;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        let j = 0;
        for (; j < n4; j += 4) {
          a0 += m[mi + j] * src[row + j];
          a1 += m[mi + j + 1] * src[row + j + 1];
          a2 += m[mi + j + 2] * src[row + j + 2];
          a3 += m[mi + j + 3] * src[row + j + 3];
        }
        for (; j < n; j++) a0 += m[mi + j] * src[row + j];
        out[row + i] = a0 + a1 + (a2 + a3);
      }
    }
  } else {
    for (let i = 0; i < n; i++) {
      const o = i * width;
      const mi = i * n;
      let j = 0;
      for (; j < n4; j += 4) {
        const m0 = m[mi + j];
        const m1 = m[mi + j + 1];
        const m2 = m[mi + j + 2];
        const m3 = m[mi + j + 3];
        const s0 = j * width;
        const s1 = s0 + width;
        const s2 = s1 + width;
        const s3 = s2 + width;
        for (let x = 0; x < width; x++) out[o + x] += m0 * src[s0 + x] + m1 * src[s1 + x] + m2 * src[s2 + x] + m3 * src[s3 + x];
      }
      for (; j < n; j++) {
        const mij = m[mi + j];
        const s0 = j * width;
        for (let x = 0; x < width; x++) out[o + x] += mij * src[s0 + x];
      }
    }
  }
  return out;
}

/**
 * skimage.filters.gaussian / scipy.ndimage.gaussian_filter on one plane: axis 0 first, then axis 1.
 * Defaults are skimage's (mode 'nearest', truncate 4).
 */
export function gaussianFilter(src: Float64Array, width: number, height: number, sigma: number, mode: BorderMode = 'nearest', truncate = 4): Float64Array {
  if (!(sigma > 1e-15)) return Float64Array.from(src);
  const k = gaussianKernel1d(sigma, truncate);
  return correlate1d(correlate1d(src, width, height, 0, k, mode), width, height, 1, k, mode);
}

// ---------------------------------------------------------------- zoom (order 1)

/** Output length of scipy.ndimage.zoom along one axis: int(round(n * factor)). */
export function zoomOutputLength(n: number, factor: number): number {
  return roundHalfEven(n * factor);
}

/** Per-output-index source taps and weights of scipy's order-1 zoom along one axis (grid_mode=False). */
export interface LinearTaps {
  readonly i0: Int32Array;
  readonly i1: Int32Array;
  readonly w0: Float64Array;
  readonly w1: Float64Array;
}

/**
 * Taps for scipy.ndimage.zoom(order=1) from a line of `inLen` samples to `outLen` samples, of which the first
 * `count` are needed: output o samples input o * (inLen - 1) / (outLen - 1); weights (1 - t, 1 - (1 - t)) as
 * scipy's spline-weight routine computes them. `offset` is added to the source indices.
 */
export function zoomTaps(inLen: number, outLen: number, count: number, offset: number): LinearTaps {
  const ratio = outLen > 1 ? (inLen - 1) / (outLen - 1) : 1;
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const w0 = new Float64Array(count);
  const w1 = new Float64Array(count);
  for (let o = 0; o < count; o++) {
    let cc = o * ratio;
    if (cc > inLen - 1) cc = inLen - 1;
    const f = Math.floor(cc);
    const t = cc - f;
    i0[o] = offset + f;
    // At the last sample the second tap has weight 0; point it at a valid index.
    i1[o] = offset + Math.min(f + 1, inLen - 1);
    w0[o] = 1 - t;
    w1[o] = 1 - w0[o];
  }
  return { i0, i1, w0, w1 };
}

// ---------------------------------------------------------------- map_coordinates (order 1)

/**
 * scipy.ndimage.map_coordinates(plane, [ys, xs], order=1, mode='reflect'): bilinear sampling, coordinates
 * beyond the edge reflected about the half-sample edge (d c b a | a b c d).
 */
export function mapCoordinatesLinear(src: Float64Array | Float32Array, width: number, height: number, ys: Float64Array | Float32Array, xs: Float64Array | Float32Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) {
    const y = reflectCoordinate(ys[i], height);
    const x = reflectCoordinate(xs[i], width);
    const y0 = Math.floor(y);
    const x0 = Math.floor(x);
    const ty = y - y0;
    const tx = x - x0;
    const y1 = y0 + 1 < height ? y0 + 1 : height - 1;
    const x1 = x0 + 1 < width ? x0 + 1 : width - 1;
    const a = src[y0 * width + x0];
    const b = src[y0 * width + x1];
    const c = src[y1 * width + x0];
    const d = src[y1 * width + x1];
    out[i] = (a * (1 - tx) + b * tx) * (1 - ty) + (c * (1 - tx) + d * tx) * ty;
  }
}

/** A continuous coordinate mapped into [0, n - 1] by half-sample-symmetric reflection (scipy 'reflect'). */
export function reflectCoordinate(c: number, n: number): number {
  if (n === 1) return 0;
  if (c >= 0 && c <= n - 1) return c;
  const p = 2 * n;
  let k = c + 0.5;
  k = ((k % p) + p) % p; // in [0, 2n)
  if (k >= n) k = p - k; // reflect: in (0, n]
  k -= 0.5; // back to sample coordinates, in [-0.5, n - 0.5]
  return k < 0 ? 0 : k > n - 1 ? n - 1 : k;
}
