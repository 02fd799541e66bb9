/**
 * fog_3d: fog whose density grows with depth, after the reference's `fog_3d`
 * (3DCommonCorruptions `create_3dcc/create_fog.py`): the atmospheric scattering model
 * I = t * J + A * (1 - t), transmission t = exp(-alpha * depth), airlight A = the image's mean intensity.
 */
import type { Corruption, CorruptionInput, RgbImage, Severity } from '../types.js';
import { blankLike, bySeverity, meanIntensity, minMaxDepth, requireDepth, truncateToByte } from './common.js';

const NAME = 'fog_3d';

/** Extinction coefficient per severity (`alpha = [4, 8, 12, 16, 20][severity - 1]`). */
export function fogAlpha(severity: Severity): number {
  return bySeverity([4, 8, 12, 16, 20], severity);
}

/**
 * Depth range the reference's fog sees on ImageNet-3DCC: its ImageNet loader (`create_3dcc/dataset.py`,
 * the commented "use for imagenet images" path) inverts MiDaS disparity and clamps it to [0, 0.5]. We map
 * the per-image min-max normalised depth onto [0, FOG_DEPTH_RANGE].
 */
export const FOG_DEPTH_RANGE = 0.5;

/** Fog one image given depth normalised to [0, 1] (nearest 0). */
export function applyFog(image: RgbImage, depth01: Float32Array, alpha: number): RgbImage {
  const airlight = meanIntensity(image); // `I_s = rgb.mean()`, here in 0..255
  const out = blankLike(image);
  const src = image.data;
  const o = out.data;
  for (let p = 0; p < depth01.length; p++) {
    const t = Math.exp(-alpha * FOG_DEPTH_RANGE * depth01[p]);
    const haze = airlight * (1 - t);
    const k = p * 3;
    o[k] = truncateToByte(t * src[k] + haze);
    o[k + 1] = truncateToByte(t * src[k + 1] + haze);
    o[k + 2] = truncateToByte(t * src[k + 2] + haze);
  }
  return out;
}

export const fog3d: Corruption = {
  name: NAME,
  family: '3dcc',
  benchmark: '3dcc',
  random: false,
  needsDepth: true,
  deviation:
    'Depth is min-max normalised per image onto [0, 0.5] (the range of the reference\'s ImageNet-3DCC depth, inverted ' +
    'MiDaS clamped at 0.5) instead of its fixed metric scale, so fog density is relative to each scene\'s depth range.',
  apply(input: CorruptionInput): RgbImage {
    const depth = requireDepth(NAME, input);
    return applyFog(input.image, minMaxDepth(NAME, depth), fogAlpha(input.severity));
  },
};
