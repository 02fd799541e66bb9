/**
 * `holoclip eval correspondence`: geometric pairs (navi, scannet-pairs) go to run-geometric.ts; keypoint pairs:
 * semantic / synthetic keypoint transfer with dense features, probe3d's SPair
 * protocol (mbanani/probe3d@a1f1464, evaluate_spair_correspondence.py): per pair, L2-normalised dense maps, each
 * source keypoint's feature bilinearly sampled, the prediction at the argmax of its heatmap over the target map,
 * errors over keypoints annotated in both images, normalised by the target's bbox (`thresh_scale`); recall
 * (PCK) per category and per viewpoint-variation level (the embedded benchmark's warp strength), averaged over
 * categories. Features come from the dense store (computed once per image, resumable); pairs are streamed, and
 * only per-category hit counts are kept, so memory does not grow with the number of pairs.
 */
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import type { CorrespondencePairs, KeypointPairs } from '../../data/correspondence-pairs.js';
import { classAveraged, keypointTransferErrors, keypointsToFrame, l2NormalizeChannels, spairThreshScale, type DenseMap } from '../../metrics/correspondence.js';
import { DenseEncoder, inspectDenseModel } from '../../models/dense-encoder.js';
import { denseItemKey, denseSpaceMeta, ensureDenseFeatures, openDenseSpace, type DenseItem } from '../../pipeline/dense-features.js';
import { PRECISION_NOTES } from '../../store/dense-store.js';
import { sha256File } from '../../store/hash.js';
import type { TaskInput } from '../definition.js';
import { writeResult, type ResultEnvelope } from '../result-envelope.js';
import { runGeometricCorrespondence, type GeometricCorrespondenceMetrics } from './run-geometric.js';
import type { CorrespondenceSettings } from './settings.js';

export type { CorrespondenceSettings };

/** PCK at each threshold, keyed by the threshold as written ("0.05"). */
export type PckByThreshold = Record<string, number | null>;

export interface CorrespondenceMetrics {
  /** Mean over categories of the per-category PCK (all viewpoint levels pooled), probe3d's headline. */
  pck: PckByThreshold;
  /** The same, per viewpoint-variation level ("0", "1", "2"). */
  per_level: Record<string, PckByThreshold>;
  /** Per category: PCK over all its keypoints, and per level. */
  per_category: Record<string, { pck: PckByThreshold; keypoints: number; per_level: Record<string, PckByThreshold> }>;
  /** Embedded benchmark only: PCK per warp kind (keypoints pooled) and per kind and level. */
  per_warp?: Record<string, { pck: PckByThreshold; per_level: Record<string, PckByThreshold> }>;
  pairs: number;
  keypoints: number;
}

/** Hit counts per threshold and the number of keypoints: what is kept per group while pairs stream by. */
class Tally {
  readonly hits: number[];
  n = 0;
  constructor(k: number) {
    this.hits = new Array<number>(k).fill(0);
  }
  add(errors: Float64Array, thresholds: readonly number[]): void {
    for (const e of errors) thresholds.forEach((t, i) => { if (e < t) this.hits[i]++; });
    this.n += errors.length;
  }
  pck(thresholds: readonly number[]): PckByThreshold {
    return Object.fromEntries(thresholds.map((t, i) => [String(t), this.n === 0 ? null : this.hits[i] / this.n]));
  }
}

function tallyOf(map: Map<string, Tally>, key: string, k: number): Tally {
  let t = map.get(key);
  if (!t) map.set(key, (t = new Tally(k)));
  return t;
}

/** A small LRU of decoded, L2-normalised maps (a source image is shared by many pairs). */
class MapCache {
  private readonly maps = new Map<string, DenseMap>();
  constructor(private readonly capacity: number) {}
  async get(key: string, load: () => Promise<DenseMap>): Promise<DenseMap> {
    const hit = this.maps.get(key);
    if (hit) {
      this.maps.delete(key);
      this.maps.set(key, hit);
      return hit;
    }
    const m = await load();
    this.maps.set(key, m);
    if (this.maps.size > this.capacity) this.maps.delete(this.maps.keys().next().value as string);
    return m;
  }
}

