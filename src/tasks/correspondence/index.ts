/** Dense correspondence: keypoint transfer with the vision tower's dense features, probe3d's SPair protocol (issue 16). */
import { z } from 'zod';
import { DENSE_PRECISIONS } from '../../store/dense-store.js';
import { datasetField, defineTask, planOneUnitPerModel, setting } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { correspondenceSection, correspondenceSummaryColumns } from './report.js';

const options = z.strictObject({
  dataset: datasetField({
    role: 'correspondence',
    flag: 'data',
    description: 'image pairs: spair-71k:PATH (SPair-71k release layout; also the built-in emoji-correspondence/pairs), navi:PATH or scannet-pairs:PATH (depth, intrinsics, pose)',
  }),
  thresholds: setting(z.array(z.number().positive()).min(1).default([0.05, 0.1, 0.15]).describe("keypoint pairs: PCK thresholds (fractions of the target bbox size); navi / scannet-pairs use probe3d's fixed thresholds"), { flag: 'threshold', arg: 'list' }),
  image_size: z.number().int().positive().default(800).describe("the keypoint frame: the padded square is scaled to this side before keypoints are truncated (probe3d's image_size)"),
  use_bbox: z.boolean().default(false).describe('crop both images to their boxes (PCK relative to the box side) instead of whole images with thresh_scale (probe3d default: false)'),
  precision: z.enum(DENSE_PRECISIONS).default('float16').describe('precision of the stored dense features'),
  num_corr: z.number().int().positive().default(1000).describe("navi / scannet-pairs: ratio-test matches kept per pair (probe3d's num_corr)"),
  scale_factor: z.number().positive().max(1).default(0.25).describe("navi / scannet-pairs: the matching grid's scale of the depth / 512 px frame (probe3d's scale_factor)"),
});

const pck = z.record(z.string(), metricValue);
const keypointMetrics = z.looseObject({
  pck,
  per_level: z.record(z.string(), pck),
  per_warp: z.record(z.string(), z.looseObject({ pck, per_level: z.record(z.string(), pck) })).optional(),
});
const geometricMetrics = z.looseObject({
  protocol: z.enum(['scannet', 'navi']),
  recall_2d: pck,
  recall_3d: pck,
  per_rotation: pck,
  binned_by: z.string(),
});
const metricsSchema = z.union([geometricMetrics, keypointMetrics]);

export const correspondenceTask = defineTask({
  type: 'correspondence',
  summary: 'dense correspondence with the vision tower\'s dense features (probe3d protocols): keypoint-transfer PCK (SPair), matching recall binned by rotation (NAVI, ScanNet)',
  options,
  needsDenseOutput: 'the model folder declares no dense output (holoclip.json / config.json "dense"); re-export it with holoclip-export --dense',
  embedsImages: false,
  cli: {
    description: 'dense correspondence with the vision tower\'s dense features, probe3d\'s protocols: spair-71k keypoint transfer, PCK@thresholds per category and viewpoint / warp-strength level; navi / scannet-pairs ratio-test matching, 2D / 3D error recall binned by relative rotation. The model folder needs a dense output (holoclip-export --dense)',
    outputs: 'run directory (result.json)',
    classHead: false,
  },
  plan: planOneUnitPerModel(options),
  run: async (input) => (await import('./run.js')).runCorrespondence(input),
  async aggregate(task, env) {
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      const row = (variant: string, metric: string, value: number | null) => env.push({ model: m.name, task: task.id, type: task.type, dataset: task.settings.dataset, prompts: null, variant, metric, value });
      const geometric = geometricMetrics.safeParse(out.metrics);
      if (geometric.success) {
        // Geometric pairs: recall-2d@Tpx, recall-3d@Tm over all matches; the binned recall per rotation bin.
        const g = geometric.data;
        for (const [t, v] of Object.entries(g.recall_2d)) row('all', `recall-2d@${t}px`, v);
        for (const [t, v] of Object.entries(g.recall_3d)) row('all', `recall-3d@${t}m`, v);
        const binned = g.binned_by.replace('recall_2d@', 'recall-2d@').replace('recall_3d@', 'recall-3d@');
        for (const [bin, v] of Object.entries(g.per_rotation)) row(`rotation-${bin}`, binned, v);
        return;
      }
      const push = (variant: string, values: Record<string, number | null>) => {
        for (const [t, v] of Object.entries(values)) row(variant, `pck@${t}`, v);
      };
      const kp = keypointMetrics.parse(out.metrics);
      push('all', kp.pck);
      for (const [l, v] of Object.entries(kp.per_level)) push(`level-${l}`, v);
      for (const [k, w] of Object.entries(kp.per_warp ?? {})) {
        push(k, w.pck);
        for (const [l, v] of Object.entries(w.per_level)) push(`${k}-level-${l}`, v);
      }
    });
  },
  report: { section: correspondenceSection, summaryColumns: correspondenceSummaryColumns },
});
