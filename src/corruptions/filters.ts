/**
 * Image filtering helpers for the corruptions, each written to reproduce one library routine the ImageNet-C
 * reference calls (Hendrycks & Dietterich 2019, make_imagenet_c.py; bethgelab/imagecorruptions):
 *
 * - `gaussianKernel1d`, `correlate1d`, `gaussianFilter`: scipy.ndimage.gaussian_filter (what
 *   skimage.filters.gaussian calls), same kernel, same border modes, same summation order;
 * - `cvGaussianKernel`, `cvGaussianBlurF32`, `filter2d`: cv2.getGaussianKernel / cv2.GaussianBlur (float32) /
 *   cv2.filter2D with OpenCV's default border (BORDER_REFLECT_101);
 * - `zoomLinear`: scipy.ndimage.zoom(order=1) (grid_mode=False: output o samples input o * (in-1)/(out-1));
 * - `mapCoordinatesLinear`, `warpAffineLinear`: scipy.ndimage.map_coordinates(order=1) and cv2.warpAffine;
 * - `rgbToHsv`, `hsvToRgb`: skimage.color.rgb2hsv / hsv2rgb, operation for operation;
 * - `resizeBoxPil`: PIL.Image.resize(..., Image.BOX) for 8-bit RGB, PIL's fixed-point two-pass resampler.
 *
 * Planes are row-major Float64Array (width * height); interleaved RGB arrays have 3 values per pixel.
 */
import type { RgbImage } from './types.js';

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
function borderTable(n: number, r: number, mode: BorderMode): Int32Array {
  const t = new Int32Array(n + 2 * r);
  for (let i = 0; i < t.length; i++) t[i] = borderIndex(i - r, n, mode);
  return t;
}

/**
 * numpy's pairwise summation (`np.sum` of a contiguous float64 array): blocks of 8 partial sums below 128
 * elements, halving above. Used where the reference normalises a kernel with `.sum()`.
 */
export function numpySum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[start], a[start + 1], a[start + 2], a[start + 3], a[start + 4], a[start + 5], a[start + 6], a[start + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] += a[start + i + j];
    }
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let n2 = Math.trunc(n / 2);
  n2 -= n2 % 8;
  return numpySum(a, start, n2) + numpySum(a, start + n2, n - n2);
}

// ---------------------------------------------------------------- correctly rounded exp

/** a + b as an unevaluated double-double sum (Knuth's two-sum). */
function twoSum(a: number, b: number): [number, number] {
  const s = a + b;
  const bb = s - a;
  return [s, a - (s - bb) + (b - bb)];
}

/** a * b exactly as a double-double (Dekker's product with Veltkamp splitting). */
function twoProd(a: number, b: number): [number, number] {
  const p = a * b;
  const split = (v: number): [number, number] => {
    const t = 134217729 * v;
    const hi = t - (t - v);
    return [hi, v - hi];
  };
  const [ah, al] = split(a);
  const [bh, bl] = split(b);
  return [p, ah * bh - p + ah * bl + al * bh + al * bl];
}

function ddMul(a: [number, number], b: [number, number]): [number, number] {
  const [p, e] = twoProd(a[0], b[0]);
  return twoSum(p, e + a[0] * b[1] + a[1] * b[0]);
}

function ddAdd(a: [number, number], b: [number, number]): [number, number] {
  const [s, e] = twoSum(a[0], b[0]);
  return twoSum(s, e + a[1] + b[1]);
}

const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;

/**
 * exp(x) correctly rounded (double-double evaluation), to match the libm exp numpy uses: V8's Math.exp is
 * within 1 ulp but not always the nearest double, and the kernels built with it would then differ from
 * scipy's in the last bit, which flips the truncation of pixels in flat regions.
 */
