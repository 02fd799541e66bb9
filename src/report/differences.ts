/**
 * "What differs between models": for each model, the factors (ModelFactors) in which it differs from
 * the suite's reference model, and the measured difference of a few key metrics. Pure functions of
 * SuiteResults; the statements are plain text (the page escapes them), so they can be tested and reused
 * outside HTML.
 *
 * The comparison is descriptive: when two models differ in several factors the statement says so, since
 * the measured difference then cannot be attributed to one of them.
 */
import type { FactorName, SuiteResults } from '../results/types.js';
import { compareFactors, factorHeading, referenceModel, type FactorDifference } from './kit/compare-models.js';
import type { KeyMetric } from './kit/contribution.js';
import { onDatasets } from './kit/contribution.js';
import { formatNumber, type NumberKind } from './kit/format.js';
import { ResultsQuery } from './kit/results-query.js';
import type { SuiteModel } from '../results/types.js';
import { TASKS } from '../tasks/registry.js';
import { keyZeroshot } from '../tasks/zeroshot/report.js';

export { andList, compareFactors, factorHeading, modelLabel, referenceModel, type FactorDifference } from './kit/compare-models.js';
export type { KeyMetric } from './kit/contribution.js';

export interface MetricComparison {
  id: string;
  label: string;
  model_value: number;
  reference_value: number;
  /** e.g. "ECE after scaling on fluent-3d 0.050 vs 0.080". */
  text: string;
}

export interface ModelDifference {
  model: string;
  reference: string;
  /** Factors both models record and that differ, in FACTOR_NAMES order. */
  factors: FactorDifference[];
  /** Factors unknown for either model (so whether they differ is unknown). */
  unknown_factors: FactorName[];
  /** e.g. "loss: sigmoid (loss-sigmoid) vs softmax (base)". */
  heading: string;
  comparisons: MetricComparison[];
  /** heading + ": " + the comparisons joined by "; ". */
  statement: string;
}

export interface PromptDifference {
  model: string;
  prompts: string;
  reference_prompts: string;
  comparison: MetricComparison;
  /** e.g. "prompts: ensemble vs single on base: mean top-1 on fluent-3d, openmoji 0.310 vs 0.290". */
  statement: string;
}

export interface Differences {
  reference: string;
  models: ModelDifference[];
  prompts: PromptDifference[];
}

/** The key metrics of one model, in registry order of the tasks that define them (top-1, effective robustness, ECE after scaling, OOD AUROC, shape bias). */
export function keyMetrics(q: ResultsQuery, model: string): KeyMetric[] {
  return TASKS.flatMap((t) => t.report.keyMetrics?.(q, model) ?? []);
}

/** Both models' key metrics side by side; metrics either model lacks (or has as n/a) are left out. */
export function compareKeyMetrics(q: ResultsQuery, model: string, reference: string): MetricComparison[] {
  const refMetrics = new Map(keyMetrics(q, reference).map((k) => [k.id, k]));
  const out: MetricComparison[] = [];
  for (const k of keyMetrics(q, model)) {
    const r = refMetrics.get(k.id);
    if (r === undefined || k.measured.value === null || r.measured.value === null) continue;
    out.push(comparison(k.id, k.label, k.kind, k.measured.value, r.measured.value));
  }
  return out;
}

/** Every model against the reference, then each model's prompt sets against the first one. */
export function describeDifferences(results: SuiteResults): Differences {
  const q = new ResultsQuery(results);
  const ref = referenceModel(results);
  if (ref === undefined) return { reference: results.reference_model, models: [], prompts: [] };
  const models = results.models.filter((m) => m.name !== ref.name).map((m) => describeModel(q, m, ref));
  return { reference: ref.name, models, prompts: describePrompts(q) };
}

function describeModel(q: ResultsQuery, model: SuiteModel, ref: SuiteModel): ModelDifference {
  const { factors, unknown } = compareFactors(model, ref);
  const heading = factorHeading(model.name, ref.name, factors, unknown);
  const comparisons = compareKeyMetrics(q, model.name, ref.name);
  const statement = comparisons.length > 0 ? `${heading}: ${comparisons.map((c) => c.text).join('; ')}` : `${heading}: no metric measured for both`;
  return { model: model.name, reference: ref.name, factors, unknown_factors: unknown, heading, comparisons, statement };
}

/** Per model with two or more prompt sets: each later set against the first, on the key top-1. */
function describePrompts(q: ResultsQuery): PromptDifference[] {
  const zs = keyZeroshot(q);
  if (zs === undefined || zs.promptSets.length < 2) return [];
  const out: PromptDifference[] = [];
  const [first, ...others] = zs.promptSets;
  for (const model of q.modelNames()) {
    const base = q.over({ model, task: zs.task, variant: null, metric: 'top1', prompts: first }, zs.datasets);
    // Exact prompt rows only: a classifier's prompt-less row would compare a set with itself.
    if (base === undefined || base.value === null || base.rows.some((r) => r.prompts !== first)) continue;
    for (const p of others) {
      const m = q.over({ model, task: zs.task, variant: null, metric: 'top1', prompts: p }, zs.datasets);
      if (m === undefined || m.value === null || m.rows.some((r) => r.prompts !== p)) continue;
      const c = comparison(`top1:${zs.task}`, onDatasets('top-1', zs.datasets), 'fraction', m.value, base.value);
      out.push({ model, prompts: p, reference_prompts: first, comparison: c, statement: `prompts: ${p} vs ${first} on ${model}: ${c.text}` });
    }
  }
  return out;
}

function comparison(id: string, label: string, kind: NumberKind, model_value: number, reference_value: number): MetricComparison {
  return { id, label, model_value, reference_value, text: `${label} ${formatNumber(model_value, kind)} vs ${formatNumber(reference_value, kind)}` };
}
