/**
 * Filters for the 3D common corruptions: the reference's Gaussian window and a separable convolution with
 * replicate padding, on float RGB planes (interleaved, 0..255). Pure; the caller owns every buffer.
 */

/**
 * The reference's `gaussian(M, std)` (3DCommonCorruptions `create_3dcc/create_dof.py`, a copy of
 * `scipy.signal.windows.gaussian`): M taps centred on (M - 1) / 2, weight exp(-n^2 / (2 std^2)),
 * returned normalised to sum 1 (the reference divides by the sum after each pass).
 */
export function gaussianWindow(taps: number, std: number): Float64Array {
  if (!Number.isInteger(taps) || taps < 1) throw new RangeError(`gaussian window needs a positive integer size, got ${taps}`);
  const w = new Float64Array(taps);
  if (taps === 1) {
    w[0] = 1;
    return w;
  }
  const centre = (taps - 1) / 2;
  const twoVar = 2 * std * std;
  let sum = 0;
  for (let i = 0; i < taps; i++) {
    const n = i - centre;
    w[i] = Math.exp((-n * n) / twoVar);
    sum += w[i];
  }
  for (let i = 0; i < taps; i++) w[i] /= sum;
  return w;
}

/**
 * Taps of the reference's depth-of-field blur for radius `r` (`separable_gaussian` with
 * `cutoff = int(r * 3)`, made odd; std = r). Returns null when the reference leaves the image unblurred
 * (r < 0.1).
 */
export function defocusKernel(r: number): Float64Array | null {
  if (!(r >= 0.1)) return null;
  let cutoff = Math.trunc(r * 3);
  if (cutoff % 2 === 0) cutoff += 1;
  return gaussianWindow(cutoff, r);
}

/**
 * For a 1-D line of n samples and an odd kernel of half-width h: the kernel mass that falls left of
 * sample 0 (`left[x]`) and right of sample n - 1 (`right[x]`) when centred on x. With replicate
 * padding those taps all read the edge sample, so they collapse into one multiply each and the
 * convolution costs at most n taps per sample however wide the kernel is.
 */
function edgeMasses(n: number, kernel: Float64Array): { left: Float64Array; right: Float64Array } {
  const h = (kernel.length - 1) >> 1;
  const prefix = new Float64Array(kernel.length + 1);
  for (let i = 0; i < kernel.length; i++) prefix[i + 1] = prefix[i] + kernel[i];
  const left = new Float64Array(n);
  const right = new Float64Array(n);
  for (let x = 0; x < n; x++) {
    // Offsets k in [-h, -x - 1] land left of 0: kernel indices 0 .. h - x - 1.
    if (x < h) left[x] = prefix[Math.min(kernel.length, h - x)];
    // Offsets k in [n - x, h] land right of n - 1: kernel indices h + n - x .. 2h.
    const firstRight = h + n - x;
    if (firstRight <= 2 * h) right[x] = prefix[kernel.length] - prefix[Math.max(0, firstRight)];
  }
  return { left, right };
}

/** Horizontal pass: each row (with rows[y] set) of an interleaved 3-channel float image convolved with the kernel. */
function convolveRows(src: Float32Array, dst: Float32Array, width: number, height: number, kernel: Float64Array, rows: Uint8Array): void {
  const h = (kernel.length - 1) >> 1;
  const { left, right } = edgeMasses(width, kernel);
  for (let y = 0; y < height; y++) {
    if (!rows[y]) continue;
    const base = y * width * 3;
    const last = base + (width - 1) * 3;
    for (let x = 0; x < width; x++) {
      const kStart = x < h ? -x : -h;
      const kEnd = width - 1 - x < h ? width - 1 - x : h;
      const wl = left[x];
      const wr = right[x];
      let r = wl * src[base] + wr * src[last];
      let g = wl * src[base + 1] + wr * src[last + 1];
      let b = wl * src[base + 2] + wr * src[last + 2];
      let p = base + (x + kStart) * 3;
      for (let k = kStart; k <= kEnd; k++, p += 3) {
        const w = kernel[k + h];
        r += w * src[p];
        g += w * src[p + 1];
        b += w * src[p + 2];
      }
      const o = base + x * 3;
      dst[o] = r;
      dst[o + 1] = g;
      dst[o + 2] = b;
    }
  }
}

/**
 * Vertical pass for the output rows with rows[y] set, row by row (output row y = sum of weighted input
 * rows, read contiguously), with a float64 accumulator row.
 */
function convolveColumns(src: Float32Array, dst: Float32Array, width: number, height: number, kernel: Float64Array, rows: Uint8Array): void {
  const h = (kernel.length - 1) >> 1;
  const { left, right } = edgeMasses(height, kernel);
  const rowLen = width * 3;
  const lastRow = (height - 1) * rowLen;
  const acc = new Float64Array(rowLen);
  for (let y = 0; y < height; y++) {
    if (!rows[y]) continue;
    const wl = left[y];
    const wr = right[y];
    for (let i = 0; i < rowLen; i++) acc[i] = wl * src[i] + wr * src[lastRow + i];
    const kStart = y < h ? -y : -h;
    const kEnd = height - 1 - y < h ? height - 1 - y : h;
    for (let k = kStart; k <= kEnd; k++) {
      const w = kernel[k + h];
      const row = (y + k) * rowLen;
      for (let i = 0; i < rowLen; i++) acc[i] += w * src[row + i];
    }
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) dst[o + i] = acc[i];
  }
}

/**
 * Separable blur of an interleaved RGB float image with the same kernel along rows then columns,
 * replicate padding (the reference's `F.pad(..., "replicate")` + two `conv2d` passes). `tmp` must have
 * the image's length; `dst` may not alias `src`. With `rows`, only the output rows with rows[y] set are
 * computed (the others are left as they are in `dst`), and only the input rows they reach are blurred
 * horizontally.
 */
export function separableBlurRgb(
  src: Float32Array,
  width: number,
  height: number,
  kernel: Float64Array,
  dst: Float32Array,
  tmp: Float32Array,
  rows?: Uint8Array,
): void {
  if (kernel.length % 2 !== 1) throw new RangeError('separable blur needs an odd kernel');
  const outRows = rows ?? new Uint8Array(height).fill(1);
  // Rows the vertical pass reads: the output rows dilated by the kernel's half-width, edges included
  // (clamped taps read row 0 and row height - 1).
  const h = (kernel.length - 1) >> 1;
  const inRows = new Uint8Array(height);
  for (let y = 0; y < height; y++) {
    if (!outRows[y]) continue;
    const from = Math.max(0, y - h);
    const to = Math.min(height - 1, y + h);
    for (let r = from; r <= to; r++) inRows[r] = 1;
  }
  inRows[0] = 1;
  inRows[height - 1] = 1;
  convolveRows(src, tmp, width, height, kernel, inRows);
  convolveColumns(tmp, dst, width, height, kernel, outRows);
}
