/**
 * Corruption robustness: zero-shot accuracy under ImageNet-C and 3D common corruptions generated on
 * the fly; mCA, and mCE / relative mCE against a reference model's errors.
 */
import * as z from 'zod';
import { defineTask } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { corruptionSection } from './report.js';
import { formatCorruptionSummary } from './summary.js';
import { corruptionSpec } from './spec.js';

const metricsSchema = z.looseObject({
  clean: z.looseObject({ top1: metricValue }),
  mca: metricValue,
  mce: metricValue,
  relative_mce: metricValue,
  corruptions: z.array(z.looseObject({ corruption: z.string(), mean_top1: metricValue, ce: metricValue, relative_ce: metricValue })),
  cells: z.array(z.looseObject({ corruption: z.string(), severity: z.number(), top1: metricValue })),
});

export const corruptionTask = defineTask({
  ...corruptionSpec,
  cli: {
    description: 'zero-shot accuracy under corruptions generated on the fly (ImageNet-C, 3D common corruptions): top-1 per corruption and severity, mCA, and mCE against a reference',
    outputs: 'run directory (result.json, corruption_table.csv)',
    classHead: true,
    summary: formatCorruptionSummary,
  },
  run: async (input) => (await import('./run.js')).runCorruptionEval(input),
  async aggregate(task, env) {
    const dataset = task.settings.dataset;
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      const row = { model: m.name, task: task.id, type: task.type, dataset, prompts: out.unit.prompts };
      const x = out.metrics;
      env.push({ ...row, variant: null, metric: 'clean_top1', value: x.clean.top1 });
      env.push({ ...row, variant: null, metric: 'mca', value: x.mca });
      env.push({ ...row, variant: null, metric: 'mce', value: x.mce });
      env.push({ ...row, variant: null, metric: 'relative_mce', value: x.relative_mce });
      for (const c of x.corruptions) {
        env.push({ ...row, variant: c.corruption, metric: 'mean_top1', value: c.mean_top1 });
        env.push({ ...row, variant: c.corruption, metric: 'ce', value: c.ce });
        env.push({ ...row, variant: c.corruption, metric: 'relative_ce', value: c.relative_ce });
      }
      for (const c of x.cells) env.push({ ...row, variant: `${c.corruption}:${c.severity}`, metric: 'top1', value: c.top1 });
    });
  },
  report: { section: corruptionSection },
});

