/** The ood task's spec: what suite validation and planning read (index.ts adds its run, aggregation and report). */
import * as z from 'zod';
import { OOD_SCORE_INPUTS } from '../../metrics/ood.js';
import { defineTaskSpec, datasetField, datasetListField, planOneUnitPerModel, promptsField, setting } from '../definition.js';
import { DEFAULT_OOD_SCORES, OOD_SCORES } from './scores.js';

export const options = z.strictObject({
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

export const oodSpec = defineTaskSpec({
  type: 'ood',
  summary: 'OOD detection: AUROC, AUPR-In/Out and FPR@95TPR per OOD set and score',
  options,
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
});
