/**
 * "What differs between models": for each model, the factors (ModelFactors) in which it differs from
 * the suite's reference model, and the measured difference of a few key metrics. Pure functions of
 * SuiteResults; the statements are plain text (the page escapes them), so they can be tested and reused
 * outside HTML.
 *
 * The comparison is descriptive: when two models differ in several factors the statement says so, since
 * the measured difference then cannot be attributed to one of them.
 */
import type { FactorName, ModelFactors, SuiteModel, SuiteResults, TaskType } from '../suite/results-types.js';
import { FACTOR_NAMES } from '../suite/results-types.js';
import { formatFactorValue, formatNumber, type NumberKind } from './format.js';
import { ResultsQuery, type Measured } from './results-query.js';

type FactorValue = ModelFactors[FactorName];

export interface FactorDifference {
  factor: FactorName;
  model_value: FactorValue;
  reference_value: FactorValue;
}

/** A key metric of one model: what it is, and the rows behind it. */
export interface KeyMetric {
  /** Stable id: `<kind>:<task>`, e.g. "top1:zeroshot", "ece_after:calibration". */
  id: string;
  /** For people, e.g. "mean top-1 on fluent-3d, silhouette, openmoji". */
  label: string;
  kind: NumberKind;
  measured: Measured;
}

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

/** The factors in which `model` differs from `reference`, and those unknown for either. */
export function compareFactors(model: SuiteModel, reference: SuiteModel): { factors: FactorDifference[]; unknown: FactorName[] } {
  const factors: FactorDifference[] = [];
  const unknown: FactorName[] = [];
  for (const factor of FACTOR_NAMES) {
    const mv = model.metadata[factor];
    const rv = reference.metadata[factor];
    if (mv === null || rv === null) {
      if (mv !== rv) unknown.push(factor);
    } else if (mv !== rv) {
      factors.push({ factor, model_value: mv, reference_value: rv });
    }
  }
  return { factors, unknown };
}

/** The reference model (falls back to the first model if results name one that is not listed). */
export function referenceModel(results: SuiteResults): SuiteModel | undefined {
  return results.models.find((m) => m.name === results.reference_model) ?? results.models[0];
}

/**
 * A model's legend label: the name plus the factor values in which it differs from the reference,
 * e.g. "loss-sigmoid (loss=sigmoid)", "base (reference)". Charts colour by model and label with this,
 * so each colour says what varies.
 */
export function modelLabel(model: SuiteModel, reference: SuiteModel | undefined): string {
  if (reference === undefined) return model.name;
  if (model.name === reference.name) return `${model.name} (reference)`;
  const { factors } = compareFactors(model, reference);
  if (factors.length === 0) return model.name;
  // Numbers ungrouped here: "training_size=1,176" would read as two list items.
  return `${model.name} (${factors.map((f) => `${f.factor}=${f.model_value === null ? 'unknown' : String(f.model_value)}`).join(', ')})`;
}

/** The first zero-shot task, its first prompt set (as the rows list them) and the datasets the key top-1 averages. */
export function keyZeroshot(q: ResultsQuery): { task: string; prompts: string | null; promptSets: string[]; datasets: string[] } | undefined {
  const task = q.tasksOfType('zeroshot')[0];
  if (task === undefined) return undefined;
  const promptSets = q.valuesOf(task, 'prompts');
  const all = q.datasetsOf(task, { metric: 'top1' });
  // Accuracy under shift is what robustness is about: prefer the ER tasks' shift datasets.
  const shifts = new Set(q.rows({ type: 'effective-robustness' }).map((r) => r.dataset));
  const onShifts = all.filter((d) => shifts.has(d));
  return { task, prompts: promptSets[0] ?? null, promptSets, datasets: onShifts.length > 0 ? onShifts : all };
}

