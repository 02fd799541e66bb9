/**
 * ImageNet-C digital corruptions (make_imagenet_c.py): contrast, elastic_transform, pixelate, jpeg_compression,
 * and the extra saturate. Float outputs end with `np.uint8(np.clip(x, 0, 1) * 255)` (truncation); pixelate and
 * jpeg_compression produce 8-bit images directly, as PIL does in the reference.
 */
import { fromUnitInterleaved, fromUnitPlanes, toUnitInterleaved } from '../pixels.js';
import type { Rng } from '../random.js';
import { affineFromPoints, warpAffineLinear } from '../reference/opencv.js';
import { pilResize } from '../../image/pil-resample.js';
import { gaussianFilter, mapCoordinatesLinear } from '../reference/scipy-ndimage.js';
import { hsvToRgb, rgbToHsv } from '../reference/skimage.js';
import type { Corruption, CorruptionInput, RgbImage } from '../types.js';
import { severityIndex } from './common.js';
import { jpegRoundTrip } from './jpeg-codec.js';
import { fillUniform, uniform } from './sampling.js';

// ---------------------------------------------------------------- contrast

/** contrast: c = factor applied to the deviation from the per-channel mean. */
export const CONTRAST_TABLE = [0.4, 0.3, 0.2, 0.1, 0.05] as const;

/** (x - mean) * c + mean, means over all pixels per channel (np.mean(x, axis=(0, 1))). */
export function contrast(image: RgbImage, c: number): RgbImage {
  const x = toUnitInterleaved(image);
  const n = image.width * image.height;
  // numpy reduces axes (0, 1) of an (h, w, 3) array with the channel axis innermost: a plain running sum.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i += 3) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
  }
  const means = [s0 / n, s1 / n, s2 / n];
  for (let i = 0; i < x.length; i += 3) {
    for (let ch = 0; ch < 3; ch++) x[i + ch] = (x[i + ch] - means[ch]) * c + means[ch];
  }
  return fromUnitInterleaved(image.width, image.height, x);
}

// ---------------------------------------------------------------- saturate (extra)

/** saturate: (multiplier, offset) on HSV saturation; severities 1-2 desaturate, 3-5 oversaturate. */
export const SATURATE_TABLE = [
  [0.3, 0],
  [0.1, 0],
  [2, 0],
  [5, 0.1],
  [20, 0.2],
] as const;

/** skimage rgb2hsv, S = clip(S * c0 + c1, 0, 1), hsv2rgb. */
export function saturate(image: RgbImage, c0: number, c1: number): RgbImage {
  const x = toUnitInterleaved(image);
  const hsv = new Float64Array(x.length);
  rgbToHsv(x, hsv);
  for (let i = 1; i < hsv.length; i += 3) {
    const s = hsv[i] * c0 + c1;
    hsv[i] = s < 0 ? 0 : s > 1 ? 1 : s;
  }
  hsvToRgb(hsv, x);
  return fromUnitInterleaved(image.width, image.height, x);
}

// ---------------------------------------------------------------- pixelate

/** pixelate: c = scale of the intermediate image. */
export const PIXELATE_TABLE = [0.6, 0.5, 0.4, 0.3, 0.25] as const;

/**
 * make_imagenet_c.py: PIL resize to (int(w * c), int(h * c)) with BOX, then back to (w, h) with BOX
 * (imagecorruptions uses NEAREST for the way up; ImageNet-C used BOX). PIL's fixed-point resampler, exactly.
 */
export function pixelate(image: RgbImage, c: number): RgbImage {
  const sw = Math.max(1, Math.trunc(image.width * c));
  const sh = Math.max(1, Math.trunc(image.height * c));
  const box = (img: RgbImage, w: number, h: number): RgbImage => {
    const r = pilResize({ width: img.width, height: img.height, channels: 3, data: img.data }, w, h, 'box');
    return { width: r.width, height: r.height, data: r.data };
  };
  return box(box(image, sw, sh), image.width, image.height);
}

// ---------------------------------------------------------------- jpeg_compression

/** jpeg_compression: PIL JPEG quality. */
export const JPEG_TABLE = [25, 18, 15, 10, 7] as const;

// ---------------------------------------------------------------- elastic_transform

/**
 * elastic_transform, make_imagenet_c.py's table: (alpha, sigma, affine jitter), in pixels for 224-px images
 * ("244 should have been 224, but ultimately nothing is incorrect", says the reference; the 244s are kept).
 */
