/**
 * Procedural frost textures standing in for the five frost photographs ImageNet-C blends (frost1.png ..
 * frost5.jpg; the reference's `np.random.randint(5)` never picks the sixth). Each texture is a 512 x 512 RGB
 * image built from a fixed seed, so it is the same in every process: a soft fractal haze plus branching ice
 * crystals (random walks that fork at about +-60 degrees, drawn anti-aliased and given a small glow), with a
 * grain.
 *
 * Each texture is calibrated to the photograph it stands in for (FROST_TARGETS): its channel means and grey
 * contrast are the photograph's, and the balance of haze, crystals and grain gives a spatial spectrum close to
 * the photographs' (log-power slope about -1.8 vs -1.6 for the photographs, 4-64 cycles per 224 px). The frost
 * strength that results (mean absolute change of the frosted image, per severity) is within the spread of the five
 * photographs at every severity and 0.99 of their mean (docs/corruptions.md, tools/frost/measure_frost.ts).
 * Before this calibration the textures had mean 0.37 and half the reference's strength.
 */
import { createRng } from '../../metrics/random.js';
import type { Rng } from '../random.js';
import { gaussianFilter } from '../reference/scipy-ndimage.js';
import { standardNormal, uniform } from './sampling.js';

export const FROST_TEXTURE_SIZE = 512;
export const FROST_TEXTURE_COUNT = 5;
/**
 * Texture i stands in for the reference's photograph frost{i+1} (the reference draws one of the five with
 * randint(5)): its channel means and its grey contrast (the std within a 224-px crop) are that photograph's, as
 * tools/frost/measure_frost.ts measures them (hendrycks/robustness ImageNet-C/create_c/, commit 8190fe3;
 * frost2.png and frost3.png are the same picture). Only these statistics are taken from the photographs.
 */
export const FROST_TARGETS: readonly FrostTarget[] = [
  { mean: [0.29, 0.57, 0.63], std: 0.06 },
  { mean: [0.78, 0.8, 0.84], std: 0.079 },
  { mean: [0.78, 0.8, 0.84], std: 0.079 },
  { mean: [0.58, 0.64, 0.69], std: 0.105 },
  { mean: [0.4, 0.45, 0.49], std: 0.144 },
];

export interface FrostTexture {
  readonly size: number;
  /** Interleaved RGB, 0..255. */
  readonly data: Uint8Array;
}

const cache = new Map<number, FrostTexture>();

/** Texture `index` (0..4), generated on first use and kept for the life of the process. */
export function frostTexture(index: number): FrostTexture {
  if (!Number.isInteger(index) || index < 0 || index >= FROST_TEXTURE_COUNT) throw new RangeError(`frost texture index ${index} out of range`);
  let t = cache.get(index);
  if (t === undefined) {
    t = generateFrost(createRng(0x46524f53 + 7919 * index), FROST_TEXTURE_SIZE, FROST_TARGETS[index]);
    cache.set(index, t);
  }
  return t;
}

/** Fractal value noise on a wrapped lattice (octaves of cell size 128 .. 8), values roughly in [0, 1]. */
function fractalHaze(rng: Rng, size: number): Float64Array {
  const out = new Float64Array(size * size);
  let amp = 1;
  let total = 0;
  for (let cell = 128; cell >= 8; cell >>= 1) {
    const g = size / cell;
    const lattice = new Float64Array(g * g);
    for (let i = 0; i < lattice.length; i++) lattice[i] = rng.next();
    for (let y = 0; y < size; y++) {
      const fy = y / cell;
      const y0 = Math.floor(fy);
      const ty = smooth(fy - y0);
      const r0 = (y0 % g) * g;
      const r1 = ((y0 + 1) % g) * g;
      for (let x = 0; x < size; x++) {
        const fx = x / cell;
        const x0 = Math.floor(fx);
        const tx = smooth(fx - x0);
        const c0 = x0 % g;
        const c1 = (x0 + 1) % g;
        const top = lattice[r0 + c0] * (1 - tx) + lattice[r0 + c1] * tx;
        const bot = lattice[r1 + c0] * (1 - tx) + lattice[r1 + c1] * tx;
        out[y * size + x] += amp * (top * (1 - ty) + bot * ty);
      }
    }
    total += amp;
    amp *= 0.55;
  }
  for (let i = 0; i < out.length; i++) out[i] /= total;
  return out;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}

