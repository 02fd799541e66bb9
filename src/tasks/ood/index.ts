/** OOD detection: MSP / MaxLogit / Energy / MCM scores of the ID set against each OOD set; AUROC, AUPR, FPR@95TPR. */
import * as z from 'zod';
import { defineTask } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { oodKeyMetrics, oodSection, oodSummaryColumns } from './report.js';
import { oodSpec } from './spec.js';

const scoreMetrics = z.looseObject({ auroc: metricValue, fpr_at_95_tpr: metricValue, aupr_in: metricValue, aupr_out: metricValue });
const metricsSchema = z.looseObject({ id_top1: metricValue, sets: z.record(z.string(), z.record(z.string(), scoreMetrics)) });
const ROW_METRICS = ['auroc', 'fpr_at_95_tpr', 'aupr_in', 'aupr_out'] as const;

export const oodTask = defineTask({
  ...oodSpec,
  cli: {
    description: 'out-of-distribution detection: MSP / MaxLogit / Energy / MCM scores (MaxLogit, Energy, MCM on raw cosines as MCM computes them; -scaled variants on the logits) of the ID set against each OOD set; AUROC, AUPR-In/Out, FPR@95TPR',
    outputs: 'run directory (result.json, ood_scores.jsonl)',
    classHead: true,
  },
  run: async (input) => (await import('./run.js')).runOod(input),
  async aggregate(task, env) {
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      const row = { model: m.name, task: task.id, type: task.type, prompts: out.unit.prompts };
      env.push({ ...row, dataset: task.settings.dataset, variant: null, metric: 'id_top1', value: out.metrics.id_top1 });
      for (const [set, scores] of Object.entries(out.metrics.sets)) {
        for (const [score, v] of Object.entries(scores)) {
          for (const k of ROW_METRICS) env.push({ ...row, dataset: set, variant: score, metric: k, value: v[k] });
        }
      }
    });
  },
  report: { section: oodSection, summaryColumns: oodSummaryColumns, keyMetrics: oodKeyMetrics },
});
