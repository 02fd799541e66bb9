/**
 * Pixels of emoji-shift: seeded placement of a sprite on a white canvas, cue-conflict stimuli,
 * procedural textures, and fixed-setting PNG encoding. Canvases are RGB, 8 bits, row-major. All
 * resampling and compositing is done here in plain JavaScript (no SIMD-dispatched library code), so
 * the pixels depend only on the seed, the rasterized source art and this code.
 */
import { createHash } from 'node:crypto';
import { loadSharp } from '../../util/heavy-modules.js';
import { createRng, type Rng } from '../../metrics/random.js';
import type { Sprite } from './sources.js';

export interface Canvas {
  data: Buffer;
  size: number;
}

export function whiteCanvas(size: number): Canvas {
  return { data: Buffer.alloc(size * size * 3, 255), size };
}

/** A generator seeded from a string key (sha256 of it), so every image has its own stream whatever the build order. */
export function rngFor(key: string): Rng {
  return createRng(createHash('sha256').update(key).digest().readUInt32LE(0));
}

export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** Premultiply a straight-alpha RGBA sprite into 0..255 floats. */
export function premultiply(sprite: Sprite): PreparedSprite {
  const n = sprite.width * sprite.height;
  const data = new Float32Array(n * 4);
  for (let i = 0; i < n * 4; i += 4) {
    const a = sprite.data[i + 3];
    data[i] = (sprite.data[i] * a) / 255;
    data[i + 1] = (sprite.data[i + 1] * a) / 255;
    data[i + 2] = (sprite.data[i + 2] * a) / 255;
    data[i + 3] = a;
  }
  return { data, width: sprite.width, height: sprite.height };
}

/** For each output index, the source indices it covers and their weights (area coverage, summing to 1). */
function areaWeights(srcLen: number, dstLen: number): Array<{ start: number; weights: number[] }> {
  const scale = srcLen / dstLen;
  const out: Array<{ start: number; weights: number[] }> = [];
  for (let o = 0; o < dstLen; o++) {
    const lo = o * scale;
    const hi = (o + 1) * scale;
    const start = Math.floor(lo);
    const weights: number[] = [];
    for (let i = start; i < hi && i < srcLen; i++) weights.push((Math.min(hi, i + 1) - Math.max(lo, i)) / scale);
    out.push({ start, weights });
  }
  return out;
}

/**
 * Resample a premultiplied sprite to width x height by area averaging (a box filter over the exact
 * footprint of each output pixel; separable). Plain JavaScript, so the result does not depend on
 * which SIMD path an image library picks on this CPU.
 */
export function resizeArea(src: PreparedSprite, width: number, height: number): PreparedSprite {
  const wx = areaWeights(src.width, width);
  const wy = areaWeights(src.height, height);
  const tmp = new Float32Array(width * src.height * 4);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < width; x++) {
      const { start, weights } = wx[x];
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let k = 0; k < weights.length; k++) {
        const i = (y * src.width + start + k) * 4;
        const w = weights[k];
        r += src.data[i] * w;
        g += src.data[i + 1] * w;
        b += src.data[i + 2] * w;
        a += src.data[i + 3] * w;
      }
      const o = (y * width + x) * 4;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
      tmp[o + 3] = a;
    }
  }
  const data = new Float32Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    const { start, weights } = wy[y];
    for (let x = 0; x < width; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let k = 0; k < weights.length; k++) {
        const i = ((start + k) * width + x) * 4;
        const w = weights[k];
        r += tmp[i] * w;
        g += tmp[i + 1] * w;
        b += tmp[i + 2] * w;
        a += tmp[i + 3] * w;
      }
      const o = (y * width + x) * 4;
      data[o] = r;
      data[o + 1] = g;
      data[o + 2] = b;
      data[o + 3] = a;
    }
  }
  return { data, width, height };
}

/** Scale a sprite so that its longest side is `box` (aspect kept). */
export function fitArea(src: PreparedSprite, box: number): PreparedSprite {
  const scale = box / Math.max(src.width, src.height);
  return resizeArea(src, Math.max(1, Math.round(src.width * scale)), Math.max(1, Math.round(src.height * scale)));
}

