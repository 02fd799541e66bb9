/**
 * How each model looks in every chart and table: one stable colour (by its position in the suite, so
 * a model keeps its colour in every chart even when others are missing from it) and a label naming the
 * factor(s) in which it differs from the reference, so a legend says what varies.
 */
import type { SuiteResults } from '../../results/types.js';
import { modelLabel, referenceModel } from './compare-models.js';

/** Tableau 10, then its lighter companions (Tableau 20's second tones); cycles beyond 20 models. */
export const PALETTE: readonly string[] = [
  '#4c78a8', '#f58518', '#54a24b', '#e45756', '#72b7b2', '#b279a2', '#eeca3b', '#ff9da6', '#9d755d', '#bab0ac',
  '#9ecae9', '#ffbf79', '#88d27a', '#ff9d98', '#b5e6e1', '#d6a5c9', '#f2cf5b', '#fcbfd2', '#d8b5a5', '#79706e',
];

export interface ModelStyle {
  name: string;
  /** "loss-sigmoid (loss=sigmoid)", "base (reference)". */
  label: string;
  color: string;
}

export class ModelStyles {
  private readonly byName = new Map<string, ModelStyle>();

  constructor(results: SuiteResults) {
    const ref = referenceModel(results);
    results.models.forEach((m, i) => {
      this.byName.set(m.name, { name: m.name, label: modelLabel(m, ref), color: PALETTE[i % PALETTE.length] });
    });
  }

  /** A model's style; a name that is not a suite model (should not happen) gets a neutral grey. */
  of(model: string): ModelStyle {
    return this.byName.get(model) ?? { name: model, label: model, color: '#888888' };
  }

  /** Colour scale for a chart showing these models: labels as the domain, their colours as the range. */
  scale(models: string[]): { domain: string[]; range: string[] } {
    const styles = models.map((m) => this.of(m));
    return { domain: styles.map((s) => s.label), range: styles.map((s) => s.color) };
  }
}