export function exactExp(x: number): number {
  if (!Number.isFinite(x)) return Math.exp(x);
  if (x < -745.2) return 0;
  if (x > 709.8) return Infinity;
  const k = Math.round(x / LN2_HI);
  // r = x - k ln2 in double-double.
  const [p1, e1] = twoProd(k, LN2_HI);
  let r = twoSum(x, -p1);
  r = ddAdd(r, [-e1, 0]);
  r = ddAdd(r, [-k * LN2_LO, 0]);
  // exp(r) = exp(r / 256)^256; Taylor series of exp(r / 256) to 12 terms.
  const q: [number, number] = [r[0] / 256, r[1] / 256];
  let term: [number, number] = [1, 0];
  let sum: [number, number] = [1, 0];
  for (let i = 1; i <= 12; i++) {
    term = ddMul(term, q);
    term = [term[0] / i, term[1] / i];
    sum = ddAdd(sum, term);
  }
  for (let i = 0; i < 8; i++) sum = ddMul(sum, sum);
  // Scale by 2^k in two steps (k may be near the exponent limits).
  const h = Math.trunc(k / 2);
  const s1 = 2 ** h;
  const s2 = 2 ** (k - h);
  return (sum[0] + sum[1]) * s1 * s2;
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

// ---------------------------------------------------------------- OpenCV kernels and filter2D

/** cv2.getGaussianKernel(n, sigma, CV_32F) for sigma > 0 (OpenCV 4's bit-exact construction, in doubles). */
export function cvGaussianKernel(n: number, sigma: number): Float32Array {
  const scale = -0.125 / (sigma * sigma);
  const half = (n - 1) >> 1;
  const values = new Float64Array(half);
  let sum = 0;
  for (let i = 0, x = 1 - n; i < half; i++, x += 2) {
    values[i] = exactExp(x * x * scale);
    sum += values[i];
  }
  sum = sum * 2 + 1;
  if ((n & 1) === 0) sum += 1;
  const mul = 1 / sum;
  const out = new Float32Array(n);
  for (let i = 0; i < half; i++) {
    out[i] = values[i] * mul;
    out[n - 1 - i] = values[i] * mul;
  }
  out[half] = mul;
  if ((n & 1) === 0) out[half + 1] = mul;
  return out;
}

/**
 * One output of OpenCV's symmetric small-kernel float32 filter: centre tap first, then for each distance j the
 * pair sum times k[j] accumulated with a fused multiply-add, all rounded to float32. (This order reproduces
 * cv2.GaussianBlur's float32 disk kernels bit for bit for 4 of the 5 defocus radii; radius 8 differs in a few
 * ulps.) `at(t)` returns the sample at offset t - r.
 */
function symmetricTapF32(at: (t: number) => number, k: Float32Array): number {
  const r = k.length >> 1;
  let acc = Math.fround(at(r) * k[r]);
  // float32 * float32 is exact in float64, so one rounding after the add is a fused multiply-add.
  for (let j = 1; j <= r; j++) acc = Math.fround(Math.fround(at(r - j) + at(r + j)) * k[r + j] + acc);
  return acc;
}

/** cv2.GaussianBlur(src, (k, k), sigma) of a small float32 square array (BORDER_REFLECT_101): rows, then columns. */
export function cvGaussianBlurF32(src: Float32Array, size: number, k: number, sigma: number): Float32Array {
  const kern = cvGaussianKernel(k, sigma);
  const r = k >> 1;
  const idx = borderTable(size, r, 'mirror');
  const tmp = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) tmp[y * size + x] = symmetricTapF32((t) => src[y * size + idx[x + t]], kern);
  }
  const out = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) out[y * size + x] = symmetricTapF32((t) => tmp[idx[y + t] * size + x], kern);
  }
  return out;
}

/**
 * imagecorruptions / make_imagenet_c `disk(radius, alias_blur)`: the aliased disk X^2 + Y^2 <= radius^2 on
 * L = -8..8 (radius <= 8) or -radius..radius, normalised in float32, then cv2.GaussianBlur with ksize 3 (5 for
 * radius > 8) and sigma alias_blur. Returns a square float32 kernel of side `size`.
 */
