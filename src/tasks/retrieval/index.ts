/** Zero-shot image-text retrieval: Recall@K both ways on a caption dataset. */
import * as z from 'zod';
import { defineTask } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { retrievalSection, retrievalSummaryColumns } from './report.js';
import { retrievalSpec } from './spec.js';

const metricsSchema = z.looseObject({ image_to_text: z.record(z.string(), metricValue), text_to_image: z.record(z.string(), metricValue) });
const DIRECTIONS = ['image_to_text', 'text_to_image'] as const;

export const retrievalTask = defineTask({
  ...retrievalSpec,
  cli: {
    description: 'zero-shot image<->text retrieval: Recall@K both ways on a caption manifest',
    outputs: 'run directory (result.json, similarity.npy)',
    classHead: false,
  },
  run: async (input) => (await import('./run.js')).runRetrieval(input),
  async aggregate(task, env) {
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      for (const direction of DIRECTIONS) {
        for (const [k, v] of Object.entries(out.metrics[direction])) env.push({ model: m.name, task: task.id, type: task.type, dataset: task.settings.dataset, prompts: null, variant: direction, metric: k, value: v });
      }
    });
  },
  report: { section: retrievalSection, summaryColumns: retrievalSummaryColumns },
});