/** Adds `v` at a sub-pixel position, split bilinearly over the four nearest pixels (wrapping at the borders). */
function splat(buf: Float64Array, size: number, x: number, y: number, v: number): void {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const tx = x - x0;
  const ty = y - y0;
  const xa = ((x0 % size) + size) % size;
  const xb = (xa + 1) % size;
  const ya = ((y0 % size) + size) % size;
  const yb = (ya + 1) % size;
  buf[ya * size + xa] += v * (1 - tx) * (1 - ty);
  buf[ya * size + xb] += v * tx * (1 - ty);
  buf[yb * size + xa] += v * (1 - tx) * ty;
  buf[yb * size + xb] += v * tx * ty;
}

interface Branch {
  x: number;
  y: number;
  angle: number;
  length: number;
  intensity: number;
  depth: number;
}

/** Branching ice crystals: slightly curving walks that fork sideways, fading along their length. */
function crystals(rng: Rng, size: number): Float64Array {
  const buf = new Float64Array(size * size);
  const seeds = 110;
  const stack: Branch[] = [];
  for (let s = 0; s < seeds; s++) {
    stack.push({ x: rng.next() * size, y: rng.next() * size, angle: uniform(rng, -Math.PI, Math.PI), length: 25 + 160 * rng.next() ** 2, intensity: 0.5 + 0.5 * rng.next(), depth: 0 });
    while (stack.length > 0) {
      const b = stack.pop() as Branch;
      let { x, y, angle } = b;
      let nextFork = 4 + 10 * rng.next();
      for (let step = 0; step < b.length; step += 0.5) {
        const fade = Math.sqrt(1 - step / b.length);
        splat(buf, size, x, y, 0.5 * b.intensity * fade);
        angle += 0.04 * standardNormal(rng);
        x += 0.5 * Math.cos(angle);
        y += 0.5 * Math.sin(angle);
        if (b.depth < 2 && step >= nextFork) {
          const side = rng.next() < 0.5 ? -1 : 1;
          const remaining = b.length - step;
          stack.push({ x, y, angle: angle + side * (Math.PI / 3 + 0.15 * standardNormal(rng)), length: remaining * (0.2 + 0.4 * rng.next()), intensity: b.intensity * 0.8, depth: b.depth + 1 });
          nextFork = step + 4 + 10 * rng.next();
        }
      }
    }
  }
  return buf;
}

/** The first and second moments one texture is given: channel means (0-1) and the grey standard deviation. */
export interface FrostTarget {
  readonly mean: readonly [number, number, number];
  readonly std: number;
}

/** Weights of the texture's parts before normalisation (see generateFrost). */
const HAZE_WEIGHT = 0.15;
const GRAIN = 0.12;
/** The grey std of a whole texture is larger than within one 224-px crop (the haze varies across crops); this undoes it. */
const CROP_STD_CORRECTION = 1.05;

/** One frost texture: haze + crystals (sharp core plus glow) + grain, normalised to the target statistics per channel. */
export function generateFrost(rng: Rng, size: number, target: FrostTarget): FrostTexture {
  const haze = fractalHaze(rng, size);
  const raw = crystals(rng, size);
  const core = gaussianFilter(raw, size, size, 0.6, 'reflect');
  const glow = gaussianFilter(raw, size, size, 3, 'reflect');
  const v = new Float64Array(size * size);
  for (let i = 0; i < v.length; i++) {
    const crystal = 1.6 * core[i] + 1.2 * glow[i];
    // Soft saturation keeps crossing crystals from blowing out; the haze sets the ground level.
    v[i] = HAZE_WEIGHT * haze[i] * haze[i] + (1 - Math.exp(-crystal)) + GRAIN * standardNormal(rng);
  }
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i];
  mean /= v.length;
  let varSum = 0;
  for (let i = 0; i < v.length; i++) varSum += (v[i] - mean) ** 2;
  const std = Math.sqrt(varSum / v.length);
  const data = new Uint8Array(size * size * 3);
  const k = (target.std * CROP_STD_CORRECTION) / std;
  for (let i = 0; i < v.length; i++) {
    const z = (v[i] - mean) * k;
    for (let c = 0; c < 3; c++) {
      const val = Math.round((target.mean[c] + z) * 255);
      data[i * 3 + c] = val < 0 ? 0 : val > 255 ? 255 : val;
    }
  }
  return { size, data };
}