export function diskKernel(radius: number, aliasBlur: number): { size: number; data: Float32Array } {
  const half = radius <= 8 ? 8 : Math.trunc(radius);
  const ksize = radius <= 8 ? 3 : 5;
  const size = 2 * half + 1;
  const disk = new Float32Array(size * size);
  let count = 0;
  for (let y = -half; y <= half; y++) {
    for (let x = -half; x <= half; x++) {
      if (x * x + y * y <= radius * radius) {
        disk[(y + half) * size + x + half] = 1;
        count++;
      }
    }
  }
  // float32 division by the float32 sum, as numpy does for a float32 array.
  const total = Math.fround(count);
  for (let i = 0; i < disk.length; i++) disk[i] = Math.fround(disk[i] / total);
  return { size, data: cvGaussianBlurF32(disk, size, ksize, aliasBlur) };
}

/**
 * cv2.filter2D(plane, -1, kernel) on a float64 plane: correlation with a square kernel anchored at its centre,
 * BORDER_REFLECT_101. Zero taps are skipped; the plane is padded once so the inner loop has no branches.
 * (OpenCV switches to a DFT for kernels this large; the sums agree to ~1e-16.)
 */
export function filter2d(src: Float64Array, width: number, height: number, kernel: ArrayLike<number>, ksize: number): Float64Array {
  const r = ksize >> 1;
  const pw = width + 2 * r;
  const ph = height + 2 * r;
  const padded = new Float64Array(pw * ph);
  const ix = borderTable(width, r, 'mirror');
  const iy = borderTable(height, r, 'mirror');
  for (let y = 0; y < ph; y++) {
    const s = iy[y] * width;
    const d = y * pw;
    for (let x = 0; x < pw; x++) padded[d + x] = src[s + ix[x]];
  }
  // Non-zero taps in raster order; every output accumulates them in that order from 0.
  const tapY: number[] = [];
  const tapX: number[] = [];
  const tapW: number[] = [];
  for (let ky = 0; ky < ksize; ky++) {
    for (let kx = 0; kx < ksize; kx++) {
      const w = kernel[ky * ksize + kx];
      if (w !== 0) {
        tapY.push(ky);
        tapX.push(kx);
        tapW.push(w);
      }
    }
  }
  const out = new Float64Array(width * height);
  // Tap-major over each output row: a contiguous multiply-add per tap, same per-pixel order as a pixel loop.
  for (let y = 0; y < height; y++) {
    const o = y * width;
    for (let t = 0; t < tapW.length; t++) {
      const s = (y + tapY[t]) * pw + tapX[t];
      const w = tapW[t];
      for (let x = 0; x < width; x++) out[o + x] += padded[s + x] * w;
    }
  }
  return out;
}

// ---------------------------------------------------------------- FFT correlation (large kernels)

interface FftPlan {
  readonly n: number;
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly rev: Int32Array;
}

const fftPlans = new Map<number, FftPlan>();

function fftPlan(n: number): FftPlan {
  let p = fftPlans.get(n);
  if (p === undefined) {
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let i = 0; i < n / 2; i++) {
      cos[i] = Math.cos((2 * Math.PI * i) / n);
      sin[i] = Math.sin((2 * Math.PI * i) / n);
    }
    const rev = new Int32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    p = { n, cos, sin, rev };
    fftPlans.set(n, p);
  }
  return p;
}