export async function runCorrespondence(input: TaskInput<CorrespondenceSettings>): Promise<ResultEnvelope<CorrespondenceMetrics | GeometricCorrespondenceMetrics>> {
  const opened = input.data.one('dataset');
  const data: CorrespondencePairs | undefined = opened.pairs;
  if (!data) throw new HoloclipError(`${opened.dataset.source}: correspondence needs image pairs (spair-71k:PATH, navi:PATH, scannet-pairs:PATH or emoji-correspondence/pairs)`);
  return data.kind === 'geometric' ? runGeometricCorrespondence(input, data) : runKeypointCorrespondence(input, data);
}

async function runKeypointCorrespondence(input: TaskInput<CorrespondenceSettings>, data: KeypointPairs): Promise<ResultEnvelope<CorrespondenceMetrics>> {
  const t0 = performance.now();
  const s = input.settings;
  const ctx = input.context;
  const info = await inspectDenseModel(ctx.options.model, ctx.options.dtype);
  const encoder = await DenseEncoder.open(info, ctx.options.threads, ctx.model.device);
  const thresholds = [...s.thresholds];
  const K = thresholds.length;
  try {
    const space = await openDenseSpace(ctx.store.root, encoder, s.precision);
    // One item per (image, crop): without use_bbox the whole image, with it the image cropped to each pair's box.
    const sha = new Map<string, string>();
    for (const im of data.images.values()) sha.set(im.key, await sha256File(im.file));
    const itemOf = (imageKey: string, crop: readonly [number, number, number, number] | null): DenseItem => {
      const im = data.images.get(imageKey);
      if (!im) throw new Error(`internal: no image ${imageKey}`);
      return { file: im.file, fileSha256: sha.get(imageKey) as string, crop: crop ? [crop[0], crop[1], crop[2], crop[3]] : null };
    };
    const items: DenseItem[] = [];
    for (const p of data.pairs) {
      items.push(itemOf(p.source, s.use_bbox ? p.sourceBbox : null), itemOf(p.target, s.use_bbox ? p.targetBbox : null));
    }
    const tEmbed = performance.now();
    const stats = await ensureDenseFeatures(space, encoder, items, { batchSize: ctx.options.batchSize, progress: ctx.options.progress });
    items.length = 0;
    const embedSeconds = (performance.now() - tEmbed) / 1000;

    const [C, H, W] = space.shape;
    const cache = new MapCache(64);
    const load = async (item: DenseItem): Promise<DenseMap> => {
      const key = denseItemKey(item);
      return cache.get(key, async () => l2NormalizeChannels({ channels: C, height: H, width: W, data: await space.read(key) }));
    };
    const byCategory = new Map<string, Tally>();
    const byCategoryLevel = new Map<string, Tally>();
    const byWarp = new Map<string, Tally>();
    const byWarpLevel = new Map<string, Tally>();
    let keypoints = 0;
    for (const p of data.pairs) {
      const srcItem = itemOf(p.source, s.use_bbox ? p.sourceBbox : null);
      const trgItem = itemOf(p.target, s.use_bbox ? p.targetBbox : null);
      const side = (bbox: readonly number[], size: readonly number[]): number => (s.use_bbox ? Math.max(bbox[2] - bbox[0], bbox[3] - bbox[1]) : Math.max(size[0], size[1]));
      const kS = keypointsToFrame(data.images.get(p.source)!.kps, s.use_bbox ? [p.sourceBbox[0], p.sourceBbox[1]] : null, side(p.sourceBbox, p.sourceSize), s.image_size);
      const kT = keypointsToFrame(data.images.get(p.target)!.kps, s.use_bbox ? [p.targetBbox[0], p.targetBbox[1]] : null, side(p.targetBbox, p.targetSize), s.image_size);
      if (kS.length !== kT.length) throw new HoloclipError(`pair ${p.id} (${p.category}): ${kS.length} source keypoints vs ${kT.length} target keypoints`);
      const scale = spairThreshScale(p.targetBbox, p.targetSize, s.use_bbox);
      const r = keypointTransferErrors(await load(srcItem), await load(trgItem), kS, kT, s.image_size, scale, true);
      keypoints += r.errors.length;
      tallyOf(byCategory, p.category, K).add(r.errors, thresholds);
      tallyOf(byCategoryLevel, `${p.category}|${p.viewpointVariation}`, K).add(r.errors, thresholds);
      if (p.warpKind !== undefined) {
        tallyOf(byWarp, p.warpKind, K).add(r.errors, thresholds);
        tallyOf(byWarpLevel, `${p.warpKind}|${p.viewpointVariation}`, K).add(r.errors, thresholds);
      }
    }
    const levels = [...new Set(data.pairs.map((p) => p.viewpointVariation))].sort((a, b) => a - b).map(String);
    const categories = [...byCategory.keys()].sort();
    const averaged = (pick: (c: string) => Tally | undefined): PckByThreshold =>
      Object.fromEntries(thresholds.map((t, i) => {
        const per = new Map(categories.map((c) => {
          const tally = pick(c);
          return [c, tally && tally.n > 0 ? tally.hits[i] / tally.n : Number.NaN];
        }));
        const v = classAveraged(per);
        return [String(t), Number.isNaN(v) ? null : v];
      }));
    const metrics: CorrespondenceMetrics = {
      pck: averaged((c) => byCategory.get(c)),
      per_level: Object.fromEntries(levels.map((l) => [l, averaged((c) => byCategoryLevel.get(`${c}|${l}`))])),
      per_category: Object.fromEntries(categories.map((c) => [c, {
        pck: byCategory.get(c)!.pck(thresholds),
        keypoints: byCategory.get(c)!.n,
        per_level: Object.fromEntries(levels.map((l) => [l, byCategoryLevel.get(`${c}|${l}`)?.pck(thresholds) ?? Object.fromEntries(thresholds.map((t) => [String(t), null]))])),
      }])),
      ...(byWarp.size > 0
        ? { per_warp: Object.fromEntries([...byWarp.keys()].sort().map((k) => [k, { pck: byWarp.get(k)!.pck(thresholds), per_level: Object.fromEntries(levels.map((l) => [l, byWarpLevel.get(`${k}|${l}`)?.pck(thresholds) ?? {}])) }])) }
        : {}),
      pairs: data.pairs.length,
      keypoints,
    };
    const result: ResultEnvelope<CorrespondenceMetrics> = {
      ...ctx.envelopeHead('correspondence'),
      dataset: {
        path: data.dataset.source,
        kind: 'correspondence-pairs',
        n: data.pairs.length,
        num_classes: categories.length,
        failed: 0,
        failures: [],
        skipped: data.dataset.skipped,
        classnames_source: 'pair annotations (categories)',
        images_inferred: stats.computed,
        ...(data.dataset.adapter ? { adapter: { type: data.dataset.adapter.type, ...(data.dataset.adapter.notes ? { notes: { ...data.dataset.adapter.notes } } : {}) } } : {}),
      },
      metrics,
      conventions: {
        protocol: 'probe3d SPair keypoint transfer (mbanani/probe3d@a1f1464 evaluate_spair_correspondence.py compute_errors)',
        features: { output: info.spec.output, source: info.spec.source, grid: info.spec.grid, map_shape: [C, H, W], normalised_by_export: info.spec.normalised, spec_from: info.specSource },
        input: denseSpaceMeta(info, s.precision).input,
        matching: 'L2-normalised maps; source keypoint feature sampled bilinearly (grid_sample, align_corners=True, zeros padding) at kp / image_size * 2 - 1; prediction = (column, row) of the first maximum of the cosine heatmap over the target map, divided by the map width',
        keypoints: `SPair kps truncated to integers, shifted by the bbox when use_bbox, scaled from the padded square to image_size=${s.image_size} and truncated (probe3d's int tensor)`,
        error: s.use_bbox ? 'distance in units of the cropped box (thresh_scale = 1)' : 'distance in units of the padded image side / (max(target bbox w, h) / max(target image w, h)) (thresh_scale)',
        pck: `fraction of errors strictly below each of ${thresholds.join(', ')}; per category over its keypoints pooled, then the mean over categories (probe3d)`,
        levels: 'viewpoint_variation of the pair annotations (SPair: 0, 1, 2; emoji-correspondence: warp strength)',
        use_bbox: s.use_bbox,
        precision: s.precision,
        precision_note: PRECISION_NOTES[s.precision],
        max_abs_rounding_error: space.maxAbsRoundingError,
        pair_order: 'PairAnnotation files in sorted order, every pair (probe3d samples 200 per category and level after a glob-order shuffle)',
      },
      cache: { store: ctx.store.root, dense_space: space.key, images_inferred: stats.computed, images_from_cache: stats.cached },
      timing: { dense_features_s: embedSeconds, total_s: (performance.now() - t0) / 1000 },
    };
    await writeResult(path.resolve(input.out), result);
    return result;
  } finally {
    await encoder.dispose();
  }
}
