/** The shape-bias task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { defineTaskSpec, datasetField, planOneUnitPerModel, optionalPathField, promptsField } from '../definition.js';

export const options = z.strictObject({
  dataset: datasetField({
    role: 'cue-conflict',
    flag: 'data',
    description: 'a cue-conflict folder: <shape>/<shape>N-<texture>M.png',
    cliDescription: 'cue-conflict stimuli: one folder per shape category (e.g. the model-vs-human / texture-vs-shape layout)',
  }),
  imagenet_classnames: optionalPathField({ arg: 'file', description: '1000-way mode: ImageNet class names (one per line / JSON array) for the zero-shot head' }),
  category_mapping: optionalPathField({ arg: 'file', description: '1000-way mode: JSON with "<category>_indices" lists of ImageNet indices (e.g. human_categories_wnids.json)' }),
  prompts: promptsField(false),
});

export const shapeBiasSpec = defineTaskSpec({
  type: 'shape-bias',
  summary: 'shape bias: shape decisions / (shape + texture decisions) on cue-conflict stimuli',
  options,
  detailsKey: 'shape_bias',
  check(settings) {
    return (settings.imagenet_classnames === undefined) !== (settings.category_mapping === undefined) ? [{ where: '', message: 'the 1000-way mode needs both imagenet_classnames and category_mapping' }] : [];
  },
  plan: planOneUnitPerModel(options),
});