/** In-place radix-2 FFT of one line (re, im at offset `o`, length plan.n); `inverse` conjugates the twiddles (unscaled). */
function fftLine(re: Float64Array, im: Float64Array, o: number, plan: FftPlan, inverse: boolean): void {
  const { n, cos, sin, rev } = plan;
  for (let i = 0; i < n; i++) {
    const j = rev[i];
    if (j > i) {
      const tr = re[o + i];
      re[o + i] = re[o + j];
      re[o + j] = tr;
      const ti = im[o + i];
      im[o + i] = im[o + j];
      im[o + j] = ti;
    }
  }
  const sign = inverse ? 1 : -1;
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = sign * sin[k * step];
        const a = o + start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** In-place transpose of an n x n complex array. */
function transposeSquare(re: Float64Array, im: Float64Array, n: number): void {
  for (let y = 0; y < n; y++) {
    for (let x = y + 1; x < n; x++) {
      const a = y * n + x;
      const b = x * n + y;
      const tr = re[a];
      re[a] = re[b];
      re[b] = tr;
      const ti = im[a];
      im[a] = im[b];
      im[b] = ti;
    }
  }
}

/** 2-D FFT of an n x n complex array; the result is left transposed (the inverse undoes it). */
function fft2d(re: Float64Array, im: Float64Array, n: number, inverse: boolean): void {
  const plan = fftPlan(n);
  for (let r = 0; r < n; r++) fftLine(re, im, r * n, plan, inverse);
  transposeSquare(re, im, n);
  for (let r = 0; r < n; r++) fftLine(re, im, r * n, plan, inverse);
}

const kernelSpectra = new Map<string, { re: Float64Array; im: Float64Array }>();

/** Spectrum of a ksize x ksize kernel placed at the origin of an n x n grid (transposed layout), cached by key. */
function kernelSpectrum(kernel: ArrayLike<number>, ksize: number, n: number, key: string): { re: Float64Array; im: Float64Array } {
  const k = `${key}|${n}`;
  let s = kernelSpectra.get(k);
  if (s === undefined) {
    const re = new Float64Array(n * n);
    const im = new Float64Array(n * n);
    for (let y = 0; y < ksize; y++) for (let x = 0; x < ksize; x++) re[y * n + x] = kernel[y * ksize + x];
    fft2d(re, im, n, false);
    s = { re, im };
    kernelSpectra.set(k, s);
  }
  return s;
}

/**
 * filter2d for several planes at once through the FFT (as OpenCV's filter2D does for large kernels): each
 * plane is padded with BORDER_REFLECT_101, two planes travel as the real and imaginary parts of one complex
 * transform, the correlation is FFT^-1(FFT(padded) * conj(FFT(kernel))). Agrees with the direct sum to
 * ~1e-15. `key` names the kernel for the spectrum cache.
 */
export function filter2dFft(planes: readonly Float64Array[], width: number, height: number, kernel: ArrayLike<number>, ksize: number, key: string): Float64Array[] {
  const r = ksize >> 1;
  let n = 1;
  while (n < Math.max(width, height) + 2 * r) n *= 2;
  const spec = kernelSpectrum(kernel, ksize, n, key);
  const ix = borderTable(width, r, 'mirror');
  const iy = borderTable(height, r, 'mirror');
  const outs: Float64Array[] = [];
  const scale = 1 / (n * n);
  for (let p = 0; p < planes.length; p += 2) {
    const a = planes[p];
    const b = p + 1 < planes.length ? planes[p + 1] : null;
    const re = new Float64Array(n * n);
    const im = new Float64Array(n * n);
    for (let y = 0; y < height + 2 * r; y++) {
      const s = iy[y] * width;
      for (let x = 0; x < width + 2 * r; x++) {
        re[y * n + x] = a[s + ix[x]];
        if (b) im[y * n + x] = b[s + ix[x]];
      }
    }
    fft2d(re, im, n, false);
    for (let i = 0; i < n * n; i++) {
      // (x + i y) * conj(K)
      const kr = spec.re[i];
      const ki = -spec.im[i];
      const xr = re[i];
      const xi = im[i];
      re[i] = xr * kr - xi * ki;
      im[i] = xr * ki + xi * kr;
    }
    fft2d(re, im, n, true);
    const oa = new Float64Array(width * height);
    const ob = b ? new Float64Array(width * height) : null;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        oa[y * width + x] = re[y * n + x] * scale;
        if (ob) ob[y * width + x] = im[y * n + x] * scale;
      }
    }
    outs.push(oa);
    if (ob) outs.push(ob);
  }
  return outs;
}

