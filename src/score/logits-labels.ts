/** The input shared by accuracy and the calibration metrics: a logits matrix and its integer labels. */
import { need, type ScoreOption } from './definition.js';
import { readLabels, readMatrix, requireSameLength, type Matrix } from './inputs.js';

export interface LogitsLabelsInputs {
  logits?: string;
  labels?: string;
}

/** Also read by `score ood` (ID logits). */
export const logitsOption: ScoreOption = { flags: '--logits <file>', description: 'logits n x classes (.npy, or text: one row per line); for --score mcm: raw cosines' };
export const labelsOption: ScoreOption = { flags: '--labels <file>', description: 'integer labels (.npy, or text: one per line)' };

export async function readLogitsAndLabels(inputs: LogitsLabelsInputs, metric: string): Promise<{ m: Matrix; labels: Int32Array }> {
  const m = await readMatrix(need(inputs.logits, '--logits FILE', metric), 'logits');
  const labels = await readLabels(need(inputs.labels, '--labels FILE', metric), m.cols);
  requireSameLength({ length: m.rows }, labels, `${m.rows} logit rows vs ${labels.length} labels`);
  return { m, labels };
}
