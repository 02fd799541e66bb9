/**
 * Geometric correspondence (probe3d's NAVI and ScanNet protocols, mbanani/probe3d@a1f1464,
 * evaluate_{navi,scannet}_correspondence.py): per pair, both views prepared (geometric-views.ts), features sampled
 * at every grid cell with a depth point, cosine ratio-test matches from view 0 to view 1, the top `num_corr`; each
 * match's 3D error (metres, after the ground-truth relative pose) and 2D error (pixels, both points projected into
 * view 1); recall at probe3d's thresholds over all matches, and the per-pair recall at one threshold averaged per
 * relative-rotation bin. Pairs are streamed; only hit counts and bin sums are kept.
 */
import path from 'node:path';
import type { GeometricPairs } from '../../data/correspondence-pairs.js';
import { HoloclipError } from '../../errors.js';
import type { CropBox } from '../../image/dense-input.js';
import { l2NormalizeChannels, type DenseMap } from '../../metrics/correspondence.js';
import { geometricPairErrors, rotationAngleDeg } from '../../metrics/geometric-correspondence.js';
import { DenseEncoder, inspectDenseModel } from '../../models/dense-encoder.js';
import { denseItemKey, denseSpaceMeta, ensureDenseFeatures, openDenseSpace, type DenseItem } from '../../pipeline/dense-features.js';
import { PRECISION_NOTES } from '../../store/dense-store.js';
import { sha256File } from '../../store/hash.js';
import type { TaskInput } from '../definition.js';
import { writeResult, type ResultEnvelope } from '../result-envelope.js';
import { prepareView, type PreparedView } from './geometric-views.js';
import type { CorrespondenceSettings } from './settings.js';

/** probe3d's thresholds and rotation bins per protocol. */
export const GEOMETRIC_PROTOCOLS = {
  scannet: {
    script: 'evaluate_scannet_correspondence.py',
    thresholds2d: [5, 10, 20],
    thresholds3d: [] as number[],
    bins: [0, 15, 30, 60, 180],
    binned: { kind: '2d' as const, threshold: 10 },
    sampling: 'bilinear' as const,
  },
  navi: {
    script: 'evaluate_navi_correspondence.py',
    thresholds2d: [5, 25, 50],
    thresholds3d: [0.01, 0.02, 0.05],
    bins: [0, 30, 60, 90, 120],
    binned: { kind: '3d' as const, threshold: 0.02 },
    sampling: 'bicubic' as const,
  },
};

export interface GeometricCorrespondenceMetrics {
  protocol: 'scannet' | 'navi';
  /** Fraction of all matches with 2D error < T pixels, keyed by T. */
  recall_2d: Record<string, number | null>;
  /** Fraction of all matches with 3D error < T metres, keyed by T (NAVI). */
  recall_3d: Record<string, number | null>;
  /** Mean over pairs of the per-pair recall at the binning threshold, per relative-rotation bin ("0-15" degrees). */
  per_rotation: Record<string, number | null>;
  /** Pairs per rotation bin. */
  per_rotation_pairs: Record<string, number>;
  binned_by: string;
  pairs: number;
  correspondences: number;
}

class ViewCache {
  private readonly views = new Map<string, PreparedView>();
  constructor(private readonly capacity: number) {}
  async get(key: string, load: () => Promise<PreparedView>): Promise<PreparedView> {
    const hit = this.views.get(key);
    if (hit) return hit;
    const v = await load();
    this.views.set(key, v);
    if (this.views.size > this.capacity) this.views.delete(this.views.keys().next().value as string);
    return v;
  }
}

