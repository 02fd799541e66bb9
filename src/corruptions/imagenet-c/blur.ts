/**
 * ImageNet-C blur corruptions (make_imagenet_c.py): defocus_blur, glass_blur, motion_blur, zoom_blur, and the
 * extra gaussian_blur. Float outputs end with `np.uint8(np.clip(x, 0, 1) * 255)` (truncation), except
 * motion_blur, whose reference output is ImageMagick's 8-bit image (rounded).
 */
import { fromUnitPlanes, makeImage, roundByteScaleInterleaved, toUnitPlanes } from '../pixels.js';
import type { Rng } from '../random.js';
import { cvGaussianBlurF32, filter2d, filter2dFft } from '../reference/opencv.js';
import { gaussianFilter } from '../reference/scipy-ndimage.js';
import type { Corruption, CorruptionInput, RgbImage } from '../types.js';
import { clippedZoomTaps, severityIndex } from './common.js';
import { randint, uniform } from './sampling.js';

// ---------------------------------------------------------------- gaussian_blur (extra)

/** gaussian_blur: sigma in pixels (224-px images). */
export const GAUSSIAN_BLUR_TABLE = [1, 2, 3, 4, 6] as const;

/** skimage gaussian(x, sigma, channel_axis=-1): scipy gaussian_filter per channel, mode 'nearest', truncate 4. */
export function gaussianBlur(image: RgbImage, sigma: number): RgbImage {
  const { width: w, height: h } = image;
  const [r, g, b] = toUnitPlanes(image).map((p) => gaussianFilter(p, w, h, sigma));
  return fromUnitPlanes(w, h, r, g, b);
}

// ---------------------------------------------------------------- defocus_blur

/** defocus_blur: (disk radius, alias blur sigma), pixels. */
export const DEFOCUS_BLUR_TABLE = [
  [3, 0.1],
  [4, 0.5],
  [6, 0.5],
  [8, 0.5],
  [10, 0.5],
] as const;

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

const diskCache = new Map<string, { size: number; data: Float32Array }>();

function cachedDisk(radius: number, alias: number): { size: number; data: Float32Array } {
  const key = `${radius}|${alias}`;
  let k = diskCache.get(key);
  if (k === undefined) {
    k = diskKernel(radius, alias);
    diskCache.set(key, k);
  }
  return k;
}

/** Non-zero taps above which the FFT path is faster than the direct sum (measured at 224 px). */
const DEFOCUS_FFT_TAPS = 48;

/**
 * cv2.filter2D of each channel with the anti-aliased disk kernel (BORDER_REFLECT_101). Large kernels go through
 * the FFT, as OpenCV's filter2D does; both paths reproduce the goldens bit for bit.
 */
export function defocusBlur(image: RgbImage, radius: number, alias: number): RgbImage {
  const { width: w, height: h } = image;
  const k = cachedDisk(radius, alias);
  const planes = toUnitPlanes(image);
  let taps = 0;
  for (const v of k.data) if (v !== 0) taps++;
  const [r, g, b] = taps > DEFOCUS_FFT_TAPS && w * h >= 64 * 64 ? filter2dFft(planes, w, h, k.data, k.size, `disk|${radius}|${alias}`) : planes.map((p) => filter2d(p, w, h, k.data, k.size));
  return fromUnitPlanes(w, h, r, g, b);
}

// ---------------------------------------------------------------- glass_blur

/** glass_blur: (sigma, max_delta, iterations). */
export const GLASS_BLUR_TABLE = [
  [0.7, 1, 2],
  [0.9, 2, 1],
  [1, 2, 3],
  [1.1, 3, 2],
  [1.5, 4, 2],
] as const;