export const ELASTIC_TABLE = [
  [244 * 2, 244 * 0.7, 244 * 0.1],
  [244 * 2, 244 * 0.08, 244 * 0.2],
  [244 * 0.05, 244 * 0.01, 244 * 0.02],
  [244 * 0.07, 244 * 0.01, 244 * 0.02],
  [244 * 0.12, 244 * 0.01, 244 * 0.02],
] as const;

/**
 * A random affine (three points around the centre jittered by U(-c2, c2)), cv2.warpAffine with
 * BORDER_REFLECT_101, then a displacement field: dx, dy = gaussian(U(-1, 1) field, sigma=c1, mode='reflect',
 * truncate=3) * c0, sampled with map_coordinates(order=1, mode='reflect').
 */
export function elasticTransform(image: RgbImage, c: readonly [number, number, number], rng: Rng): RgbImage {
  const { width: w, height: h } = image;
  const n = w * h;
  const [alpha, sigma, jitter] = c;
  // The reference builds the points from (h // 2, w // 2) and hands them to OpenCV as (x, y); for square
  // images that is the same as (w // 2, h // 2), used here so that non-square images stay centred.
  const cx = Math.floor(w / 2);
  const cy = Math.floor(h / 2);
  const sq = Math.floor(Math.min(w, h) / 3);
  const pts1: [number, number][] = [
    [cx + sq, cy + sq],
    [cx + sq, cy - sq],
    [cx - sq, cy - sq],
  ];
  const pts2 = pts1.map(([px, py]) => [Math.fround(px + Math.fround(uniform(rng, -jitter, jitter))), Math.fround(py + Math.fround(uniform(rng, -jitter, jitter)))] as [number, number]);
  // Images under 3 px give coincident points (square_size 0): no affine there.
  const m = sq > 0 ? affineFromPoints(pts1, pts2) : [1, 0, 0, 0, 1, 0];

  const field = new Float64Array(n);
  fillUniform(rng, field, -1, 1);
  const dx = Float32Array.from(gaussianFilter(field, w, h, sigma, 'reflect', 3), (v) => v * alpha);
  fillUniform(rng, field, -1, 1);
  const dy = Float32Array.from(gaussianFilter(field, w, h, sigma, 'reflect', 3), (v) => v * alpha);

  const ys = new Float64Array(n);
  const xs = new Float64Array(n);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      ys[i] = y + dy[i];
      xs[i] = x + dx[i];
    }
  }
  const planes: Float64Array[] = [];
  const plane = new Float64Array(n);
  const warped = new Float64Array(n);
  for (let ch = 0; ch < 3; ch++) {
    for (let i = 0; i < n; i++) plane[i] = Math.fround(image.data[i * 3 + ch] / 255);
    warpAffineLinear(plane, w, h, m, warped);
    const sampled = new Float64Array(n);
    mapCoordinatesLinear(warped, w, h, ys, xs, sampled);
    planes.push(sampled);
  }
  return fromUnitPlanes(w, h, planes[0], planes[1], planes[2]);
}

// ---------------------------------------------------------------- corruption objects

function corruptionObject(name: string, benchmark: Corruption['benchmark'], random: boolean, deviation: string | null, apply: (input: CorruptionInput, s: number) => RgbImage): Corruption {
  return {
    name,
    family: 'digital',
    benchmark,
    random,
    needsDepth: false,
    deviation,
    apply: (input) => apply(input, severityIndex(input)),
  };
}

export const CONTRAST = corruptionObject('contrast', 'imagenet-c', false, null, (input, s) => contrast(input.image, CONTRAST_TABLE[s]));

export const ELASTIC_TRANSFORM = corruptionObject(
  'elastic_transform',
  'imagenet-c',
  true,
  'The affine warp and the displacement sampling use exact bilinear interpolation (OpenCV quantises warpAffine positions to 1/32 pixel).',
  (input, s) => elasticTransform(input.image, ELASTIC_TABLE[s], input.rng),
);

export const PIXELATE = corruptionObject('pixelate', 'imagenet-c', false, null, (input, s) => pixelate(input.image, PIXELATE_TABLE[s]));

export const JPEG_COMPRESSION = corruptionObject(
  'jpeg_compression',
  'imagenet-c',
  false,
  null,
  (input, s) => jpegRoundTrip(input.image, JPEG_TABLE[s]),
);

export const SATURATE = corruptionObject('saturate', 'imagenet-c-extra', false, null, (input, s) => {
  const [c0, c1] = SATURATE_TABLE[s];
  return saturate(input.image, c0, c1);
});
