/**
 * flash: a flash at the camera brightens near surfaces more than far ones, after the reference's `flash`
 * (3DCommonCorruptions `create_3dcc/create_flash.py`): rgb + rgb * shading / scaler, clipped at white,
 * where `shading` is Taskonomy's "reshading" image (the scene lit by a point light at the camera).
 */
import type { Corruption, CorruptionInput, RgbImage, Severity } from '../types.js';
import { blankLike, bySeverity, relativeDepth, requireDepth, truncateToByte } from './common.js';

const NAME = 'flash';

/** `corr_scaler = [2.4, 1.4, 0.9, 0.6, 0.4]`: the flash strength is 1 / scaler. */
export function flashScaler(severity: Severity): number {
  return bySeverity([2.4, 1.4, 0.9, 0.6, 0.4], severity);
}

/**
 * Stand-in for the reshading image, from depth only: the irradiance of a point light at the camera falls
 * off with the inverse square of distance, normalised to 1 at the nearest pixel, (d_min / d)^2 in (0, 1].
 */
export function flashShading(relDepth: Float32Array): Float32Array {
  let min = Infinity;
  for (let i = 0; i < relDepth.length; i++) if (relDepth[i] < min) min = relDepth[i];
  const out = new Float32Array(relDepth.length);
  for (let i = 0; i < relDepth.length; i++) {
    const ratio = min / relDepth[i];
    out[i] = ratio * ratio;
  }
  return out;
}

/** rgb * (1 + shading / scaler), clipped at 255. */
export function applyFlash(image: RgbImage, shading: Float32Array, scaler: number): RgbImage {
  const out = blankLike(image);
  const src = image.data;
  const o = out.data;
  for (let p = 0; p < shading.length; p++) {
    const gain = 1 + shading[p] / scaler;
    const k = p * 3;
    o[k] = truncateToByte(src[k] * gain);
    o[k + 1] = truncateToByte(src[k + 1] * gain);
    o[k + 2] = truncateToByte(src[k + 2] * gain);
  }
  return out;
}

export const flash: Corruption = {
  name: NAME,
  family: '3dcc',
  benchmark: '3dcc',
  random: false,
  needsDepth: true,
  deviation:
    'The reference multiplies by Taskonomy\'s rendered reshading image (a light at the camera); holoclip approximates ' +
    'that shading from depth alone as inverse-square falloff (d_min / d)^2, without the surface-orientation term.',
  apply(input: CorruptionInput): RgbImage {
    const depth = requireDepth(NAME, input);
    const shading = flashShading(relativeDepth(NAME, depth));
    return applyFlash(input.image, shading, flashScaler(input.severity));
  },
};
