/**
 * Dense correspondence: feature sampling, matching and PCK / recall, as probe3d computes them
 * (mbanani/probe3d@a1f1464: `evals/utils/correspondence.py`, `evaluate_spair_correspondence.py`,
 * `evaluate_navi_correspondence.py`, `evals/datasets/spair.py`). Pure functions; no I/O.
 *
 * A dense map is channels x height x width, row-major (CHW), as a model's NCHW output for one image.
 * Arithmetic is float64 throughout (torch does float32; the goldens agree within 1e-6).
 *
 * Ties: an argmax takes the first maximal cell in row-major order (torch.argmax and numpy.argmax on CPU);
 * nearest neighbours and top-k order equal scores by the lower index (faiss and torch.topk leave it unspecified).
 */
import { HoloclipError } from '../errors.js';

/** One image's dense features, CHW. */
export interface DenseMap {
  channels: number;
  height: number;
  width: number;
  data: Float32Array | Float64Array;
}

/** A keypoint in pixels of some frame, and whether it is annotated. */
export interface Keypoint {
  x: number;
  y: number;
  visible: boolean;
}

function checkMap(fn: string, map: DenseMap): void {
  const { channels, height, width, data } = map;
  if (![channels, height, width].every((v) => Number.isSafeInteger(v) && v > 0)) {
    throw new HoloclipError(`${fn}: a dense map needs positive integer channels/height/width, got ${channels}x${height}x${width}`);
  }
  if (data.length !== channels * height * width) {
    throw new HoloclipError(`${fn}: a ${channels}x${height}x${width} map needs ${channels * height * width} values, got ${data.length}`);
  }
}

/** torch.nn.functional.normalize(feats, p=2, dim=0): each cell's channel vector divided by max(norm, eps). */
export function l2NormalizeChannels(map: DenseMap, eps = 1e-12): DenseMap {
  checkMap('l2NormalizeChannels', map);
  const { channels, height, width, data } = map;
  const hw = height * width;
  const out = new Float64Array(data.length);
  for (let p = 0; p < hw; p++) {
    let ss = 0;
    for (let c = 0; c < channels; c++) ss += data[c * hw + p] ** 2;
    const d = Math.max(Math.sqrt(ss), eps);
    for (let c = 0; c < channels; c++) out[c * hw + p] = data[c * hw + p] / d;
  }
  return { channels, height, width, data: out };
}

/**
 * torch.nn.functional.grid_sample(map[None], grid, mode='bilinear', padding_mode='zeros', align_corners):
 * `points` holds (x, y) pairs in normalised device coordinates, -1..1 across the map (x along the width).
 * align_corners=true puts -1 and 1 on the centres of the corner cells; false on their outer edges. Corners
 * outside the map contribute zero (so a point half a cell outside the edge gets half the edge value).
 * Returns [n, channels], row-major.
 */
export function bilinearSample(map: DenseMap, points: ArrayLike<number>, alignCorners: boolean): Float64Array {
  checkMap('bilinearSample', map);
  if (points.length % 2 !== 0) throw new HoloclipError('bilinearSample: points must be (x, y) pairs');
  const { channels, height: H, width: W, data } = map;
  const hw = H * W;
  const n = points.length / 2;
  const out = new Float64Array(n * channels);
  for (let i = 0; i < n; i++) {
    const gx = points[2 * i];
    const gy = points[2 * i + 1];
    const ix = alignCorners ? ((gx + 1) / 2) * (W - 1) : ((gx + 1) * W - 1) / 2;
    const iy = alignCorners ? ((gy + 1) / 2) * (H - 1) : ((gy + 1) * H - 1) / 2;
    const x0 = Math.floor(ix);
    const y0 = Math.floor(iy);
    const tx = ix - x0;
    const ty = iy - y0;
    const corners: Array<[number, number, number]> = [
      [x0, y0, (1 - tx) * (1 - ty)],
      [x0 + 1, y0, tx * (1 - ty)],
      [x0, y0 + 1, (1 - tx) * ty],
      [x0 + 1, y0 + 1, tx * ty],
    ];
    for (const [cx, cy, w] of corners) {
      if (cx < 0 || cx >= W || cy < 0 || cy >= H || w === 0) continue;
      const p = cy * W + cx;
      for (let c = 0; c < channels; c++) out[i * channels + c] += w * data[c * hw + p];
    }
  }
  return out;
}