/** Composite a premultiplied sprite over the canvas at (left, top), clipped to the canvas. */
export function blend(canvas: Canvas, sprite: PreparedSprite, left: number, top: number): void {
  const { size, data: out } = canvas;
  for (let y = 0; y < sprite.height; y++) {
    const cy = y + top;
    if (cy < 0 || cy >= size) continue;
    for (let x = 0; x < sprite.width; x++) {
      const cx = x + left;
      if (cx < 0 || cx >= size) continue;
      const s = (y * sprite.width + x) * 4;
      const a = sprite.data[s + 3];
      if (a <= 0) continue;
      const o = (cy * size + cx) * 3;
      const keep = 1 - a / 255;
      for (let c = 0; c < 3; c++) out[o + c] = Math.min(255, Math.round(sprite.data[s + c] + out[o + c] * keep));
    }
  }
}

export interface PlacementOptions {
  /** Longest side of the emoji as a fraction of the canvas, drawn uniformly from this range. */
  scale: [number, number];
  /** Maximum rotation in degrees (uniform in [-r, r]). */
  rotation: number;
  /** Small brightness/saturation/hue jitter (training styles). */
  jitter: boolean;
}

export const DEFAULT_PLACEMENT: PlacementOptions = { scale: [0.6, 0.82], rotation: 10, jitter: false };

/** A premultiplied sprite, reduced once to about the largest size it is drawn at (see {@link prepareSprite}). */
export interface PreparedSprite {
  /** Premultiplied RGBA, 0..255 floats. */
  data: Float32Array;
  width: number;
  height: number;
}

/** Premultiply a sprite and reduce it (area averaging) so its longest side is at most `box`. */
export function prepareSprite(sprite: Sprite, box: number): PreparedSprite {
  const p = premultiply(sprite);
  return Math.max(p.width, p.height) > box ? fitArea(p, box) : p;
}

/**
 * The colour matrix of a brightness factor, a saturation factor and a hue rotation in degrees, as SVG's
 * feColorMatrix "saturate" and "hueRotate" (Filter Effects 1), applied in that order and then scaled.
 */
export function jitterMatrix(brightness: number, saturation: number, hueDegrees: number): number[] {
  const s = saturation;
  const sat = [
    0.213 + 0.787 * s, 0.715 - 0.715 * s, 0.072 - 0.072 * s,
    0.213 - 0.213 * s, 0.715 + 0.285 * s, 0.072 - 0.072 * s,
    0.213 - 0.213 * s, 0.715 - 0.715 * s, 0.072 + 0.928 * s,
  ];
  const h = (hueDegrees * Math.PI) / 180;
  const c = Math.cos(h);
  const n = Math.sin(h);
  const hue = [
    0.213 + c * 0.787 - n * 0.213, 0.715 - c * 0.715 - n * 0.715, 0.072 - c * 0.072 + n * 0.928,
    0.213 - c * 0.213 + n * 0.143, 0.715 + c * 0.285 + n * 0.14, 0.072 - c * 0.072 - n * 0.283,
    0.213 - c * 0.213 - n * 0.787, 0.715 - c * 0.715 + n * 0.715, 0.072 + c * 0.928 + n * 0.072,
  ];
  const m: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (let col = 0; col < 3; col++) {
      let v = 0;
      for (let k = 0; k < 3; k++) v += hue[r * 3 + k] * sat[k * 3 + col];
      m.push(brightness * v);
    }
  }
  return m;
}

/**
 * One augmented image: the sprite scaled to a seeded fraction of the canvas, rotated, colour-jittered
 * if asked, and placed at a seeded offset that keeps it inside the canvas, composited on white. The
 * warp is an inverse affine map with bilinear sampling of the premultiplied sprite (the sprite was
 * reduced by area averaging to at most the largest size drawn, so sampling only shrinks it a little).
 */
