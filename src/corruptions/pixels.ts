/**
 * Conversions between 8-bit RGB images and the float arrays the corruptions compute on.
 *
 * The ImageNet-C reference computes on `np.array(x) / 255.` (float64) and ends with
 * `np.uint8(np.clip(x, 0, 1) * 255)`: numpy's float -> uint8 cast truncates toward zero, it does not round.
 * `fromUnitInterleaved` / `fromUnitPlanes` reproduce exactly that (clip first, then * 255, then truncate),
 * so that a value that the reference leaves at 99.99999999999999 becomes 99 here too.
 */
import type { RgbImage } from './types.js';

export type FloatArray = Float64Array | Float32Array;

export function assertRgbImage(image: RgbImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (data.length !== width * height * 3) {
    throw new RangeError(`image data length ${data.length} != ${width}*${height}*3`);
  }
}

export function makeImage(width: number, height: number, data?: Uint8Array): RgbImage {
  return { width, height, data: data ?? new Uint8Array(width * height * 3) };
}

/** `np.array(x) / 255.` as an interleaved float64 array (r, g, b per pixel). */
export function toUnitInterleaved(image: RgbImage): Float64Array {
  const src = image.data;
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] / 255;
  return out;
}

/** `np.array(x) / 255.` split into three planes (r, g, b). */
export function toUnitPlanes(image: RgbImage): [Float64Array, Float64Array, Float64Array] {
  const n = image.width * image.height;
  const src = image.data;
  const r = new Float64Array(n);
  const g = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    r[i] = src[j] / 255;
    g[i] = src[j + 1] / 255;
    b[i] = src[j + 2] / 255;
  }
  return [r, g, b];
}

/** `np.uint8(np.clip(x, 0, 1) * 255)` for an interleaved array: clip, scale, truncate. */
export function fromUnitInterleaved(width: number, height: number, values: FloatArray): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < out.length; i++) {
    const v = values[i];
    // Uint8Array stores ToUint8(v): truncation toward zero, NaN -> 0 (numpy gives 0 for NaN too).
    out[i] = (v < 0 ? 0 : v > 1 ? 1 : v) * 255;
  }
  return makeImage(width, height, out);
}

/** `np.uint8(np.clip(x, 0, 1) * 255)` for three planes. */
export function fromUnitPlanes(width: number, height: number, r: FloatArray, g: FloatArray, b: FloatArray): RgbImage {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    const vr = r[i];
    const vg = g[i];
    const vb = b[i];
    out[j] = (vr < 0 ? 0 : vr > 1 ? 1 : vr) * 255;
    out[j + 1] = (vg < 0 ? 0 : vg > 1 ? 1 : vg) * 255;
    out[j + 2] = (vb < 0 ? 0 : vb > 1 ? 1 : vb) * 255;
  }
  return makeImage(width, height, out);
}

/** `np.uint8(np.clip(x, 0, 255))` for an interleaved array on the 0..255 scale (truncation). */
export function fromByteScaleInterleaved(width: number, height: number, values: FloatArray): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < out.length; i++) {
    const v = values[i];
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return makeImage(width, height, out);
}

/** Rounds (half away from zero) and clamps an interleaved 0..255 array, as an 8-bit image encoder would. */
export function roundByteScaleInterleaved(width: number, height: number, values: FloatArray): RgbImage {
  const out = new Uint8Array(width * height * 3);
  for (let i = 0; i < out.length; i++) {
    const v = values[i];
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5);
  }
  return makeImage(width, height, out);
}
