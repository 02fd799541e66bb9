/** The retrieval task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { DEFAULT_RECALL_KS } from '../../metrics/retrieval.js';
import { defineTaskSpec, datasetField, planOneUnitPerModel, setting } from '../definition.js';

export const options = z.strictObject({
  dataset: datasetField({
    role: 'captions',
    flag: 'data',
    description: 'a caption manifest (.jsonl: {"path", "captions"}) or karpathy:PATH',
    cliDescription: 'one {"path": ..., "captions": [...]} per line, paths relative to the manifest; or karpathy:PATH',
  }),
  ks: setting(z.array(z.number().int().min(1)).min(1).default([...DEFAULT_RECALL_KS]).describe('Recall@K values (default 1, 5, 10)'), { flag: 'k', arg: 'list' }),
});

export const retrievalSpec = defineTaskSpec({
  type: 'retrieval',
  summary: 'image-text retrieval: Recall@K image->text and text->image',
  options,
  needsTextTower: 'image-text retrieval needs a text tower; this model is an image classifier',
  plan: planOneUnitPerModel(options),
});
