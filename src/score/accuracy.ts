/** `holoclip score accuracy`: top-1, top-5 and mean per-class recall of a logits matrix. */
import { classificationConventions, classificationMetrics } from '../metrics/classification.js';
import { absPath, scoreEnvelope, type ScoreMetricDefinition } from './definition.js';
import { labelsOption, logitsOption, readLogitsAndLabels, type LogitsLabelsInputs } from './logits-labels.js';

export const scoreAccuracy: ScoreMetricDefinition<LogitsLabelsInputs> = {
  name: 'accuracy',
  description: 'top-1, top-5 and mean per-class recall of logits against labels',
  options: [logitsOption, labelsOption],
  async run(inputs) {
    const { m, labels } = await readLogitsAndLabels(inputs, 'accuracy');
    const { preds: _preds, ...metrics } = classificationMetrics(m.data, m.rows, m.cols, labels);
    return scoreEnvelope('accuracy', { n: m.rows, num_classes: m.cols, ...metrics }, classificationConventions(m.cols), { logits: absPath(inputs.logits), labels: absPath(inputs.labels) });
  },
};
