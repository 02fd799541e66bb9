/**
 * ImageNet-C weather corruptions (make_imagenet_c.py): snow, frost, fog, brightness, and the extra spatter.
 * Float outputs end with `np.uint8(np.clip(x, 0, 1) * 255)` (or `np.clip(x, 0, 255)` for frost): truncation.
 */
import { fromByteScaleInterleaved, fromUnitInterleaved, toUnitInterleaved } from '../pixels.js';
import type { Rng } from '../random.js';
import { boxBlur3, canny, distanceTransformL2Mask5, equalizeHist, filter2dU8 } from '../reference/opencv.js';
import { gaussianFilter } from '../reference/scipy-ndimage.js';
import { hsvToRgb, rgbToHsv } from '../reference/skimage.js';
import type { Corruption, CorruptionInput, RgbImage } from '../types.js';
import { applyLineKernel, motionKernel } from './blur.js';
import { clippedZoomPlane, severityIndex } from './common.js';
import { FROST_TEXTURE_COUNT, frostTexture, type FrostTexture } from './frost-texture.js';
import { fillNormal, randint, uniform } from './sampling.js';

// ---------------------------------------------------------------- brightness

/** brightness: c added to the HSV value channel. */
export const BRIGHTNESS_TABLE = [0.1, 0.2, 0.3, 0.4, 0.5] as const;

/** skimage rgb2hsv, V = clip(V + c, 0, 1), hsv2rgb. */
export function brightness(image: RgbImage, c: number): RgbImage {
  const x = toUnitInterleaved(image);
  const hsv = new Float64Array(x.length);
  rgbToHsv(x, hsv);
  for (let i = 2; i < hsv.length; i += 3) {
    const v = hsv[i] + c;
    hsv[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  hsvToRgb(hsv, x);
  return fromUnitInterleaved(image.width, image.height, x);
}

// ---------------------------------------------------------------- fog

/** fog: (strength, wibble decay of the plasma fractal). */
export const FOG_TABLE = [
  [1.5, 2],
  [2, 2],
  [2.5, 1.7],
  [2.5, 1.5],
  [3, 1.4],
] as const;

/** Smallest power of two >= n (imagecorruptions' next_power_of_2). */
export function nextPowerOf2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * The reference's plasma_fractal (diamond-square, after FLHerne/mapgen): a mapsize x mapsize height map,
 * wibble starting at 100 and divided by `wibbleDecay` per level, each new point the mean of its four
 * neighbours (wrapping, as np.roll) plus wibble * U(-wibble, wibble); normalised to [0, 1].
 */
export function plasmaFractal(rng: Rng, mapsize: number, wibbleDecay: number): Float64Array {
  if (mapsize < 1 || (mapsize & (mapsize - 1)) !== 0) throw new RangeError(`mapsize must be a power of two, got ${mapsize}`);
  const N = mapsize;
  const m = new Float64Array(N * N);
  let step = N;
  let wibble = 100;
  while (step >= 2) {
    const half = step / 2;
    const g = N / step;
    const at = (i: number, j: number): number => m[(((i % g) + g) % g) * step * N + (((j % g) + g) % g) * step];
    const centre = (i: number, j: number): number => m[((((i % g) + g) % g) * step + half) * N + (((j % g) + g) % g) * step + half];
    // fillsquares: centre of each square = mean of its four corners + wibble.
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) {
        const sum = at(i, j) + at(i + 1, j) + (at(i, j + 1) + at(i + 1, j + 1));
        m[(i * step + half) * N + j * step + half] = sum / 4 + wibble * uniform(rng, -wibble, wibble);
      }
    }
    // filldiamonds: first the points between horizontal neighbours, then those between vertical ones,
    // all from the corners and centres as they were before this step.
    const lt = new Float64Array(g * g);
    const tt = new Float64Array(g * g);
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) {
        lt[i * g + j] = centre(i, j) + centre(i - 1, j) + (at(i, j) + at(i, j + 1));
        tt[i * g + j] = centre(i, j) + centre(i, j - 1) + (at(i, j) + at(i + 1, j));
      }
    }
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) m[i * step * N + j * step + half] = lt[i * g + j] / 4 + wibble * uniform(rng, -wibble, wibble);
    }
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < g; j++) m[(i * step + half) * N + j * step] = tt[i * g + j] / 4 + wibble * uniform(rng, -wibble, wibble);
    }
    step = half;
    wibble /= wibbleDecay;
  }
  let min = Infinity;
  for (let i = 0; i < m.length; i++) if (m[i] < min) min = m[i];
  let max = -Infinity;
  for (let i = 0; i < m.length; i++) {
    m[i] -= min;
    if (m[i] > max) max = m[i];
  }
  // A 1 x 1 map is all zeros (0 / 0 in the reference); keep it at 0.
  if (max > 0) for (let i = 0; i < m.length; i++) m[i] /= max;
  return m;
}

