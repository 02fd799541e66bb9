/**
 * OpenCV routines the ImageNet-C reference calls (Hendrycks & Dietterich 2019, make_imagenet_c.py;
 * bethgelab/imagecorruptions), OpenCV 4 semantics, BORDER_REFLECT_101 (scipy's `mirror`) unless noted.
 *
 * Following OpenCV's arithmetic (the corruptions built on them are checked against the reference's output by
 * the corruption goldens; each function says where it may differ in the last bits):
 * - `cvGaussianKernel`, `cvGaussianBlurF32`: cv2.getGaussianKernel / cv2.GaussianBlur on small float32 arrays;
 * - `filter2d`, `filter2dFft`: cv2.filter2D on float64 planes, by direct sum or (as OpenCV does for large
 *   kernels) through the DFT;
 * - `warpAffineLinear`, `affineFromPoints`: cv2.warpAffine(INTER_LINEAR) and cv2.getAffineTransform.
 *
 * Written from OpenCV's documented algorithms (the reference's `spatter` chains them; spatter is random, so
 * they are checked for their defining properties rather than against OpenCV output):
 * - `canny`, `distanceTransformL2Mask5`, `boxBlur3`, `equalizeHist`, `filter2dU8`: cv2.Canny,
 *   cv2.distanceTransform(DIST_L2, 5), cv2.blur 3x3, cv2.equalizeHist, cv2.filter2D to 8 bits, on
 *   single-channel row-major arrays.
 */
import { exactExp } from './numpy.js';
import { borderIndex, borderTable } from './scipy-ndimage.js';

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

// ---------------------------------------------------------------- warpAffine

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

// ---------------------------------------------------------------- the ops spatter chains

/**
 * cv2.Canny(img, low, high) with apertureSize 3 and the L1 gradient: 3x3 Sobel (border replicated), magnitude
 * |dx| + |dy|, non-maximum suppression in four directions with OpenCV's tan(22.5) / tan(67.5) sectors and its
 * tie rules, then hysteresis (8-connected). Returns 255 on edges, 0 elsewhere.
 */
export function canny(src: Uint8Array, width: number, height: number, lowThresh: number, highThresh: number): Uint8Array {
  const low = Math.floor(lowThresh);
  const high = Math.floor(highThresh);
  const n = width * height;
  const dx = new Int32Array(n);
  const dy = new Int32Array(n);
  // Source with a replicated 1-pixel frame (Canny's Sobel uses BORDER_REPLICATE).
  const pw = width + 2;
  const p = new Int32Array(pw * (height + 2));
  for (let y = -1; y <= height; y++) {
    const sy = borderIndex(y, height, 'nearest') * width;
    for (let x = -1; x <= width; x++) p[(y + 1) * pw + x + 1] = src[sy + borderIndex(x, width, 'nearest')];
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * pw + x;
      const a = p[i];
      const b = p[i + 1];
      const c = p[i + 2];
      const d = p[i + pw];
      const f = p[i + pw + 2];
      const g = p[i + 2 * pw];
      const hh = p[i + 2 * pw + 1];
      const k = p[i + 2 * pw + 2];
      dx[y * width + x] = c + 2 * f + k - (a + 2 * d + g);
      dy[y * width + x] = g + 2 * hh + k - (a + 2 * b + c);
    }
  }
  // Magnitude with a zero frame, so neighbours outside the image compare as 0 (as OpenCV's padded buffers).
  const mw = width + 2;
  const mag = new Int32Array(mw * (height + 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) mag[(y + 1) * mw + x + 1] = Math.abs(dx[y * width + x]) + Math.abs(dy[y * width + x]);
  }
  const TG22 = Math.trunc(0.4142135623730950488016887242097 * (1 << 15) + 0.5);
  // 0: not an edge, 1: weak candidate, 2: edge.
  const map = new Uint8Array(n);
  const stack: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const j = (y + 1) * mw + x + 1;
      const m = mag[j];
      if (m <= low) continue;
      const xs = dx[y * width + x];
      const ys = dy[y * width + x];
      const ax = Math.abs(xs);
      const ay = Math.abs(ys) * (1 << 15);
      const tg22x = ax * TG22;
      let isMax: boolean;
      if (ay < tg22x) {
        isMax = m > mag[j - 1] && m >= mag[j + 1];
      } else {
        const tg67x = tg22x + ax * (1 << 16);
        if (ay > tg67x) {
          isMax = m > mag[j - mw] && m >= mag[j + mw];
        } else {
          const s = (xs ^ ys) < 0 ? -1 : 1;
          isMax = m > mag[j - mw - s] && m > mag[j + mw + s];
        }
      }
      if (!isMax) continue;
      const i = y * width + x;
      if (m > high) {
        map[i] = 2;
        stack.push(i);
      } else {
        map[i] = 1;
      }
    }
  }
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const x = i % width;
    const y = (i - x) / width;
    for (let oy = -1; oy <= 1; oy++) {
      const yy = y + oy;
      if (yy < 0 || yy >= height) continue;
      for (let ox = -1; ox <= 1; ox++) {
        const xx = x + ox;
        if (xx < 0 || xx >= width) continue;
        const k = yy * width + xx;
        if (map[k] === 1) {
          map[k] = 2;
          stack.push(k);
        }
      }
    }
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = map[i] === 2 ? 255 : 0;
  return out;
}