export function placeSprite(sprite: PreparedSprite, size: number, rng: Rng, options: PlacementOptions = DEFAULT_PLACEMENT): Canvas {
  const scale = uniform(rng, options.scale[0], options.scale[1]);
  const angle = (uniform(rng, -options.rotation, options.rotation) * Math.PI) / 180;
  const matrix = options.jitter ? jitterMatrix(uniform(rng, 0.9, 1.1), uniform(rng, 0.8, 1.2), uniform(rng, -12, 12)) : null;
  const { width: sw, height: sh, data: src } = sprite;
  const f = (scale * size) / Math.max(sw, sh);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const bw = f * (sw * Math.abs(cos) + sh * Math.abs(sin));
  const bh = f * (sw * Math.abs(sin) + sh * Math.abs(cos));
  const u = rng.next();
  const v = rng.next();
  const cx = bw <= size ? bw / 2 + u * (size - bw) : size / 2;
  const cy = bh <= size ? bh / 2 + v * (size - bh) : size / 2;
  const canvas = whiteCanvas(size);
  const out = canvas.data;
  const x0 = Math.max(0, Math.floor(cx - bw / 2) - 1);
  const x1 = Math.min(size - 1, Math.ceil(cx + bw / 2) + 1);
  const y0 = Math.max(0, Math.floor(cy - bh / 2) - 1);
  const y1 = Math.min(size - 1, Math.ceil(cy + bh / 2) + 1);
  const at = (x: number, y: number, c: number): number => (x < 0 || y < 0 || x >= sw || y >= sh ? 0 : src[(y * sw + x) * 4 + c]);
  const px = [0, 0, 0, 0];
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      // inverse rotation, then inverse scale, into sprite pixel coordinates (centres at +0.5)
      const sx = (cos * dx + sin * dy) / f + sw / 2 - 0.5;
      const sy = (-sin * dx + cos * dy) / f + sh / 2 - 0.5;
      if (sx <= -1 || sy <= -1 || sx >= sw || sy >= sh) continue;
      const ix = Math.floor(sx);
      const iy = Math.floor(sy);
      const fx = sx - ix;
      const fy = sy - iy;
      for (let c = 0; c < 4; c++) {
        const top = at(ix, iy, c) * (1 - fx) + at(ix + 1, iy, c) * fx;
        const bottom = at(ix, iy + 1, c) * (1 - fx) + at(ix + 1, iy + 1, c) * fx;
        px[c] = top * (1 - fy) + bottom * fy;
      }
      const a = px[3];
      if (a <= 0) continue;
      let r = px[0];
      let g = px[1];
      let b = px[2];
      if (matrix) {
        const m = matrix;
        const nr = m[0] * r + m[1] * g + m[2] * b;
        const ng = m[3] * r + m[4] * g + m[5] * b;
        const nb = m[6] * r + m[7] * g + m[8] * b;
        r = Math.min(a, Math.max(0, nr));
        g = Math.min(a, Math.max(0, ng));
        b = Math.min(a, Math.max(0, nb));
      }
      const o = (y * size + x) * 3;
      const white = 255 - a;
      out[o] = Math.round(Math.min(255, r + white));
      out[o + 1] = Math.round(Math.min(255, g + white));
      out[o + 2] = Math.round(Math.min(255, b + white));
    }
  }
  return canvas;
}

/** Mean colour of the opaque pixels of a sprite. */
function meanColour(sprite: PreparedSprite): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  let a = 0;
  for (let i = 0; i < sprite.data.length; i += 4) {
    r += sprite.data[i];
    g += sprite.data[i + 1];
    b += sprite.data[i + 2];
    a += sprite.data[i + 3];
  }
  return a === 0 ? [200, 200, 200] : [(255 * r) / a, (255 * g) / a, (255 * b) / a];
}

/**
 * A cue-conflict stimulus: the silhouette of `shape` (its alpha, scaled and placed like a normal image,
 * not rotated) filled with a texture of small tiled copies of `texture` on a pale tint of that emoji's
 * mean colour. Outside the silhouette the image is white.
 */