/**
 * x + c0 * plasma (top-left crop of a map whose side is the next power of two of the longer image side, 256 for
 * 224-px images as in make_imagenet_c.py), rescaled by max / (max + c0).
 */
export function fog(image: RgbImage, strength: number, wibbleDecay: number, rng: Rng): RgbImage {
  const { width: w, height: h } = image;
  const x = toUnitInterleaved(image);
  let maxVal = 0;
  for (let i = 0; i < x.length; i++) if (x[i] > maxVal) maxVal = x[i];
  const size = nextPowerOf2(Math.max(w, h));
  const plasma = plasmaFractal(rng, size, wibbleDecay);
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      const f = strength * plasma[y * size + xx];
      const o = (y * w + xx) * 3;
      for (let c = 0; c < 3; c++) x[o + c] = ((x[o + c] + f) * maxVal) / (maxVal + strength);
    }
  }
  return fromUnitInterleaved(w, h, x);
}

// ---------------------------------------------------------------- frost

/** frost: (image weight, frost weight). */
export const FROST_TABLE = [
  [1, 0.4],
  [0.8, 0.6],
  [0.7, 0.7],
  [0.65, 0.7],
  [0.6, 0.75],
] as const;

/** Bilinear upscale of a frost texture to side `size` (only for images at least as large as the texture). */
function scaledTexture(t: FrostTexture, size: number): FrostTexture {
  const data = new Uint8Array(size * size * 3);
  const r = (t.size - 1) / (size - 1);
  for (let y = 0; y < size; y++) {
    const sy = y * r;
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, t.size - 1);
    const ty = sy - y0;
    for (let x = 0; x < size; x++) {
      const sx = x * r;
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, t.size - 1);
      const tx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const a = t.data[(y0 * t.size + x0) * 3 + c] * (1 - tx) + t.data[(y0 * t.size + x1) * 3 + c] * tx;
        const b = t.data[(y1 * t.size + x0) * 3 + c] * (1 - tx) + t.data[(y1 * t.size + x1) * 3 + c] * tx;
        data[(y * size + x) * 3 + c] = Math.round(a * (1 - ty) + b * ty);
      }
    }
  }
  return { size, data };
}

/**
 * c0 * x + c1 * frost, with frost a random crop of one of five textures chosen by randint(5); crop corner
 * (randint(0, th - h), randint(0, tw - w)) as the reference. Images as large as the texture get the texture
 * upscaled by 1.1 x the needed factor first (imagecorruptions' rule).
 */
export function frost(image: RgbImage, c0: number, c1: number, rng: Rng): RgbImage {
  const { width: w, height: h } = image;
  const idx = randint(rng, 0, FROST_TEXTURE_COUNT);
  let tex = frostTexture(idx);
  if (h >= tex.size || w >= tex.size) tex = scaledTexture(tex, Math.ceil(tex.size * Math.max(h / tex.size, w / tex.size) * 1.1));
  const top = randint(rng, 0, tex.size - h);
  const left = randint(rng, 0, tex.size - w);
  const out = new Float64Array(w * h * 3);
  const src = image.data;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const t = ((top + y) * tex.size + left + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = c0 * src[o + c] + c1 * tex.data[t + c];
    }
  }
  return fromByteScaleInterleaved(w, h, out);
}

// ---------------------------------------------------------------- snow

/**
 * snow: (snow mean, snow std, zoom, threshold, motion radius, motion sigma, image weight), per
 * make_imagenet_c.py.
 */