/** Similarity of one feature vector (`vector`, length channels) with every cell: the heatmap [height*width]. */
export function heatmap(vector: ArrayLike<number>, map: DenseMap): Float64Array {
  const { channels, height, width, data } = map;
  if (vector.length !== channels) throw new HoloclipError(`heatmap: a vector of ${vector.length} values against ${channels} channels`);
  const hw = height * width;
  const out = new Float64Array(hw);
  for (let c = 0; c < channels; c++) {
    const v = vector[c];
    if (v === 0) continue;
    const base = c * hw;
    for (let p = 0; p < hw; p++) out[p] += v * data[base + p];
  }
  return out;
}

/** probe3d `argmax_2d`: the (column, row) of the first maximal cell in row-major order. */
export function argmax2d(values: ArrayLike<number>, width: number): [number, number] {
  if (values.length === 0 || values.length % width !== 0) throw new HoloclipError(`argmax2d: ${values.length} values is not a whole number of rows of ${width}`);
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return [best % width, Math.floor(best / width)];
}

/**
 * probe3d `SPairDataset.__getitem__` keypoint handling: shift by the crop box (use_bbox), then scale from the
 * padded square of side `paddedSide` to `imageSize` and truncate to integers (probe3d assigns the scaled values
 * back into an int tensor).
 */
export function keypointsToFrame(kps: readonly Keypoint[], crop: readonly [number, number] | null, paddedSide: number, imageSize: number): Keypoint[] {
  return kps.map((k) => {
    if (!k.visible) return { x: 0, y: 0, visible: false };
    const x = Math.trunc(k.x) - (crop ? crop[0] : 0);
    const y = Math.trunc(k.y) - (crop ? crop[1] : 0);
    return { x: Math.trunc((x * imageSize) / paddedSide), y: Math.trunc((y * imageSize) / paddedSide), visible: true };
  });
}

/**
 * probe3d's PCK normaliser for SPair (`thresh_scale`): without the bbox crop, errors are in units of the image
 * side, divided by max(bbox width, bbox height) / max(image width, image height) of the target; with the crop,
 * the image is the box and the scale is 1.
 */
export function spairThreshScale(targetBbox: readonly [number, number, number, number], targetImageSize: readonly [number, number], useBbox: boolean): number {
  if (useBbox) return 1;
  const [l, u, r, d] = targetBbox;
  return Math.max(r - l, d - u) / Math.max(targetImageSize[0], targetImageSize[1]);
}

/** What {@link keypointTransferErrors} returns: the error of each keypoint annotated in both images. */
export interface TransferErrors {
  /** Keypoint indices annotated in both images, ascending. */
  index: number[];
  /** Normalised error of each (in units of thresh_scale). */
  errors: Float64Array;
  /** Predicted (x, y) in [0, 1) of each, as probe3d computes them (cell index / grid width). */
  predicted: Float64Array;
}

/**
 * probe3d `compute_errors` (SPair): L2-normalised features, each source keypoint's feature sampled bilinearly
 * (align_corners=True at kp / imageSize * 2 - 1), the prediction at the argmax of its heatmap over the target
 * map, at (column, row) / map width (probe3d assumes square maps), and the error
 * ||prediction - target kp / imageSize|| / threshScale, for keypoints annotated in both images.
 * `normalised`: the maps are already L2-normalised (skip that step).
 */
export function keypointTransferErrors(
  source: DenseMap,
  target: DenseMap,
  kpsSource: readonly Keypoint[],
  kpsTarget: readonly Keypoint[],
  imageSize: number,
  threshScale: number,
  normalised = false,
): TransferErrors {
  if (kpsSource.length !== kpsTarget.length) {
    throw new HoloclipError(`keypointTransferErrors: ${kpsSource.length} source keypoints vs ${kpsTarget.length} target keypoints`);
  }
  if (source.channels !== target.channels) throw new HoloclipError(`keypointTransferErrors: ${source.channels} vs ${target.channels} channels`);
  if (!(threshScale > 0)) throw new HoloclipError(`keypointTransferErrors: thresh_scale must be > 0, got ${threshScale}`);
  const fs = normalised ? source : l2NormalizeChannels(source);
  const ft = normalised ? target : l2NormalizeChannels(target);
  const index: number[] = [];
  for (let k = 0; k < kpsSource.length; k++) if (kpsSource[k].visible && kpsTarget[k].visible) index.push(k);
  const pts = new Float64Array(index.length * 2);
  index.forEach((k, i) => {
    pts[2 * i] = (kpsSource[k].x / imageSize) * 2 - 1;
    pts[2 * i + 1] = (kpsSource[k].y / imageSize) * 2 - 1;
  });
  const sampled = bilinearSample(fs, pts, true);
  const errors = new Float64Array(index.length);
  const predicted = new Float64Array(index.length * 2);
  const C = fs.channels;
  index.forEach((k, i) => {
    const [col, row] = argmax2d(heatmap(sampled.subarray(i * C, (i + 1) * C), ft), ft.width);
    const px = col / ft.width;
    const py = row / ft.width;
    predicted[2 * i] = px;
    predicted[2 * i + 1] = py;
    errors[i] = Math.hypot(px - kpsTarget[k].x / imageSize, py - kpsTarget[k].y / imageSize) / threshScale;
  });
  return { index, errors, predicted };
}

