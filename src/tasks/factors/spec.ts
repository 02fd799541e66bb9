/** The factors task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { defineTaskSpec, datasetField, planOneUnitPerModel, optionalPathField, pathField, promptsField, setting } from '../definition.js';
import { PROTOTYPE_MODES } from './prototypes.js';

export const options = z.strictObject({
  dataset: datasetField({
    role: 'labelled',
    flag: 'data',
    description: 'the annotated dataset (ImageNet val)',
    cliDescription: 'ImageNet images (ImageFolder in ImageNet class order, a .jsonl manifest, or imagenet-val:PATH)',
  }),
  annotations: pathField({ arg: 'file.jsonl', description: 'ImageNet-X annotations (top-factor or multi-factor JSONL, "file_name" keys)' }),
  prototypes: setting(
    z.enum(PROTOTYPE_MODES).default('drop').describe("ImageNet-X's prototypical images: drop (default, as imagenetx load_annotations(filter_prototypes=True)) or keep"),
    { arg: 'drop|keep' },
  ),
  prototypical: optionalPathField({ arg: 'file.csv', description: "the list of prototypical images (default: imagenetx's prototypical_paths.csv from the reference data)" }),
  prompts: promptsField(false),
});

export const factorsSpec = defineTaskSpec({
  type: 'factors',
  summary: 'ImageNet-X factors: accuracy and error ratio per visual factor',
  options,
  plan: planOneUnitPerModel(options),
});
