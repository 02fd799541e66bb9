/** The zeroshot task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { defineTaskSpec, datasetListField, promptsField, type MetricUnit, type PlanModel } from '../definition.js';

export const options = z.strictObject({
  datasets: datasetListField({
    role: 'labelled',
    flag: 'data',
    cli: 'single',
    description: 'labelled datasets to classify',
    cliDescription: 'dataset: an ImageFolder directory (one sub-folder per class), a .jsonl manifest ({"path","label"} per line), or TYPE:PATH (see holoclip data types)',
  }),
  prompts: promptsField(true),
});

/** The id of the shared unit "zero-shot accuracy of one model on one dataset with one prompt set". */
export function zeroshotUnitId(model: string, dataset: string, prompts: string | null): string {
  return `${model}|zeroshot|${dataset}|${prompts ?? '-'}`;
}

/** The shared zero-shot unit (used by zero-shot and effective-robustness tasks alike). */
export function zeroshotUnit(model: PlanModel, dataset: string, prompts: string | null): MetricUnit {
  return {
    id: zeroshotUnitId(model.name, dataset, prompts),
    model: model.name,
    computedBy: 'zeroshot',
    task: null,
    settings: { datasets: [dataset] },
    datasets: { datasets: [dataset] },
    prompts,
    keyKind: 'zeroshot',
    keyConfig: {},
    label: `zeroshot-${dataset}${prompts ? `-${prompts}` : ''}`.replace(/[^A-Za-z0-9._-]/g, '_'),
  };
}

export const zeroshotSpec = defineTaskSpec({
  type: 'zeroshot',
  summary: 'zero-shot classification: top-1, top-5 and mean per-class recall',
  options,
  plan(task, model, env) {
    const sets = model.kind === 'classifier' ? [null] : (task.settings.prompts ?? [env.defaultPrompts]);
    return { metric: task.settings.datasets.flatMap((d) => sets.map((p) => zeroshotUnit(model, d, p))) };
  },
});
