/**
 * Comparing models by their factors: the reference model, the factors in which a model differs from
 * it, and the labels and headings that say so. Pure functions of SuiteResults.
 */
import type { FactorName, ModelFactors, SuiteModel, SuiteResults } from '../../results/types.js';
import { FACTOR_NAMES } from '../../results/types.js';
import { formatFactorValue } from './format.js';

type FactorValue = ModelFactors[FactorName];

export interface FactorDifference {
  factor: FactorName;
  model_value: FactorValue;
  reference_value: FactorValue;
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

/** "a", "a and b", "a, b and c". */
export function andList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