export function cueConflict(shape: PreparedSprite, texture: PreparedSprite, size: number, rng: Rng): Canvas {
  const mask = fitArea(shape, Math.round(uniform(rng, 0.8, 0.9) * size));
  const maskLeft = Math.floor((size - mask.width) / 2) + Math.round(uniform(rng, -2, 2));
  const maskTop = Math.floor((size - mask.height) / 2) + Math.round(uniform(rng, -2, 2));

  const tileBox = Math.round(uniform(rng, 0.15, 0.2) * size);
  const tile = fitArea(texture, tileBox);
  const [mr, mg, mb] = meanColour(texture);
  const tint = [mr, mg, mb].map((c) => Math.round(255 - 0.35 * (255 - c)));
  const tex: Canvas = { data: Buffer.alloc(size * size * 3), size };
  for (let i = 0; i < size * size; i++) {
    tex.data[i * 3] = tint[0];
    tex.data[i * 3 + 1] = tint[1];
    tex.data[i * 3 + 2] = tint[2];
  }
  const step = Math.max(6, Math.round(tileBox * 0.95));
  const phaseX = Math.floor(rng.next() * step);
  const phaseY = Math.floor(rng.next() * step);
  for (let row = -1, y = phaseY - step; y < size; y += step, row++) {
    const shift = row % 2 === 0 ? 0 : Math.floor(step / 2);
    for (let x = phaseX - step + shift - step; x < size; x += step) blend(tex, tile, x, y);
  }

  const canvas = whiteCanvas(size);
  for (let y = 0; y < mask.height; y++) {
    const cy = y + maskTop;
    if (cy < 0 || cy >= size) continue;
    for (let x = 0; x < mask.width; x++) {
      const cx = x + maskLeft;
      if (cx < 0 || cx >= size) continue;
      const a = mask.data[(y * mask.width + x) * 4 + 3];
      if (a <= 0) continue;
      const o = (cy * size + cx) * 3;
      for (let c = 0; c < 3; c++) canvas.data[o + c] = Math.round((tex.data[o + c] * a + 255 * (255 - a)) / 255);
    }
  }
  return canvas;
}

export const TEXTURE_KINDS = ['stripes', 'checkers', 'noise', 'dots'] as const;
export type TextureKind = (typeof TEXTURE_KINDS)[number];

function randomColour(rng: Rng): [number, number, number] {
  return [rng.nextInt(256), rng.nextInt(256), rng.nextInt(256)];
}

/** A procedural texture filling the whole canvas (far-OOD). */
export function proceduralTexture(kind: TextureKind, size: number, rng: Rng): Canvas {
  const canvas: Canvas = { data: Buffer.alloc(size * size * 3), size };
  const c1 = randomColour(rng);
  const c2 = randomColour(rng);
  const put = (x: number, y: number, t: number): void => {
    const o = (y * size + x) * 3;
    for (let c = 0; c < 3; c++) canvas.data[o + c] = Math.round(c1[c] + (c2[c] - c1[c]) * t);
  };
  const theta = rng.next() * Math.PI;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  if (kind === 'stripes') {
    const period = 6 + rng.nextInt(19);
    const duty = uniform(rng, 0.3, 0.7);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = (x * cos + y * sin) / period;
        put(x, y, u - Math.floor(u) < duty ? 0 : 1);
      }
    }
  } else if (kind === 'checkers') {
    const cell = 5 + rng.nextInt(16);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = Math.floor((x * cos + y * sin) / cell);
        const v = Math.floor((-x * sin + y * cos) / cell);
        put(x, y, (u + v) & 1);
      }
    }
  } else if (kind === 'noise') {
    // Value noise: a random grid, bilinearly interpolated; a fine grid gives static, a coarse one blobs.
    const cell = 2 + rng.nextInt(15);
    const n = Math.ceil(size / cell) + 2;
    const grid = Array.from({ length: n * n }, () => rng.next());
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const gx = x / cell;
        const gy = y / cell;
        const x0 = Math.floor(gx);
        const y0 = Math.floor(gy);
        const fx = gx - x0;
        const fy = gy - y0;
        const a = grid[y0 * n + x0] * (1 - fx) + grid[y0 * n + x0 + 1] * fx;
        const b = grid[(y0 + 1) * n + x0] * (1 - fx) + grid[(y0 + 1) * n + x0 + 1] * fx;
        put(x, y, a * (1 - fy) + b * fy);
      }
    }
  } else {
    const spacing = 8 + rng.nextInt(17);
    const radius = spacing * uniform(rng, 0.2, 0.45);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = (x * cos + y * sin) / spacing;
        const v = (-x * sin + y * cos) / spacing;
        const du = (u - Math.round(u)) * spacing;
        const dv = (v - Math.round(v)) * spacing;
        put(x, y, du * du + dv * dv < radius * radius ? 1 : 0);
      }
    }
  }
  return canvas;
}

/** PNG with fixed settings and no metadata (sharp writes no tIME/tEXt chunks unless asked to). */
export async function encodePng(canvas: Canvas): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(canvas.data, { raw: { width: canvas.size, height: canvas.size, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
    .toBuffer();
}
