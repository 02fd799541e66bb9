/**
 * One view of a geometric pair (NAVI, ScanNet) prepared as probe3d prepares it (mbanani/probe3d@a1f1464): the
 * camera points on the matching grid, the projection used for 2D errors, and the crop the model sees.
 *
 * - ScanNet (evaluate_scannet_correspondence.py): depth (16-bit mm / 1000) nearest-downscaled by `scale_factor`,
 *   the intrinsics' first two rows scaled by it, points = K^-1 [d (x+.5), d (y+.5), d]; the model sees the whole
 *   image; 2D errors in that downscaled frame.
 * - NAVI (evals/datasets/navi.py + evaluate_navi_correspondence.py): depth = 655.35 / disparity PNG value (m);
 *   Resize(512, nearest) of the shorter side, CenterCrop(512); fx = focal_length * 512 / min(original h, w),
 *   principal point (256, 256); points on the 512 grid; `bbox_crop` to the square around depth > 0; Resize(512, 512,
 *   nearest); nearest-downscaled by `scale_factor`. The model sees the same square cut from the image (mapped back to
 *   the image's pixels, rounded); 2D errors with probe3d's final intrinsics diag(fx', fx', 1), fx' = fx * 512 / crop
 *   side (no principal point, as probe3d).
 */
import { readFile } from 'node:fs/promises';
import type { GeometricView } from '../../data/correspondence-pairs.js';
import { decodeDepthPng } from '../../depth/maps.js';
import { HoloclipError } from '../../errors.js';
import type { CropBox } from '../../image/dense-input.js';
import { readHeader } from '../../image/decode.js';
import { backProject, naviBboxCrop, nearestResize, type Grid, type Mat3, type MatchView } from '../../metrics/geometric-correspondence.js';

export interface PreparedView {
  readonly match: MatchView;
  /** Projection of camera points for the 2D error. */
  readonly K: Mat3;
  /** What the model sees: the whole image (null) or a box of it. */
  readonly crop: CropBox | null;
}

/** NAVI's working resolution (probe3d: image_size 512). */
export const NAVI_IMAGE_SIZE = 512;

/** Python's round() (half to even), as torchvision's CenterCrop uses it. */
function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

async function readDepth(file: string, transform: (v: number) => number): Promise<Grid> {
  const map = await decodeDepthPng(await readFile(file), file);
  const data = new Float64Array(map.data.length);
  for (let i = 0; i < data.length; i++) data[i] = transform(map.data[i]);
  return { height: map.height, width: map.width, data };
}

function downscale(g: Grid, scaleFactor: number): Grid {
  return nearestResize(g, Math.floor(g.height * scaleFactor), Math.floor(g.width * scaleFactor), 1 / scaleFactor, 1 / scaleFactor);
}

/** Planar [3, h*w] channels of `xyz` (a grid of width w0) cut to a box and nearest-resized to outH x outW. */
function cropResizePlanar(xyz: Float64Array, w0: number, h0: number, box: { top: number; left: number; height: number; width: number }, outH: number, outW: number): Float64Array[] {
  const n0 = w0 * h0;
  return [0, 1, 2].map((r) => {
    const data = new Float64Array(box.height * box.width);
    for (let y = 0; y < box.height; y++) for (let x = 0; x < box.width; x++) data[y * box.width + x] = xyz[r * n0 + (box.top + y) * w0 + box.left + x];
    return nearestResize({ height: box.height, width: box.width, data }, outH, outW).data as Float64Array;
  });
}

export async function prepareScanNetView(view: GeometricView, scaleFactor: number): Promise<PreparedView> {
  if (view.camera.kind !== 'intrinsics') throw new Error('internal: a ScanNet view without intrinsics');
  // decodeDepthPng turns 65535 into NaN: no depth.
  const depth = downscale(await readDepth(view.depthFile, (v) => (Number.isFinite(v) ? v / 1000 : 0)), scaleFactor);
  const K0 = view.camera.K;
  const K = [K0[0] * scaleFactor, K0[1] * scaleFactor, K0[2] * scaleFactor, K0[3] * scaleFactor, K0[4] * scaleFactor, K0[5] * scaleFactor, K0[6], K0[7], K0[8]];
  return { match: { height: depth.height, width: depth.width, xyz: backProject(depth, K), side: Math.max(depth.height, depth.width) }, K, crop: null };
}

export async function prepareNaviView(view: GeometricView, scaleFactor: number): Promise<PreparedView> {
  if (view.camera.kind !== 'navi') throw new Error('internal: a NAVI view without its annotation');
  const S = NAVI_IMAGE_SIZE;
  // probe3d read_depth: 1 / (v / (65535 * 10)) mm, / 1000 -> m; 0 stays 0. decodeDepthPng gives NaN for 65535.
  const raw = await readDepth(view.depthFile, (v) => (Number.isFinite(v) ? (v > 0 ? 655.35 / v : 0) : 655.35 / 65535));
  const { height: Hd, width: Wd } = raw;
  const [nh, nw] = Hd <= Wd ? [S, Math.floor((S * Wd) / Hd)] : [Math.floor((S * Hd) / Wd), S];
  const resized = nearestResize(raw, nh, nw);
  const top = roundHalfEven((nh - S) / 2);
  const left = roundHalfEven((nw - S) / 2);
  const d512 = new Float64Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) d512[y * S + x] = resized.data[(top + y) * nw + left + x];
  const [origH, origW] = view.camera.originalSize;
  const fx = (view.camera.focalLength * S) / Math.min(origH, origW);
  const depth512: Grid = { height: S, width: S, data: d512 };
  const xyz512 = backProject(depth512, [fx, 0, 0.5 * S, 0, fx, 0.5 * S, 0, 0, 1]);
  const box = naviBboxCrop(depth512);
  const [cx, cy, cz] = cropResizePlanar(xyz512, S, S, box, S, S);
  const h = Math.floor(S * scaleFactor);
  const xyz = new Float64Array(3 * h * h);
  [cx, cy, cz].forEach((c, r) => xyz.set(downscale({ height: S, width: S, data: c }, scaleFactor).data, r * h * h));
  const finalFx = (fx * S) / Math.min(box.height, box.width);
  // The box in the image's pixels: 512-frame -> resized frame (+ centre-crop offset) -> image (by the resize ratio).
  const header = await readHeader(await readFile(view.file), view.file);
  const ry = header.height / nh;
  const rx = header.width / nw;
  if (Math.abs(header.width / header.height - Wd / Hd) > 0.01) throw new HoloclipError(`navi: ${view.file} is ${header.width}x${header.height} but its depth map ${view.depthFile} is ${Wd}x${Hd}; they must have the same aspect ratio`);
  const crop: CropBox = [
    Math.round((left + box.left) * rx),
    Math.round((top + box.top) * ry),
    Math.round((left + box.left + box.width) * rx),
    Math.round((top + box.top + box.height) * ry),
  ];
  return { match: { height: h, width: h, xyz, side: h }, K: [finalFx, 0, 0, 0, finalFx, 0, 0, 0, 1], crop };
}

export function prepareView(protocol: 'scannet' | 'navi', view: GeometricView, scaleFactor: number): Promise<PreparedView> {
  return protocol === 'scannet' ? prepareScanNetView(view, scaleFactor) : prepareNaviView(view, scaleFactor);
}
