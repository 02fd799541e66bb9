/**
 * Out-of-distribution detection: per-sample scores and detection metrics. Pure functions; no I/O.
 *
 * Every score is oriented so that higher = more in-distribution (ID). The functions are formulas over the
 * matrix they are given; what that matrix is (raw cosines or logit-scaled logits) is decided by the caller,
 * and each score NAME below fixes it (OOD_SCORE_INPUTS):
 *   msp              max_k softmax(logits)_k on the model's logits       (Hendrycks & Gimpel 2017)
 *   maxlogit         max_k cos_k on raw cosines, as MCM's `max-logit`   (Hendrycks et al. 2022; MCM code)
 *   energy           T * logsumexp(cos / T), T = 1, on raw cosines, as MCM's `energy` (Liu et al. 2020; MCM code)
 *   mcm              max_k softmax(cos / tau)_k on raw cosines, tau = 1 (Ming et al. 2022, MCM)
 *   maxlogit-scaled  max_k logits_k on the logit-scaled logits (holoclip's `maxlogit` before issue 12)
 *   energy-scaled    logsumexp(logits), T = 1, on the logit-scaled logits (holoclip's `energy` before issue 12)
 * For an image classifier (no cosines) maxlogit and energy use its logits, and mcm / the -scaled names do not apply.
 *
 * Metrics come in two conventions (see oodMetrics):
 *   'id-positive'  (default) Hendrycks' outlier-exposure code, also used by MCM: ID is the positive class.
 *   'ood-positive' OpenOOD v1.5 (openood/evaluators/metrics.py, auc_and_fpr_recall): OOD is positive.
 * AUROC is the same number in both. They differ in FPR@95TPR and in how AUPR is integrated.
 */
import { HoloclipError } from '../errors.js';
import { checkFinite, checkMatrix, checkNonEmpty, checkTemperature, maxSoftmaxRows, scaledRowLogSumExp, toBinary } from './softmax.js';

export type OodScoreName = 'msp' | 'maxlogit' | 'energy' | 'mcm' | 'maxlogit-scaled' | 'energy-scaled';
/** What a score is computed on: the raw image-text cosines or the logits (logit_scale * cosine (+ bias)). */
export type OodScoreInput = 'cosines' | 'logits';

/** The input of each score name (see the module comment). */
export const OOD_SCORE_INPUTS: Readonly<Record<OodScoreName, OodScoreInput>> = {
  msp: 'logits',
  maxlogit: 'cosines',
  energy: 'cosines',
  mcm: 'cosines',
  'maxlogit-scaled': 'logits',
  'energy-scaled': 'logits',
};

/** Score of each row of `m` (n x c) by name: the formula only; the caller passes the input OOD_SCORE_INPUTS names. */
export function oodScoresOf(name: OodScoreName, m: Float32Array, n: number, c: number): Float64Array {
  switch (name) {
    case 'msp':
      return mspScores(m, n, c);
    case 'maxlogit':
    case 'maxlogit-scaled':
      return maxLogitScores(m, n, c);
    case 'energy':
    case 'energy-scaled':
      return energyScores(m, n, c);
    case 'mcm':
      return mcmScores(m, n, c);
  }
}
export type OodConvention = 'id-positive' | 'ood-positive';

export interface OodMetrics {
  auroc: number;
  aupr_in: number;
  aupr_out: number;
  fpr_at_95_tpr: number;
  n_id: number;
  n_ood: number;
  convention: OodConvention;
  convention_note: string;
}

/** How far past [-1, 1] a "cosine" may be before mcmScores refuses it (fp16 embeddings overshoot slightly). */
const COSINE_SLACK = 0.01;
const RECALL_LEVEL = 0.95;

// ---------------------------------------------------------------------------------------------------
// per-sample scores

/** Maximum softmax probability of each row (float64). */
export function mspScores(logits: Float32Array, n: number, c: number): Float64Array {
  checkMatrix('mspScores', 'logits', logits, n, c);
  return maxSoftmaxRows(logits, n, c, 1);
}