/**
 * make_imagenet_c.py glass_blur: x = uint8(gaussian(x, sigma) * 255); then `iterations` sweeps over the pixels
 * from (h - d, w - d) down to (d + 1, d + 1), each drawing dx, dy = randint(-d, d) (d exclusive) and executing
 * the reference's `x[h, w], x[h', w'] = x[h', w'], x[h, w]`. On numpy arrays that statement does not swap: the
 * right-hand side holds views, so it copies pixel (h', w') into (h, w) and leaves (h', w') as it was. That copy
 * is what ImageNet-C contains, and what is done here. Finally gaussian(x, sigma) again.
 * (The reference's loop bounds are hard-coded for 224 px; they are taken from the image size here.)
 */
export function glassBlur(image: RgbImage, sigma: number, delta: number, iterations: number, rng: Rng): RgbImage {
  const { width: w, height: h } = image;
  const planes = toUnitPlanes(image).map((p) => gaussianFilter(p, w, h, sigma));
  const px = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    // np.uint8(gaussian(...) * 255): truncation, no clip (values stay within [0, 1]).
    px[i * 3] = planes[0][i] * 255;
    px[i * 3 + 1] = planes[1][i] * 255;
    px[i * 3 + 2] = planes[2][i] * 255;
  }
  for (let it = 0; it < iterations; it++) {
    for (let y = h - delta; y > delta; y--) {
      for (let x = w - delta; x > delta; x--) {
        const dx = randint(rng, -delta, delta);
        const dy = randint(rng, -delta, delta);
        const src = ((y + dy) * w + (x + dx)) * 3;
        const dst = (y * w + x) * 3;
        px[dst] = px[src];
        px[dst + 1] = px[src + 1];
        px[dst + 2] = px[src + 2];
      }
    }
  }
  const [r, g, b] = toUnitPlanes(makeImage(w, h, px)).map((p) => gaussianFilter(p, w, h, sigma));
  return fromUnitPlanes(w, h, r, g, b);
}

// ---------------------------------------------------------------- motion_blur

/** motion_blur: (radius, sigma) of ImageMagick's -motion-blur, pixels. */
export const MOTION_BLUR_TABLE = [
  [10, 3],
  [15, 5],
  [15, 8],
  [15, 12],
  [20, 15],
] as const;

/** A one-sided line kernel: taps i = 0..2r at integer offsets along `angle`, weights exp(-i^2 / 2 sigma^2) normalised. */
export interface LineKernel {
  readonly dx: Int32Array;
  readonly dy: Int32Array;
  readonly weights: Float64Array;
}

/**
 * ImageMagick's MotionBlurImage kernel as imagecorruptions ports it (`_motion_blur`): width = 2 * radius + 1,
 * Gaussian weights over 0..width-1 normalised to 1, tap i at offset (ceil(i cos a - 0.5), ceil(i sin a - 0.5))
 * from the output pixel (the reference shifts the image by minus that). Taps that would leave the image
 * (|offset| >= size) end the kernel, as in the reference.
 */
export function motionKernel(radius: number, sigma: number, angleDeg: number, width: number, height: number): LineKernel {
  const n = 2 * radius + 1;
  const raw = new Float64Array(n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    raw[i] = Math.exp(-(i * i) / (2 * sigma * sigma)) / (Math.sqrt(2 * Math.PI) * sigma);
    z += raw[i];
  }
  const a = (angleDeg * Math.PI) / 180;
  const py = n * Math.sin(a);
  const px = n * Math.cos(a);
  const hyp = Math.hypot(py, px);
  const dx: number[] = [];
  const dy: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < n; i++) {
    // The reference's shift(x, dx, dy) with dy = -ceil(i * py / hyp - 0.5) samples x[y - dy, x - dx].
    const sy = Math.ceil((i * py) / hyp - 0.5);
    const sx = Math.ceil((i * px) / hyp - 0.5);
    if (Math.abs(sy) >= height || Math.abs(sx) >= width) break;
    dx.push(sx);
    dy.push(sy);
    weights.push(raw[i] / z);
  }
  return { dx: Int32Array.from(dx), dy: Int32Array.from(dy), weights: Float64Array.from(weights) };
}

