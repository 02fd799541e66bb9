/**
 * near_focus and far_focus: depth-of-field blur, after the reference's `defocus_blur_3D`
 * (3DCommonCorruptions `create_3dcc/create_dof.py`).
 *
 * The depth range is cut at its 8 quantiles (9 values q_0..q_8, q_0 lowered and q_8 raised by 1e-4). Each
 * q_j gets a Gaussian blur of radius c_j = aperture * |q_j - focus| / q_j (the circle of confusion without
 * magnification). A pixel of depth d between q_{i-1} and q_i mixes the two blurred images with weights
 * 1 - dist^2 (dist = its normalised distance to each quantile). near_focus focuses on q_0 (the nearest
 * depth) with aperture severity + 2; far_focus on q_7 with aperture severity + 0.5.
 */
import type { Corruption, CorruptionInput, DepthMap, RgbImage, Severity } from '../types.js';
import { defocusKernel, separableBlurRgb } from './blur-helpers.js';
import { blankLike, relativeDepth, requireDepth, truncateToByte } from './common.js';

/** `N_QUANTILES` in the reference. */
const N_QUANTILES = 8;
/** `compute_quantiles(..., eps=0.0001)`: q_0 -= eps, q_N += eps, so every depth lies strictly inside. */
const QUANTILE_EPS = 1e-4;
/** `sample_idxs_2`: the near focus is quantile 0, the far focus quantile 7 (both hard-coded there). */
const NEAR_FOCUS_INDEX = 0;
const FAR_FOCUS_INDEX = 7;

/** Aperture per severity: `severity + 2`, reduced by 1.5 for the far-focus copy. */
export function focusAperture(kind: 'near' | 'far', severity: Severity): number {
  const aperture = severity + 2;
  return kind === 'near' ? aperture : aperture - 1.5;
}

/**
 * `torch.quantile` (linear interpolation) of sorted values at q = 0, 1/n, ..., 1, then the reference's
 * eps widening of the two ends.
 */
export function depthQuantiles(sorted: Float32Array, n: number, eps: number): Float64Array {
  const out = new Float64Array(n + 1);
  const last = sorted.length - 1;
  for (let j = 0; j <= n; j++) {
    const pos = (j / n) * last;
    const lo = Math.floor(pos);
    const hi = Math.min(last, lo + 1);
    const frac = pos - lo;
    out[j] = sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
  }
  out[0] -= eps;
  out[n] += eps;
  return out;
}

/** `compute_circle_of_confusion_no_magnification`: aperture * |d - focus| / d, in pixels. */
export function circleOfConfusion(depth: number, aperture: number, focus: number): number {
  return (aperture * Math.abs(depth - focus)) / depth;
}

/** Index i in 1..n with q[i-1] < d <= q[i] (`torch.searchsorted`, left side). */
function quantileSlot(q: Float64Array, d: number): number {
  let i = 1;
  while (i < q.length - 1 && q[i] < d) i++;
  return i;
}

/** Refocus one image: the blur stack at the quantile depths, composited per pixel (`refocus_image`). */
export function refocus(image: RgbImage, depth: Float32Array, focusIndex: number, aperture: number): RgbImage {
  const { width, height } = image;
  const n = width * height;
  const sorted = Float32Array.from(depth).sort();
  const q = depthQuantiles(sorted, N_QUANTILES, QUANTILE_EPS);
  const focus = q[focusIndex];

  // Which slot each pixel falls in, and which image rows need each stack entry.
  const slot = new Uint8Array(n);
  const rowsOf: Uint8Array[] = Array.from({ length: q.length }, () => new Uint8Array(height));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const i = quantileSlot(q, depth[p]);
      slot[p] = i;
      rowsOf[i - 1][y] = 1;
      rowsOf[i][y] = 1;
    }
  }

  // The blur stack, one blur per distinct radius, computed only on the rows that use it.
  const src = Float32Array.from(image.data);
  const radii = Array.from(q, (qj) => circleOfConfusion(qj, aperture, focus));
  const rowsByRadius = new Map<number, Uint8Array>();
  radii.forEach((r, j) => {
    const rows = rowsByRadius.get(r) ?? new Uint8Array(height);
    for (let y = 0; y < height; y++) rows[y] |= rowsOf[j][y];
    rowsByRadius.set(r, rows);
  });
  const tmp = new Float32Array(src.length);
  const blurredByRadius = new Map<number, Float32Array>();
  for (const [r, rows] of rowsByRadius) {
    const kernel = defocusKernel(r);
    if (kernel === null || !rows.includes(1)) {
      blurredByRadius.set(r, src);
      continue;
    }
    const blurred = new Float32Array(src.length);
    separableBlurRgb(src, width, height, kernel, blurred, tmp, rows);
    blurredByRadius.set(r, blurred);
  }
  const stack = radii.map((r) => blurredByRadius.get(r) ?? src);

  // `composite_blur_stack`: weights 1 - dist^2 on the two neighbouring quantiles, normalised.
  const out = blankLike(image);
  const o = out.data;
  for (let p = 0; p < n; p++) {
    const i = slot[p];
    const span = q[i] - q[i - 1];
    const distLeft = (depth[p] - q[i - 1]) / span;
    const distRight = (q[i] - depth[p]) / span;
    const wl = 1 - distLeft * distLeft;
    const wr = 1 - distRight * distRight;
    const norm = 1 / (wl + wr);
    const a = stack[i - 1];
    const b = stack[i];
    const k = p * 3;
    o[k] = truncateToByte((wl * a[k] + wr * b[k]) * norm);
    o[k + 1] = truncateToByte((wl * a[k + 1] + wr * b[k + 1]) * norm);
    o[k + 2] = truncateToByte((wl * a[k + 2] + wr * b[k + 2]) * norm);
  }
  return out;
}

function focusCorruption(kind: 'near' | 'far'): Corruption {
  const name = kind === 'near' ? 'near_focus' : 'far_focus';
  return {
    name,
    family: '3dcc',
    benchmark: '3dcc',
    random: false,
    needsDepth: true,
    deviation:
      'Depth is divided by its per-image maximum instead of the reference\'s fixed Taskonomy scale (depth / 8000), ' +
      'which only moves the 1e-4 quantile margin: blur radii depend on depth ratios alone.',
    apply(input: CorruptionInput): RgbImage {
      const depth: DepthMap = requireDepth(name, input);
      const rel = relativeDepth(name, depth);
      const focusIndex = kind === 'near' ? NEAR_FOCUS_INDEX : FAR_FOCUS_INDEX;
      return refocus(input.image, rel, focusIndex, focusAperture(kind, input.severity));
    },
  };
}

export const nearFocus: Corruption = focusCorruption('near');
export const farFocus: Corruption = focusCorruption('far');
