/**
 * `holoclip score ece | nll | brier | temperature`: calibration of a logits matrix against labels.
 * ece, nll and brier report the same figures (calibrationMetrics) under their own headline value.
 */
import { brierScore, calibrationMetrics, fitTemperature, negativeLogLikelihood, type CalibrationMetrics } from '../metrics/calibration.js';
import { absPath, scoreEnvelope, type ScoreMetricDefinition, type ScoreOption } from './definition.js';
import type { Matrix } from './inputs.js';
import { labelsOption, logitsOption, readLogitsAndLabels, type LogitsLabelsInputs } from './logits-labels.js';

export interface CalibrationInputs extends LogitsLabelsInputs {
  bins?: number;
  temperature?: number;
}

const binsOption: ScoreOption = { flags: '--bins <n>', description: 'ECE bins', value: 'positive-int' };
const temperatureOption: ScoreOption = { flags: '--temperature <t>', description: 'divide logits by T before the softmax (ece/nll/brier)', value: 'number' };

function calibrationScore(
  name: 'ece' | 'nll' | 'brier',
  description: string,
  headline: (m: Matrix, labels: Int32Array, T: number, full: CalibrationMetrics) => number,
): ScoreMetricDefinition<CalibrationInputs> {
  return {
    name,
    description,
    options: [logitsOption, labelsOption, binsOption, temperatureOption],
    async run(inputs) {
      const { m, labels } = await readLogitsAndLabels(inputs, name);
      const T = inputs.temperature ?? 1;
      const bins = inputs.bins ?? 15;
      const full = calibrationMetrics(m.data, m.rows, m.cols, labels, { numBins: bins, temperature: T });
      const value = headline(m, labels, T, full);
      return scoreEnvelope(name, { [name]: value, ...full }, {
        ece: `${bins} equal-width bins over (0,1], membership (lower, upper], confidence = max softmax probability`,
        temperature: `logits divided by ${T} before the softmax`,
        brier: 'mean over samples of sum over classes (p_k - onehot_k)^2',
      }, { logits: absPath(inputs.logits), labels: absPath(inputs.labels) });
    },
  };
}

export const scoreEce = calibrationScore('ece', 'expected calibration error of the softmax confidence', (_m, _labels, _T, full) => full.ece);
export const scoreNll = calibrationScore('nll', 'negative log-likelihood of the labels under the softmax', (m, labels, T) => negativeLogLikelihood(m.data, m.rows, m.cols, labels, T));
export const scoreBrier = calibrationScore('brier', 'Brier score of the softmax probabilities', (m, labels, T) => brierScore(m.data, m.rows, m.cols, labels, T));

export const scoreTemperature: ScoreMetricDefinition<CalibrationInputs> = {
  name: 'temperature',
  description: 'fit the temperature that minimises the NLL; ECE before and after',
  options: [logitsOption, labelsOption, binsOption],
  async run(inputs) {
    const { m, labels } = await readLogitsAndLabels(inputs, 'temperature');
    const fit = fitTemperature(m.data, m.rows, m.cols, labels);
    const before = calibrationMetrics(m.data, m.rows, m.cols, labels, { numBins: inputs.bins ?? 15 });
    const after = calibrationMetrics(m.data, m.rows, m.cols, labels, { numBins: inputs.bins ?? 15, temperature: fit.temperature });
    return scoreEnvelope('temperature', { ...fit, ece_before: before.ece, ece_after: after.ece }, { temperature: 'T = argmin NLL(logits / T), bounded 1-D minimisation' }, { logits: absPath(inputs.logits), labels: absPath(inputs.labels) });
  },
};