/** Largest logit of each row. */
export function maxLogitScores(logits: Float32Array, n: number, c: number): Float64Array {
  checkMatrix('maxLogitScores', 'logits', logits, n, c);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) if (logits[off + j] > max) max = logits[off + j];
    out[i] = max;
  }
  return out;
}

/** Negative free energy T * logsumexp(logits / T) of each row (higher = more ID), stable. */
export function energyScores(logits: Float32Array, n: number, c: number, temperature = 1): Float64Array {
  checkMatrix('energyScores', 'logits', logits, n, c);
  checkTemperature('energyScores', 'temperature', temperature);
  const out = new Float64Array(n);
  const scaled = new Float64Array(c);
  for (let i = 0; i < n; i++) out[i] = temperature * scaledRowLogSumExp(logits, i * c, c, temperature, scaled);
  return out;
}

/**
 * Maximum concept matching (MCM): max_k softmax(cos / tau)_k over the raw image-text cosine similarities
 * (not the logit-scaled logits). Values outside [-1.01, 1.01] are refused as not being cosines.
 */
export function mcmScores(cosines: Float32Array, n: number, c: number, tau = 1): Float64Array {
  const fn = 'mcmScores';
  checkMatrix(fn, 'cosines', cosines, n, c);
  checkTemperature(fn, 'tau', tau);
  for (let i = 0; i < cosines.length; i++) {
    if (Math.abs(cosines[i]) > 1 + COSINE_SLACK) {
      throw new HoloclipError(
        `${fn}: cosines must be raw cosine similarities in [-1, 1], got ${cosines[i]} at row ${Math.floor(i / c)} (pass cosines, not scaled logits)`,
      );
    }
  }
  return maxSoftmaxRows(cosines, n, c, tau);
}

// ---------------------------------------------------------------------------------------------------
// threshold curve (sklearn's _binary_clf_curve)

interface Curve {
  /** positives with score >= threshold k (thresholds = distinct scores, descending) */
  tps: Float64Array;
  /** negatives with score >= threshold k */
  fps: Float64Array;
  positives: number;
  negatives: number;
}

function binaryCurve(scores: ArrayLike<number>, positive: Uint8Array): Curve {
  const n = scores.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  // At most n thresholds: counted into typed arrays (a JS array of counts per threshold was some 16 bytes a score).
  const tps = new Float64Array(n);
  const fps = new Float64Array(n);
  let m = 0;
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (positive[i]) tp++;
    else fp++;
    if (k === n - 1 || scores[order[k + 1]] !== scores[i]) {
      tps[m] = tp;
      fps[m] = fp;
      m++;
    }
  }
  return { tps: tps.slice(0, m), fps: fps.slice(0, m), positives: tp, negatives: fp };
}

function checkScoresAndLabels(fn: string, scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): Uint8Array {
  const pos = toBinary(fn, 'positive', positive, scores.length);
  checkNonEmpty(fn, 'scores', scores.length);
  checkFinite(fn, 'scores', scores);
  return pos;
}

/** Trapezoidal area under the ROC curve through (0, 0) and every distinct threshold. */
function curveRocAuc(curve: Curve): number {
  const { tps, fps } = curve;
  let area = 0;
  let prevT = 0;
  let prevF = 0;
  for (let k = 0; k < tps.length; k++) {
    area += (fps[k] - prevF) * (tps[k] + prevT);
    prevT = tps[k];
    prevF = fps[k];
  }
  return area / 2 / (curve.positives * curve.negatives);
}

/** sklearn's average precision: sum_k (R_k - R_{k-1}) * P_k over distinct thresholds (step integral). */
function curveAveragePrecision(curve: Curve): number {
  const { tps, fps } = curve;
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < tps.length; k++) {
    const recall = tps[k] / curve.positives;
    ap += (recall - prevRecall) * (tps[k] / (tps[k] + fps[k]));
    prevRecall = recall;
  }
  return ap;
}

