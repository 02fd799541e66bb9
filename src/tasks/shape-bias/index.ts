/** Shape vs texture bias on cue-conflict stimuli (Geirhos et al. 2019). */
import { z } from 'zod';
import type { ShapeBiasDetail } from '../../results/types.js';
import { datasetField, defineTask, planOneUnitPerModel, optionalPathField, promptsField } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { shapeBiasKeyMetrics, shapeBiasSection, shapeBiasSummaryColumns } from './report.js';

const options = z.strictObject({
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

const metricsSchema = z.looseObject({
  shape_bias: metricValue,
  shape_decisions: metricValue,
  texture_decisions: metricValue,
  other_decisions: metricValue,
  per_category: z.record(z.string(), z.looseObject({ shape_bias: metricValue })),
});
const ROW_METRICS = ['shape_bias', 'shape_decisions', 'texture_decisions', 'other_decisions'] as const;

export const shapeBiasTask = defineTask({
  type: 'shape-bias',
  summary: 'shape bias: shape decisions / (shape + texture decisions) on cue-conflict stimuli',
  options,
  cli: {
    description: 'shape vs texture bias on cue-conflict stimuli (<shape>/<shape>N-<texture>M.png): shape decisions / (shape + texture decisions)',
    outputs: 'run directory (result.json, decisions.csv)',
    classHead: true,
  },
  detailsKey: 'shape_bias',
  check(settings) {
    return (settings.imagenet_classnames === undefined) !== (settings.category_mapping === undefined) ? [{ where: '', message: 'the 1000-way mode needs both imagenet_classnames and category_mapping' }] : [];
  },
  plan: planOneUnitPerModel(options),
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
