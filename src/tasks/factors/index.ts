/** ImageNet-X visual factors: per-factor accuracy and error ratio of zero-shot predictions (Idrissi et al. 2022). */
import { z } from 'zod';
import { datasetField, defineTask, planOneUnitPerModel, optionalPathField, pathField, promptsField, setting } from '../definition.js';
import { PROTOTYPE_MODES } from './prototypes.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { factorsSection } from './report.js';

const options = z.strictObject({
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

const metricsSchema = z.looseObject({
  overall_accuracy: metricValue,
  factors: z.array(z.looseObject({ factor: z.string(), accuracy: metricValue, error_ratio: metricValue })),
});

export const factorsTask = defineTask({
  type: 'factors',
  summary: 'ImageNet-X factors: accuracy and error ratio per visual factor',
  options,
  cli: {
    description: 'ImageNet-X visual factors: per-factor accuracy and error ratio of zero-shot predictions, joined to annotations by file name',
    outputs: 'run directory (result.json, predictions.csv in the imagenetx layout)',
    classHead: true,
  },
  plan: planOneUnitPerModel(options),
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