// ---------------------------------------------------------------- interpolation

/** Python's round() on a float: half to even. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

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

/**
 * The reference's `clipped_zoom(img, z)` followed by `[:h, :w]` (imagecorruptions): crop the centre
 * ceil(h / z) x ceil(w / z), zoom it by z with scipy's order-1 zoom, keep the top-left h x w. For the sizes where
 * the zoomed crop exceeds h by one pixel, make_imagenet_c.py's centred trim keeps the same pixels.
 * Float64 in, float64 out (the snow layer); zoom_blur's float32 version is in blur.ts.
 */
export function clippedZoomPlane(src: Float64Array, width: number, height: number, z: number, out: Float64Array): void {
  const { ty, tx } = clippedZoomTaps(width, height, z);
  for (let y = 0; y < height; y++) {
    const r0 = ty.i0[y] * width;
    const r1 = ty.i1[y] * width;
    const wy0 = ty.w0[y];
    const wy1 = ty.w1[y];
    const o = y * width;
    for (let x = 0; x < width; x++) {
      const a = tx.i0[x];
      const b = tx.i1[x];
      const wx0 = tx.w0[x];
      const wx1 = tx.w1[x];
      // scipy: t = sum over taps of value * wy * wx, taps in C order.
      out[o + x] = src[r0 + a] * wy0 * wx0 + src[r0 + b] * wy0 * wx1 + src[r1 + a] * wy1 * wx0 + src[r1 + b] * wy1 * wx1;
    }
  }
}

const zoomTapCache = new Map<string, { ty: LinearTaps; tx: LinearTaps }>();

/** The row and column taps of clipped_zoom(img, z)[:h, :w] for an image of this size (cached). */
export function clippedZoomTaps(width: number, height: number, z: number): { ty: LinearTaps; tx: LinearTaps } {
  const key = `${width}x${height}@${z}`;
  let t = zoomTapCache.get(key);
  if (t === undefined) {
    const ch0 = Math.ceil(height / z);
    const top0 = Math.floor((height - ch0) / 2);
    const ch1 = Math.ceil(width / z);
    const top1 = Math.floor((width - ch1) / 2);
    const oh = zoomOutputLength(ch0, z);
    const ow = zoomOutputLength(ch1, z);
    if (oh < height || ow < width) throw new Error(`clipped zoom by ${z} gives ${ow}x${oh} < ${width}x${height}`);
    t = { ty: zoomTaps(ch0, oh, height, top0), tx: zoomTaps(ch1, ow, width, top1) };
    if (zoomTapCache.size > 256) zoomTapCache.clear();
    zoomTapCache.set(key, t);
  }
  return t;
}

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

/**
 * cv2.warpAffine(plane, M, (w, h), flags=INTER_LINEAR, borderMode=BORDER_REFLECT_101): dst(x, y) samples src at
 * M^-1 (x, y), bilinear. (OpenCV quantises the sample position to 1/32 pixel; this does not.)
 */
export function warpAffineLinear(src: Float64Array | Float32Array, width: number, height: number, m: readonly number[], out: Float64Array): void {
  // Invert the 2x3 forward matrix.
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  const ic = -(ia * c + ib * f);
  const iff = -(id * c + ie * f);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = ia * x + ib * y + ic;
      const sy = id * x + ie * y + iff;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const tx = sx - x0;
      const ty = sy - y0;
      const xa = borderIndex(x0, width, 'mirror');
      const xb = borderIndex(x0 + 1, width, 'mirror');
      const ya = borderIndex(y0, height, 'mirror') * width;
      const yb = borderIndex(y0 + 1, height, 'mirror') * width;
      out[y * width + x] = (src[ya + xa] * (1 - tx) + src[ya + xb] * tx) * (1 - ty) + (src[yb + xa] * (1 - tx) + src[yb + xb] * tx) * ty;
    }
  }
}

