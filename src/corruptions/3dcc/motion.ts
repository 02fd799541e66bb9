/**
 * xy_motion_blur and z_motion_blur: blur from a camera moving during the exposure, after the reference's
 * `create_motion_data` (3DCommonCorruptions `create_3dcc/motion_video/create_motion.py` and `common.py`,
 * built on sniklaus/3d-ken-burns).
 *
 * The reference lifts the image to a point cloud (focal 512 px, depth rescaled so the nearest central
 * point sits at d_min), renders 60 frames along a camera path (t = 0, 1/59, ..., 1) and averages the
 * first N frames, N growing with severity. In units of r = depth / d_min, a pixel u (relative to the
 * image centre) at step t lands at
 *   xy (camera translated parallel to the image): u' = u - t * s / r
 *   z  (camera moved forward by t * a * d_min, plus a small sideways shift s):
 *        u' = (u * r - t * s * (1 - t * a)) / (r - t * a)
 * so near pixels (small r) move more, and z motion grows with the distance from the centre.
 * Here each frame is rendered by backward warping: output pixel p samples the input (bilinearly) where
 * the inverse of that map sends it, using p's own depth.
 */
import type { Rng } from '../random.js';
import type { Corruption, CorruptionInput, RgbImage, Severity } from '../types.js';
import { blankLike, bySeverity, relativeDepth, requireDepth, truncateToByte } from './common.js';

/** The reference renders Taskonomy images at 512 x 512; its pixel shifts are scaled by size / 512. */
const REFERENCE_SIZE = 512;
/** Frames along the path: `numpy.linspace(0.0, 1.0, 60)`. */
const PATH_FRAMES = 60;
/**
 * Relative depths r below this are clamped: with z motion a point nearer than t * a (<= 0.32) would pass
 * behind the camera, and with xy motion displacement would grow without bound as depth goes to 0.
 */
const MIN_RELATIVE_DEPTH = 0.5;

/** Frames averaged per severity: `np.mean(all_frames[:N])`. */
export function xyMotionFrames(severity: Severity): number {
  return bySeverity([20, 30, 40, 50, 60], severity);
}
export function zMotionFrames(severity: Severity): number {
  return bySeverity([20, 25, 30, 35, 38], severity);
}

/**
 * Depth relative to the nearest depth in the central region (the reference's `objDepthrange`, a
 * `cv2.minMaxLoc` over `depth[128:-128, 128:-128]` of a 512 image: the central half), clamped below at
 * {@link MIN_RELATIVE_DEPTH}.
 */
export function depthRelativeToCentre(rel: Float32Array, width: number, height: number): Float32Array {
  const mx = Math.floor(width / 4);
  const my = Math.floor(height / 4);
  let dMin = Infinity;
  for (let y = my; y < height - my; y++) {
    for (let x = mx; x < width - mx; x++) {
      const v = rel[y * width + x];
      if (v < dMin) dMin = v;
    }
  }
  if (!Number.isFinite(dMin)) for (let i = 0; i < rel.length; i++) if (rel[i] < dMin) dMin = rel[i];
  const out = new Float32Array(rel.length);
  for (let i = 0; i < rel.length; i++) {
    const r = rel[i] / dMin;
    out[i] = r < MIN_RELATIVE_DEPTH ? MIN_RELATIVE_DEPTH : r;
  }
  return out;
}

/** Camera path of xy motion in pixels at the image's size: the reference's random (u, v) crop-centre shift. */
export function sampleXyShift(rng: Rng, width: number, height: number): { su: number; sv: number } {
  // `random_u`: randint(-75, -50) or randint(50, 75), each with probability 1/2; `random_v`: randint(-75, 75).
  const negative = rng.nextInt(2) === 1;
  const u = negative ? -75 + rng.nextInt(25) : 50 + rng.nextInt(25);
  const v = -75 + rng.nextInt(150);
  return { su: (u * width) / REFERENCE_SIZE, sv: (v * height) / REFERENCE_SIZE };
}

/** Camera path of z motion: sideways shift randint(-30, 30) px each axis, crop scale 0.5 + 0.1 * U[0, 1). */
export function sampleZPath(rng: Rng, width: number, height: number): { su: number; sv: number; advance: number } {
  const u = -30 + rng.nextInt(60);
  const v = -30 + rng.nextInt(60);
  const scale = 0.5 + 0.1 * rng.next(); // `random_scale_u`; the height scale does not change the render
  // The camera advances by (1 - scale) * d_min over the whole path (`fltDepthTo = d_min * crop / full`).
  return { su: (u * width) / REFERENCE_SIZE, sv: (v * height) / REFERENCE_SIZE, advance: 1 - scale };
}

/**
 * Average, over frames k < `frames` (t = k / 59), of the input sampled bilinearly (borders replicated) at
 * `warp(x, y, t)`: the shared frame-averaging loop of both camera motions. `warp` writes the source
 * coordinate of output pixel (x, y) at path step t into `at[0..1]`.
 */
