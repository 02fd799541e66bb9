/** Calibration: ECE, NLL, Brier and reliability bins, before and after temperature scaling fitted on ID data. */
import * as z from 'zod';
import type { CalibrationDetail, ReliabilityBin } from '../../results/types.js';
import { defineTask } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { calibrationKeyMetrics, calibrationSection, calibrationSummaryColumns } from './report.js';
import { calibrationSpec } from './spec.js';

const setMetrics = z.looseObject({ ece: metricValue, nll: metricValue, brier: metricValue, accuracy: metricValue });
const metricsSchema = z.looseObject({
  temperature: metricValue,
  sets: z.record(z.string(), z.looseObject({ n: z.number(), before: setMetrics, after: setMetrics })),
});
const bin = z.looseObject({ lower: metricValue, upper: metricValue, count: metricValue, accuracy: metricValue, meanConfidence: metricValue });
const reliabilitySchema = z.looseObject({ bins: metricValue, sets: z.record(z.string(), z.looseObject({ before: z.array(bin), after: z.array(bin) })) });

function bins(raw: ReadonlyArray<z.output<typeof bin>>): ReliabilityBin[] {
  return raw.map((b) => ({ lower: b.lower ?? 0, upper: b.upper ?? 0, count: b.count ?? 0, accuracy: b.accuracy, confidence: b.meanConfidence }));
}

const ROW_METRICS = ['ece', 'nll', 'brier', 'accuracy'] as const;

export const calibrationTask = defineTask({
  ...calibrationSpec,
  cli: {
    description: 'calibration of zero-shot predictions: ECE, NLL, Brier and reliability bins on the ID set and each shifted set, before and after temperature scaling fitted on ID data',
    outputs: 'run directory (result.json, reliability.json)',
    classHead: true,
  },
  run: async (input) => (await import('./run.js')).runCalibration(input),
  async aggregate(task, env) {
    const s = task.settings;
    const setName = (name: string) => (name === 'id' ? s.dataset : name === 'calibration' ? (s.calibration_dataset ?? name) : name);
    await eachModelUnit(task, env, metricsSchema, async (m, out) => {
      const row = { model: m.name, task: task.id, type: task.type, prompts: out.unit.prompts };
      for (const [name, v] of Object.entries(out.metrics.sets)) {
        for (const variant of ['before', 'after'] as const) {
          for (const k of ROW_METRICS) env.push({ ...row, dataset: setName(name), variant, metric: k, value: v[variant][k] });
        }
      }
      env.push({ ...row, dataset: s.dataset, variant: null, metric: 'temperature', value: out.metrics.temperature });
      const rel = await env.readUnitFile(out, 'reliability.json', reliabilitySchema);
      const detail: CalibrationDetail = { task: task.id, model: m.name, prompts: out.unit.prompts, temperature: out.metrics.temperature, bins: rel.bins ?? 0, sets: {} };
      for (const [name, v] of Object.entries(rel.sets)) {
        detail.sets[setName(name)] = { n: out.metrics.sets[name]?.n ?? 0, before: bins(v.before), after: bins(v.after) };
      }
      env.detail('calibration', detail);
    });
  },
  report: { section: calibrationSection, summaryColumns: calibrationSummaryColumns, keyMetrics: calibrationKeyMetrics },
});