/** sklearn.metrics.auc(recall, precision) over precision_recall_curve: trapezoids from (R, P) = (0, 1). */
function curvePrTrapezoid(curve: Curve): number {
  const { tps, fps } = curve;
  let area = 0;
  let prevR = 0;
  let prevP = 1;
  for (let k = 0; k < tps.length; k++) {
    const r = tps[k] / curve.positives;
    const p = tps[k] / (tps[k] + fps[k]);
    area += ((r - prevR) * (p + prevP)) / 2;
    prevR = r;
    prevP = p;
  }
  return area;
}

/**
 * Area under the ROC curve; equals sklearn's roc_auc_score, ties included (a tied positive/negative pair
 * counts one half). Needs at least one positive and one negative.
 */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number {
  const fn = 'rocAuc';
  const pos = checkScoresAndLabels(fn, scores, positive);
  const curve = binaryCurve(scores, pos);
  if (curve.positives === 0 || curve.negatives === 0) {
    throw new HoloclipError(`${fn}: needs both classes, got ${curve.positives} positive and ${curve.negatives} negative samples`);
  }
  return curveRocAuc(curve);
}

/**
 * Average precision, equal to sklearn's average_precision_score: sum over distinct thresholds (descending)
 * of (recall_k - recall_{k-1}) * precision_k, tied scores forming one threshold. Needs at least one positive.
 */
export function averagePrecision(scores: ArrayLike<number>, positive: ArrayLike<number | boolean>): number {
  const fn = 'averagePrecision';
  const pos = checkScoresAndLabels(fn, scores, positive);
  const curve = binaryCurve(scores, pos);
  if (curve.positives === 0) throw new HoloclipError(`${fn}: empty set: no positive samples`);
  return curveAveragePrecision(curve);
}

// ---------------------------------------------------------------------------------------------------
// FPR at 95% TPR, two reference semantics

/**
 * Hendrycks' `fpr_and_fdr_at_recall(recall_level=0.95)` (outlier-exposure utils/display_results.py,
 * MCM utils/detection_util.py). Walks the thresholds from the first one reaching full recall back to the
 * highest, with a (recall 1, fps 0) point appended, and takes the first point whose recall is closest to
 * 0.95 (it can be below 0.95; among several points with the same recall it is the lowest threshold).
 */
function hendrycksFpr(curve: Curve, recallLevel: number): number {
  const { tps, fps } = curve;
  let last = 0;
  while (tps[last] < tps[tps.length - 1]) last++;
  let bestDiff = Infinity;
  let bestFps = 0;
  for (let k = last; k >= 0; k--) {
    const diff = Math.abs(tps[k] / tps[tps.length - 1] - recallLevel);
    if (diff < bestDiff) {
      bestDiff = diff;
      bestFps = fps[k];
    }
  }
  if (Math.abs(1 - recallLevel) < bestDiff) bestFps = 0;
  return bestFps / curve.negatives;
}

/**
 * OpenOOD's FPR: `fpr[argmax(tpr >= 0.95)]` on sklearn's roc_curve with drop_intermediate=True: points
 * whose neighbours are at equal steps on both sides (second differences of fps and tps both zero) are
 * dropped, (0, 0) is prepended, and the first remaining point with tpr >= 0.95 gives the FPR.
 */
function openOodFpr(curve: Curve, tprLevel: number): number {
  const { tps, fps } = curve;
  const m = tps.length;
  const totalT = tps[m - 1];
  const totalF = fps[m - 1];
  // (0, 0) has tpr 0 < 0.95, so it is never chosen; walk the kept points in order.
  for (let k = 0; k < m; k++) {
    const kept =
      m <= 2 || k === 0 || k === m - 1 || fps[k + 1] - 2 * fps[k] + fps[k - 1] !== 0 || tps[k + 1] - 2 * tps[k] + tps[k - 1] !== 0;
    if (kept && tps[k] / totalT >= tprLevel) return fps[k] / totalF;
  }
  return 0; // unreachable: the last point has tpr = 1
}

// ---------------------------------------------------------------------------------------------------
// OOD metrics