/**
 * cv2.distanceTransform(src, DIST_L2, 5): distance of every non-zero pixel to the nearest zero pixel with the
 * 5x5 chamfer mask (1, 1.4, 2.1969), two raster passes; pixels beyond the image never count as zero.
 * Returns +Infinity everywhere when there is no zero pixel.
 */
export function distanceTransformL2Mask5(src: Uint8Array, width: number, height: number): Float32Array {
  const A = 1;
  const B = 1.4;
  const C = 2.1969;
  // A frame of 2 pixels that never counts as zero, so the mask needs no bounds checks.
  const pw = width + 4;
  const d = new Float64Array(pw * (height + 4)).fill(Infinity);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) d[(y + 2) * pw + x + 2] = src[y * width + x] === 0 ? 0 : Infinity;
  }
  // Forward mask: the neighbours above and to the left; the backward pass mirrors it.
  const offsets = [-2 * pw - 1, -2 * pw + 1, -pw - 2, -pw - 1, -pw, -pw + 1, -pw + 2, -1];
  const costs = [C, C, C, B, A, B, C, A];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y + 2) * pw + x + 2;
      let v = d[i];
      if (v === 0) continue;
      for (let k = 0; k < 8; k++) {
        const c = d[i + offsets[k]] + costs[k];
        if (c < v) v = c;
      }
      d[i] = v;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = (y + 2) * pw + x + 2;
      let v = d[i];
      if (v === 0) continue;
      for (let k = 0; k < 8; k++) {
        const c = d[i - offsets[k]] + costs[k];
        if (c < v) v = c;
      }
      d[i] = v;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = d[(y + 2) * pw + x + 2];
  }
  return out;
}

/** A copy of a plane with a 1-pixel BORDER_REFLECT_101 frame (for the 3x3 filters below). */
function padMirror1(src: ArrayLike<number>, width: number, height: number): Float64Array {
  const pw = width + 2;
  const out = new Float64Array(pw * (height + 2));
  for (let y = -1; y <= height; y++) {
    const sy = borderIndex(y, height, 'mirror') * width;
    for (let x = -1; x <= width; x++) out[(y + 1) * pw + x + 1] = src[sy + borderIndex(x, width, 'mirror')];
  }
  return out;
}

/** Sum of kernel[ky][kx] * padded(y + ky, x + kx) over a 3x3 window, for every pixel. */
function correlate3x3(src: ArrayLike<number>, width: number, height: number, kernel: readonly number[]): Float64Array {
  const p = padMirror1(src, width, height);
  const pw = width + 2;
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * pw + x;
      out[y * width + x] =
        kernel[0] * p[i] + kernel[1] * p[i + 1] + kernel[2] * p[i + 2] +
        kernel[3] * p[i + pw] + kernel[4] * p[i + pw + 1] + kernel[5] * p[i + pw + 2] +
        kernel[6] * p[i + 2 * pw] + kernel[7] * p[i + 2 * pw + 1] + kernel[8] * p[i + 2 * pw + 2];
    }
  }
  return out;
}

const BOX3 = [1, 1, 1, 1, 1, 1, 1, 1, 1];

/** cv2.blur(src, (3, 3)): normalised 3x3 box filter, BORDER_REFLECT_101, as float. */
export function boxBlur3(src: ArrayLike<number>, width: number, height: number): Float64Array {
  const out = correlate3x3(src, width, height, BOX3);
  for (let i = 0; i < out.length; i++) out[i] /= 9;
  return out;
}

/** cv2.equalizeHist: the cumulative histogram, rescaled from the first occupied level to 0..255, as a lookup. */
export function equalizeHist(src: Uint8Array): Uint8Array {
  const hist = new Int32Array(256);
  for (let i = 0; i < src.length; i++) hist[src[i]]++;
  let first = 0;
  while (first < 256 && hist[first] === 0) first++;
  const out = new Uint8Array(src.length);
  if (first === 256) return out;
  const total = src.length;
  if (hist[first] === total) {
    out.fill(first);
    return out;
  }
  const scale = 255 / (total - hist[first]);
  const lut = new Uint8Array(256);
  let sum = 0;
  for (let i = first + 1; i < 256; i++) {
    sum += hist[i];
    lut[i] = Math.min(255, Math.max(0, Math.round(sum * scale)));
  }
  for (let i = 0; i < src.length; i++) out[i] = lut[src[i]];
  return out;
}

/** cv2.filter2D(src, CV_8U, kernel3x3): correlation, BORDER_REFLECT_101, saturated to 0..255. */
export function filter2dU8(src: Uint8Array, width: number, height: number, kernel: readonly number[]): Uint8Array {
  const sums = correlate3x3(src, width, height, kernel);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const s = sums[i];
    out[i] = s < 0 ? 0 : s > 255 ? 255 : Math.round(s);
  }
  return out;
}