/** Fraction of errors strictly below each threshold (probe3d: `(errors < thresh).float().mean()`); NaN when empty. */
export function recallAtThresholds(errors: ArrayLike<number>, thresholds: readonly number[]): number[] {
  return thresholds.map((t) => {
    if (errors.length === 0) return Number.NaN;
    let hits = 0;
    for (let i = 0; i < errors.length; i++) if (errors[i] < t) hits++;
    return hits / errors.length;
  });
}

/**
 * probe3d's SPair summary: the mean of the per-class recalls over the classes that have keypoints (NaN entries,
 * probe3d's -1, are left out).
 */
export function classAveraged(perClass: ReadonlyMap<string, number>): number {
  let sum = 0;
  let n = 0;
  for (const x of perClass.values()) {
    if (Number.isFinite(x)) {
      sum += x;
      n++;
    }
  }
  return n === 0 ? Number.NaN : sum / n;
}

/** probe3d `compute_binned_performance`: mean of y over x in [bins[i], bins[i+1]); NaN for an empty bin. */
export function binnedMean(y: ArrayLike<number>, x: ArrayLike<number>, bins: readonly number[]): number[] {
  if (y.length !== x.length) throw new HoloclipError(`binnedMean: ${y.length} values vs ${x.length} bin coordinates`);
  const out: number[] = [];
  for (let b = 0; b + 1 < bins.length; b++) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] >= bins[b] && x[i] < bins[b + 1]) {
        sum += y[i];
        n++;
      }
    }
    out.push(n === 0 ? Number.NaN : sum / n);
  }
  return out;
}

/** Rows of a row-major [n, dim] matrix divided by max(norm, eps). */
export function l2NormalizeRows(x: ArrayLike<number>, n: number, dim: number, eps = 1e-12): Float64Array {
  if (x.length !== n * dim) throw new HoloclipError(`l2NormalizeRows: ${x.length} values is not ${n}x${dim}`);
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    let ss = 0;
    for (let d = 0; d < dim; d++) ss += x[i * dim + d] ** 2;
    const s = Math.max(Math.sqrt(ss), eps);
    for (let d = 0; d < dim; d++) out[i * dim + d] = x[i * dim + d] / s;
  }
  return out;
}

/** k nearest rows of `y` for each row of `x` by cosine distance (1 - cos), nearest first, ties by lower index. */
export interface Knn {
  k: number;
  /** [nx, k] cosine distances. */
  dists: Float64Array;
  /** [nx, k] row indices into y. */
  idx: Int32Array;
}

/**
 * probe3d `knn_points(..., metric="cosine")`: both sets L2-normalised, the k nearest by Euclidean distance
 * (equivalently, largest cosine), distances reported as 1 - cosine_similarity (torch's, eps 1e-8).
 */
export function cosineKnn(x: ArrayLike<number>, nx: number, y: ArrayLike<number>, ny: number, dim: number, k: number): Knn {
  if (k > ny) throw new HoloclipError(`cosineKnn: k = ${k} but only ${ny} candidates`);
  const xn = l2NormalizeRows(x, nx, dim);
  const yn = l2NormalizeRows(y, ny, dim);
  const dists = new Float64Array(nx * k);
  const idx = new Int32Array(nx * k);
  const bestSim = new Float64Array(k);
  const bestIdx = new Int32Array(k);
  for (let i = 0; i < nx; i++) {
    bestSim.fill(-Infinity);
    bestIdx.fill(-1);
    for (let j = 0; j < ny; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += xn[i * dim + d] * yn[j * dim + d];
      if (s <= bestSim[k - 1]) continue; // equal: the earlier index stays ahead
      let p = k - 1;
      while (p > 0 && s > bestSim[p - 1]) {
        bestSim[p] = bestSim[p - 1];
        bestIdx[p] = bestIdx[p - 1];
        p--;
      }
      bestSim[p] = s;
      bestIdx[p] = j;
    }
    for (let r = 0; r < k; r++) {
      const j = bestIdx[r];
      let dot = 0;
      let nxx = 0;
      let nyy = 0;
      for (let d = 0; d < dim; d++) {
        dot += xn[i * dim + d] * yn[j * dim + d];
        nxx += xn[i * dim + d] ** 2;
        nyy += yn[j * dim + d] ** 2;
      }
      dists[i * k + r] = 1 - dot / Math.max(Math.sqrt(nxx * nyy), 1e-8);
      idx[i * k + r] = j;
    }
  }
  return { k, dists, idx };
}