export const SNOW_TABLE = [
  [0.1, 0.3, 3, 0.5, 10, 4, 0.8],
  [0.2, 0.3, 2, 0.5, 12, 4, 0.7],
  [0.55, 0.3, 4, 0.9, 12, 8, 0.7],
  [0.55, 0.3, 4.5, 0.85, 12, 8, 0.65],
  [0.55, 0.3, 2.5, 0.85, 12, 12, 0.55],
] as const;

/**
 * A N(c0, c1^2) field, zoomed by c2 (clipped_zoom, scipy order 1), values below c3 zeroed, clipped to [0, 1],
 * quantised to 8 bits (the reference goes through an 8-bit PNG), motion-blurred (radius c4, sigma c5, angle
 * U(-135, -45); 8-bit result); the image is brightened towards max(x, 1.5 gray + 0.5) with weight 1 - c6, and
 * the snow layer is added twice (as is and rotated by 180 degrees).
 */
export function snow(image: RgbImage, c: readonly number[], rng: Rng): RgbImage {
  const { width: w, height: h } = image;
  const n = w * h;
  const [loc, scale, zoom, threshold, radius, sigma, weight] = c;
  const field = new Float64Array(n);
  fillNormal(rng, field, loc, scale);
  const zoomed = new Float64Array(n);
  clippedZoomPlane(field, w, h, zoom, zoomed);
  const layer8 = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = zoomed[i];
    if (v < threshold) v = 0;
    v = v < 0 ? 0 : v > 1 ? 1 : v;
    layer8[i] = Math.trunc(v * 255);
  }
  const angle = uniform(rng, -135, -45);
  const blurred = applyLineKernel(layer8, w, h, 1, motionKernel(radius, sigma, angle, w, h));
  const layer = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = blurred[i];
    layer[i] = (v <= 0 ? 0 : v >= 255 ? 255 : Math.floor(v + 0.5)) / 255;
  }
  const src = image.data;
  const out = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const r = Math.fround(src[i * 3] / 255);
    const g = Math.fround(src[i * 3 + 1] / 255);
    const b = Math.fround(src[i * 3 + 2] / 255);
    // cv2.cvtColor(x, COLOR_RGB2GRAY) on float32.
    const gray = Math.fround(0.299 * r + 0.587 * g + 0.114 * b);
    const lift = gray * 1.5 + 0.5;
    const s = layer[i] + layer[n - 1 - i];
    out[i * 3] = weight * r + (1 - weight) * Math.max(r, lift) + s;
    out[i * 3 + 1] = weight * g + (1 - weight) * Math.max(g, lift) + s;
    out[i * 3 + 2] = weight * b + (1 - weight) * Math.max(b, lift) + s;
  }
  return fromUnitInterleaved(w, h, out);
}

// ---------------------------------------------------------------- spatter (extra)

/** spatter: (liquid mean, liquid std, blur sigma, threshold, intensity / mud blur sigma, mud?) per severity. */
export const SPATTER_TABLE = [
  [0.65, 0.3, 4, 0.69, 0.6, 0],
  [0.65, 0.3, 3, 0.68, 0.6, 0],
  [0.65, 0.3, 2, 0.68, 0.5, 0],
  [0.65, 0.3, 1, 0.65, 1.5, 1],
  [0.67, 0.4, 1, 0.65, 1.5, 1],
] as const;

/** Water: pale turquoise (175, 238, 238) / 255, added to channels r, g, b in that order as the reference does. */
const WATER = [175 / 255, 238 / 255, 238 / 255] as const;
/** Mud: brown (63, 42, 20) / 255. */
const MUD = [63 / 255, 42 / 255, 20 / 255] as const;

/**
 * A blurred N(c0, c1^2) "liquid" field thresholded at c3. Severities 1-3 (water): the liquid's Canny edges,
 * their distance transform truncated at 20, box-blurred, histogram-equalised, embossed and blurred again, give
 * a mask m (normalised to max 1, times c4) and x + m * water. Severities 4-5 (mud): m = gaussian(liquid > c3,
 * c4) zeroed below 0.8, x * (1 - m) + m * mud.
 */
