/**
 * ImageNet-C noise corruptions (make_imagenet_c.py: gaussian_noise, shot_noise, impulse_noise, and the extra
 * speckle_noise), on `x = np.array(img) / 255.`, ending with `np.uint8(np.clip(x, 0, 1) * 255)` (truncation).
 * One draw per pixel and channel, in raster order (r, g, b per pixel), as numpy's `size=x.shape`.
 */
import { fromUnitInterleaved } from '../pixels.js';
import type { Corruption, CorruptionInput, RgbImage } from '../types.js';
import type { Rng } from '../random.js';
import { severityIndex } from './common.js';
import { PoissonSampler, fillNormal } from './sampling.js';

/** gaussian_noise: c = std of the additive N(0, c^2) noise on [0, 1]. */
export const GAUSSIAN_NOISE_TABLE = [0.08, 0.12, 0.18, 0.26, 0.38] as const;
/** shot_noise: c = photons per unit intensity; x -> Poisson(x * c) / c. */
export const SHOT_NOISE_TABLE = [60, 25, 12, 5, 3] as const;
/** impulse_noise: c = fraction of values replaced by salt or pepper (skimage random_noise 's&p', amount=c). */
export const IMPULSE_NOISE_TABLE = [0.03, 0.06, 0.09, 0.17, 0.27] as const;
/** speckle_noise: c = std of the multiplicative noise; x -> x + x * N(0, c^2). */
export const SPECKLE_NOISE_TABLE = [0.15, 0.2, 0.35, 0.45, 0.6] as const;

/** x + N(0, c^2) per value. */
export function gaussianNoise(image: RgbImage, c: number, rng: Rng): RgbImage {
  const src = image.data;
  const out = new Float64Array(src.length);
  fillNormal(rng, out, 0, c);
  for (let i = 0; i < src.length; i++) out[i] = src[i] / 255 + out[i];
  return fromUnitInterleaved(image.width, image.height, out);
}

/** Poisson samplers per photon count c, one distribution per 8-bit level (mean (v / 255) * c). */
const shotSamplers = new Map<number, PoissonSampler>();

function shotSampler(c: number): PoissonSampler {
  let t = shotSamplers.get(c);
  if (t === undefined) {
    t = new PoissonSampler(Array.from({ length: 256 }, (_, v) => (v / 255) * c));
    shotSamplers.set(c, t);
  }
  return t;
}

/** np.random.poisson(x * c) / c per value. */
export function shotNoise(image: RgbImage, c: number, rng: Rng): RgbImage {
  const src = image.data;
  const sampler = shotSampler(c);
  const out = new Float64Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = sampler.sample(rng, src[i]) / c;
  return fromUnitInterleaved(image.width, image.height, out);
}

/**
 * skimage.util.random_noise(x, mode='s&p', amount=c), salt_vs_pepper 0.5, as skimage has done it since the
 * ImageNet-C era (per-value np.random.choice then, rng.random now): each value independently is flipped with
 * probability c, and a flipped value becomes 1 (salt) or 0 (pepper) with probability 1/2 each. One uniform
 * draw decides both (u < c flips; u < c / 2 salts). Values left alone still go through
 * np.uint8(x / 255 * 255), which truncates a few of them by one, as in the reference.
 */
export function impulseNoise(image: RgbImage, c: number, rng: Rng): RgbImage {
  const src = image.data;
  const out = new Float64Array(src.length);
  const half = c / 2;
  for (let i = 0; i < src.length; i++) {
    const u = rng.next();
    out[i] = u < c ? (u < half ? 1 : 0) : src[i] / 255;
  }
  return fromUnitInterleaved(image.width, image.height, out);
}

/** x + x * N(0, c^2) per value. */
export function speckleNoise(image: RgbImage, c: number, rng: Rng): RgbImage {
  const src = image.data;
  const out = new Float64Array(src.length);
  fillNormal(rng, out, 0, c);
  for (let i = 0; i < src.length; i++) {
    const x = src[i] / 255;
    out[i] = x + x * out[i];
  }
  return fromUnitInterleaved(image.width, image.height, out);
}

function noiseCorruption(
  name: string,
  benchmark: Corruption['benchmark'],
  table: readonly number[],
  fn: (image: RgbImage, c: number, rng: Rng) => RgbImage,
  deviation: string | null,
): Corruption {
  return {
    name,
    family: 'noise',
    benchmark,
    random: true,
    needsDepth: false,
    deviation,
    apply(input: CorruptionInput): RgbImage {
      return fn(input.image, table[severityIndex(input)], input.rng);
    },
  };
}

export const GAUSSIAN_NOISE = noiseCorruption('gaussian_noise', 'imagenet-c', GAUSSIAN_NOISE_TABLE, gaussianNoise, null);
export const SHOT_NOISE = noiseCorruption('shot_noise', 'imagenet-c', SHOT_NOISE_TABLE, shotNoise, null);
export const IMPULSE_NOISE = noiseCorruption('impulse_noise', 'imagenet-c', IMPULSE_NOISE_TABLE, impulseNoise, null);
export const SPECKLE_NOISE = noiseCorruption('speckle_noise', 'imagenet-c-extra', SPECKLE_NOISE_TABLE, speckleNoise, null);