/** The key metrics of one model, in a fixed order: top-1, effective robustness, ECE after scaling, OOD AUROC, shape bias. */
export function keyMetrics(q: ResultsQuery, model: string): KeyMetric[] {
  const out: KeyMetric[] = [];
  const push = (id: string, label: string, kind: NumberKind, measured: Measured | undefined): void => {
    if (measured !== undefined) out.push({ id, label, kind, measured });
  };
  const zs = keyZeroshot(q);
  if (zs !== undefined) {
    const m = q.over({ model, task: zs.task, variant: null, metric: 'top1', prompts: zs.prompts }, zs.datasets);
    push(`top1:${zs.task}`, onDatasets('top-1', zs.datasets), 'fraction', m);
  }
  for (const task of q.tasksOfType('effective-robustness')) {
    const datasets = q.datasetsOf(task, { metric: 'effective_robustness' });
    const m = q.over({ model, task, variant: null, metric: 'effective_robustness' }, datasets);
    push(`er:${task}`, withTask(q, 'effective-robustness', task, onDatasets('effective robustness', datasets)), 'signed', m);
  }
  for (const task of q.tasksOfType('calibration')) {
    const datasets = q.calibrationSets(task, { metric: 'ece', variant: 'after' });
    const m = q.over({ model, task, variant: 'after', metric: 'ece' }, datasets);
    push(`ece_after:${task}`, withTask(q, 'calibration', task, onDatasets('ECE after scaling', datasets)), 'fraction', m);
  }
  for (const task of q.tasksOfType('ood')) {
    const score = oodKeyScore(q, task);
    if (score === undefined) continue;
    const datasets = q.datasetsOf(task, { metric: 'auroc', variant: score });
    const m = q.over({ model, task, variant: score, metric: 'auroc' }, datasets);
    const label = `${datasets.length > 1 ? 'mean ' : ''}OOD AUROC (${datasets.join(', ')}; ${score})`;
    push(`ood_auroc:${task}`, withTask(q, 'ood', task, label), 'fraction', m);
  }
  for (const task of q.tasksOfType('shape-bias')) {
    const datasets = q.datasetsOf(task, { metric: 'shape_bias' });
    const m = q.over({ model, task, variant: null, metric: 'shape_bias' }, datasets);
    push(`shape_bias:${task}`, withTask(q, 'shape-bias', task, datasets.length > 1 ? onDatasets('shape bias', datasets) : 'shape bias'), 'fraction', m);
  }
  return out;
}

/** The OOD score the report leads with: MSP (the standard baseline) if measured, else the first score. */
export function oodKeyScore(q: ResultsQuery, task: string): string | undefined {
  const scores = q.valuesOf(task, 'variant', { metric: 'auroc' });
  return scores.includes('msp') ? 'msp' : scores[0];
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

/**
 * "loss: sigmoid (loss-sigmoid) vs softmax (base)" for one factor;
 * "data-noto-only vs base, differs in training_data and training_size (training_data: a vs b; training_size: 1,176 vs 3,528)" for several.
 */
export function factorHeading(model: string, ref: string, factors: FactorDifference[], unknown: FactorName[]): string {
  const unknownNote = unknown.length > 0 ? ` (${andList(unknown)} unknown)` : '';
  if (factors.length === 1) {
    const f = factors[0];
    return `${f.factor}: ${formatFactorValue(f.model_value)} (${model}) vs ${formatFactorValue(f.reference_value)} (${ref})${unknownNote}`;
  }
  if (factors.length === 0) return `${model} vs ${ref}: no recorded factor differs${unknownNote}`;
  const values = factors.map((f) => `${f.factor}: ${formatFactorValue(f.model_value)} vs ${formatFactorValue(f.reference_value)}`).join('; ');
  return `${model} vs ${ref}, differs in ${andList(factors.map((f) => f.factor))} (${values})${unknownNote}`;
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

/** "top-1 on fluent-3d" or "mean top-1 on fluent-3d, silhouette, openmoji". */
function onDatasets(metric: string, datasets: string[]): string {
  return datasets.length > 1 ? `mean ${metric} on ${datasets.join(', ')}` : `${metric} on ${datasets[0] ?? '?'}`;
}

/** Name the task only when several tasks of the type would give identical labels. */
function withTask(q: ResultsQuery, type: TaskType, task: string, label: string): string {
  return q.tasksOfType(type).length > 1 ? `${label} [${task}]` : label;
}

/** "a", "a and b", "a, b and c". */
export function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
