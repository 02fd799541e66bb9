/** Dense correspondence: keypoint transfer with the vision tower's dense features, probe3d's SPair protocol (issue 16). */
import * as z from 'zod';
import { defineTask } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { correspondenceSection, correspondenceSummaryColumns } from './report.js';
import { correspondenceSpec } from './spec.js';

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
  ...correspondenceSpec,
  cli: {
    description: 'dense correspondence with the vision tower\'s dense features, probe3d\'s protocols: spair-71k keypoint transfer, PCK@thresholds per category and viewpoint / warp-strength level; navi / scannet-pairs ratio-test matching, 2D / 3D error recall binned by relative rotation. The model folder needs a dense output (holoclip-export --dense)',
    outputs: 'run directory (result.json)',
    classHead: false,
  },
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