/** probe3d `calculate_ratio_test`: 1 - d1 / d2 with both clamped to >= 1e-9; higher = a more distinctive match. */
export function ratioTestWeights(knn: Knn): Float64Array {
  if (knn.k < 2) throw new HoloclipError('ratioTestWeights: needs the 2 nearest neighbours');
  const n = knn.dists.length / knn.k;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d0 = Math.max(knn.dists[i * knn.k], 1e-9);
    const d1 = Math.max(knn.dists[i * knn.k + 1], 1e-9);
    out[i] = 1 - d0 / d1;
  }
  return out;
}

/** A set of correspondences: source index, target index, weight; in decreasing weight. */
export interface Matches {
  source: Int32Array;
  target: Int32Array;
  weight: Float64Array;
}

/** probe3d `get_topk_matches`: the min(k, n) largest weights (descending, ties by lower index) and their targets. */
export function topkMatches(weights: ArrayLike<number>, nnIndex: ArrayLike<number>, k: number): Matches {
  const n = Math.min(k, weights.length);
  const order = Array.from({ length: weights.length }, (_, i) => i).sort((a, b) => (weights[b] - weights[a]) || (a - b));
  const source = new Int32Array(n);
  const target = new Int32Array(n);
  const weight = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    source[r] = order[r];
    target[r] = nnIndex[order[r]];
    weight[r] = weights[order[r]];
  }
  return { source, target, weight };
}

/**
 * probe3d `get_correspondences_ratio_test(P1_F, P2_F, num_corres, metric="cosine", bidirectional, ratio_test)`:
 * 2-NN of each P1 point in P2; weight = ratio test (or the nearest cosine distance without it); the top
 * num_corres. Bidirectional: num_corres // 2 from each direction, concatenated (P1 -> P2 first), source always
 * indexing P1.
 */
export function correspondencesRatioTest(
  p1: ArrayLike<number>, n1: number, p2: ArrayLike<number>, n2: number, dim: number, numCorres: number,
  options: { bidirectional?: boolean; ratioTest?: boolean } = {},
): Matches {
  const ratio = options.ratioTest ?? true;
  const weightsOf = (knn: Knn): Float64Array => {
    if (ratio) return ratioTestWeights(knn);
    const w = new Float64Array(knn.dists.length / knn.k);
    for (let i = 0; i < w.length; i++) w[i] = knn.dists[i * knn.k];
    return w;
  };
  const nearest = (knn: Knn): Int32Array => {
    const out = new Int32Array(knn.idx.length / knn.k);
    for (let i = 0; i < out.length; i++) out[i] = knn.idx[i * knn.k];
    return out;
  };
  const knn12 = cosineKnn(p1, n1, p2, n2, dim, 2);
  if (!options.bidirectional) return topkMatches(weightsOf(knn12), nearest(knn12), numCorres);
  const knn21 = cosineKnn(p2, n2, p1, n1, dim, 2);
  const half = Math.floor(numCorres / 2);
  const a = topkMatches(weightsOf(knn12), nearest(knn12), half);
  const b = topkMatches(weightsOf(knn21), nearest(knn21), half);
  const cat = <T extends Int32Array | Float64Array>(x: T, y: T, make: (n: number) => T): T => {
    const out = make(x.length + y.length);
    out.set(x, 0);
    out.set(y, x.length);
    return out;
  };
  return {
    source: cat(a.source, b.target, (n) => new Int32Array(n)),
    target: cat(a.target, b.source, (n) => new Int32Array(n)),
    weight: cat(a.weight, b.weight, (n) => new Float64Array(n)),
  };
}

/**
 * Mutual nearest neighbours by cosine similarity: pairs (i, j) with j the nearest P2 point of P1 point i and i the
 * nearest P1 point of j (ties by lower index), in increasing i; weight = the cosine similarity.
 */
export function mutualNearestNeighbours(p1: ArrayLike<number>, n1: number, p2: ArrayLike<number>, n2: number, dim: number): Matches {
  const a = cosineKnn(p1, n1, p2, n2, dim, 1);
  const b = cosineKnn(p2, n2, p1, n1, dim, 1);
  const src: number[] = [];
  const tgt: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < n1; i++) {
    const j = a.idx[i];
    if (b.idx[j] === i) {
      src.push(i);
      tgt.push(j);
      w.push(1 - a.dists[i]);
    }
  }
  return { source: Int32Array.from(src), target: Int32Array.from(tgt), weight: Float64Array.from(w) };
}
