/**
 * The OpenCV routines the reference's `spatter` chains (make_imagenet_c.py): Canny, distanceTransform,
 * box blur, equalizeHist and an 8-bit filter2D, on single-channel row-major arrays. Written from OpenCV's
 * documented algorithms (OpenCV 4: BORDER_REFLECT_101 unless noted); spatter is random, so these are checked
 * for their defining properties rather than against OpenCV output.
 */
import { borderIndex } from '../filters.js';

/**
 * cv2.Canny(img, low, high) with apertureSize 3 and the L1 gradient: 3x3 Sobel (border replicated), magnitude
 * |dx| + |dy|, non-maximum suppression in four directions with OpenCV's tan(22.5) / tan(67.5) sectors and its
 * tie rules, then hysteresis (8-connected). Returns 255 on edges, 0 elsewhere.
 */
export function canny(src: Uint8Array, width: number, height: number, lowThresh: number, highThresh: number): Uint8Array {
  const low = Math.floor(lowThresh);
  const high = Math.floor(highThresh);
  const n = width * height;
  const dx = new Int32Array(n);
  const dy = new Int32Array(n);
  // Source with a replicated 1-pixel frame (Canny's Sobel uses BORDER_REPLICATE).
  const pw = width + 2;
  const p = new Int32Array(pw * (height + 2));
  for (let y = -1; y <= height; y++) {
    const sy = borderIndex(y, height, 'nearest') * width;
    for (let x = -1; x <= width; x++) p[(y + 1) * pw + x + 1] = src[sy + borderIndex(x, width, 'nearest')];
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * pw + x;
      const a = p[i];
      const b = p[i + 1];
      const c = p[i + 2];
      const d = p[i + pw];
      const f = p[i + pw + 2];
      const g = p[i + 2 * pw];
      const hh = p[i + 2 * pw + 1];
      const k = p[i + 2 * pw + 2];
      dx[y * width + x] = c + 2 * f + k - (a + 2 * d + g);
      dy[y * width + x] = g + 2 * hh + k - (a + 2 * b + c);
    }
  }
  // Magnitude with a zero frame, so neighbours outside the image compare as 0 (as OpenCV's padded buffers).
  const mw = width + 2;
  const mag = new Int32Array(mw * (height + 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) mag[(y + 1) * mw + x + 1] = Math.abs(dx[y * width + x]) + Math.abs(dy[y * width + x]);
  }
  const TG22 = Math.trunc(0.4142135623730950488016887242097 * (1 << 15) + 0.5);
  // 0: not an edge, 1: weak candidate, 2: edge.
  const map = new Uint8Array(n);
  const stack: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const j = (y + 1) * mw + x + 1;
      const m = mag[j];
      if (m <= low) continue;
      const xs = dx[y * width + x];
      const ys = dy[y * width + x];
      const ax = Math.abs(xs);
      const ay = Math.abs(ys) * (1 << 15);
      const tg22x = ax * TG22;
      let isMax: boolean;
      if (ay < tg22x) {
        isMax = m > mag[j - 1] && m >= mag[j + 1];
      } else {
        const tg67x = tg22x + ax * (1 << 16);
        if (ay > tg67x) {
          isMax = m > mag[j - mw] && m >= mag[j + mw];
        } else {
          const s = (xs ^ ys) < 0 ? -1 : 1;
          isMax = m > mag[j - mw - s] && m > mag[j + mw + s];
        }
      }
      if (!isMax) continue;
      const i = y * width + x;
      if (m > high) {
        map[i] = 2;
        stack.push(i);
      } else {
        map[i] = 1;
      }
    }
  }
  while (stack.length > 0) {
    const i = stack.pop() as number;
    const x = i % width;
    const y = (i - x) / width;
    for (let oy = -1; oy <= 1; oy++) {
      const yy = y + oy;
      if (yy < 0 || yy >= height) continue;
      for (let ox = -1; ox <= 1; ox++) {
        const xx = x + ox;
        if (xx < 0 || xx >= width) continue;
        const k = yy * width + xx;
        if (map[k] === 1) {
          map[k] = 2;
          stack.push(k);
        }
      }
    }
  }
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = map[i] === 2 ? 255 : 0;
  return out;
}

/**
 * cv2.distanceTransform(src, DIST_L2, 5): distance of every non-zero pixel to the nearest zero pixel with the
 * 5x5 chamfer mask (1, 1.4, 2.1969), two raster passes; pixels beyond the image never count as zero.
 * Returns +Infinity everywhere when there is no zero pixel.
 */
