/**
 * PIL routines the ImageNet-C reference calls (make_imagenet_c.py: pixelate): `resizeBoxPil` is
 * PIL.Image.resize(..., Image.BOX) for 8-bit RGB, PIL's fixed-point two-pass resampler (Resample.c).
 */
import type { RgbImage } from '../types.js';

// ---------------------------------------------------------------- PIL BOX resampling

/** PIL's PRECISION_BITS for 8-bit resampling: 32 - 8 - 2. */
const PIL_PRECISION_BITS = 22;

interface PilCoeffs {
  readonly ksize: number;
  readonly bounds: Int32Array; // (xmin, count) per output index
  readonly kk: Int32Array; // fixed-point weights, ksize per output index
}

/** PIL Resample.c precompute_coeffs + normalize_coeffs_8bpc for the BOX filter (support 0.5). */
function pilBoxCoeffs(inSize: number, outSize: number): PilCoeffs {
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 0.5 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const pre = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterscale;
    // C casts (int) truncate toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const u = (x + xmin - center + 0.5) * ss;
      const w = u > -0.5 && u <= 0.5 ? 1 : 0;
      pre[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      let w = x < xmax ? pre[x] : 0;
      if (x < xmax && ww !== 0) w /= ww;
      kk[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PIL_PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PIL_PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** PIL clip8: (ss >> PRECISION_BITS) clamped to 0..255. */
function pilClip8(ss: number): number {
  const v = ss >> PIL_PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * PIL `Image.resize((w, h), Image.BOX)` of an 8-bit RGB image: horizontal pass, then vertical pass, each in
 * 22-bit fixed point with rounding, an 8-bit intermediate in between (Pillow's ImagingResample).
 */
export function resizeBoxPil(image: RgbImage, outW: number, outH: number): RgbImage {
  const { width: inW, height: inH, data } = image;
  let cur = data;
  let curW = inW;
  if (outW !== inW) {
    const { ksize, bounds, kk } = pilBoxCoeffs(inW, outW);
    const tmp = new Uint8Array(outW * inH * 3);
    const half = 1 << (PIL_PRECISION_BITS - 1);
    for (let y = 0; y < inH; y++) {
      const row = y * inW * 3;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2];
        const xmax = bounds[xx * 2 + 1];
        const k = xx * ksize;
        let s0 = half;
        let s1 = half;
        let s2 = half;
        for (let x = 0; x < xmax; x++) {
          const p = row + (x + xmin) * 3;
          const w = kk[k + x];
          s0 += data[p] * w;
          s1 += data[p + 1] * w;
          s2 += data[p + 2] * w;
        }
        const o = (y * outW + xx) * 3;
        tmp[o] = pilClip8(s0);
        tmp[o + 1] = pilClip8(s1);
        tmp[o + 2] = pilClip8(s2);
      }
    }
    cur = tmp;
    curW = outW;
  }
  if (outH === inH) return { width: curW, height: inH, data: cur === data ? Uint8Array.from(data) : cur };
  const { ksize, bounds, kk } = pilBoxCoeffs(inH, outH);
  const out = new Uint8Array(curW * outH * 3);
  const half = 1 << (PIL_PRECISION_BITS - 1);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2];
    const ymax = bounds[yy * 2 + 1];
    const k = yy * ksize;
    for (let x = 0; x < curW; x++) {
      let s0 = half;
      let s1 = half;
      let s2 = half;
      for (let y = 0; y < ymax; y++) {
        const p = ((y + ymin) * curW + x) * 3;
        const w = kk[k + y];
        s0 += cur[p] * w;
        s1 += cur[p + 1] * w;
        s2 += cur[p + 2] * w;
      }
      const o = (yy * curW + x) * 3;
      out[o] = pilClip8(s0);
      out[o + 1] = pilClip8(s1);
      out[o + 2] = pilClip8(s2);
    }
  }
  return { width: curW, height: outH, data: out };
}
