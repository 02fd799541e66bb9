/**
 * Geometric correspondence (probe3d's NAVI and ScanNet protocols, mbanani/probe3d@a1f1464,
 * evaluate_{navi,scannet}_correspondence.py and evals/utils/correspondence.py), pure math:
 * back-projecting a depth map through the intrinsics on the pixel-centre grid, torch's nearest and bicubic
 * resampling, features sampled at the valid cells, ratio-test matching (top num_corr), and the 3D error (metres,
 * after the ground-truth relative pose) and 2D error (pixels, both points projected into view 1) of every match.
 */
import { HoloclipError } from '../errors.js';
import { bilinearSample, correspondencesRatioTest, type DenseMap } from './correspondence.js';

/** Row-major 3x3. */
export type Mat3 = readonly number[];
/** Row-major 4x4 (rigid transform; the last row 0 0 0 1). */
export type Mat4 = readonly number[];

export function mat3Inverse(m: Mat3): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (det === 0 || !Number.isFinite(det)) throw new HoloclipError('intrinsics matrix is singular');
  return [A / det, -(b * i - c * h) / det, (b * f - c * e) / det, B / det, (a * i - c * g) / det, -(a * f - c * d) / det, C / det, -(a * h - b * g) / det, (a * e - b * d) / det];
}

export function mat4Multiply(x: Mat4, y: Mat4): number[] {
  const out = new Array<number>(16).fill(0);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) for (let k = 0; k < 4; k++) out[r * 4 + c] += x[r * 4 + k] * y[k * 4 + c];
  return out;
}

/** Inverse of a rigid transform [R t; 0 1]: [R^T, -R^T t]. */
export function rigidInverse(m: Mat4): number[] {
  const out = [m[0], m[4], m[8], 0, m[1], m[5], m[9], 0, m[2], m[6], m[10], 0, 0, 0, 0, 1];
  for (let r = 0; r < 3; r++) out[r * 4 + 3] = -(out[r * 4] * m[3] + out[r * 4 + 1] * m[7] + out[r * 4 + 2] * m[11]);
  return out;
}

/** General 4x4 inverse (torch's `.inverse()` on a pose that may not be exactly rigid), by Gauss-Jordan. */
export function mat4Inverse(m: Mat4): number[] {
  const a = [...m];
  const inv = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1];
  for (let c = 0; c < 4; c++) {
    let p = c;
    for (let r = c + 1; r < 4; r++) if (Math.abs(a[r * 4 + c]) > Math.abs(a[p * 4 + c])) p = r;
    if (a[p * 4 + c] === 0) throw new HoloclipError('pose matrix is singular');
    for (let k = 0; k < 4; k++) {
      [a[c * 4 + k], a[p * 4 + k]] = [a[p * 4 + k], a[c * 4 + k]];
      [inv[c * 4 + k], inv[p * 4 + k]] = [inv[p * 4 + k], inv[c * 4 + k]];
    }
    const d = a[c * 4 + c];
    for (let k = 0; k < 4; k++) {
      a[c * 4 + k] /= d;
      inv[c * 4 + k] /= d;
    }
    for (let r = 0; r < 4; r++) {
      if (r === c) continue;
      const f = a[r * 4 + c];
      for (let k = 0; k < 4; k++) {
        a[r * 4 + k] -= f * a[c * 4 + k];
        inv[r * 4 + k] -= f * inv[c * 4 + k];
      }
    }
  }
  return inv;
}

/** probe3d `quaternion_to_rotation_matrix` (q = [w, x, y, z], not assumed unit) as a 4x4. */
export function quaternionToMatrix(q: readonly number[]): number[] {
  const [w, x, y, z] = q;
  const s = 2 / (w * w + x * x + y * y + z * z);
  return [
    1 - s * (y * y + z * z), s * (x * y - z * w), s * (x * z + y * w), 0,
    s * (x * y + z * w), 1 - s * (x * x + z * z), s * (y * z - x * w), 0,
    s * (x * z - y * w), s * (y * z + x * w), 1 - s * (x * x + y * y), 0,
    0, 0, 0, 1,
  ];
}

/** probe3d `so3_rotation_angle` of the rotation part of a 4x4 (or 3x3 when `size` is 3), in degrees. */
export function rotationAngleDeg(m: readonly number[], size: 3 | 4 = 4): number {
  const tr = m[0] + m[size + 1] + m[2 * size + 2];
  return (Math.acos(Math.min(1, Math.max(-1, (tr - 1) * 0.5))) * 180) / Math.PI;
}

/** A single-channel grid, row-major. */
export interface Grid {
  readonly height: number;
  readonly width: number;
  readonly data: Float32Array | Float64Array;
}

