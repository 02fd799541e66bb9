/** ImageNet-X visual factors: per-factor accuracy and error ratio of zero-shot predictions (Idrissi et al. 2022). */
import * as z from 'zod';
import { defineTask } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { factorsSection } from './report.js';
import { factorsSpec } from './spec.js';

const metricsSchema = z.looseObject({
  overall_accuracy: metricValue,
  factors: z.array(z.looseObject({ factor: z.string(), accuracy: metricValue, error_ratio: metricValue })),
});

export const factorsTask = defineTask({
  ...factorsSpec,
  cli: {
    description: 'ImageNet-X visual factors: per-factor accuracy and error ratio of zero-shot predictions, joined to annotations by file name',
    outputs: 'run directory (result.json, predictions.csv in the imagenetx layout)',
    classHead: true,
  },
  run: async (input) => (await import('./run.js')).runFactors(input),
  async aggregate(task, env) {
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      const row = { model: m.name, task: task.id, type: task.type, dataset: task.settings.dataset, prompts: out.unit.prompts };
      env.push({ ...row, variant: null, metric: 'overall_accuracy', value: out.metrics.overall_accuracy });
      for (const f of out.metrics.factors) {
        env.push({ ...row, variant: f.factor, metric: 'accuracy', value: f.accuracy });
        env.push({ ...row, variant: f.factor, metric: 'error_ratio', value: f.error_ratio });
      }
    });
  },
  report: { section: factorsSection },
});
