/** Zero-shot image-text retrieval: Recall@K both ways on a caption dataset. */
import { z } from 'zod';
import { DEFAULT_RECALL_KS } from '../../metrics/retrieval.js';
import { datasetField, defineTask, planOneUnitPerModel, setting } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { retrievalSection, retrievalSummaryColumns } from './report.js';

const options = z.strictObject({
  dataset: datasetField({
    role: 'captions',
    flag: 'data',
    description: 'a caption manifest (.jsonl: {"path", "captions"}) or karpathy:PATH',
    cliDescription: 'one {"path": ..., "captions": [...]} per line, paths relative to the manifest; or karpathy:PATH',
  }),
  ks: setting(z.array(z.number().int().min(1)).min(1).default([...DEFAULT_RECALL_KS]).describe('Recall@K values (default 1, 5, 10)'), { flag: 'k', arg: 'list' }),
});

const metricsSchema = z.looseObject({ image_to_text: z.record(z.string(), metricValue), text_to_image: z.record(z.string(), metricValue) });
const DIRECTIONS = ['image_to_text', 'text_to_image'] as const;

export const retrievalTask = defineTask({
  type: 'retrieval',
  summary: 'image-text retrieval: Recall@K image->text and text->image',
  options,
  needsTextTower: 'image-text retrieval needs a text tower; this model is an image classifier',
  cli: {
    description: 'zero-shot image<->text retrieval: Recall@K both ways on a caption manifest',
    outputs: 'run directory (result.json, similarity.npy)',
    classHead: false,
  },
  plan: planOneUnitPerModel(options),
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