export async function runGeometricCorrespondence(input: TaskInput<CorrespondenceSettings>, data: GeometricPairs): Promise<ResultEnvelope<GeometricCorrespondenceMetrics>> {
  const t0 = performance.now();
  const s = input.settings;
  const ctx = input.context;
  const proto = GEOMETRIC_PROTOCOLS[data.protocol];
  const info = await inspectDenseModel(ctx.options.model, ctx.options.dtype);
  const encoder = await DenseEncoder.open(info, ctx.options.threads);
  try {
    const space = await openDenseSpace(ctx.store.root, encoder, s.precision);
    // The model's input per view: the whole image (ScanNet) or the object's square (NAVI, from its depth map).
    const crops = new Map<string, CropBox | null>();
    const prepared = new ViewCache(8);
    const prepare = (key: string): Promise<PreparedView> => {
      const v = data.views.get(key);
      if (!v) throw new Error(`internal: no view ${key}`);
      return prepared.get(key, () => prepareView(data.protocol, v, s.scale_factor));
    };
    const sha = new Map<string, string>();
    for (const v of data.views.values()) {
      sha.set(v.key, await sha256File(v.file));
      crops.set(v.key, data.protocol === 'scannet' ? null : (await prepare(v.key)).crop);
    }
    const itemOf = (key: string): DenseItem => {
      const crop = crops.get(key) ?? null;
      return { file: data.views.get(key)!.file, fileSha256: sha.get(key)!, crop: crop ? [crop[0], crop[1], crop[2], crop[3]] : null };
    };
    const tEmbed = performance.now();
    const stats = await ensureDenseFeatures(space, encoder, [...data.views.keys()].map(itemOf), { batchSize: ctx.options.batchSize, progress: ctx.options.progress });
    const embedSeconds = (performance.now() - tEmbed) / 1000;

    const [C, H, W] = space.shape;
    const load = async (key: string): Promise<DenseMap> => l2NormalizeChannels({ channels: C, height: H, width: W, data: await space.read(denseItemKey(itemOf(key))) });
    const hits2d = proto.thresholds2d.map(() => 0);
    const hits3d = proto.thresholds3d.map(() => 0);
    let total = 0;
    const binSum = new Array<number>(proto.bins.length - 1).fill(0);
    const binCount = new Array<number>(proto.bins.length - 1).fill(0);
    for (const p of data.pairs) {
      const v0 = await prepare(p.view0);
      const v1 = await prepare(p.view1);
      const r = geometricPairErrors(await load(p.view0), await load(p.view1), v0.match, v1.match, p.rt01, v1.K, s.num_corr, proto.sampling);
      const n = r.err2d.length;
      if (n === 0) throw new HoloclipError(`pair ${p.id} (${p.view0}, ${p.view1}): no depth points to match; check the depth maps`);
      total += n;
      let binHits = 0;
      for (let k = 0; k < n; k++) {
        proto.thresholds2d.forEach((t, i) => { if (r.err2d[k] < t) hits2d[i]++; });
        proto.thresholds3d.forEach((t, i) => { if (r.err3d[k] < t) hits3d[i]++; });
        if ((proto.binned.kind === '2d' ? r.err2d[k] : r.err3d[k]) < proto.binned.threshold) binHits++;
      }
      const angle = rotationAngleDeg(p.rt01);
      for (let b = 0; b + 1 < proto.bins.length; b++) {
        if (angle >= proto.bins[b] && angle < proto.bins[b + 1]) {
          binSum[b] += binHits / n;
          binCount[b]++;
        }
      }
    }
    const label = (b: number) => `${proto.bins[b]}-${proto.bins[b + 1]}`;
    const metrics: GeometricCorrespondenceMetrics = {
      protocol: data.protocol,
      recall_2d: Object.fromEntries(proto.thresholds2d.map((t, i) => [String(t), total === 0 ? null : hits2d[i] / total])),
      recall_3d: Object.fromEntries(proto.thresholds3d.map((t, i) => [String(t), total === 0 ? null : hits3d[i] / total])),
      per_rotation: Object.fromEntries(binSum.map((sum, b) => [label(b), binCount[b] === 0 ? null : sum / binCount[b]])),
      per_rotation_pairs: Object.fromEntries(binCount.map((c, b) => [label(b), c])),
      binned_by: proto.binned.kind === '2d' ? `recall_2d@${proto.binned.threshold}px` : `recall_3d@${proto.binned.threshold}m`,
      pairs: data.pairs.length,
      correspondences: total,
    };
    const result: ResultEnvelope<GeometricCorrespondenceMetrics> = {
      ...ctx.envelopeHead('correspondence'),
      dataset: {
        path: data.dataset.source,
        kind: 'correspondence-pairs',
        n: data.pairs.length,
        num_classes: new Set(data.pairs.map((p) => p.group)).size,
        failed: 0,
        failures: [],
        skipped: data.dataset.skipped,
        classnames_source: data.protocol === 'scannet' ? 'scenes' : 'objects',
        images_inferred: stats.computed,
        ...(data.dataset.adapter ? { adapter: { type: data.dataset.adapter.type, ...(data.dataset.adapter.notes ? { notes: { ...data.dataset.adapter.notes } } : {}) } } : {}),
      },
      metrics,
      conventions: {
        protocol: `probe3d ${data.protocol === 'scannet' ? 'ScanNet' : 'NAVI'} correspondence (mbanani/probe3d@a1f1464 ${proto.script})`,
        features: { output: info.spec.output, source: info.spec.source, grid: info.spec.grid, map_shape: [C, H, W], normalised_by_export: info.spec.normalised, spec_from: info.specSource },
        input: denseSpaceMeta(info, s.precision).input,
        model_input: data.protocol === 'scannet'
          ? 'the whole image, padded to a square (bottom/right) and resized; probe3d resizes to 480x640 and interpolates position embeddings'
          : "the object's square (probe3d bbox_crop of the depth mask in the 512 frame, mapped back to the image's pixels and rounded), resized; probe3d nearest-resizes to 512",
        geometry: data.protocol === 'scannet'
          ? `depth (mm / 1000) nearest-downscaled by scale_factor=${s.scale_factor}, K[:2] scaled by it; points = K^-1 [d (x+0.5), d (y+0.5), d] where d > 0`
          : `depth 655.35 / PNG value (m); Resize(512, nearest) + CenterCrop(512); fx = focal_length * 512 / min(image_size); principal point (256, 256); bbox_crop; Resize(512, 512, nearest); nearest-downscaled by scale_factor=${s.scale_factor}`,
        sampling: proto.sampling === 'bilinear'
          ? 'features bilinearly sampled (grid_sample, align_corners=False) at the cell centres, in the padded square the map covers'
          : 'features bicubically upsampled to the matching grid (F.interpolate bicubic, align_corners=False, A=-0.75)',
        matching: `cosine 2-NN from view 0 to view 1, ratio-test weight 1 - d1/d2, the top num_corr=${s.num_corr} (probe3d get_correspondences_ratio_test, unidirectional)`,
        errors: data.protocol === 'scannet'
          ? '2D: |K (R p0 + t) - K p1| in pixels of the downscaled frame'
          : '3D: |R p0 + t - p1| in metres; 2D: the same points projected with diag(fx\', fx\', 1), fx\' = fx * 512 / crop side (probe3d, no principal point)',
        recall: `fraction of all matches (pairs pooled) with error strictly below each threshold: 2D ${proto.thresholds2d.join(', ')} px${proto.thresholds3d.length > 0 ? `; 3D ${proto.thresholds3d.join(', ')} m` : ''}`,
        rotation_bins: `per-pair ${metrics.binned_by}, averaged per relative rotation bin [${proto.bins.join(', ')}) degrees (probe3d compute_binned_performance)`,
        pairing: data.pairing,
        precision: s.precision,
        precision_note: PRECISION_NOTES[s.precision],
        max_abs_rounding_error: space.maxAbsRoundingError,
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
