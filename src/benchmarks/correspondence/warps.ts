/**
 * Seeded geometric warps with exact keypoint ground truth, for the embedded correspondence benchmark. Pure.
 *
 * Coordinates are continuous pixels with pixel centres at integers (x = column, y = row). Every warp is held as
 * its backward map B (target -> source), which renders the target by sampling the source at B(p); a keypoint's
 * ground truth is the forward map F = B^-1: closed form for similarities and homographies, Newton's method for
 * thin-plate splines (accepted only when |B(F(x)) - x| < 1e-6 px).
 */
import type { Rng } from '../../metrics/random.js';

export type Point = readonly [number, number];
export const WARP_KINDS = ['homography', 'tps', 'rotation', 'scale', 'background'] as const;
export type WarpKind = (typeof WARP_KINDS)[number];
/** Warp strength levels (SPair's viewpoint_variation slots): 0 mild, 1 medium, 2 strong. */
export const WARP_LEVELS = [0, 1, 2] as const;

export interface Warp {
  readonly kind: WarpKind;
  readonly level: number;
  /** The parameters drawn, for the annotation. */
  readonly params: Record<string, number | number[] | number[][]>;
  backward(p: Point): [number, number];
  /** The exact image of a source point, or null when it cannot be inverted (TPS fold). */
  forward(p: Point): [number, number] | null;
}

/** Solves A x = b (n x n, row-major) by Gaussian elimination with partial pivoting. */
export function solveLinear(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    if (Math.abs(m[p][c]) < 1e-12) throw new Error('solveLinear: singular system');
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let k = r + 1; k < n; k++) s -= m[r][k] * x[k];
    x[r] = s / m[r][r];
  }
  return x;
}

/** The 3x3 homography (h33 = 1) mapping the 4 `from` points onto the 4 `to` points. */
export function homographyFrom(from: readonly Point[], to: readonly Point[]): number[] {
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i];
    const [u, v] = to[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  return [...solveLinear(a, b), 1];
}

export function applyHomography(h: readonly number[], [x, y]: Point): [number, number] {
  const w = h[6] * x + h[7] * y + h[8];
  return [(h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w];
}

/** Inverse of a 3x3 matrix (row-major), normalised so that entry 8 is 1. */
export function invert3(h: readonly number[]): number[] {
  const [a, b, c, d, e, f, g, k, l] = h;
  const inv = [e * l - f * k, c * k - b * l, b * f - c * e, f * g - d * l, a * l - c * g, c * d - a * f, d * k - e * g, b * g - a * k, a * e - b * d];
  const det = a * inv[0] + b * inv[3] + c * inv[6];
  return inv.map((v) => v / det / (inv[8] / det));
}

function tpsKernel(r2: number): number {
  return r2 === 0 ? 0 : r2 * Math.log(r2);
}

/** A thin-plate spline R^2 -> R^2 through `from[i] -> to[i]` (U(r) = r^2 log r^2, affine part, exact interpolation). */
export function thinPlateSpline(from: readonly Point[], to: readonly Point[]): (p: Point) => [number, number] {
  const n = from.length;
  const a: number[][] = [];
  for (let i = 0; i < n + 3; i++) a.push(new Array<number>(n + 3).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i][j] = tpsKernel((from[i][0] - from[j][0]) ** 2 + (from[i][1] - from[j][1]) ** 2);
    a[i][n] = 1;
    a[i][n + 1] = from[i][0];
    a[i][n + 2] = from[i][1];
    a[n][i] = 1;
    a[n + 1][i] = from[i][0];
    a[n + 2][i] = from[i][1];
  }
  const wx = solveLinear(a, [...to.map((p) => p[0]), 0, 0, 0]);
  const wy = solveLinear(a, [...to.map((p) => p[1]), 0, 0, 0]);
  return ([x, y]) => {
    let u = wx[n] + wx[n + 1] * x + wx[n + 2] * y;
    let v = wy[n] + wy[n + 1] * x + wy[n + 2] * y;
    for (let i = 0; i < n; i++) {
      const k = tpsKernel((x - from[i][0]) ** 2 + (y - from[i][1]) ** 2);
      u += wx[i] * k;
      v += wy[i] * k;
    }
    return [u, v];
  };
}