const NOTES: Record<OodConvention, string> = {
  'id-positive':
    'ID is the positive class (Hendrycks outlier-exposure / MCM get_measures): AUROC with ID positive; AUPR-In = ' +
    'average precision with ID positive; AUPR-Out = average precision with OOD positive on negated scores; ' +
    'FPR@95TPR = fraction of OOD samples scored at or above the threshold whose ID recall is closest to 95% ' +
    '(fpr_and_fdr_at_recall, lowest such threshold).',
  'ood-positive':
    'OOD is the positive class with score = -ID score (OpenOOD v1.5 auc_and_fpr_recall): FPR@95TPR = fraction of ' +
    'ID samples flagged as OOD at the first ROC point (sklearn roc_curve, drop_intermediate) that detects at least ' +
    '95% of OOD samples; AUROC from that curve; AUPR-In / AUPR-Out = trapezoidal area under sklearn\'s ' +
    'precision-recall curve with ID positive (scores) / OOD positive (negated scores).',
};

/**
 * AUROC, AUPR-In, AUPR-Out and FPR@95TPR for ID and OOD scores (higher = more ID).
 *
 * 'id-positive' (default; Hendrycks / MCM): AUROC with ID positive; AUPR-In and AUPR-Out are sklearn
 * average precisions (ID positive on the scores, OOD positive on the negated scores); FPR@95TPR follows
 * `fpr_and_fdr_at_recall` exactly (see hendrycksFpr).
 *
 * 'ood-positive' (OpenOOD v1.5): OOD positive on the negated scores; FPR@95TPR is the fraction of ID
 * samples flagged at the first point of sklearn's (drop_intermediate) ROC curve with >= 95% of OOD
 * detected; AUPR-In / AUPR-Out are `sklearn.metrics.auc` of the precision-recall curves (trapezoidal, as
 * OpenOOD computes them), not average precision.
 */
export function oodMetrics(idScores: ArrayLike<number>, oodScores: ArrayLike<number>, convention: OodConvention = 'id-positive'): OodMetrics {
  const fn = 'oodMetrics';
  if (convention !== 'id-positive' && convention !== 'ood-positive') {
    throw new HoloclipError(`${fn}: unknown convention ${String(convention)} (expected 'id-positive' or 'ood-positive')`);
  }
  checkNonEmpty(fn, 'idScores', idScores.length);
  checkNonEmpty(fn, 'oodScores', oodScores.length);
  checkFinite(fn, 'idScores', idScores);
  checkFinite(fn, 'oodScores', oodScores);
  const nId = idScores.length;
  const nOod = oodScores.length;
  const scores = new Float64Array(nId + nOod);
  const negated = new Float64Array(nId + nOod);
  const isId = new Uint8Array(nId + nOod);
  const isOod = new Uint8Array(nId + nOod);
  for (let i = 0; i < nId; i++) {
    scores[i] = idScores[i];
    isId[i] = 1;
  }
  for (let i = 0; i < nOod; i++) {
    scores[nId + i] = oodScores[i];
    isOod[nId + i] = 1;
  }
  for (let i = 0; i < scores.length; i++) negated[i] = -scores[i];
  const idCurve = binaryCurve(scores, isId);
  const oodCurve = binaryCurve(negated, isOod);
  const base = { n_id: nId, n_ood: nOod, convention, convention_note: NOTES[convention] };
  if (convention === 'id-positive') {
    return {
      auroc: curveRocAuc(idCurve),
      aupr_in: curveAveragePrecision(idCurve),
      aupr_out: curveAveragePrecision(oodCurve),
      fpr_at_95_tpr: hendrycksFpr(idCurve, RECALL_LEVEL),
      ...base,
    };
  }
  return {
    auroc: curveRocAuc(oodCurve),
    aupr_in: curvePrTrapezoid(idCurve),
    aupr_out: curvePrTrapezoid(oodCurve),
    fpr_at_95_tpr: openOodFpr(oodCurve, RECALL_LEVEL),
    ...base,
  };
}
