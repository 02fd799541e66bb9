/** Shape vs texture bias on cue-conflict stimuli (Geirhos et al. 2019). */
import * as z from 'zod';
import type { ShapeBiasDetail } from '../../results/types.js';
import { defineTask } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { shapeBiasKeyMetrics, shapeBiasSection, shapeBiasSummaryColumns } from './report.js';
import { shapeBiasSpec } from './spec.js';

const metricsSchema = z.looseObject({
  shape_bias: metricValue,
  shape_decisions: metricValue,
  texture_decisions: metricValue,
  other_decisions: metricValue,
  per_category: z.record(z.string(), z.looseObject({ shape_bias: metricValue })),
});
const ROW_METRICS = ['shape_bias', 'shape_decisions', 'texture_decisions', 'other_decisions'] as const;

export const shapeBiasTask = defineTask({
  ...shapeBiasSpec,
  cli: {
    description: 'shape vs texture bias on cue-conflict stimuli (<shape>/<shape>N-<texture>M.png): shape decisions / (shape + texture decisions)',
    outputs: 'run directory (result.json, decisions.csv)',
    classHead: true,
  },
  run: async (input) => (await import('./run.js')).runShapeBias(input),
  async aggregate(task, env) {
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      for (const k of ROW_METRICS) env.push({ model: m.name, task: task.id, type: task.type, dataset: task.settings.dataset, prompts: out.unit.prompts, variant: null, metric: k, value: out.metrics[k] });
      const perCategory: Record<string, number | null> = {};
      for (const [c, v] of Object.entries(out.metrics.per_category)) perCategory[c] = v.shape_bias;
      env.detail('shape_bias', { task: task.id, model: m.name, prompts: out.unit.prompts, shape_bias: out.metrics.shape_bias, per_category: perCategory } satisfies ShapeBiasDetail);
    });
  },
  report: { section: shapeBiasSection, summaryColumns: shapeBiasSummaryColumns, keyMetrics: shapeBiasKeyMetrics },
});