function averageWarpedFrames(
  image: RgbImage,
  frames: number,
  warp: (p: number, x: number, y: number, t: number, at: Float64Array) => void,
): RgbImage {
  const { width, height, data } = image;
  const out = blankLike(image);
  const o = out.data;
  const at = new Float64Array(2);
  const inv = 1 / frames;
  const maxX = width - 1;
  const maxY = height - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      let r = 0;
      let g = 0;
      let b = 0;
      for (let k = 0; k < frames; k++) {
        warp(p, x, y, k / (PATH_FRAMES - 1), at);
        const sx = at[0] < 0 ? 0 : at[0] > maxX ? maxX : at[0];
        const sy = at[1] < 0 ? 0 : at[1] > maxY ? maxY : at[1];
        const x0 = Math.floor(sx);
        const y0 = Math.floor(sy);
        const fx = sx - x0;
        const fy = sy - y0;
        const i00 = (y0 * width + x0) * 3;
        const i01 = x0 < maxX ? i00 + 3 : i00;
        const i10 = y0 < maxY ? i00 + width * 3 : i00;
        const i11 = x0 < maxX ? i10 + 3 : i10;
        const w00 = (1 - fx) * (1 - fy);
        const w01 = fx * (1 - fy);
        const w10 = (1 - fx) * fy;
        const w11 = fx * fy;
        r += w00 * data[i00] + w01 * data[i01] + w10 * data[i10] + w11 * data[i11];
        g += w00 * data[i00 + 1] + w01 * data[i01 + 1] + w10 * data[i10 + 1] + w11 * data[i11 + 1];
        b += w00 * data[i00 + 2] + w01 * data[i01 + 2] + w10 * data[i10 + 2] + w11 * data[i11 + 2];
      }
      const q = p * 3;
      o[q] = truncateToByte(r * inv);
      o[q + 1] = truncateToByte(g * inv);
      o[q + 2] = truncateToByte(b * inv);
    }
  }
  return out;
}

/** Average of the first `frames` frames of an xy camera translation by (su, sv) px for the nearest depth. */
export function xyMotionBlur(image: RgbImage, rDepth: Float32Array, su: number, sv: number, frames: number): RgbImage {
  // Backward warp of u' = u - t * s / r: output p samples p + t * s / r(p).
  return averageWarpedFrames(image, frames, (p, x, y, t, at) => {
    const k = t / rDepth[p];
    at[0] = x + k * su;
    at[1] = y + k * sv;
  });
}

/** Average of the first `frames` frames of a forward camera move (advance a) with sideways shift (su, sv). */
export function zMotionBlur(
  image: RgbImage,
  rDepth: Float32Array,
  su: number,
  sv: number,
  advance: number,
  frames: number,
): RgbImage {
  // Pixel centres relative to the image centre (`depth_to_points`: linspace(-W/2 + 0.5, W/2 - 0.5)).
  const cx = (image.width - 1) / 2;
  const cy = (image.height - 1) / 2;
  // Backward warp of u' = (u r - t s (1 - t a)) / (r - t a): u = (u' (r - t a) + t s (1 - t a)) / r.
  return averageWarpedFrames(image, frames, (p, x, y, t, at) => {
    const r = rDepth[p];
    const ta = t * advance;
    const shrink = r - ta; // > 0: r >= MIN_RELATIVE_DEPTH > max t * a
    const sideways = t * (1 - ta);
    at[0] = ((x - cx) * shrink + sideways * su) / r + cx;
    at[1] = ((y - cy) * shrink + sideways * sv) / r + cy;
  });
}

const MOTION_DEVIATION =
  'Frames are rendered by backward-warping each pixel with its own depth (no point-cloud splatting, occlusion ' +
  'handling or learned inpainting as in the reference\'s 3D Ken Burns renderer; borders are replicated), and the ' +
  'reference\'s 512-px camera shifts are scaled to the image size.';

export const xyMotion: Corruption = {
  name: 'xy_motion_blur',
  family: '3dcc',
  benchmark: '3dcc',
  random: true,
  needsDepth: true,
  deviation: MOTION_DEVIATION,
  apply(input: CorruptionInput): RgbImage {
    const depth = requireDepth('xy_motion_blur', input);
    const { width, height } = input.image;
    const rDepth = depthRelativeToCentre(relativeDepth('xy_motion_blur', depth), width, height);
    const { su, sv } = sampleXyShift(input.rng, width, height);
    return xyMotionBlur(input.image, rDepth, su, sv, xyMotionFrames(input.severity));
  },
};

export const zMotion: Corruption = {
  name: 'z_motion_blur',
  family: '3dcc',
  benchmark: '3dcc',
  random: true,
  needsDepth: true,
  deviation: MOTION_DEVIATION,
  apply(input: CorruptionInput): RgbImage {
    const depth = requireDepth('z_motion_blur', input);
    const { width, height } = input.image;
    const rDepth = depthRelativeToCentre(relativeDepth('z_motion_blur', depth), width, height);
    const { su, sv, advance } = sampleZPath(input.rng, width, height);
    return zMotionBlur(input.image, rDepth, su, sv, advance, zMotionFrames(input.severity));
  },
};
