/** Zero-shot classification: top-1, top-5 and mean per-class recall of each dataset, per prompt set. */
import * as z from 'zod';
import { defineTask } from '../definition.js';
import { metricValue } from '../unit-results.js';
import { accuracySection, zeroshotKeyMetrics, zeroshotSummaryColumns } from './report.js';
import { formatZeroShotSummary } from './summary.js';
import { zeroshotSpec, zeroshotUnitId } from './spec.js';

export { zeroshotUnitId, zeroshotUnit } from './spec.js';

const subsetSchema = z.looseObject({ top1: metricValue, top5: metricValue, mean_per_class_recall: metricValue });
export const zeroshotMetricsSchema = z.looseObject({ top1: metricValue, top5: metricValue, mean_per_class_recall: metricValue, subsets: z.record(z.string(), subsetSchema).optional() });

const ROW_METRICS = ['top1', 'top5', 'mean_per_class_recall'] as const;

export const zeroshotTask = defineTask({
  ...zeroshotSpec,
  cli: {
    description:
      'zero-shot classification: embed every image once (cached in the store), build the text classifier from class names x templates, report top-1, top-5 and mean per-class recall',
    outputs: 'run directory to write result.json, predictions.jsonl, logits.npy (and failures.jsonl)',
    classHead: true,
    helpAfter: `
Examples:
  holoclip eval zeroshot --model models/clip-vit-base-patch32 --data ~/data/imagenet/val --out runs/in1k
  holoclip eval zeroshot --model m/ --data manifest.jsonl --classnames classes.txt \\
      --templates en_zeroshot_classification_templates.json --templates-key imagenet1k --dtype q8 --out runs/q8

Every image is embedded once per (model files, dtype, preprocessing) and kept in --store; a rerun
does no image inference and an interrupted run resumes from its last finished batch.
With --corruption, the corruption task runs instead (holoclip eval corruption).`,
    summary: formatZeroShotSummary,
    delegate: { task: 'corruption', flag: 'corruption' },
  },
  run: async (input) => (await import('./run.js')).runZeroShot(input),
  async aggregate(task, env) {
    for (const m of env.models) {
      const sets = m.kind === 'classifier' ? [null] : (task.settings.prompts ?? [env.defaultPrompts]);
      for (const d of task.settings.datasets) {
        for (const p of sets) {
          const r = await env.unit(zeroshotUnitId(m.name, d, p), zeroshotMetricsSchema);
          if (!r) continue;
          env.noteConventions('zeroshot', r.conventions);
          for (const k of ROW_METRICS) env.push({ model: m.name, task: task.id, type: task.type, dataset: d, prompts: p, variant: null, metric: k, value: r.metrics[k] });
          // Per-subset rows (ImageNet-D): variant = `subset:<name>`.
          for (const [name, s] of Object.entries(r.metrics.subsets ?? {})) {
            for (const k of ROW_METRICS) env.push({ model: m.name, task: task.id, type: task.type, dataset: d, prompts: p, variant: `subset:${name}`, metric: k, value: s[k] });
          }
        }
      }
    }
  },
  report: { section: accuracySection, summaryColumns: zeroshotSummaryColumns, keyMetrics: zeroshotKeyMetrics },
});
