/**
 * A JPEG compress -> decompress round trip that reproduces, integer for integer, what PIL does in the ImageNet-C
 * reference's `jpeg_compression` (`x.save(buf, 'JPEG', quality=q)` then `Image.open(buf)`) with libjpeg-turbo's
 * defaults: baseline, 4:2:0 chroma subsampling, the IJG standard quantisation tables scaled by quality
 * (force_baseline), the accurate integer DCT (jfdctint.c / jidctint.c), reciprocal quantisation (jcdctmgr.c),
 * h2v2 downsampling with the 1,2,1,2 bias (jcsample.c), fancy (triangle) upsampling (jdsample.c) and the
 * fixed-point colour conversions (jccolor.c / jdcolor.c). Entropy coding is lossless and is skipped.
 *
 * It is synchronous (the `Corruption.apply` contract is synchronous, which rules out sharp's async codec) and
 * bit-exact against PIL 9.4 + libjpeg-turbo 2.1 (the goldens) and against sharp's own libjpeg-turbo round trip
 * (test/corruptions-imagenet-c.test.ts).
 * The code is written anew from the algorithms' descriptions; constants are libjpeg's.
 */
import type { RgbImage } from '../types.js';

// ---------------------------------------------------------------- quantisation tables (jcparam.c)

/** IJG standard luminance table (JPEG spec K.1), natural (row-major) order. */
const STD_LUMINANCE = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
/** IJG standard chrominance table (JPEG spec K.2), natural order. */
const STD_CHROMINANCE = [
  17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99,
  99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/** jpeg_quality_scaling: quality 1..100 -> percentage scale factor. */
export function qualityScaling(quality: number): number {
  const q = Math.min(100, Math.max(1, Math.trunc(quality)));
  return q < 50 ? Math.trunc(5000 / q) : 200 - q * 2;
}

/** jpeg_add_quant_table with force_baseline = TRUE (what PIL passes): entries in 1..255. */
export function scaledQuantTable(base: readonly number[], scale: number): Int32Array {
  const t = new Int32Array(64);
  for (let i = 0; i < 64; i++) {
    let v = Math.trunc((base[i] * scale + 50) / 100);
    if (v <= 0) v = 1;
    if (v > 32767) v = 32767;
    if (v > 255) v = 255;
    t[i] = v;
  }
  return t;
}

// ---------------------------------------------------------------- reciprocal quantisation (jcdctmgr.c)

interface Divisors {
  readonly recip: Int32Array;
  readonly corr: Int32Array;
  /** 2^-r for the total right shift r (exact in a double, so floor(product * scale) is the shift). */
  readonly scale: Float64Array;
}

/** compute_reciprocal for 16-bit DCTELEM (libjpeg-turbo's SIMD build), divisor = quantval << 3. */
function makeDivisors(qtable: Int32Array): Divisors {
  const recip = new Int32Array(64);
  const corr = new Int32Array(64);
  const scale = new Float64Array(64);
  for (let i = 0; i < 64; i++) {
    const divisor = qtable[i] << 3;
    if (divisor === 1) {
      recip[i] = 1;
      corr[i] = 0;
      scale[i] = 1;
      continue;
    }
    const b = 31 - Math.clz32(divisor); // flss(divisor) - 1
    let r = 16 + b;
    let fq = Math.floor(2 ** r / divisor);
    const fr = 2 ** r % divisor;
    let c = divisor >> 1;
    if (fr === 0) {
      fq = Math.floor(fq / 2);
      r--;
    } else if (fr <= divisor >> 1) {
      c++;
    } else {
      fq++;
    }
    recip[i] = fq;
    corr[i] = c;
    scale[i] = 2 ** -r;
  }
  return { recip, corr, scale };
}

// ---------------------------------------------------------------- integer DCTs (jfdctint.c, jidctint.c)

const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** DESCALE(x, n): round-half-up right shift. */
function descale(x: number, n: number): number {
  return (x + (1 << (n - 1))) >> n;
}

/** jpeg_fdct_islow in place on 64 level-shifted samples; output scaled up by 8. */
function fdctIslow(d: Int32Array): void {
  for (let row = 0; row < 64; row += 8) {
    const tmp0 = d[row] + d[row + 7];
    const tmp7 = d[row] - d[row + 7];
    const tmp1 = d[row + 1] + d[row + 6];
    const tmp6 = d[row + 1] - d[row + 6];
    const tmp2 = d[row + 2] + d[row + 5];
    const tmp5 = d[row + 2] - d[row + 5];
    const tmp3 = d[row + 3] + d[row + 4];
    const tmp4 = d[row + 3] - d[row + 4];
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    d[row] = (tmp10 + tmp11) << PASS1_BITS;
    d[row + 4] = (tmp10 - tmp11) << PASS1_BITS;
    let z1 = (tmp12 + tmp13) * FIX_0_541196100;
    d[row + 2] = descale(z1 + tmp13 * FIX_0_765366865, CONST_BITS - PASS1_BITS);
    d[row + 6] = descale(z1 + tmp12 * -FIX_1_847759065, CONST_BITS - PASS1_BITS);
    z1 = tmp4 + tmp7;
    let z2 = tmp5 + tmp6;
    let z3 = tmp4 + tmp6;
    let z4 = tmp5 + tmp7;
    const z5 = (z3 + z4) * FIX_1_175875602;
    const t4 = tmp4 * FIX_0_298631336;
    const t5 = tmp5 * FIX_2_053119869;
    const t6 = tmp6 * FIX_3_072711026;
    const t7 = tmp7 * FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    d[row + 7] = descale(t4 + z1 + z3, CONST_BITS - PASS1_BITS);
    d[row + 5] = descale(t5 + z2 + z4, CONST_BITS - PASS1_BITS);
    d[row + 3] = descale(t6 + z2 + z3, CONST_BITS - PASS1_BITS);
    d[row + 1] = descale(t7 + z1 + z4, CONST_BITS - PASS1_BITS);
  }
  for (let col = 0; col < 8; col++) {
    const tmp0 = d[col] + d[col + 56];
    const tmp7 = d[col] - d[col + 56];
    const tmp1 = d[col + 8] + d[col + 48];
    const tmp6 = d[col + 8] - d[col + 48];
    const tmp2 = d[col + 16] + d[col + 40];
    const tmp5 = d[col + 16] - d[col + 40];
    const tmp3 = d[col + 24] + d[col + 32];
    const tmp4 = d[col + 24] - d[col + 32];
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    d[col] = descale(tmp10 + tmp11, PASS1_BITS);
    d[col + 32] = descale(tmp10 - tmp11, PASS1_BITS);
    let z1 = (tmp12 + tmp13) * FIX_0_541196100;
    d[col + 16] = descale(z1 + tmp13 * FIX_0_765366865, CONST_BITS + PASS1_BITS);
    d[col + 48] = descale(z1 + tmp12 * -FIX_1_847759065, CONST_BITS + PASS1_BITS);
    z1 = tmp4 + tmp7;
    let z2 = tmp5 + tmp6;
    let z3 = tmp4 + tmp6;
    let z4 = tmp5 + tmp7;
    const z5 = (z3 + z4) * FIX_1_175875602;
    const t4 = tmp4 * FIX_0_298631336;
    const t5 = tmp5 * FIX_2_053119869;
    const t6 = tmp6 * FIX_3_072711026;
    const t7 = tmp7 * FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    d[col + 56] = descale(t4 + z1 + z3, CONST_BITS + PASS1_BITS);
    d[col + 40] = descale(t5 + z2 + z4, CONST_BITS + PASS1_BITS);
    d[col + 24] = descale(t6 + z2 + z3, CONST_BITS + PASS1_BITS);
    d[col + 8] = descale(t7 + z1 + z4, CONST_BITS + PASS1_BITS);
  }
}

/**
 * libjpeg's IDCT output range limiting: `range_limit[x & 1023]` with range_limit = sample_range_limit + 128.
 * Index by (value & 1023): 0..127 -> 128..255, 128..511 -> 255, 512..895 -> 0, 896..1023 -> 0..127.
 */
const IDCT_RANGE_LIMIT = (() => {
  const t = new Uint8Array(1024);
  for (let i = 0; i < 1024; i++) {
    if (i < 128) t[i] = i + 128;
    else if (i < 512) t[i] = 255;
    else if (i < 896) t[i] = 0;
    else t[i] = i - 896;
  }
  return t;
})();

/** jpeg_idct_islow: dequantised coefficients (coef * quantval) -> 8x8 samples written into `out` at `o`, row stride `stride`. */
function idctIslow(coef: Int32Array, q: Int32Array, ws: Int32Array, out: Uint8Array, o: number, stride: number): void {
  // Pass 1: columns.
  for (let col = 0; col < 8; col++) {
    if (coef[col + 8] === 0 && coef[col + 16] === 0 && coef[col + 24] === 0 && coef[col + 32] === 0 && coef[col + 40] === 0 && coef[col + 48] === 0 && coef[col + 56] === 0) {
      const dc = (coef[col] * q[col]) << PASS1_BITS;
      for (let r = 0; r < 64; r += 8) ws[col + r] = dc;
      continue;
    }
    let z2 = coef[col + 16] * q[col + 16];
    let z3 = coef[col + 48] * q[col + 48];
    let z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 + z3 * -FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    z2 = coef[col] * q[col];
    z3 = coef[col + 32] * q[col + 32];
    let tmp0 = (z2 + z3) << CONST_BITS;
    let tmp1 = (z2 - z3) << CONST_BITS;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    tmp0 = coef[col + 56] * q[col + 56];
    tmp1 = coef[col + 40] * q[col + 40];
    tmp2 = coef[col + 24] * q[col + 24];
    tmp3 = coef[col + 8] * q[col + 8];
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    let z4 = tmp1 + tmp3;
    const z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 *= FIX_0_298631336;
    tmp1 *= FIX_2_053119869;
    tmp2 *= FIX_3_072711026;
    tmp3 *= FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    const n = CONST_BITS - PASS1_BITS;
    ws[col] = descale(tmp10 + tmp3, n);
    ws[col + 56] = descale(tmp10 - tmp3, n);
    ws[col + 8] = descale(tmp11 + tmp2, n);
    ws[col + 48] = descale(tmp11 - tmp2, n);
    ws[col + 16] = descale(tmp12 + tmp1, n);
    ws[col + 40] = descale(tmp12 - tmp1, n);
    ws[col + 24] = descale(tmp13 + tmp0, n);
    ws[col + 32] = descale(tmp13 - tmp0, n);
  }
  // Pass 2: rows.
  const n = CONST_BITS + PASS1_BITS + 3;
  for (let row = 0; row < 8; row++) {
    const w = row * 8;
    const p = o + row * stride;
    if (ws[w + 1] === 0 && ws[w + 2] === 0 && ws[w + 3] === 0 && ws[w + 4] === 0 && ws[w + 5] === 0 && ws[w + 6] === 0 && ws[w + 7] === 0) {
      const v = IDCT_RANGE_LIMIT[descale(ws[w], PASS1_BITS + 3) & 1023];
      for (let k = 0; k < 8; k++) out[p + k] = v;
      continue;
    }
    let z2 = ws[w + 2];
    let z3 = ws[w + 6];
    let z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 + z3 * -FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    let tmp0 = (ws[w] + ws[w + 4]) << CONST_BITS;
    let tmp1 = (ws[w] - ws[w + 4]) << CONST_BITS;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    tmp0 = ws[w + 7];
    tmp1 = ws[w + 5];
    tmp2 = ws[w + 3];
    tmp3 = ws[w + 1];
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    let z4 = tmp1 + tmp3;
    const z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 *= FIX_0_298631336;
    tmp1 *= FIX_2_053119869;
    tmp2 *= FIX_3_072711026;
    tmp3 *= FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    out[p] = IDCT_RANGE_LIMIT[descale(tmp10 + tmp3, n) & 1023];
    out[p + 7] = IDCT_RANGE_LIMIT[descale(tmp10 - tmp3, n) & 1023];
    out[p + 1] = IDCT_RANGE_LIMIT[descale(tmp11 + tmp2, n) & 1023];
    out[p + 6] = IDCT_RANGE_LIMIT[descale(tmp11 - tmp2, n) & 1023];
    out[p + 2] = IDCT_RANGE_LIMIT[descale(tmp12 + tmp1, n) & 1023];
    out[p + 5] = IDCT_RANGE_LIMIT[descale(tmp12 - tmp1, n) & 1023];
    out[p + 3] = IDCT_RANGE_LIMIT[descale(tmp13 + tmp0, n) & 1023];
    out[p + 4] = IDCT_RANGE_LIMIT[descale(tmp13 - tmp0, n) & 1023];
  }
}

/** Forward DCT + quantise + dequantise-and-inverse-DCT of every 8x8 block of a (padded) component plane, in place. */
function roundTripPlane(plane: Uint8Array, stride: number, blocksX: number, blocksY: number, qtable: Int32Array, div: Divisors): void {
  const block = new Int32Array(64);
  const coef = new Int32Array(64);
  const ws = new Int32Array(64);
  const { recip, corr, scale } = div;
  for (let by = 0; by < blocksY; by++) {
    for (let bx = 0; bx < blocksX; bx++) {
      const o = by * 8 * stride + bx * 8;
      for (let r = 0; r < 8; r++) {
        const p = o + r * stride;
        for (let c = 0; c < 8; c++) block[r * 8 + c] = plane[p + c] - 128;
      }
      fdctIslow(block);
      // quantize(): ((|t| + corr) * recip) >> r, sign restored; the product stays below 2^31.
      for (let i = 0; i < 64; i++) {
        const t = block[i];
        const q = Math.floor(((t < 0 ? -t : t) + corr[i]) * recip[i] * scale[i]);
        coef[i] = t < 0 ? -q : q;
      }
      idctIslow(coef, qtable, ws, plane, o, stride);
    }
  }
}

// ---------------------------------------------------------------- colour conversion (jccolor.c, jdcolor.c)

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number): number => Math.trunc(x * (1 << SCALEBITS) + 0.5);