/**
 * torch `F.interpolate(mode="nearest")` (and OpenCV INTER_NEAREST): output cell (y, x) takes input
 * (min(floor(y * sy), H - 1), min(floor(x * sx), W - 1)) with sy, sx the input/output ratios (1 / scale_factor when
 * torch is given a scale factor).
 */
export function nearestResize(g: Grid, outH: number, outW: number, sy = g.height / outH, sx = g.width / outW): Grid {
  const data = new Float64Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const iy = Math.min(Math.floor(y * sy), g.height - 1);
    for (let x = 0; x < outW; x++) data[y * outW + x] = g.data[iy * g.width + Math.min(Math.floor(x * sx), g.width - 1)];
  }
  return { height: outH, width: outW, data };
}

/** Camera points of a depth map on the pixel-centre grid: xyz = K^-1 [d (x + 0.5), d (y + 0.5), d], [3, H*W] planar. */
export function backProject(depth: Grid, K: Mat3): Float64Array {
  const Ki = mat3Inverse(K);
  const n = depth.height * depth.width;
  const out = new Float64Array(3 * n);
  for (let y = 0; y < depth.height; y++) {
    for (let x = 0; x < depth.width; x++) {
      const p = y * depth.width + x;
      const d = depth.data[p];
      const u = d * (x + 0.5);
      const v = d * (y + 0.5);
      for (let r = 0; r < 3; r++) out[r * n + p] = Ki[r * 3] * u + Ki[r * 3 + 1] * v + Ki[r * 3 + 2] * d;
    }
  }
  return out;
}

/** torch's cubic convolution weights (A = -0.75) for fraction t. */
function cubicWeights(t: number): [number, number, number, number] {
  const A = -0.75;
  const c1 = (x: number) => ((A + 2) * x - (A + 3)) * x * x + 1;
  const c2 = (x: number) => ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return [c2(t + 1), c1(t), c1(1 - t), c2(2 - t)];
}

/**
 * Features at fractional positions (fx, fy in 0..1 across the map), [n, C] row-major: `bilinear` is grid_sample
 * (align_corners=False, zeros padding); `bicubic` is what `F.interpolate(mode="bicubic", align_corners=False)` gives
 * at those positions (source coordinate f * size - 0.5, taps clamped to the border).
 */
export function sampleMap(map: DenseMap, fx: ArrayLike<number>, fy: ArrayLike<number>, method: 'bilinear' | 'bicubic'): Float64Array {
  const n = fx.length;
  if (method === 'bilinear') {
    const pts = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      pts[2 * i] = 2 * fx[i] - 1;
      pts[2 * i + 1] = 2 * fy[i] - 1;
    }
    return bilinearSample(map, pts, false);
  }
  const { channels: C, height: H, width: W, data } = map;
  const hw = H * W;
  const out = new Float64Array(n * C);
  for (let i = 0; i < n; i++) {
    const sx = fx[i] * W - 0.5;
    const sy = fy[i] * H - 0.5;
    const x0 = Math.floor(sx);
    const y0 = Math.floor(sy);
    const wx = cubicWeights(sx - x0);
    const wy = cubicWeights(sy - y0);
    for (let a = 0; a < 4; a++) {
      const yy = Math.min(Math.max(y0 - 1 + a, 0), H - 1);
      for (let b = 0; b < 4; b++) {
        const xx = Math.min(Math.max(x0 - 1 + b, 0), W - 1);
        const w = wy[a] * wx[b];
        const p = yy * W + xx;
        for (let c = 0; c < C; c++) out[i * C + c] += w * data[c * hw + p];
      }
    }
  }
  return out;
}

/** One view at the matching resolution: camera points per cell and where the dense map lies. */
export interface MatchView {
  readonly height: number;
  readonly width: number;
  /** [3, height*width] planar camera coordinates; cells with z <= 0 have no point. */
  readonly xyz: Float64Array;
  /** The dense map covers the square [0, side) x [0, side) of this grid (side >= width, height: padded images). */
  readonly side: number;
}

export interface GeometricErrors {
  /** Per match, metres (or the depth unit): |R p0 + t - p1|. */
  err3d: Float64Array;
  /** Per match, pixels of the projection frame: |proj(R p0 + t) - proj(p1)|. */
  err2d: Float64Array;
}

