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
    description: 'keypoint pairs: spair-71k:PATH (SPair-71k release layout) or the built-in emoji-correspondence/pairs',
  }),
  thresholds: setting(z.array(z.number().positive()).min(1).default([0.05, 0.1, 0.15]).describe('PCK thresholds (fractions of the target bbox size)'), { flag: 'threshold', arg: 'list' }),
  image_size: z.number().int().positive().default(800).describe("the keypoint frame: the padded square is scaled to this side before keypoints are truncated (probe3d's image_size)"),
  use_bbox: z.boolean().default(false).describe('crop both images to their boxes (PCK relative to the box side) instead of whole images with thresh_scale (probe3d default: false)'),
  precision: z.enum(DENSE_PRECISIONS).default('float16').describe('precision of the stored dense features'),
});

const pck = z.record(z.string(), metricValue);
const metricsSchema = z.looseObject({
  pck,
  per_level: z.record(z.string(), pck),
  per_warp: z.record(z.string(), z.looseObject({ pck, per_level: z.record(z.string(), pck) })).optional(),
});

export const correspondenceTask = defineTask({
  type: 'correspondence',
  summary: 'dense correspondence: keypoint transfer PCK with the vision tower\'s dense features (probe3d SPair protocol)',
  options,
  cli: {
    description: 'keypoint transfer with dense features (probe3d SPair protocol): PCK@thresholds per category and viewpoint / warp-strength level; the model folder needs a dense output (holoclip-export --dense)',
    outputs: 'run directory (result.json)',
    classHead: false,
  },
  plan: planOneUnitPerModel(options),
  run: async (input) => (await import('./run.js')).runCorrespondence(input),
  async aggregate(task, env) {
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      const push = (variant: string, values: Record<string, number | null>) => {
        for (const [t, v] of Object.entries(values)) env.push({ model: m.name, task: task.id, type: task.type, dataset: task.settings.dataset, prompts: null, variant, metric: `pck@${t}`, value: v });
      };
      push('all', out.metrics.pck);
      for (const [l, v] of Object.entries(out.metrics.per_level)) push(`level-${l}`, v);
      for (const [k, w] of Object.entries(out.metrics.per_warp ?? {})) {
        push(k, w.pck);
        for (const [l, v] of Object.entries(w.per_level)) push(`${k}-level-${l}`, v);
      }
    });
  },
  report: { section: correspondenceSection, summaryColumns: correspondenceSummaryColumns },
});