const RGB_YCC = (() => {
  const t = new Int32Array(8 * 256);
  const cbcrOffset = 128 << SCALEBITS;
  for (let i = 0; i < 256; i++) {
    t[i] = fix(0.299) * i;
    t[256 + i] = fix(0.587) * i;
    t[512 + i] = fix(0.114) * i + ONE_HALF;
    t[768 + i] = -fix(0.16874) * i;
    t[1024 + i] = -fix(0.33126) * i;
    t[1280 + i] = fix(0.5) * i + cbcrOffset + ONE_HALF - 1; // B -> Cb and R -> Cr
    t[1536 + i] = -fix(0.41869) * i;
    t[1792 + i] = -fix(0.08131) * i;
  }
  return t;
})();

const YCC_RGB = (() => {
  const crR = new Int32Array(256);
  const cbB = new Int32Array(256);
  const crG = new Int32Array(256);
  const cbG = new Int32Array(256);
  for (let i = 0, x = -128; i < 256; i++, x++) {
    crR[i] = (fix(1.402) * x + ONE_HALF) >> SCALEBITS;
    cbB[i] = (fix(1.772) * x + ONE_HALF) >> SCALEBITS;
    crG[i] = -fix(0.71414) * x;
    cbG[i] = -fix(0.34414) * x + ONE_HALF;
  }
  return { crR, cbB, crG, cbG };
})();