/** Valid cells of a view: their indices, points [n, 3] and sampling positions. */
function validCells(v: MatchView): { n: number; xyz: Float64Array; fx: Float64Array; fy: Float64Array } {
  const hw = v.height * v.width;
  const idx: number[] = [];
  for (let p = 0; p < hw; p++) if (v.xyz[2 * hw + p] > 0) idx.push(p);
  const xyz = new Float64Array(3 * idx.length);
  const fx = new Float64Array(idx.length);
  const fy = new Float64Array(idx.length);
  idx.forEach((p, i) => {
    for (let r = 0; r < 3; r++) xyz[3 * i + r] = v.xyz[r * hw + p];
    fx[i] = ((p % v.width) + 0.5) / v.side;
    fy[i] = (Math.floor(p / v.width) + 0.5) / v.side;
  });
  return { n: idx.length, xyz, fx, fy };
}

function project(K: Mat3, x: number, y: number, z: number): [number, number] {
  const u = K[0] * x + K[1] * y + K[2] * z;
  const v = K[3] * x + K[4] * y + K[5] * z;
  const w = Math.max(K[6] * x + K[7] * y + K[8] * z, 1e-9);
  return [u / w, v / w];
}

/**
 * probe3d `estimate_correspondence_depth` / `estimate_correspondence_xyz` + the error computation of its evaluate
 * scripts: features sampled at every cell with a point (`sampling`), cosine 2-NN ratio test from view 0 to view 1,
 * the top `numCorr` matches; each match's 3D error after `rt01` (view 0 -> view 1 camera) and 2D error with both
 * points projected by `K`.
 */
export function geometricPairErrors(
  feats0: DenseMap,
  feats1: DenseMap,
  view0: MatchView,
  view1: MatchView,
  rt01: Mat4,
  K: Mat3,
  numCorr: number,
  sampling: 'bilinear' | 'bicubic',
): GeometricErrors {
  if (feats0.channels !== feats1.channels) throw new HoloclipError(`geometricPairErrors: ${feats0.channels} vs ${feats1.channels} channels`);
  const a = validCells(view0);
  const b = validCells(view1);
  if (a.n === 0 || b.n < 2) return { err3d: new Float64Array(0), err2d: new Float64Array(0) };
  const f0 = sampleMap(feats0, a.fx, a.fy, sampling);
  const f1 = sampleMap(feats1, b.fx, b.fy, sampling);
  const m = correspondencesRatioTest(f0, a.n, f1, b.n, feats0.channels, numCorr);
  const n = m.source.length;
  const err3d = new Float64Array(n);
  const err2d = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const i = m.source[k];
    const j = m.target[k];
    const [x, y, z] = [a.xyz[3 * i], a.xyz[3 * i + 1], a.xyz[3 * i + 2]];
    const px = rt01[0] * x + rt01[1] * y + rt01[2] * z + rt01[3];
    const py = rt01[4] * x + rt01[5] * y + rt01[6] * z + rt01[7];
    const pz = rt01[8] * x + rt01[9] * y + rt01[10] * z + rt01[11];
    const [qx, qy, qz] = [b.xyz[3 * j], b.xyz[3 * j + 1], b.xyz[3 * j + 2]];
    err3d[k] = Math.hypot(px - qx, py - qy, pz - qz);
    const [u0, v0] = project(K, px, py, pz);
    const [u1, v1] = project(K, qx, qy, qz);
    err2d[k] = Math.hypot(u0 - u1, v0 - v1);
  }
  return { err3d, err2d };
}

/**
 * probe3d's NAVI `bbox_crop` on a depth mask: the square [top, left, side] around the pixels with depth > 0
 * (side = the larger extent, max - min index), centred, or else from (min - pad) clipped at 0; the slice is clipped
 * to the image as torch slicing is (so the second case can be narrower than the side).
 */
export function naviBboxCrop(depth: Grid): { top: number; left: number; height: number; width: number } {
  let y0 = Infinity;
  let x0 = Infinity;
  let y1 = -Infinity;
  let x1 = -Infinity;
  for (let y = 0; y < depth.height; y++) {
    for (let x = 0; x < depth.width; x++) {
      if (depth.data[y * depth.width + x] > 0) {
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
      }
    }
  }
  if (!Number.isFinite(y0)) throw new HoloclipError('the depth map has no pixel with depth > 0');
  const bh = y1 - y0;
  const bw = x1 - x0;
  const side = Math.max(bh, bw);
  if (side > Math.min(depth.height, depth.width)) throw new HoloclipError('aspect ratio prevents a square crop');
  const ty = y0 - Math.floor((side - bh) / 2);
  const tx = x0 - Math.floor((side - bw) / 2);
  if (ty >= 0 && tx >= 0 && ty + side <= depth.height && tx + side <= depth.width) return { top: ty, left: tx, height: side, width: side };
  const fy = Math.max(0, y0 - (side - bh));
  const fx = Math.max(0, x0 - (side - bw));
  return { top: fy, left: fx, height: Math.min(side, depth.height - fy), width: Math.min(side, depth.width - fx) };
}
