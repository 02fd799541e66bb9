/**
 * src/metrics/correspondence.ts against a numpy transcription of probe3d's matching and PCK code
 * (tools/goldens/make_correspondence_goldens.py, mbanani/probe3d@a1f1464; the transcription is checked there against
 * torch's grid_sample and the same path in torch ops). Within 1e-6, including sampling at and beyond the borders,
 * heatmap ties (first maximal cell), kNN and top-k ties (lower index), empty bins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  argmax2d, binnedMean, bilinearSample, classAveraged, correspondencesRatioTest, cosineKnn, keypointTransferErrors,
  keypointsToFrame, l2NormalizeChannels, mutualNearestNeighbours, ratioTestWeights, recallAtThresholds, spairThreshScale,
  type DenseMap, type Keypoint, type Matches,
} from '../src/metrics/correspondence.js';
import { decodeFloat16, encodeFloat16, toFloat16Bits } from '../src/store/float16.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const TOL = 1e-6;
type Nested = number | Nested[];
const G = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'golden', 'correspondence', 'matching.json'), 'utf8')) as any;

function flat(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}
function map(feats: Nested, shape: number[]): DenseMap {
  return { channels: shape[0], height: shape[1], width: shape[2], data: Float64Array.from(flat(feats)) };
}
function close(actual: ArrayLike<number>, expected: ArrayLike<number | null>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    if (e === null) {
      assert.ok(Number.isNaN(actual[i]), `${what}[${i}]: expected NaN, got ${actual[i]}`);
      continue;
    }
    assert.ok(Math.abs(actual[i] - e) <= TOL, `${what}[${i}]: ${actual[i]} vs ${e}`);
  }
}
function kps(rows: number[][]): Keypoint[] {
  return rows.map(([x, y, v]) => ({ x, y, visible: v === 1 }));
}

test('bilinear sampling = grid_sample (zeros padding), both align_corners, at and beyond borders', () => {
  for (const c of G.sampling) {
    const out = bilinearSample(map(c.feats, c.shape), flat(c.points), c.align_corners);
    close(out, flat(c.expected), `align_corners=${c.align_corners}`);
  }
});

test('L2 normalisation over channels; a zero vector stays zero', () => {
  const c = G.normalize;
  const out = l2NormalizeChannels(map(c.feats, c.shape));
  close(out.data, flat(c.expected), 'normalize');
});

test('keypoints into the model frame: bbox shift, square padding, truncation', () => {
  for (const c of G.keypoint_frame) {
    const input: Keypoint[] = (c.kps as Array<number[] | null>).map((k) => (k ? { x: k[0], y: k[1], visible: true } : { x: 0, y: 0, visible: false }));
    const out = keypointsToFrame(input, c.bbox ? [c.bbox[0], c.bbox[1]] : null, c.padded_side, c.image_size);
    assert.deepEqual(out.map((k) => [k.x, k.y, k.visible ? 1 : 0]), c.expected);
  }
});

test('SPair keypoint transfer errors and PCK = probe3d compute_errors (incl. heatmap ties and border keypoints)', () => {
  for (const c of G.transfer) {
    assert.ok(Math.abs(spairThreshScale(c.bbox, [c.imsize[0], c.imsize[1]], false) - c.thresh_scale) <= 1e-12, `${c.name}: thresh_scale`);
    assert.equal(spairThreshScale(c.bbox, [c.imsize[0], c.imsize[1]], true), c.thresh_scale_bbox);
    const r = keypointTransferErrors(map(c.source, c.shape), map(c.target, c.shape), kps(c.kps_source), kps(c.kps_target), c.image_size, c.thresh_scale);
    assert.deepEqual(r.index, c.index, `${c.name}: keypoints in both`);
    close(r.errors, c.errors, `${c.name}: errors`);
    close(r.predicted, flat(c.predicted), `${c.name}: predicted`);
    close(recallAtThresholds(r.errors, c.thresholds), c.pck, `${c.name}: pck`);
  }
});

test('recall at thresholds is strict (error == threshold misses); empty -> NaN', () => {
  for (const c of G.recall) close(recallAtThresholds(c.errors, c.thresholds), c.expected, 'recall');
  assert.ok(Number.isNaN(recallAtThresholds([], [0.1])[0]));
});

test('binned means [lo, hi), empty bin NaN, values outside every bin dropped', () => {
  for (const c of G.binned) close(binnedMean(c.y, c.x, c.bins), c.expected, `bins ${c.bins}`);
});

test('argmax2d takes the first maximum in row-major order', () => {
  assert.deepEqual(argmax2d([0, 2, 1, 2, 2, 0], 3), [1, 0]);
  assert.deepEqual(argmax2d([5], 1), [0, 0]);
});

test('class average leaves out classes without keypoints', () => {
  assert.equal(classAveraged(new Map([['a', 0.5], ['b', Number.NaN], ['c', 0.25]])), 0.375);
  assert.ok(Number.isNaN(classAveraged(new Map())));
});

function sameMatches(m: Matches, e: { source: number[]; target: number[]; weight: number[] }, what: string): void {
  assert.deepEqual([...m.source], e.source, `${what}: source`);
  assert.deepEqual([...m.target], e.target, `${what}: target`);
  close(m.weight, e.weight, `${what}: weight`);
}

test('cosine kNN, ratio test, top-k, bidirectional and mutual NN = probe3d get_correspondences_ratio_test (ties by lower index)', () => {
  for (const c of G.matching) {
    const p1 = flat(c.p1);
    const p2 = flat(c.p2);
    const knn = cosineKnn(p1, c.n1, p2, c.n2, c.dim, 2);
    assert.deepEqual([...knn.idx], flat(c.knn_idx), `${c.name}: knn idx`);
    close(knn.dists, flat(c.knn_dists), `${c.name}: knn dists`);
    close(ratioTestWeights(knn), c.ratio_weights, `${c.name}: ratio weights`);
    sameMatches(correspondencesRatioTest(p1, c.n1, p2, c.n2, c.dim, c.num_corres), c.uni_ratio, `${c.name} uni ratio`);
    sameMatches(correspondencesRatioTest(p1, c.n1, p2, c.n2, c.dim, c.num_corres, { bidirectional: true }), c.bi_ratio, `${c.name} bi ratio`);
    sameMatches(correspondencesRatioTest(p1, c.n1, p2, c.n2, c.dim, c.num_corres, { ratioTest: false }), c.uni_dist, `${c.name} uni dist`);
    sameMatches(correspondencesRatioTest(p1, c.n1, p2, c.n2, c.dim, c.num_corres, { bidirectional: true, ratioTest: false }), c.bi_dist, `${c.name} bi dist`);
    sameMatches(mutualNearestNeighbours(p1, c.n1, p2, c.n2, c.dim), c.mnn, `${c.name} mnn`);
  }
});

test('float16 storage rounds as numpy astype(float16) (nearest, ties to even, overflow, subnormals)', () => {
  const c = G.float16;
  const bits = encodeFloat16(Float32Array.from(c.values));
  assert.deepEqual([...bits], c.bits);
  assert.deepEqual([...decodeFloat16(bits)], (c.decoded as Array<number | string>).map((d) => (typeof d === 'string' ? Number(d.replace('inf', 'Infinity')) : d)));
  assert.equal(toFloat16Bits(Number.NaN) & 0x7c00, 0x7c00);
});