/**
 * Sum of weights[i] * src(y + dy[i], x + dx[i]) for a `channels`-interleaved 0..255 float image, coordinates
 * clamped to the image (the reference's shift() repeats the edge row / column).
 */
export function applyLineKernel(src: Float64Array, width: number, height: number, channels: number, k: LineKernel): Float64Array {
  let pad = 0;
  for (let i = 0; i < k.dx.length; i++) pad = Math.max(pad, Math.abs(k.dx[i]), Math.abs(k.dy[i]));
  const pw = width + 2 * pad;
  const ph = height + 2 * pad;
  const padded = new Float64Array(pw * ph * channels);
  for (let y = 0; y < ph; y++) {
    const sy = Math.min(Math.max(y - pad, 0), height - 1);
    for (let x = 0; x < pw; x++) {
      const sx = Math.min(Math.max(x - pad, 0), width - 1);
      const s = (sy * width + sx) * channels;
      const d = (y * pw + x) * channels;
      for (let c = 0; c < channels; c++) padded[d + c] = src[s + c];
    }
  }
  const out = new Float64Array(width * height * channels);
  const rowLen = width * channels;
  for (let t = 0; t < k.weights.length; t++) {
    const wt = k.weights[t];
    for (let y = 0; y < height; y++) {
      const s = ((y + pad + k.dy[t]) * pw + pad + k.dx[t]) * channels;
      const o = y * rowLen;
      for (let i = 0; i < rowLen; i++) out[o + i] += wt * padded[s + i];
    }
  }
  return out;
}

/** motion_blur with an angle drawn from U(-45, 45) degrees. */
export function motionBlur(image: RgbImage, radius: number, sigma: number, rng: Rng): RgbImage {
  const { width: w, height: h } = image;
  const angle = uniform(rng, -45, 45);
  const k = motionKernel(radius, sigma, angle, w, h);
  const out = applyLineKernel(Float64Array.from(image.data), w, h, 3, k);
  return roundByteScaleInterleaved(w, h, out);
}

// ---------------------------------------------------------------- zoom_blur

/**
 * numpy.arange(start, stop, step) for floats: ceil((stop - start) / step) values; numpy writes start and
 * start + step, then fills value i as start + i * delta with delta = (start + step) - start. The exact doubles
 * matter: ceil(h / z) in clipped_zoom changes when z moves by one ulp across h / integer.
 */
export function numpyArange(start: number, stop: number, step: number): number[] {
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const second = start + step;
  const delta = second - start;
  return Array.from({ length: n }, (_, i) => (i === 0 ? start : i === 1 ? second : start + i * delta));
}

/** zoom_blur: the zoom factors averaged, np.arange(1, stop, step) (severity 1 has 12 factors, 1.00 .. 1.11). */
export const ZOOM_BLUR_TABLE: readonly (readonly number[])[] = [
  numpyArange(1, 1.11, 0.01),
  numpyArange(1, 1.16, 0.01),
  numpyArange(1, 1.21, 0.02),
  numpyArange(1, 1.26, 0.02),
  numpyArange(1, 1.31, 0.03),
];

/**
 * (x + sum of clipped_zoom(x, z)) / (len(zooms) + 1), then np.clip(x, 0, 1) * 255, all in float32 as the
 * reference (x is float32 there), truncated to 8 bits. The three channels share the zoom taps and are
 * accumulated in one pass per factor; each layer value is rounded to float32 before it is added, as scipy
 * returns a float32 layer.
 */
