/**
 * Every `holoclip score <metric>`, in the order the CLI lists them (and lists their flags: a flag
 * appears where the first metric that reads it declares it).
 */
import { HoloclipError } from '../errors.js';
import { scoreAccuracy } from './accuracy.js';
import { scoreBrier, scoreEce, scoreNll, scoreTemperature, type CalibrationInputs } from './calibration.js';
import type { ScoreMetricDefinition, ScoreOption } from './definition.js';
import { scoreEffectiveRobustness, type EffectiveRobustnessInputs } from './effective-robustness.js';
import { scoreFactors, type FactorsInputs } from './factors.js';
import { scoreOod, type OodInputs } from './ood.js';
import { scoreRetrieval, type RetrievalInputs } from './retrieval.js';
import { scoreShapeBias, type ShapeBiasInputs } from './shape-bias.js';

/** The parsed flags of `holoclip score`: the union of every metric's flags. */
export type ScoreInputs = CalibrationInputs & OodInputs & EffectiveRobustnessInputs & FactorsInputs & ShapeBiasInputs & RetrievalInputs;

export const SCORE_METRICS: ReadonlyArray<ScoreMetricDefinition<ScoreInputs>> = [
  scoreAccuracy,
  scoreEce,
  scoreNll,
  scoreBrier,
  scoreTemperature,
  scoreOod,
  scoreEffectiveRobustness,
  scoreFactors,
  scoreShapeBias,
  scoreRetrieval,
];

export function findScoreMetric(name: string): ScoreMetricDefinition<ScoreInputs> | undefined {
  return SCORE_METRICS.find((d) => d.name === name);
}

/** Every metric's flags, each once, in first-declared order. */
export function scoreOptions(): ScoreOption[] {
  const seen = new Map<string, ScoreOption>();
  for (const def of SCORE_METRICS) {
    for (const option of def.options) {
      const earlier = seen.get(option.flags);
      if (earlier === undefined) seen.set(option.flags, option);
      else if (earlier !== option) throw new HoloclipError(`score ${def.name} declares ${option.flags} differently from an earlier metric`);
    }
  }
  return [...seen.values()];
}