export function spatter(image: RgbImage, c: readonly number[], rng: Rng): RgbImage {
  const { width: w, height: h } = image;
  const n = w * h;
  const [loc, scale, sigma, threshold, c4, mud] = c;
  const field = new Float64Array(n);
  fillNormal(rng, field, loc, scale);
  const liquid = gaussianFilter(field, w, h, sigma);
  for (let i = 0; i < n; i++) if (liquid[i] < threshold) liquid[i] = 0;
  const x = toUnitInterleaved(image);
  if (mud === 0) {
    const liquid8 = new Uint8Array(n);
    for (let i = 0; i < n; i++) liquid8[i] = Math.min(255, liquid[i] * 255);
    const edges = canny(liquid8, w, h, 50, 150);
    for (let i = 0; i < n; i++) edges[i] = 255 - edges[i];
    const dist = distanceTransformL2Mask5(edges, w, h);
    for (let i = 0; i < n; i++) if (dist[i] > 20) dist[i] = 20;
    const blurred = boxBlur3(dist, w, h);
    const dist8 = new Uint8Array(n);
    for (let i = 0; i < n; i++) dist8[i] = blurred[i];
    const embossed = filter2dU8(equalizeHist(dist8), w, h, [-2, -1, 0, -1, 1, 1, 0, 1, 2]);
    const smooth = boxBlur3(embossed, w, h);
    const m = new Float64Array(n);
    let max = 0;
    for (let i = 0; i < n; i++) {
      m[i] = liquid8[i] * Math.round(smooth[i]);
      if (m[i] > max) max = m[i];
    }
    // The reference divides by the maximum unguarded (an all-dry field would give NaN, i.e. black); here no spatter.
    const k = max > 0 ? c4 / max : 0;
    for (let i = 0; i < n; i++) {
      const mi = m[i] * k;
      for (let ch = 0; ch < 3; ch++) x[i * 3 + ch] += mi * WATER[ch];
    }
    return fromUnitInterleaved(w, h, x);
  }
  const wet = new Float64Array(n);
  for (let i = 0; i < n; i++) wet[i] = liquid[i] > threshold ? 1 : 0;
  const m = gaussianFilter(wet, w, h, c4);
  for (let i = 0; i < n; i++) {
    const mi = m[i] < 0.8 ? 0 : m[i];
    for (let ch = 0; ch < 3; ch++) x[i * 3 + ch] = x[i * 3 + ch] * (1 - mi) + mi * MUD[ch];
  }
  return fromUnitInterleaved(w, h, x);
}

// ---------------------------------------------------------------- corruption objects

function weatherCorruption(name: string, benchmark: Corruption['benchmark'], random: boolean, deviation: string | null, apply: (input: CorruptionInput, s: number) => RgbImage): Corruption {
  return { name, family: 'weather', benchmark, random, needsDepth: false, deviation, apply: (input) => apply(input, severityIndex(input)) };
}

export const SNOW = weatherCorruption(
  'snow',
  'imagenet-c',
  true,
  "The snow layer's ImageMagick motion blur is replaced by imagecorruptions' numpy port of the same line kernel, rounded to 8 bits.",
  (input, s) => snow(input.image, SNOW_TABLE[s], input.rng),
);

export const FROST = weatherCorruption(
  'frost',
  'imagenet-c',
  true,
  'The five frost photographs are replaced by five procedural frost textures (seeded, 512 px, haze plus branching crystals), each given the channel means and contrast of the photograph it stands in for; frost strength per severity is 0.99 of the photographs\' (within their spread), blended with the reference weights.',
  (input, s) => {
    const [c0, c1] = FROST_TABLE[s];
    return frost(input.image, c0, c1, input.rng);
  },
);

export const FOG = weatherCorruption('fog', 'imagenet-c', true, null, (input, s) => {
  const [strength, decay] = FOG_TABLE[s];
  return fog(input.image, strength, decay, input.rng);
});

export const BRIGHTNESS = weatherCorruption('brightness', 'imagenet-c', false, null, (input, s) => brightness(input.image, BRIGHTNESS_TABLE[s]));

export const SPATTER = weatherCorruption(
  'spatter',
  'imagenet-c-extra',
  true,
  "OpenCV's Canny, distanceTransform, blur, equalizeHist and filter2D steps are reimplemented (same algorithms, not compared bit for bit), and a field with no liquid gives no spatter instead of the reference's 0/0 (black image).",
  (input, s) => spatter(input.image, SPATTER_TABLE[s], input.rng),
);

