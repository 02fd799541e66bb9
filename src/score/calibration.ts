/**
 * `holoclip score ece | nll | brier | temperature`: calibration of a logits matrix against labels.
 * ece, nll and brier report the same figures (calibrationMetrics) under their own headline value.
 */
import { CalibrationAccumulator, calibrationMetrics, temperatureScaling, type CalibrationMetrics, type TemperatureFit } from '../metrics/calibration.js';
import { checkNonEmpty, checkTemperature } from '../metrics/softmax.js';
import { float32MatrixShape, readLabels, requireSameLength } from './inputs.js';
import { startLogitsScoring } from './parallel-calibration.js';
import { temperatureScalingOfFile } from './matrix-passes.js';
import { need } from './definition.js';
import { absPath, scoreEnvelope, type ScoreMetricDefinition, type ScoreOption } from './definition.js';
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
  headline: (full: CalibrationMetrics) => number,
): ScoreMetricDefinition<CalibrationInputs> {
  return {
    name,
    description,
    options: [logitsOption, labelsOption, binsOption, temperatureOption],
    async run(inputs) {
      const T = inputs.temperature ?? 1;
      const bins = inputs.bins ?? 15;
      const full = await calibrationOfFiles(inputs, name, T, bins);
      const value = headline(full);
      return scoreEnvelope(name, { [name]: value, ...full }, {
        ece: `${bins} equal-width bins over (0,1], membership (lower, upper], confidence = max softmax probability`,
        temperature: `logits divided by ${T} before the softmax`,
        brier: 'mean over samples of sum over classes (p_k - onehot_k)^2',
      }, { logits: absPath(inputs.logits), labels: absPath(inputs.labels) });
    },
  };
}

// calibrationMetrics computes NLL and Brier exactly as negativeLogLikelihood and brierScore do (one pass for all).
export const scoreEce = calibrationScore('ece', 'expected calibration error of the softmax confidence', (full) => full.ece);
export const scoreNll = calibrationScore('nll', 'negative log-likelihood of the labels under the softmax', (full) => full.nll);
export const scoreBrier = calibrationScore('brier', 'Brier score of the softmax probabilities', (full) => full.brier);

/**
 * calibrationMetrics of the --logits / --labels files. A float32 .npy is streamed through one pass (a few MB of
 * memory; two threads sharing the blocks for large files); other files are read whole. The same figures either way.
 */
async function calibrationOfFiles(inputs: CalibrationInputs, metric: string, temperature: number, numBins: number): Promise<CalibrationMetrics> {
  const logitsFile = need(inputs.logits, '--logits FILE', metric);
  const shape = await float32MatrixShape(logitsFile);
  if (shape === null) {
    const { m, labels } = await readLogitsAndLabels(inputs, metric);
    return calibrationMetrics(m.data, m.rows, m.cols, labels, { numBins, temperature });
  }
  // The worker thread (large files) starts before the labels are read; it waits for them.
  const scoring = startLogitsScoring(logitsFile, shape, temperature);
  try {
    const labels = await readLabels(need(inputs.labels, '--labels FILE', metric), shape.cols);
    requireSameLength({ length: shape.rows }, labels, `${shape.rows} logit rows vs ${labels.length} labels`);
    checkNonEmpty('calibrationMetrics', 'logits', shape.rows);
    checkTemperature('calibrationMetrics', 'temperature', temperature);
    const acc = new CalibrationAccumulator(shape.rows, shape.cols, labels, temperature);
    acc.addRowTerms(0, shape.rows, (await scoring.score(labels)).terms);
    return acc.finish(numBins);
  } finally {
    await scoring.close();
  }
}

export const scoreTemperature: ScoreMetricDefinition<CalibrationInputs> = {
  name: 'temperature',
  description: 'fit the temperature that minimises the NLL; ECE before and after',
  options: [logitsOption, labelsOption, binsOption],
  async run(inputs) {
    const numBins = inputs.bins ?? 15;
    const { fit, before, after } = await temperatureScalingOfFiles(inputs, numBins);
    return scoreEnvelope('temperature', { ...fit, ece_before: before.ece, ece_after: after.ece }, { temperature: 'T = argmin NLL(logits / T), bounded 1-D minimisation' }, { logits: absPath(inputs.logits), labels: absPath(inputs.labels) });
  },
};

/**
 * temperatureScaling of the --logits / --labels files: fitTemperature, then calibrationMetrics before and after, one
 * pass each (their NLL being the fit's). A float32 .npy is read once into shared memory, with every pass shared by
 * two threads when it is large (matrix-passes.ts); other files are read whole. The same figures either way.
 */
async function temperatureScalingOfFiles(inputs: CalibrationInputs, numBins: number): Promise<{ fit: TemperatureFit; before: CalibrationMetrics; after: CalibrationMetrics }> {
  const logitsFile = need(inputs.logits, '--logits FILE', 'temperature');
  const shape = await float32MatrixShape(logitsFile);
  if (shape === null) {
    const { m, labels } = await readLogitsAndLabels(inputs, 'temperature');
    return temperatureScaling(m.data, m.rows, m.cols, labels, { numBins });
  }
  // The worker thread (large files) starts before the labels are read.
  return temperatureScalingOfFile(logitsFile, shape, async () => {
    const labels = await readLabels(need(inputs.labels, '--labels FILE', 'temperature'), shape.cols);
    requireSameLength({ length: shape.rows }, labels, `${shape.rows} logit rows vs ${labels.length} labels`);
    return labels;
  }, numBins);
}
