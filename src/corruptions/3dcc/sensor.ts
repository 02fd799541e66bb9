/**
 * The 3DCC corruptions that need no depth, after the reference's `create_3dcc/create_non3d.py`
 * (3DCommonCorruptions): low_light, iso_noise and color_quant.
 */
import { normal, poisson, type Rng } from '../random.js';
import type { Corruption, CorruptionInput, RgbImage, Severity } from '../types.js';
import { blankLike, bySeverity, truncateToByte } from './common.js';

/** clip(x, 0, 1). */
function clip01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

/** Means above this go to `poisson` from random.ts (its normal approximation); below, exact tables. */
const MAX_TABLE_MEAN = 500;

/**
 * Cumulative Poisson(mean) probabilities P(X <= k), k = 0, 1, ..., up to where the tail is below 1e-15:
 * an exact inverse-CDF sampler needing one uniform per draw (Knuth's product method needs mean + 1).
 */
export function poissonCdf(mean: number): Float64Array {
  const values: number[] = [];
  let p = Math.exp(-mean);
  let cdf = p;
  values.push(cdf);
  for (let k = 1; k <= mean || (cdf < 1 - 1e-15 && p > 1e-300); k++) {
    p *= mean / k;
    cdf += p;
    values.push(cdf);
  }
  return Float64Array.from(values);
}

/** Smallest k with u < cdf[k] (the last k if rounding left u above the table). */
function inverseCdf(cdf: Float64Array, u: number): number {
  let k = 0;
  const last = cdf.length - 1;
  while (k < last && u >= cdf[k]) k++;
  return k;
}

/**
 * The reference's shot + read noise (its `iso_noise` and `poisson_gaussian_noise`) on 8-bit values whose
 * [0, 1] level is `level[v]`: `clip(poisson(x * cPoisson) / cPoisson, 0, 1)`, then
 * `clip(x + normal(0, cGauss), 0, 1)`, truncated to a byte. Values sharing a level share one CDF table.
 */
function shotAndReadNoise(src: Uint8Array, level: (v: number) => number, rng: Rng, cPoisson: number, cGauss: number): Uint8Array {
  const tables: Array<Float64Array | null> = new Array<Float64Array | null>(256).fill(null);
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const mean = level(src[i]) * cPoisson;
    let count: number;
    if (mean > MAX_TABLE_MEAN) {
      count = poisson(rng, mean);
    } else {
      let table = tables[src[i]];
      if (table === null) {
        table = poissonCdf(mean);
        tables[src[i]] = table;
      }
      count = inverseCdf(table, rng.next());
    }
    const shot = clip01(count / cPoisson);
    out[i] = truncateToByte(clip01(shot + cGauss * normal(rng)) * 255);
  }
  return out;
}

/** `iso_noise`: photon noise fixed at c = 25 (ISO does not change it), electronic noise growing with ISO. */
export const ISO_POISSON = 25;
export function isoGaussian(severity: Severity): number {
  return 0.7 * bySeverity([0.08, 0.12, 0.18, 0.26, 0.38], severity);
}

export function applyIsoNoise(image: RgbImage, rng: Rng, severity: Severity): RgbImage {
  const data = shotAndReadNoise(image.data, (v) => v / 255, rng, ISO_POISSON, isoGaussian(severity));
  return { width: image.width, height: image.height, data };
}

/** `low_light`: output range [0, c] with gamma 2, then `poisson_gaussian_noise(severity=3)`. */
export function lowLightCeiling(severity: Severity): number {
  return bySeverity([0.6, 0.5, 0.4, 0.3, 0.2], severity);
}
/** `poisson_gaussian_noise` at its severity 3: c_poisson = 10 * 12, c_gauss = 0.1 * 0.18. */
export const LOW_LIGHT_POISSON = 10 * 12;
export const LOW_LIGHT_GAUSS = 0.1 * 0.18;

export function applyLowLight(image: RgbImage, rng: Rng, severity: Severity): RgbImage {
  const src = image.data;
  // `imadjust(x, x.min(), x.max(), 0, c, gamma=2)`: ((x - min) / (max - min))^2 * c, over all channels.
  let min = 255;
  let max = 0;
  for (let i = 0; i < src.length; i++) {
    if (src[i] < min) min = src[i];
    if (src[i] > max) max = src[i];
  }
  const range = max - min;
  const c = lowLightCeiling(severity);
  // A constant image has range 0 (the reference divides 0 by 0): it is mapped to black. The reference hands
  // the float array x_scaled * 255 on, which `poisson_gaussian_noise` divides by 255 again.
  const level = (v: number): number => {
    const n = range > 0 ? (v - min) / range : 0;
    return n * n * c;
  };
  const data = shotAndReadNoise(src, level, rng, LOW_LIGHT_POISSON, LOW_LIGHT_GAUSS);
  return { width: image.width, height: image.height, data };
}

/** `color_quant`: `PIL.ImageOps.posterize(x, bits)` with bits = 6 - severity (keep the top bits of each value). */
export function colorQuantBits(severity: Severity): number {
  return 6 - severity;
}

export function applyColorQuant(image: RgbImage, severity: Severity): RgbImage {
  const out = blankLike(image);
  const mask = (0xff << (8 - colorQuantBits(severity))) & 0xff;
  const src = image.data;
  const o = out.data;
  for (let i = 0; i < src.length; i++) o[i] = src[i] & mask;
  return out;
}

export const lowLight: Corruption = {
  name: 'low_light',
  family: '3dcc',
  benchmark: '3dcc',
  random: true,
  needsDepth: false,
  deviation: null,
  apply: (input: CorruptionInput): RgbImage => applyLowLight(input.image, input.rng, input.severity),
};

export const isoNoise: Corruption = {
  name: 'iso_noise',
  family: '3dcc',
  benchmark: '3dcc',
  random: true,
  needsDepth: false,
  deviation: null,
  apply: (input: CorruptionInput): RgbImage => applyIsoNoise(input.image, input.rng, input.severity),
};

export const colorQuant: Corruption = {
  name: 'color_quant',
  family: '3dcc',
  benchmark: '3dcc',
  random: false,
  needsDepth: false,
  deviation: null,
  apply: (input: CorruptionInput): RgbImage => applyColorQuant(input.image, input.severity),
};
