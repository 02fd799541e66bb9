/**
 * Shared plumbing of the ImageNet-C corruption modules: input checks and the table lookup by severity.
 *
 * Pixel units: the reference parameter tables are for 224 x 224 images (make_imagenet_c.py works on
 * Resize(256) + CenterCrop(224)). Every parameter given in pixels (blur sigmas and radii, shuffle distances,
 * motion lengths, elastic displacements) is kept at its 224-px value whatever the image size, as the
 * packaged imagecorruptions does; corruptions whose parameters are relative (zoom factors, pixelate and JPEG)
 * behave the same at any size.
 *
 * Also the reference's `clipped_zoom` (zoom_blur and snow), built on scipy.ndimage.zoom (reference/scipy-ndimage.ts).
 */
import { assertRgbImage } from '../pixels.js';
import { zoomOutputLength, zoomTaps, type LinearTaps } from '../reference/scipy-ndimage.js';
import type { CorruptionInput, Severity } from '../types.js';

/** Validates the input and returns the 0-based severity index for the parameter tables. */
export function severityIndex(input: CorruptionInput): number {
  assertRgbImage(input.image);
  const s: Severity = input.severity;
  if (!(s === 1 || s === 2 || s === 3 || s === 4 || s === 5)) throw new RangeError(`severity must be 1..5, got ${String(s)}`);
  return s - 1;
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
