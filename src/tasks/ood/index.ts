/** OOD detection: MSP / MaxLogit / Energy / MCM scores of the ID set against each OOD set; AUROC, AUPR, FPR@95TPR. */
import { z } from 'zod';
import { OOD_SCORE_INPUTS } from '../../metrics/ood.js';
import { datasetField, datasetListField, defineTask, planOneUnitPerModel, promptsField, setting } from '../definition.js';
import { eachModelUnit, metricValue } from '../unit-results.js';
import { oodKeyMetrics, oodSection, oodSummaryColumns } from './report.js';
import { DEFAULT_OOD_SCORES, OOD_SCORES } from './scores.js';

const options = z.strictObject({
  dataset: datasetField({
    role: 'labelled',
    flag: 'data',
    description: 'the in-distribution dataset (labelled)',
    cliDescription: 'in-distribution dataset (ImageFolder, .jsonl manifest or TYPE:PATH); its classes form the zero-shot head',
  }),
  ood: datasetListField({ role: 'images', flag: 'ood', cli: 'named', description: 'OOD image sets (unlabelled folders)', cliDescription: 'an OOD image folder, labels not needed, NAME=PATH (repeatable)' }),
  scores: setting(
    z
      .array(z.enum(OOD_SCORES))
      .min(1)
      .default([...DEFAULT_OOD_SCORES])
      .describe('OOD scores (default msp, maxlogit, energy, mcm). maxlogit, energy and mcm on raw cosines, T = 1, as MCM computes them; msp, maxlogit-scaled and energy-scaled on the logit-scaled logits; mcm and the -scaled ones only for two-tower models'),
    { flag: 'score', arg: 'list' },
  ),
  convention: setting(z.enum(['id-positive', 'ood-positive']).default('id-positive').describe('FPR@95 direction: id-positive (default, Hendrycks / MCM: OOD accepted at 95% ID recall) or ood-positive (OpenOOD)'), { arg: 'c' }),
  prompts: promptsField(false),
});

const scoreMetrics = z.looseObject({ auroc: metricValue, fpr_at_95_tpr: metricValue, aupr_in: metricValue, aupr_out: metricValue });
const metricsSchema = z.looseObject({ id_top1: metricValue, sets: z.record(z.string(), z.record(z.string(), scoreMetrics)) });
const ROW_METRICS = ['auroc', 'fpr_at_95_tpr', 'aupr_in', 'aupr_out'] as const;

export const oodTask = defineTask({
  type: 'ood',
  summary: 'OOD detection: AUROC, AUPR-In/Out and FPR@95TPR per OOD set and score',
  options,
  cli: {
    description: 'out-of-distribution detection: MSP / MaxLogit / Energy / MCM scores (MaxLogit, Energy, MCM on raw cosines as MCM computes them; -scaled variants on the logits) of the ID set against each OOD set; AUROC, AUPR-In/Out, FPR@95TPR',
    outputs: 'run directory (result.json, ood_scores.jsonl)',
    classHead: true,
  },
  check(settings, config, env) {
    const problems = settings.ood.flatMap((o, j) => (o === settings.dataset ? [{ where: `ood[${j}]`, message: `"${o}" is the ID dataset` }] : []));
    const needCosines = settings.scores.filter((s) => s === 'mcm' || s.endsWith('-scaled'));
    if (needCosines.length > 0 && config.scores !== undefined && env.models.every((m) => m.kind === 'classifier')) {
      problems.push({ where: 'scores', message: `${needCosines.join(', ')} need cosine similarities; every model of the suite is an image classifier` });
    }
    return problems;
  },
  plan(task, model, env) {
    // What each score is computed on is part of the unit's content key: units stored when energy / maxlogit
    // were on the logits are not reused for the raw-cosine ones.
    const plan = planOneUnitPerModel(options)(task, model, env);
    return { ...plan, metric: plan.metric.map((u) => ({ ...u, keyConfig: { ...u.keyConfig, score_inputs: OOD_SCORE_INPUTS } })) };
  },
  run: async (input) => (await import('./run.js')).runOod(input),
  async aggregate(task, env) {
    await eachModelUnit(task, env, metricsSchema, (m, out) => {
      const row = { model: m.name, task: task.id, type: task.type, prompts: out.unit.prompts };
      env.push({ ...row, dataset: task.settings.dataset, variant: null, metric: 'id_top1', value: out.metrics.id_top1 });
      for (const [set, scores] of Object.entries(out.metrics.sets)) {
        for (const [score, v] of Object.entries(scores)) {
          for (const k of ROW_METRICS) env.push({ ...row, dataset: set, variant: score, metric: k, value: v[k] });
        }
      }
    });
  },
  report: { section: oodSection, summaryColumns: oodSummaryColumns, keyMetrics: oodKeyMetrics },
});