const clampByte = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);

// ---------------------------------------------------------------- the round trip

/**
 * JPEG-compress `image` at `quality` and decompress it, as PIL + libjpeg-turbo do with default settings.
 * Returns a new image of the same size.
 */
export function jpegRoundTrip(image: RgbImage, quality: number): RgbImage {
  const { width: w, height: h, data } = image;
  const scale = qualityScaling(quality);
  const qLum = scaledQuantTable(STD_LUMINANCE, scale);
  const qChr = scaledQuantTable(STD_CHROMINANCE, scale);

  // Component geometry (jdiv_round_up(image_width * h_samp, max_h_samp * DCTSIZE) blocks).
  const lumBX = Math.ceil(w / 8);
  const lumBY = Math.ceil(h / 8);
  const chrBX = Math.ceil(w / 16);
  const chrBY = Math.ceil(h / 16);
  const chrW = Math.ceil(w / 2); // downsampled_width
  const chrH = Math.ceil(h / 2); // downsampled_height

  // 1. RGB -> YCbCr (rgb_ycc_convert) on the full-resolution image, edge-replicated to a multiple of 16
  //    (expand_right_edge / expand_bottom_edge of the colour buffer).
  const fw = chrBX * 16;
  const fh = 2 * chrH;
  const lumStride = Math.max(lumBX * 8, fw);
  const lumRows = Math.max(lumBY * 8, fh);
  const Y = new Uint8Array(lumStride * lumRows);
  const Cb = new Uint8Array(fw * fh);
  const Cr = new Uint8Array(fw * fh);
  for (let y = 0; y < lumRows; y++) {
    const sy = y < h ? y : h - 1;
    for (let x = 0; x < lumStride; x++) {
      const sx = x < w ? x : w - 1;
      const p = (sy * w + sx) * 3;
      const r = data[p];
      const g = data[p + 1];
      const b = data[p + 2];
      Y[y * lumStride + x] = (RGB_YCC[r] + RGB_YCC[256 + g] + RGB_YCC[512 + b]) >> SCALEBITS;
      if (y < fh && x < fw) {
        Cb[y * fw + x] = (RGB_YCC[768 + r] + RGB_YCC[1024 + g] + RGB_YCC[1280 + b]) >> SCALEBITS;
        Cr[y * fw + x] = (RGB_YCC[1280 + r] + RGB_YCC[1536 + g] + RGB_YCC[1792 + b]) >> SCALEBITS;
      }
    }
  }

  // 2. h2v2 downsampling (bias 1, 2, 1, 2 along each output row), then the bottom rows of the last iMCU row
  //    replicate the last real chroma row (jcprepct.c expand_bottom_edge on the downsampled output).
  const cStride = chrBX * 8;
  const cRows = chrBY * 8;
  const dCb = new Uint8Array(cStride * cRows);
  const dCr = new Uint8Array(cStride * cRows);
  for (let y = 0; y < cRows; y++) {
    const sy = y < chrH ? y : chrH - 1;
    const r0 = 2 * sy * fw;
    const r1 = r0 + fw;
    let bias = 1;
    for (let x = 0; x < cStride; x++) {
      const c = 2 * x;
      dCb[y * cStride + x] = (Cb[r0 + c] + Cb[r0 + c + 1] + Cb[r1 + c] + Cb[r1 + c + 1] + bias) >> 2;
      dCr[y * cStride + x] = (Cr[r0 + c] + Cr[r0 + c + 1] + Cr[r1 + c] + Cr[r1 + c + 1] + bias) >> 2;
      bias ^= 3;
    }
  }

  // 3. DCT, quantise, dequantise, IDCT for each component.
  roundTripPlane(Y, lumStride, lumBX, lumBY, qLum, makeDivisors(qLum));
  const divC = makeDivisors(qChr);
  roundTripPlane(dCb, cStride, chrBX, chrBY, qChr, divC);
  roundTripPlane(dCr, cStride, chrBX, chrBY, qChr, divC);

  // 4. Fancy upsampling of the chroma (h2v2_fancy_upsample; context rows duplicate the first / last real row),
  //    then YCbCr -> RGB (ycc_rgb_convert).
  const out = new Uint8Array(w * h * 3);
  const upCb = new Uint8Array(2 * chrW);
  const upCr = new Uint8Array(2 * chrW);
  for (let y = 0; y < h; y++) {
    const cy = y >> 1;
    const ny = (y & 1) === 0 ? Math.max(cy - 1, 0) : Math.min(cy + 1, chrH - 1);
    upsampleRow(dCb, cStride, cy, ny, chrW, upCb);
    upsampleRow(dCr, cStride, cy, ny, chrW, upCr);
    const yRow = y * lumStride;
    for (let x = 0; x < w; x++) {
      const yy = Y[yRow + x];
      const cb = upCb[x];
      const cr = upCr[x];
      const o = (y * w + x) * 3;
      out[o] = clampByte(yy + YCC_RGB.crR[cr]);
      out[o + 1] = clampByte(yy + ((YCC_RGB.cbG[cb] + YCC_RGB.crG[cr]) >> SCALEBITS));
      out[o + 2] = clampByte(yy + YCC_RGB.cbB[cb]);
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * One output row of h2v2 fancy upsampling: vertical 3:1 mix of the nearest chroma row `cy` and the next nearest
 * `ny`, then horizontal 3:1 triangle filter with libjpeg's +8 / +7 rounding biases. Widths <= 2 use the plain
 * box upsampler, as libjpeg-turbo does.
 */
function upsampleRow(plane: Uint8Array, stride: number, cy: number, ny: number, cw: number, out: Uint8Array): void {
  const a = cy * stride;
  const b = ny * stride;
  if (cw <= 2) {
    for (let x = 0; x < cw; x++) {
      out[2 * x] = plane[a + x];
      out[2 * x + 1] = plane[a + x];
    }
    return;
  }
  let thiscolsum = plane[a] * 3 + plane[b];
  let nextcolsum = plane[a + 1] * 3 + plane[b + 1];
  out[0] = (thiscolsum * 4 + 8) >> 4;
  out[1] = (thiscolsum * 3 + nextcolsum + 7) >> 4;
  let lastcolsum = thiscolsum;
  thiscolsum = nextcolsum;
  let o = 2;
  for (let x = 2; x < cw; x++) {
    nextcolsum = plane[a + x] * 3 + plane[b + x];
    out[o++] = (thiscolsum * 3 + lastcolsum + 8) >> 4;
    out[o++] = (thiscolsum * 3 + nextcolsum + 7) >> 4;
    lastcolsum = thiscolsum;
    thiscolsum = nextcolsum;
  }
  out[o++] = (thiscolsum * 3 + lastcolsum + 8) >> 4;
  out[o] = (thiscolsum * 4 + 7) >> 4;
}
