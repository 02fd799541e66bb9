/**
 * Pillow's `Image.resize((w, h), filter)` for 8-bit images (1 or 3 interleaved channels), byte for byte.
 *
 * Follows Pillow's `libImaging/Resample.c` (identical in 9.4 and 10/11; checked against Debian 12's python3-pil 9.4
 * and a newer Pillow by test/image-pil-resample.test.ts and tools/goldens/make_preprocess_goldens.py):
 *  - the filter support is scaled by the downscale factor (antialiasing), coefficients are computed in double,
 *    normalised to sum 1, then turned into fixed point with PRECISION_BITS = 22 and sign-aware 0.5 rounding;
 *  - a horizontal pass over only the source rows the vertical pass needs, then a vertical pass; each pass rounds
 *    with a 1 << 21 bias and clips to 0..255 (`clip8`);
 *  - a pass is skipped when that axis keeps its size;
 *  - NEAREST is not a convolution in Pillow: `_resize` routes it to `ImagingScaleAffine` (accumulated double source
 *    coordinates, truncated).
 * The passes run in WebAssembly SIMD (wasm/pil-resample.wat: four or eight lanes at a time, the same int32
 * arithmetic) when the engine has it, else in the JS below; `kernel: 'js'` forces the JS passes (the tests compare them).
 * Pure: no I/O, no sharp.
 */
import { runResamplePasses, type AxisCoeffs } from './wasm/resample-kernel.js';

/** Which implementation runs the two passes: both give the same bytes. */
export type ResampleKernel = 'wasm' | 'js';

export type PilFilter = 'nearest' | 'box' | 'bilinear' | 'hamming' | 'bicubic' | 'lanczos';