/** cv2.getAffineTransform: the 2x3 matrix [a b c; d e f] mapping three source points onto three target points. */
export function affineFromPoints(src: readonly (readonly [number, number])[], dst: readonly (readonly [number, number])[]): number[] {
  // Solve [x y 1] * [a d; b e; c f] = [u v] for the three points (Cramer's rule).
  const [p0, p1, p2] = src;
  const det = p0[0] * (p1[1] - p2[1]) - p0[1] * (p1[0] - p2[0]) + (p1[0] * p2[1] - p2[0] * p1[1]);
  const solve = (v0: number, v1: number, v2: number): [number, number, number] => {
    const a = (v0 * (p1[1] - p2[1]) - p0[1] * (v1 - v2) + (v1 * p2[1] - v2 * p1[1])) / det;
    const b = (p0[0] * (v1 - v2) - v0 * (p1[0] - p2[0]) + (p1[0] * v2 - p2[0] * v1)) / det;
    const c = (p0[0] * (p1[1] * v2 - p2[1] * v1) - p0[1] * (p1[0] * v2 - p2[0] * v1) + v0 * (p1[0] * p2[1] - p2[0] * p1[1])) / det;
    return [a, b, c];
  };
  const [a, b, c] = solve(dst[0][0], dst[1][0], dst[2][0]);
  const [d, e, f] = solve(dst[0][1], dst[1][1], dst[2][1]);
  return [a, b, c, d, e, f];
}

// ---------------------------------------------------------------- colour (skimage.color)

/**
 * skimage.color.rgb2hsv on an interleaved float array, in place semantics of skimage 0.19: V = max, S = ptp / V
 * (0 where ptp == 0), H from whichever channel holds the max (blue over green over red on ties),
 * H = (H / 6) % 1 (numpy's remainder, always >= 0), 0 where ptp == 0.
 */
export function rgbToHsv(rgb: Float64Array, hsv: Float64Array): void {
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i];
    const g = rgb[i + 1];
    const b = rgb[i + 2];
    const v = r > g ? (r > b ? r : b) : g > b ? g : b;
    const mn = r < g ? (r < b ? r : b) : g < b ? g : b;
    const delta = v - mn;
    let h = 0;
    let s = 0;
    if (delta !== 0) {
      s = delta / v;
      if (b === v) h = 4 + (r - g) / delta;
      else if (g === v) h = 2 + (b - r) / delta;
      else h = (g - b) / delta;
      h = h / 6;
      // numpy remainder(h, 1): fmod, then shift into [0, 1) when the sign differs.
      let m = h % 1;
      if (m !== 0 && m < 0) m += 1;
      h = m;
    }
    hsv[i] = h;
    hsv[i + 1] = s;
    hsv[i + 2] = v;
  }
}

/**
 * skimage.color.hsv2rgb: hi = floor(6h) mod 6, f = 6h - floor(6h), p = v(1 - s), q = v(1 - fs),
 * t = v(1 - (1 - f)s), then the sextant's (v, t, p) / (q, v, p) / (p, v, t) / (p, q, v) / (t, p, v) / (v, p, q).
 */
export function hsvToRgb(hsv: Float64Array, rgb: Float64Array): void {
  for (let i = 0; i < hsv.length; i += 3) {
    const h = hsv[i];
    const s = hsv[i + 1];
    const v = hsv[i + 2];
    const h6 = h * 6;
    const fl = Math.floor(h6);
    const f = h6 - fl;
    const p = v * (1 - s);
    const q = v * (1 - f * s);
    const t = v * (1 - (1 - f) * s);
    switch ((fl & 255) % 6) {
      case 0:
        rgb[i] = v;
        rgb[i + 1] = t;
        rgb[i + 2] = p;
        break;
      case 1:
        rgb[i] = q;
        rgb[i + 1] = v;
        rgb[i + 2] = p;
        break;
      case 2:
        rgb[i] = p;
        rgb[i + 1] = v;
        rgb[i + 2] = t;
        break;
      case 3:
        rgb[i] = p;
        rgb[i + 1] = q;
        rgb[i + 2] = v;
        break;
      case 4:
        rgb[i] = t;
        rgb[i + 1] = p;
        rgb[i + 2] = v;
        break;
      default:
        rgb[i] = v;
        rgb[i + 1] = p;
        rgb[i + 2] = q;
    }
  }
}

