/** The effective-robustness task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { EXTREME_ACCURACY_RULES } from '../../metrics/effective-robustness.js';
import { defineTaskSpec, datasetField, datasetListField, nameSchema, promptsFor, promptsField } from '../definition.js';
import { zeroshotUnit } from '../zeroshot/spec.js';

export const options = z.strictObject({
  id_dataset: datasetField({ role: 'labelled', flag: null, description: 'the in-distribution dataset (x axis)' }),
  shifts: datasetListField({ role: 'labelled', flag: null, cli: 'named', description: 'the shifted datasets (one fitted line each)' }),
  baselines: z
    .union([z.literal('all'), z.array(nameSchema).min(2)])
    .default('all')
    .describe("models that define the line (default: all the suite's models)"),
  transform: z.enum(['logit', 'probit', 'none']).default('logit').describe('axis transform of the linear fit (default logit, Taori et al. 2020)'),
  extremes: z
    .enum(EXTREME_ACCURACY_RULES as ['exclude', 'clip'])
    .default('exclude')
    .describe('baseline models at 0% or 100% top-1: exclude (default, imagenet-testbed: left out of the fit, nothing clipped) or clip (to [1e-6, 1 - 1e-6], holoclip before issue 12)'),
  prompts: promptsField(false),
});

export const effectiveRobustnessSpec = defineTaskSpec({
  type: 'effective-robustness',
  summary: 'effective robustness: shift top-1 above or below the line fitted over the baseline models',
  options,
  detailsKey: 'effective_robustness',
  check(settings, config, env) {
    const problems = settings.shifts.flatMap((s, j) => (s === settings.id_dataset ? [{ where: `shifts[${j}]`, message: `"${s}" is the ID dataset; a shift must be another dataset` }] : []));
    const modelNames = env.models.map((m) => m.name);
    if (Array.isArray(config.baselines) && Array.isArray(settings.baselines)) {
      settings.baselines.forEach((b, j) => {
        if (!modelNames.includes(b)) problems.push({ where: `baselines[${j}]`, message: `no model named "${b}" (models: ${modelNames.join(', ')})` });
      });
    } else if (env.models.length < 2) {
      problems.push({ where: '', message: `effective robustness fits a line over the baseline models; the suite has ${env.models.length} model, it needs at least 2 (or give baselines)` });
    }
    return problems;
  },
  plan(task, model, env) {
    const p = promptsFor(model, task.settings.prompts, env);
    return { metric: [task.settings.id_dataset, ...task.settings.shifts].map((d) => zeroshotUnit(model, d, p)) };
  },
});