export function distanceTransformL2Mask5(src: Uint8Array, width: number, height: number): Float32Array {
  const A = 1;
  const B = 1.4;
  const C = 2.1969;
  // A frame of 2 pixels that never counts as zero, so the mask needs no bounds checks.
  const pw = width + 4;
  const d = new Float64Array(pw * (height + 4)).fill(Infinity);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) d[(y + 2) * pw + x + 2] = src[y * width + x] === 0 ? 0 : Infinity;
  }
  // Forward mask: the neighbours above and to the left; the backward pass mirrors it.
  const offsets = [-2 * pw - 1, -2 * pw + 1, -pw - 2, -pw - 1, -pw, -pw + 1, -pw + 2, -1];
  const costs = [C, C, C, B, A, B, C, A];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y + 2) * pw + x + 2;
      let v = d[i];
      if (v === 0) continue;
      for (let k = 0; k < 8; k++) {
        const c = d[i + offsets[k]] + costs[k];
        if (c < v) v = c;
      }
      d[i] = v;
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const i = (y + 2) * pw + x + 2;
      let v = d[i];
      if (v === 0) continue;
      for (let k = 0; k < 8; k++) {
        const c = d[i - offsets[k]] + costs[k];
        if (c < v) v = c;
      }
      d[i] = v;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = d[(y + 2) * pw + x + 2];
  }
  return out;
}

/** A copy of a plane with a 1-pixel BORDER_REFLECT_101 frame (for the 3x3 filters below). */
function padMirror1(src: ArrayLike<number>, width: number, height: number): Float64Array {
  const pw = width + 2;
  const out = new Float64Array(pw * (height + 2));
  for (let y = -1; y <= height; y++) {
    const sy = borderIndex(y, height, 'mirror') * width;
    for (let x = -1; x <= width; x++) out[(y + 1) * pw + x + 1] = src[sy + borderIndex(x, width, 'mirror')];
  }
  return out;
}

/** Sum of kernel[ky][kx] * padded(y + ky, x + kx) over a 3x3 window, for every pixel. */
function correlate3x3(src: ArrayLike<number>, width: number, height: number, kernel: readonly number[]): Float64Array {
  const p = padMirror1(src, width, height);
  const pw = width + 2;
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * pw + x;
      out[y * width + x] =
        kernel[0] * p[i] + kernel[1] * p[i + 1] + kernel[2] * p[i + 2] +
        kernel[3] * p[i + pw] + kernel[4] * p[i + pw + 1] + kernel[5] * p[i + pw + 2] +
        kernel[6] * p[i + 2 * pw] + kernel[7] * p[i + 2 * pw + 1] + kernel[8] * p[i + 2 * pw + 2];
    }
  }
  return out;
}

const BOX3 = [1, 1, 1, 1, 1, 1, 1, 1, 1];

/** cv2.blur(src, (3, 3)): normalised 3x3 box filter, BORDER_REFLECT_101, as float. */
export function boxBlur3(src: ArrayLike<number>, width: number, height: number): Float64Array {
  const out = correlate3x3(src, width, height, BOX3);
  for (let i = 0; i < out.length; i++) out[i] /= 9;
  return out;
}

/** cv2.equalizeHist: the cumulative histogram, rescaled from the first occupied level to 0..255, as a lookup. */
export function equalizeHist(src: Uint8Array): Uint8Array {
  const hist = new Int32Array(256);
  for (let i = 0; i < src.length; i++) hist[src[i]]++;
  let first = 0;
  while (first < 256 && hist[first] === 0) first++;
  const out = new Uint8Array(src.length);
  if (first === 256) return out;
  const total = src.length;
  if (hist[first] === total) {
    out.fill(first);
    return out;
  }
  const scale = 255 / (total - hist[first]);
  const lut = new Uint8Array(256);
  let sum = 0;
  for (let i = first + 1; i < 256; i++) {
    sum += hist[i];
    lut[i] = Math.min(255, Math.max(0, Math.round(sum * scale)));
  }
  for (let i = 0; i < src.length; i++) out[i] = lut[src[i]];
  return out;
}

/** cv2.filter2D(src, CV_8U, kernel3x3): correlation, BORDER_REFLECT_101, saturated to 0..255. */
export function filter2dU8(src: Uint8Array, width: number, height: number, kernel: readonly number[]): Uint8Array {
  const sums = correlate3x3(src, width, height, kernel);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) {
    const s = sums[i];
    out[i] = s < 0 ? 0 : s > 255 ? 255 : Math.round(s);
  }
  return out;
}
