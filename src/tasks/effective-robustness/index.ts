/**
 * Effective robustness (Taori et al. 2020): per shift dataset, a line fitted over the baseline models'
 * (ID top-1, shift top-1) on transformed axes; each model's ER is its shift top-1 minus the line's
 * prediction. A fit across the suite's models: it has no unit of its own and reads the zero-shot units.
 */
import { errorMessage } from '../../errors.js';
import { effectiveRobustness, fitBaseline, predictedShiftAccuracy, type AccuracyTransform } from '../../metrics/effective-robustness.js';
import type { EffectiveRobustnessDetail } from '../../results/types.js';
import { defineTask, promptsFor, type PlanModel } from '../definition.js';
import { zeroshotMetricsSchema, zeroshotUnitId } from '../zeroshot/index.js';
import { effectiveRobustnessSection, erKeyMetrics, erSummaryColumns } from './report.js';
import { effectiveRobustnessSpec } from './spec.js';

export const effectiveRobustnessTask = defineTask({
  ...effectiveRobustnessSpec,
  cli: null,
  run: null,
  async aggregate(task, env) {
    const s = task.settings;
    const transform: AccuracyTransform = s.transform;
    const baselineNames = Array.isArray(s.baselines) ? s.baselines : env.models.map((m) => m.name);
    const prompts = (m: PlanModel) => promptsFor(m, s.prompts, env);
    const top1 = async (m: PlanModel, d: string): Promise<number | null> => (await env.unit(zeroshotUnitId(m.name, d, prompts(m)), zeroshotMetricsSchema))?.metrics.top1 ?? null;
    const baselineSet = Array.isArray(s.baselines)
      ? { name: 'models', rule: 'the models listed in the task\'s baselines', size: baselineNames.length }
      : { name: 'all', rule: "every model of the suite (the suite's own models define the line)", size: baselineNames.length };
    const detail: EffectiveRobustnessDetail = { task: task.id, id_dataset: s.id_dataset, prompts: s.prompts ?? env.defaultPrompts, transform, baselines: baselineNames, baseline_set: baselineSet, extremes: s.extremes, lines: [] };
    for (const shift of s.shifts) {
      const pairs: Array<{ model: string; id: number; shift: number }> = [];
      for (const m of env.models.filter((x) => baselineNames.includes(x.name))) {
        const id = await top1(m, s.id_dataset);
        const sh = await top1(m, shift);
        if (id !== null && sh !== null) pairs.push({ model: m.name, id, shift: sh });
      }
      let fit;
      try {
        fit = fitBaseline(
          pairs.map((p) => p.id),
          pairs.map((p) => p.shift),
          transform,
          s.extremes,
        );
      } catch (err) {
        env.skip({ model: '*', task: task.id, reason: `no line for ${shift}: ${errorMessage(err)}` });
        continue;
      }
      const line: EffectiveRobustnessDetail['lines'][number] = { shift_dataset: shift, slope: fit.a, intercept: fit.b, r2: fit.r2, n: fit.n, excluded: fit.excluded.map((i) => pairs[i].model), models: [] };
      for (const m of env.models) {
        const id = await top1(m, s.id_dataset);
        const sh = await top1(m, shift);
        if (id === null || sh === null) continue;
        const predicted = predictedShiftAccuracy(fit, id);
        const er = effectiveRobustness(fit, id, sh);
        line.models.push({ model: m.name, id_top1: id, shift_top1: sh, predicted_top1: predicted, effective_robustness: er });
        const row = { model: m.name, task: task.id, type: task.type, dataset: shift, prompts: prompts(m), variant: null };
        env.push({ ...row, metric: 'effective_robustness', value: er });
        env.push({ ...row, metric: 'id_top1', value: id });
        env.push({ ...row, metric: 'shift_top1', value: sh });
        env.push({ ...row, metric: 'predicted_top1', value: predicted });
      }
      detail.lines.push(line);
    }
    env.detail('effective_robustness', detail);
  },
  report: { section: effectiveRobustnessSection, summaryColumns: erSummaryColumns, keyMetrics: erKeyMetrics },
});
