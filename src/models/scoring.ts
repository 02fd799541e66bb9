/**
 * The one place that decides how logits and confidences are formed from embeddings.
 *   CLIP:   logits = scale * cos(image, class)            confidence = max softmax probability
 *   SigLIP: logits = scale * cos(image, class) + bias     confidence = sigmoid(max logit)
 * Embeddings are L2-normalised, so cos is a dot product.
 */
import { matmulTransposed } from '../metrics/vector.js';
import type { ScoreKind } from './families.js';

export interface ScoringRule {
  readonly kind: ScoreKind;
  readonly scale: number;
  readonly bias: number;
}

/** Cosine similarities (n x c) of normalised image rows against normalised class rows. */
export function cosineMatrix(images: Float32Array, n: number, classes: Float32Array, c: number, dim: number, into?: Float32Array): Float32Array {
  return matmulTransposed(images, n, classes, c, dim, into);
}

/** logits = scale * cos + bias, in place over a copy of `cos`. */
export function logitsFromCosine(cos: Float32Array, rule: ScoringRule): Float32Array {
  return logitsFromCosineInPlace(cos.slice(), rule);
}

/** logits = scale * cos + bias, overwriting `cos` (same float32 values as {@link logitsFromCosine}); returns it. */
export function logitsFromCosineInPlace(cos: Float32Array, rule: ScoringRule): Float32Array {
  for (let i = 0; i < cos.length; i++) cos[i] = rule.scale * cos[i] + rule.bias;
  return cos;
}

/** Softmax of one row, computed stably in float64. */
export function softmaxRow(logits: Float32Array, offset: number, c: number, out: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, logits[offset + j]);
  let sum = 0;
  for (let j = 0; j < c; j++) {
    const e = Math.exp(logits[offset + j] - max);
    out[j] = e;
    sum += e;
  }
  for (let j = 0; j < c; j++) out[j] /= sum;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** Confidence of the predicted class for each row, under the model family's scoring rule. */
export function predictionConfidence(logits: Float32Array, n: number, c: number, kind: ScoreKind): Float64Array {
  const out = new Float64Array(n);
  const scratch = new Float64Array(c);
  for (let i = 0; i < n; i++) out[i] = rowConfidence(logits, i, c, kind, scratch);
  return out;
}

/**
 * The confidence of row `row` of a block of logits (`c` wide): the maximum softmax probability, or the sigmoid of the
 * maximum logit. `scratch` holds c float64s.
 */
export function rowConfidence(logits: Float32Array, row: number, c: number, kind: ScoreKind, scratch: Float64Array): number {
  const off = row * c;
  if (kind === 'softmax') {
    softmaxRow(logits, off, c, scratch);
    let best = 0;
    for (let j = 0; j < c; j++) best = Math.max(best, scratch[j]);
    return best;
  }
  let max = -Infinity;
  for (let j = 0; j < c; j++) max = Math.max(max, logits[off + j]);
  return sigmoid(max);
}