/** Interleaved 8-bit pixels. */
export interface Raw8 {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** PIL resampling ids as written in HF configs (`resample`): 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming. */
export const PIL_FILTER_BY_ID: readonly PilFilter[] = ['nearest', 'lanczos', 'bilinear', 'bicubic', 'box', 'hamming'];

const PRECISION_BITS = 32 - 8 - 2;
const HALF = 1 << (PRECISION_BITS - 1);
const ONE = 1 << PRECISION_BITS;

interface Filter {
  f: (x: number) => number;
  support: number;
}

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

// Constants written as C `float` literals in Resample.c (0.54f, 0.46f) are float32, promoted to double.
const F054 = Math.fround(0.54);
const F046 = Math.fround(0.46);

const FILTERS: Readonly<Record<Exclude<PilFilter, 'nearest'>, Filter>> = {
  box: { support: 0.5, f: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: {
    support: 1,
    f: (x) => {
      const a = Math.abs(x);
      return a < 1 ? 1 - a : 0;
    },
  },
  hamming: {
    support: 1,
    f: (x) => {
      let a = Math.abs(x);
      if (a === 0) return 1;
      if (a >= 1) return 0;
      a *= Math.PI;
      return (Math.sin(a) / a) * (F054 + F046 * Math.cos(a));
    },
  },
  bicubic: {
    support: 2,
    f: (x) => {
      const a = -0.5;
      const t = Math.abs(x);
      if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
      if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, f: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

/** `precompute_coeffs` + `normalize_coeffs_8bpc` for the box [0, inSize). */
function precomputeCoeffs(inSize: number, outSize: number, filter: Filter): AxisCoeffs {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const k = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C `(int)` truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const v = filter.f((x + xmin - center + 0.5) * ss);
      w[x] = v;
      ww += v;
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? w[x] / ww : w[x];
      k[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * ONE) : Math.trunc(0.5 + v * ONE);
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, start, count, k };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

// The passes below accumulate in int32 (`Math.imul` and `| 0`), as Pillow's C does with its `int ss`: with 22
// fractional bits, 8-bit pixels and coefficients that sum to 1, a sum never leaves the int32 range, so this is the
// same arithmetic, without the overflow checks V8 would otherwise keep on a plain `+=`.

/**
 * Horizontal pass: output columns [colFirst, colFirst + cols) of source rows [rowFirst, rowFirst + rows). Every
 * output pixel depends only on its own coefficients, so a window of columns equals those columns of the full pass.
 */
function resampleHorizontal(src: Raw8, colFirst: number, cols: number, rowFirst: number, rows: number, c: AxisCoeffs): Raw8 {
  const C = src.channels;
  const inStride = src.width * C;
  const out = new Uint8Array(cols * rows * C);
  const { ksize, start, count, k } = c;
  const data = src.data;
  for (let yy = 0; yy < rows; yy++) {
    const rowBase = (yy + rowFirst) * inStride;
    let o = yy * cols * C;
    for (let xx = colFirst; xx < colFirst + cols; xx++) {
      const kb = xx * ksize;
      const ke = kb + count[xx];
      let s = rowBase + start[xx] * C;
      if (C === 1) {
        let s0 = HALF;
        for (let j = kb; j < ke; j++, s++) s0 = (s0 + Math.imul(data[s], k[j])) | 0;
        out[o++] = clip8(s0);
      } else {
        let s0 = HALF;
        let s1 = HALF;
        let s2 = HALF;
        for (let j = kb; j < ke; j++, s += 3) {
          const kv = k[j];
          s0 = (s0 + Math.imul(data[s], kv)) | 0;
          s1 = (s1 + Math.imul(data[s + 1], kv)) | 0;
          s2 = (s2 + Math.imul(data[s + 2], kv)) | 0;
        }
        out[o] = clip8(s0);
        out[o + 1] = clip8(s1);
        out[o + 2] = clip8(s2);
        o += 3;
      }
    }
  }
  return { width: cols, height: rows, channels: C, data: out };
}

/**
 * Vertical pass: output rows [rowFirst, rowFirst + rows) of the full pass; `rowShift` is subtracted from every
 * coefficient's source row (Pillow's bounds shift: `src` starts at that source row).
 */
function resampleVertical(src: Raw8, rowFirst: number, rows: number, rowShift: number, c: AxisCoeffs): Raw8 {
  const C = src.channels;
  const stride = src.width * C;
  const out = new Uint8Array(stride * rows);
  const { ksize, start, count, k } = c;
  const data = src.data;
  for (let yy = rowFirst; yy < rowFirst + rows; yy++) {
    const kb = yy * ksize;
    const ke = kb + count[yy];
    const base0 = (start[yy] - rowShift) * stride;
    const ob = (yy - rowFirst) * stride;
    for (let i = 0; i < stride; i++) {
      let ss = HALF;
      for (let j = kb, s = base0 + i; j < ke; j++, s += stride) ss = (ss + Math.imul(data[s], k[j])) | 0;
      out[ob + i] = clip8(ss);
    }
  }
  return { width: src.width, height: rows, channels: C, data: out };
}

/** Pillow's NEAREST resize (`ImagingScaleAffine` with a = [in/out, 0, 0, 0, in/out, 0]). */
function nearestResize(src: Raw8, width: number, height: number): Raw8 {
  const C = src.channels;
  const a0 = src.width / width;
  const a4 = src.height / height;
  const xin = new Int32Array(width);
  let xo = a0 * 0.5;
  for (let x = 0; x < width; x++) {
    // COORD(v): v < 0 ? -1 : (int)v; in range for a full-image box.
    xin[x] = Math.min(src.width - 1, Math.trunc(xo));
    xo += a0;
  }
  const out = new Uint8Array(width * height * C);
  let yo = a4 * 0.5;
  for (let y = 0; y < height; y++) {
    const yi = Math.min(src.height - 1, Math.trunc(yo));
    const rb = yi * src.width * C;
    const ob = y * width * C;
    for (let x = 0; x < width; x++) {
      const s = rb + xin[x] * C;
      const o = ob + x * C;
      for (let ch = 0; ch < C; ch++) out[o + ch] = src.data[s + ch];
    }
    yo += a4;
  }
  return { width, height, channels: C, data: out };
}

/** A window of an image: columns [x, x + width), rows [y, y + height). */
export interface PixelRegion {
  x: number;
  y: number;
  width: number;
  height: number;
}

function checkResizeArgs(src: Raw8, width: number, height: number): void {
  if (src.channels !== 1 && src.channels !== 3) {
    throw new RangeError(`pilResize: only 1- and 3-channel images are supported, got ${src.channels} channels`);
  }
  if (src.data.length !== src.width * src.height * src.channels) {
    throw new RangeError(`pilResize: data has ${src.data.length} bytes, expected ${src.width}x${src.height}x${src.channels}`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`pilResize: target size must be positive integers, got ${width}x${height}`);
  }
}

/** The pixels of `region` in an interleaved image (a copy). */
export function cropRegion(src: Raw8, region: PixelRegion): Raw8 {
  const C = src.channels;
  const { x, y, width, height } = region;
  if (x === 0 && y === 0 && width === src.width && height === src.height) return { ...src, data: src.data.slice() };
  const out = new Uint8Array(width * height * C);
  for (let r = 0; r < height; r++) {
    const s = ((y + r) * src.width + x) * C;
    out.set(src.data.subarray(s, s + width * C), r * width * C);
  }
  return { width, height, channels: C, data: out };
}

/**
 * `Image.resize((width, height), filter)` of Pillow for an 8-bit L (1 channel) or RGB (3 channels) image.
 * Returns a copy when the size does not change (as Pillow does).
 */
export function pilResize(src: Raw8, width: number, height: number, filter: PilFilter, options: { kernel?: ResampleKernel } = {}): Raw8 {
  return pilResizeRegion(src, width, height, filter, { x: 0, y: 0, width, height }, options);
}

/**
 * `Image.resize((width, height), filter).crop(region)` for a region inside the resized image, byte for byte, computing
 * only the pixels the region keeps: a center crop after a shortest-edge resize (every CLIP pipeline) skips the columns
 * or rows it would throw away. Each resized pixel depends only on its own coefficients (the horizontal pass runs over
 * the source rows the region's output rows need, as Pillow runs it over the rows all output rows need), so the window
 * equals the same window of the full resize.
 */
export function pilResizeRegion(
  src: Raw8,
  width: number,
  height: number,
  filter: PilFilter,
  region: PixelRegion,
  options: { kernel?: ResampleKernel } = {},
): Raw8 {
  checkResizeArgs(src, width, height);
  const { x, y, width: rw, height: rh } = region;
  if (![x, y, rw, rh].every(Number.isInteger) || x < 0 || y < 0 || rw < 1 || rh < 1 || x + rw > width || y + rh > height) {
    throw new RangeError(`pilResizeRegion: region ${rw}x${rh} at (${x}, ${y}) is not inside the ${width}x${height} result`);
  }
  if (width === src.width && height === src.height) return cropRegion(src, region);
  if (filter === 'nearest') return cropRegion(nearestResize(src, width, height), region);
  const f = FILTERS[filter];
  const vert = height !== src.height ? precomputeCoeffs(src.height, height, f) : null;
  const horiz = width !== src.width ? precomputeCoeffs(src.width, width, f) : null;
  // Source rows the region's output rows read (all rows of the region when there is no vertical pass).
  const first = vert ? vert.start[y] : y;
  const last = vert ? vert.start[y + rh - 1] + vert.count[y + rh - 1] : y + rh;
  const C = src.channels;
  // Without a horizontal pass the vertical one reads the region's columns of every source row.
  const columns = horiz ? null : cropRegion(src, { x, y: 0, width: rw, height: src.height });
  const rowShift = horiz ? first : 0;
  if ((options.kernel ?? 'wasm') === 'wasm' && (C === 3 || !horiz)) {
    const input = columns ?? src;
    const data = runResamplePasses(
      input.data,
      input.width,
      C,
      horiz ? { coeffs: horiz, colFirst: x, cols: rw, rowFirst: first, rows: last - first } : null,
      vert ? { coeffs: vert, rowFirst: y, rows: rh, rowShift } : null,
    );
    if (data) return { width: rw, height: rh, channels: C, data };
  }
  const img = horiz ? resampleHorizontal(src, x, rw, first, last - first, horiz) : (columns as Raw8);
  return vert ? resampleVertical(img, y, rh, rowShift, vert) : img;
}
