/**
 * Shared pieces of the 3D common corruptions (Kar et al., CVPR 2022; reference implementation
 * EPFL-VILAB/3DCommonCorruptions, `create_3dcc/`): depth checks and normalisations, and the 8-bit output
 * convention.
 */
import { HoloclipError } from '../../errors.js';
import type { CorruptionInput, DepthMap, RgbImage, Severity } from '../types.js';

/** Pick the severity's entry of a 5-entry parameter list (the reference's `[...][severity - 1]`). */
export function bySeverity<T>(values: readonly [T, T, T, T, T], severity: Severity): T {
  return values[severity - 1];
}

/**
 * Float (0..255) to byte the way the reference saves its outputs: `np.uint8(x)` on a clipped array and
 * torchvision's `ToPILImage` (`mul(255).byte()`) both truncate. The 1e-3 absorbs float round-off so an
 * unchanged value v (computed as, e.g., a normalised blur of v) does not drop to v - 1.
 */
export function truncateToByte(v: number): number {
  if (!(v > 0)) return 0; // also NaN
  if (v >= 255) return 255;
  return Math.floor(v + 1e-3);
}

/** A blank output image of the input's size. */
export function blankLike(image: RgbImage): { width: number; height: number; data: Uint8Array } {
  return { width: image.width, height: image.height, data: new Uint8Array(image.width * image.height * 3) };
}

/**
 * The depth map of a depth-needing corruption, or a clear error: which corruption, and how to provide
 * one. Also checks that it matches the image's size.
 */
export function requireDepth(corruption: string, input: CorruptionInput): DepthMap {
  const { depth, image } = input;
  if (depth === undefined) {
    throw new HoloclipError(
      `corruption ${corruption} (3D common corruptions) needs a depth map for each image: put one next to the image ` +
        `(<name>.depth.npy or <name>.depth.png: a 2-D .npy or 16-bit PNG, larger = farther), or in a parallel folder ` +
        `given with --depth-dir DIR, or estimate depth with --depth-model DIR`,
    );
  }
  if (depth.width !== image.width || depth.height !== image.height) {
    throw new HoloclipError(
      `corruption ${corruption}: the depth map is ${depth.width}x${depth.height} but the image is ${image.width}x${image.height}; ` +
        `resize it with resizeDepth / cropResizeDepth (src/depth/maps.ts) so it stays aligned with the pixels`,
    );
  }
  if (depth.data.length !== depth.width * depth.height) {
    throw new HoloclipError(`corruption ${corruption}: depth map data has ${depth.data.length} values, expected ${depth.width * depth.height}`);
  }
  return depth;
}

/** Largest finite value of a depth map; throws if there is no positive finite value at all. */
function maxFiniteDepth(corruption: string, data: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v > max && v !== Infinity) max = v;
  }
  if (!(max > 0)) throw new HoloclipError(`corruption ${corruption}: the depth map has no positive finite value (larger = farther is expected)`);
  return max;
}

/** Fraction of the largest depth below which depths are floored, so ratios (d / d_min) stay finite. */
export const DEPTH_FLOOR_FRACTION = 1e-3;

/**
 * Depth as positive distances scaled so the farthest pixel is 1: the reference works on Taskonomy depth
 * divided by a constant (`depth / 8000`, `create_3dcc/dataset.py`), and the ratio-based corruptions
 * (focus, flash, camera motion) only depend on the scale-free d / d_ref. Non-finite values (holes)
 * become 1 (the reference replaces out-of-range depth by the largest valid one); values below
 * {@link DEPTH_FLOOR_FRACTION} (including 0 and negatives) are floored there.
 */
export function relativeDepth(corruption: string, depth: DepthMap): Float32Array {
  const src = depth.data;
  const max = maxFiniteDepth(corruption, src);
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    const r = Number.isFinite(v) ? v / max : 1;
    out[i] = r < DEPTH_FLOOR_FRACTION ? DEPTH_FLOOR_FRACTION : r;
  }
  return out;
}

/**
 * Depth min-max normalised to [0, 1] per image (nearest 0, farthest 1; all 0 for a constant map).
 * Non-finite values count as farthest.
 */
export function minMaxDepth(corruption: string, depth: DepthMap): Float32Array {
  const src = depth.data;
  const max = maxFiniteDepth(corruption, src);
  let min = Infinity;
  for (let i = 0; i < src.length; i++) if (Number.isFinite(src[i]) && src[i] < min) min = src[i];
  const out = new Float32Array(src.length);
  const range = max - min;
  if (!(range > 0)) return out;
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    out[i] = Number.isFinite(v) ? (v - min) / range : 1;
  }
  return out;
}

/** Mean of all channel values of an image, 0..255 (the reference's `rgb.mean()`, times 255). */
export function meanIntensity(image: RgbImage): number {
  const d = image.data;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += d[i];
  return d.length > 0 ? s / d.length : 0;
}