/** Solves B(y) = x for y by Newton's method from `start` (numeric Jacobian); null unless |B(y) - x| < tol. */
export function invertByNewton(b: (p: Point) => [number, number], x: Point, start: Point, tol = 1e-6): [number, number] | null {
  let [y0, y1] = start;
  const h = 1e-4;
  for (let it = 0; it < 60; it++) {
    const [f0, f1] = b([y0, y1]);
    const r0 = f0 - x[0];
    const r1 = f1 - x[1];
    if (Math.hypot(r0, r1) < tol * 1e-3) break;
    const [ax, ay] = b([y0 + h, y1]);
    const [bx, by] = b([y0, y1 + h]);
    const j00 = (ax - f0) / h;
    const j10 = (ay - f1) / h;
    const j01 = (bx - f0) / h;
    const j11 = (by - f1) / h;
    const det = j00 * j11 - j01 * j10;
    if (Math.abs(det) < 1e-12) return null;
    y0 -= (j11 * r0 - j01 * r1) / det;
    y1 -= (-j10 * r0 + j00 * r1) / det;
  }
  const [g0, g1] = b([y0, y1]);
  return Math.hypot(g0 - x[0], g1 - x[1]) < tol ? [y0, y1] : null;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

function sign(rng: Rng): number {
  return rng.next() < 0.5 ? -1 : 1;
}

/** Similarity about the image centre: forward p -> c + s R(theta) (p - c) + t. */
function similarity(kind: WarpKind, level: number, size: number, theta: number, s: number, t: Point, extra: Record<string, number> = {}): Warp {
  const c = (size - 1) / 2;
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  return {
    kind,
    level,
    params: { rotation_deg: (theta * 180) / Math.PI, scale: s, translate: [t[0], t[1]], ...extra },
    forward: ([x, y]) => [c + s * (cos * (x - c) - sin * (y - c)) + t[0], c + s * (sin * (x - c) + cos * (y - c)) + t[1]],
    backward: ([u, v]) => {
      const dx = (u - t[0] - c) / s;
      const dy = (v - t[1] - c) / s;
      return [c + cos * dx + sin * dy, c - sin * dx + cos * dy];
    },
  };
}

/**
 * The warp of one pair, drawn from `rng`. Strength grows with `level`:
 *   rotation    |angle| in [10, 30], [45, 90], [120, 180] degrees
 *   scale       factor in [0.8, 0.9] | [1.1, 1.2]; [0.65, 0.75] | [1.3, 1.45]; [0.5, 0.6] | [1.6, 1.8] (+ up to 4 px shift)
 *   homography  each image corner moved by up to 8%, 16%, 25% of the side (perspective)
 *   tps         a 4x4 grid of control points moved by up to 4%, 7%, 10% of the side (thin-plate-spline bend)
 *   background  the object unchanged up to a 6 px shift; the background flat colour, stripes/checkers, noise/dots
 */
export function drawWarp(kind: WarpKind, level: number, size: number, rng: Rng): Warp {
  const last = size - 1;
  switch (kind) {
    case 'rotation': {
      const ranges = [[10, 30], [45, 90], [120, 180]][level];
      return similarity(kind, level, size, (sign(rng) * uniform(rng, ranges[0], ranges[1]) * Math.PI) / 180, 1, [0, 0]);
    }
    case 'scale': {
      const ranges = [[0.8, 0.9, 1.1, 1.2], [0.65, 0.75, 1.3, 1.45], [0.5, 0.6, 1.6, 1.8]][level];
      const s = rng.next() < 0.5 ? uniform(rng, ranges[0], ranges[1]) : uniform(rng, ranges[2], ranges[3]);
      return similarity(kind, level, size, 0, s, [uniform(rng, -4, 4), uniform(rng, -4, 4)]);
    }
    case 'background':
      return similarity(kind, level, size, 0, 1, [uniform(rng, -6, 6), uniform(rng, -6, 6)]);
    case 'homography': {
      const d = [0.08, 0.16, 0.25][level] * size;
      const corners: Point[] = [[0, 0], [last, 0], [last, last], [0, last]];
      const moved: Point[] = corners.map(([x, y]) => [x + uniform(rng, -d, d), y + uniform(rng, -d, d)]);
      const h = homographyFrom(corners, moved);
      const inv = invert3(h);
      return {
        kind, level,
        params: { corners_to: moved.map((p) => [p[0], p[1]]), max_corner_shift_px: d },
        forward: (p) => applyHomography(h, p),
        backward: (p) => applyHomography(inv, p),
      };
    }
    case 'tps': {
      const d = [0.04, 0.07, 0.1][level] * size;
      const grid: Point[] = [];
      for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) grid.push([(last * i) / 3, (last * j) / 3]);
      const moved: Point[] = grid.map(([x, y]) => [x + uniform(rng, -d, d), y + uniform(rng, -d, d)]);
      // backward: target control point (moved) -> source grid point
      const b = thinPlateSpline(moved, grid);
      const approx = thinPlateSpline(grid, moved);
      return {
        kind, level,
        params: { control_from: grid.map((p) => [p[0], p[1]]), control_to: moved.map((p) => [p[0], p[1]]), max_shift_px: d },
        backward: b,
        forward: (p) => invertByNewton(b, p, approx(p)),
      };
    }
  }
}