// ---------------------------------------------------------------- PIL BOX resampling

/** PIL's PRECISION_BITS for 8-bit resampling: 32 - 8 - 2. */
const PIL_PRECISION_BITS = 22;

interface PilCoeffs {
  readonly ksize: number;
  readonly bounds: Int32Array; // (xmin, count) per output index
  readonly kk: Int32Array; // fixed-point weights, ksize per output index
}

/** PIL Resample.c precompute_coeffs + normalize_coeffs_8bpc for the BOX filter (support 0.5). */
function pilBoxCoeffs(inSize: number, outSize: number): PilCoeffs {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 0.5 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const pre = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    // C casts (int) truncate toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const u = (x + xmin - center + 0.5) * ss;
      const w = u > -0.5 && u <= 0.5 ? 1 : 0;
      pre[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      let w = x < xmax ? pre[x] : 0;
      if (x < xmax && ww !== 0) w /= ww;
      kk[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PIL_PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PIL_PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** PIL clip8: (ss >> PRECISION_BITS) clamped to 0..255. */
function pilClip8(ss: number): number {
  const v = ss >> PIL_PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * PIL `Image.resize((w, h), Image.BOX)` of an 8-bit RGB image: horizontal pass, then vertical pass, each in
 * 22-bit fixed point with rounding, an 8-bit intermediate in between (Pillow's ImagingResample).
 */
export function resizeBoxPil(image: RgbImage, outW: number, outH: number): RgbImage {
  const { width: inW, height: inH, data } = image;
  let cur = data;
  let curW = inW;
  if (outW !== inW) {
    const { ksize, bounds, kk } = pilBoxCoeffs(inW, outW);
    const tmp = new Uint8Array(outW * inH * 3);
    const half = 1 << (PIL_PRECISION_BITS - 1);
    for (let y = 0; y < inH; y++) {
      const row = y * inW * 3;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2];
        const xmax = bounds[xx * 2 + 1];
        const k = xx * ksize;
        let s0 = half;
        let s1 = half;
        let s2 = half;
        for (let x = 0; x < xmax; x++) {
          const p = row + (x + xmin) * 3;
          const w = kk[k + x];
          s0 += data[p] * w;
          s1 += data[p + 1] * w;
          s2 += data[p + 2] * w;
        }
        const o = (y * outW + xx) * 3;
        tmp[o] = pilClip8(s0);
        tmp[o + 1] = pilClip8(s1);
        tmp[o + 2] = pilClip8(s2);
      }
    }
    cur = tmp;
    curW = outW;
  }
  if (outH === inH) return { width: curW, height: inH, data: cur === data ? Uint8Array.from(data) : cur };
  const { ksize, bounds, kk } = pilBoxCoeffs(inH, outH);
  const out = new Uint8Array(curW * outH * 3);
  const half = 1 << (PIL_PRECISION_BITS - 1);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2];
    const ymax = bounds[yy * 2 + 1];
    const k = yy * ksize;
    for (let x = 0; x < curW; x++) {
      let s0 = half;
      let s1 = half;
      let s2 = half;
      for (let y = 0; y < ymax; y++) {
        const p = ((y + ymin) * curW + x) * 3;
        const w = kk[k + y];
        s0 += cur[p] * w;
        s1 += cur[p + 1] * w;
        s2 += cur[p + 2] * w;
      }
      const o = (yy * curW + x) * 3;
      out[o] = pilClip8(s0);
      out[o + 1] = pilClip8(s1);
      out[o + 2] = pilClip8(s2);
    }
  }
  return { width: curW, height: outH, data: out };
}