export function zoomBlur(image: RgbImage, zooms: readonly number[]): RgbImage {
  const { width: w, height: h } = image;
  const n = w * h;
  const [p0, p1, p2] = toUnitPlanes(image).map((p) => Float32Array.from(p));
  const a0 = new Float32Array(n);
  const a1 = new Float32Array(n);
  const a2 = new Float32Array(n);
  for (const z of zooms) {
    const { ty, tx } = clippedZoomTaps(w, h, z);
    for (let y = 0; y < h; y++) {
      const r0 = ty.i0[y] * w;
      const r1 = ty.i1[y] * w;
      const wy0 = ty.w0[y];
      const wy1 = ty.w1[y];
      const o = y * w;
      for (let x = 0; x < w; x++) {
        const i00 = r0 + tx.i0[x];
        const i01 = r0 + tx.i1[x];
        const i10 = r1 + tx.i0[x];
        const i11 = r1 + tx.i1[x];
        const wx0 = tx.w0[x];
        const wx1 = tx.w1[x];
        // scipy's order: value * wy * wx per tap, taps (y0, x0), (y0, x1), (y1, x0), (y1, x1).
        a0[o + x] += Math.fround(p0[i00] * wy0 * wx0 + p0[i01] * wy0 * wx1 + p0[i10] * wy1 * wx0 + p0[i11] * wy1 * wx1);
        a1[o + x] += Math.fround(p1[i00] * wy0 * wx0 + p1[i01] * wy0 * wx1 + p1[i10] * wy1 * wx0 + p1[i11] * wy1 * wx1);
        a2[o + x] += Math.fround(p2[i00] * wy0 * wx0 + p2[i01] * wy0 * wx1 + p2[i10] * wy1 * wx0 + p2[i11] * wy1 * wx1);
      }
    }
  }
  const div = zooms.length + 1;
  const data = new Uint8Array(n * 3);
  const planes = [p0, p1, p2];
  const accs = [a0, a1, a2];
  for (let c = 0; c < 3; c++) {
    const x = planes[c];
    const acc = accs[c];
    for (let i = 0; i < n; i++) {
      const v = Math.fround(Math.fround(x[i] + acc[i]) / div);
      data[i * 3 + c] = Math.fround((v < 0 ? 0 : v > 1 ? 1 : v) * 255);
    }
  }
  return makeImage(w, h, data);
}

// ---------------------------------------------------------------- corruption objects

function blurCorruption(name: string, benchmark: Corruption['benchmark'], random: boolean, deviation: string | null, apply: (input: CorruptionInput, s: number) => RgbImage): Corruption {
  return { name, family: 'blur', benchmark, random, needsDepth: false, deviation, apply: (input) => apply(input, severityIndex(input)) };
}

export const DEFOCUS_BLUR = blurCorruption('defocus_blur', 'imagenet-c', false, null, (input, s) => {
  const [radius, alias] = DEFOCUS_BLUR_TABLE[s];
  return defocusBlur(input.image, radius, alias);
});

export const GLASS_BLUR = blurCorruption('glass_blur', 'imagenet-c', true, null, (input, s) => {
  const [sigma, delta, iterations] = GLASS_BLUR_TABLE[s];
  return glassBlur(input.image, sigma, delta, iterations, input.rng);
});

export const MOTION_BLUR = blurCorruption(
  'motion_blur',
  'imagenet-c',
  true,
  "ImageMagick's MotionBlurImage is replaced by its numpy port from imagecorruptions (the same one-sided Gaussian line kernel, edge pixels repeated), rounded to 8 bits as ImageMagick's output is.",
  (input, s) => {
    const [radius, sigma] = MOTION_BLUR_TABLE[s];
    return motionBlur(input.image, radius, sigma, input.rng);
  },
);

export const ZOOM_BLUR = blurCorruption('zoom_blur', 'imagenet-c', false, null, (input, s) => zoomBlur(input.image, ZOOM_BLUR_TABLE[s]));

export const GAUSSIAN_BLUR = blurCorruption('gaussian_blur', 'imagenet-c-extra', false, null, (input, s) => gaussianBlur(input.image, GAUSSIAN_BLUR_TABLE[s]));
