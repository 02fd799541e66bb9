/** The published task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { EXTREME_ACCURACY_RULES } from '../../metrics/effective-robustness.js';
import { defineTaskSpec, datasetField, datasetListField, nameSchema, promptsFor, promptsField } from '../definition.js';
import { zeroshotUnit } from '../zeroshot/spec.js';

/** The published benchmarks a suite dataset can stand for. */
export const PLACEABLE = ['imagenetv2', 'imagenet-sketch', 'imagenet-r', 'imagenet-a', 'objectnet-113'] as const;

export type Placeable = (typeof PLACEABLE)[number];

export const options = z.strictObject({
  id_dataset: datasetField({ role: 'labelled', flag: null, description: 'ImageNet-1k validation (the x axis of every published line)' }),
  shifts: datasetListField({ role: 'labelled', flag: null, cli: 'named', description: 'shifted datasets to place among the published numbers' }),
  published_as: z
    .record(nameSchema, z.enum(PLACEABLE))
    .optional()
    .describe(`which published benchmark each shift dataset is (${PLACEABLE.join(', ')}); default: the dataset's name when it is one of them`),
  bootstrap: z.number().int().min(1).default(1000).describe('bootstrap resamples of the baseline models (default 1000)'),
  seed: z.number().int().min(0).default(0).describe('bootstrap seed (default 0)'),
  extremes: z.enum(EXTREME_ACCURACY_RULES as ['exclude', 'clip']).default('exclude').describe('baseline rows at 0% or 100%: exclude (imagenet-testbed, default) or clip'),
  prompts: promptsField(false),
});

export type Settings = z.output<typeof options>;

export function benchmarkOf(s: Settings, dataset: string): Placeable | null {
  const given = s.published_as?.[dataset];
  if (given !== undefined) return given;
  return (PLACEABLE as readonly string[]).includes(dataset) ? (dataset as Placeable) : null;
}

export const publishedSpec = defineTaskSpec({
  type: 'published',
  summary: 'the suite\'s models placed among the published CLIP checkpoints and imagenet-testbed\'s line (ER, interval, rank), with protocol warnings',
  options,
  check(settings) {
    const problems = settings.shifts.flatMap((s, j) => {
      if (s === settings.id_dataset) return [{ where: `shifts[${j}]`, message: `"${s}" is the ID dataset; a shift must be another dataset` }];
      if (benchmarkOf(settings, s) === null) return [{ where: `shifts[${j}]`, message: `which published benchmark is "${s}"? name it in published_as (${PLACEABLE.join(', ')}), e.g. published_as: { ${s}: imagenet-sketch }` }];
      return [];
    });
    for (const k of Object.keys(settings.published_as ?? {})) {
      if (!settings.shifts.includes(k)) problems.push({ where: `published_as.${k}`, message: `"${k}" is not one of the task's shifts (${settings.shifts.join(', ')})` });
    }
    return problems;
  },
  plan(task, model, env) {
    const p = promptsFor(model, task.settings.prompts, env);
    return { metric: [task.settings.id_dataset, ...task.settings.shifts].map((d) => zeroshotUnit(model, d, p)) };
  },
});
