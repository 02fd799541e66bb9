/**
 * `holoclip score <metric>`: any metric on predictions made elsewhere (files), in the same result
 * envelope as the eval tasks (model: null, inputs recorded under conventions.inputs).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readClassnames } from '../../data/index.js';
import { HoloclipError, errorMessage } from '../../errors.js';
import { readBaselineTable, readFactorAnnotations, readImagenetxPredictions, readPrototypicalPaths, readRawDecisions } from '../../formats/index.js';
import { brierScore, calibrationMetrics, fitTemperature, negativeLogLikelihood } from '../../metrics/calibration.js';
import { correctnessFromPredictions, factorMetrics } from '../../metrics/factors.js';
import { effectiveRobustnessWithBootstrap, type AccuracyTransform } from '../../metrics/effective-robustness.js';
import { energyScores, maxLogitScores, mcmScores, mspScores, oodMetrics, type OodConvention, type OodScoreName } from '../../metrics/ood.js';
import { retrievalRecall } from '../../metrics/retrieval.js';
import { shapeBias } from '../../metrics/shape-bias.js';
import { readLabels, readMatrix, readVector, requireSameLength, type Matrix } from '../../cli/score-inputs.js';
import { HOLOCLIP_VERSION } from '../eval-context.js';
import type { ResultEnvelope } from '../result-envelope.js';
import { classificationConventions, classificationMetrics } from '../zeroshot/run.js';

export const SCORE_METRICS = ['accuracy', 'ece', 'nll', 'brier', 'temperature', 'ood', 'effective-robustness', 'factors', 'shape-bias', 'retrieval'] as const;
export type ScoreMetric = (typeof SCORE_METRICS)[number];

export interface ScoreInputs {
  logits?: string;
  labels?: string;
  bins?: number;
  temperature?: number;
  idScores?: string;
  oodScores?: string;
  oodLogits?: string;
  score?: OodScoreName;
  convention?: OodConvention;
  baselines?: string;
  modelColumn?: string;
  idColumn?: string;
  shiftColumn?: string;
  baselineModels?: string[];
  baselineModelsFile?: string;
  idResult?: string;
  shiftResult?: string;
  model?: string;
  idAcc?: number;
  shiftAcc?: number;
  transform?: AccuracyTransform;
  bootstrap?: number;
  seed?: number;
  predictions?: string;
  annotations?: string;
  prototypical?: string;
  decisions?: string[];
  subjectPrefix?: string;
  bySubject?: boolean;
  pool?: string[];
  similarity?: string;
  textImage?: string;
  k?: number[];
}

function need<T>(value: T | undefined, flag: string, metric: string): T {
  if (value === undefined) throw new HoloclipError(`score ${metric} needs ${flag}`);
  return value;
}

function envelope<M>(metric: string, metrics: M, conventions: Record<string, unknown>, inputs: Record<string, unknown>): ResultEnvelope<M> {
  return {
    task: `score:${metric}`,
    holoclip_version: HOLOCLIP_VERSION,
    created: new Date().toISOString(),
    model: null,
    metrics,
    conventions: { ...conventions, inputs },
  };
}

async function logitsAndLabels(inputs: ScoreInputs, metric: string): Promise<{ m: Matrix; labels: Int32Array }> {
  const m = await readMatrix(need(inputs.logits, '--logits FILE', metric), 'logits');
  const labels = await readLabels(need(inputs.labels, '--labels FILE', metric), m.cols);
  requireSameLength({ length: m.rows }, labels, `${m.rows} logit rows vs ${labels.length} labels`);
  return { m, labels };
}

/** metrics.top1 of a holoclip result.json (e.g. an `eval zeroshot` run). */
async function top1Of(file: string): Promise<number> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new HoloclipError(`cannot read result ${file}: ${errorMessage(err)}`);
  }
  const top1 = (value as { metrics?: { top1?: unknown } } | null)?.metrics?.top1;
  if (typeof top1 !== 'number') throw new HoloclipError(`result ${file} has no metrics.top1 (expected the result.json of an eval zeroshot run)`);
  return top1;
}

function oodScoreOf(name: OodScoreName, m: Matrix): Float64Array {
  switch (name) {
    case 'msp':
      return mspScores(m.data, m.rows, m.cols);
    case 'maxlogit':
      return maxLogitScores(m.data, m.rows, m.cols);
    case 'energy':
      return energyScores(m.data, m.rows, m.cols);
    case 'mcm':
      return mcmScores(m.data, m.rows, m.cols);
  }
}

export async function runScore(metric: ScoreMetric, inputs: ScoreInputs): Promise<ResultEnvelope<unknown>> {
  const abs = (f: string | undefined) => (f === undefined ? undefined : path.resolve(f));
  switch (metric) {
    case 'accuracy': {
      const { m, labels } = await logitsAndLabels(inputs, metric);
      const { preds: _preds, ...metrics } = classificationMetrics(m.data, m.rows, m.cols, labels);
      return envelope(metric, { n: m.rows, num_classes: m.cols, ...metrics }, classificationConventions(m.cols), { logits: abs(inputs.logits), labels: abs(inputs.labels) });
    }
    case 'ece':
    case 'nll':
    case 'brier': {
      const { m, labels } = await logitsAndLabels(inputs, metric);
      const T = inputs.temperature ?? 1;
      const bins = inputs.bins ?? 15;
      const full = calibrationMetrics(m.data, m.rows, m.cols, labels, { numBins: bins, temperature: T });
      const value = metric === 'ece' ? full.ece : metric === 'nll' ? negativeLogLikelihood(m.data, m.rows, m.cols, labels, T) : brierScore(m.data, m.rows, m.cols, labels, T);
      return envelope(metric, { [metric]: value, ...full }, {
        ece: `${bins} equal-width bins over (0,1], membership (lower, upper], confidence = max softmax probability`,
        temperature: `logits divided by ${T} before the softmax`,
        brier: 'mean over samples of sum over classes (p_k - onehot_k)^2',
      }, { logits: abs(inputs.logits), labels: abs(inputs.labels) });
    }
    case 'temperature': {
      const { m, labels } = await logitsAndLabels(inputs, metric);
      const fit = fitTemperature(m.data, m.rows, m.cols, labels);
      const before = calibrationMetrics(m.data, m.rows, m.cols, labels, { numBins: inputs.bins ?? 15 });
      const after = calibrationMetrics(m.data, m.rows, m.cols, labels, { numBins: inputs.bins ?? 15, temperature: fit.temperature });
      return envelope(metric, { ...fit, ece_before: before.ece, ece_after: after.ece }, { temperature: 'T = argmin NLL(logits / T), bounded 1-D minimisation' }, { logits: abs(inputs.logits), labels: abs(inputs.labels) });
    }
    case 'ood': {
      const convention = inputs.convention ?? 'id-positive';
      let id: Float64Array;
      let ood: Float64Array;
      let scoreNote: string;
      if (inputs.idScores || inputs.oodScores) {
        id = await readVector(need(inputs.idScores, '--id-scores FILE', metric), 'ID scores');
        ood = await readVector(need(inputs.oodScores, '--ood-scores FILE', metric), 'OOD scores');
        scoreNote = 'scores given (higher = more in-distribution)';
      } else {
        const score = need(inputs.score, '--score msp|maxlogit|energy|mcm (with --logits and --ood-logits), or --id-scores and --ood-scores', metric);
        const idM = await readMatrix(need(inputs.logits, '--logits FILE (ID)', metric), 'ID logits');
        const oodM = await readMatrix(need(inputs.oodLogits, '--ood-logits FILE', metric), 'OOD logits');
        if (idM.cols !== oodM.cols) throw new HoloclipError(`ID logits have ${idM.cols} classes but OOD logits ${oodM.cols}`);
        id = oodScoreOf(score, idM);
        ood = oodScoreOf(score, oodM);
        scoreNote = score === 'mcm' ? 'mcm: max softmax of the given matrices read as raw cosines, tau = 1' : `${score} of the given logits`;
      }
      const metrics = oodMetrics(id, ood, convention);
      return envelope(metric, metrics, { scores: scoreNote, positive_class: convention, fpr_at_95_tpr: metrics.convention_note }, {
        id_scores: abs(inputs.idScores), ood_scores: abs(inputs.oodScores), logits: abs(inputs.logits), ood_logits: abs(inputs.oodLogits),
      });
    }
    case 'effective-robustness': {
      const file = need(inputs.baselines, '--baselines CSV', metric);
      const idColumn = need(inputs.idColumn, '--id-column NAME', metric);
      const shiftColumn = need(inputs.shiftColumn, '--shift-column NAME', metric);
      let models = inputs.baselineModels;
      if (inputs.baselineModelsFile) models = [...(models ?? []), ...(await readClassnames(inputs.baselineModelsFile))];
      const table = await readBaselineTable(file, { modelColumn: inputs.modelColumn, idColumn, shiftColumn, models });
      let modelId = inputs.idAcc ?? (inputs.idResult ? await top1Of(inputs.idResult) : undefined);
      let modelShift = inputs.shiftAcc ?? (inputs.shiftResult ? await top1Of(inputs.shiftResult) : undefined);
      let baseId = table.id;
      let baseShift = table.shift;
      if (inputs.model !== undefined) {
        const i = table.models.indexOf(inputs.model);
        if (i < 0) throw new HoloclipError(`baseline table ${file} has no row for model "${inputs.model}" with both ${idColumn} and ${shiftColumn}`);
        modelId ??= table.id[i];
        modelShift ??= table.shift[i];
        baseId = table.id.filter((_, j) => j !== i);
        baseShift = table.shift.filter((_, j) => j !== i);
      }
      const idAcc = need(modelId, '--id-acc X, --id-result RUN/result.json or --model NAME', metric);
      const shiftAcc = need(modelShift, '--shift-acc Y, --shift-result RUN/result.json or --model NAME', metric);
      for (const [v, f] of [[idAcc, '--id-acc'], [shiftAcc, '--shift-acc']] as const) {
        if (!(v >= 0 && v <= 1)) throw new HoloclipError(`${f} must be an accuracy in [0, 1] (got ${v})`);
      }
      if (baseId.length < 3) throw new HoloclipError(`baseline table ${file} has ${baseId.length} usable models; at least 3 are needed for a fit`);
      const res = effectiveRobustnessWithBootstrap(baseId, baseShift, { id: idAcc, shift: shiftAcc }, { transform: inputs.transform, samples: inputs.bootstrap, seed: inputs.seed });
      return envelope(metric, { model_id_accuracy: idAcc, model_shift_accuracy: shiftAcc, baseline_models: baseId.length, ...res }, {
        fit: `least squares of ${res.fit.transform}(shift accuracy) on ${res.fit.transform}(ID accuracy) over the baseline models (Taori et al. 2020)`,
        effective_robustness: 'shift accuracy - predicted shift accuracy from the baseline fit',
        bootstrap: `95% percentile interval over ${res.bootstrap.samples} resamples of the baseline models (seed ${res.bootstrap.seed})`,
        accuracy_unit: `baseline table read as ${table.scale}; rows with a missing value skipped: ${table.skipped}`,
      }, { baselines: abs(file), id_column: idColumn, shift_column: shiftColumn, model: inputs.model ?? null });
    }
    case 'factors': {
      const annotations = await readFactorAnnotations(need(inputs.annotations, '--annotations FILE.jsonl', metric));
      const predicted = await readImagenetxPredictions(need(inputs.predictions, '--predictions CSV', metric));
      const exclude = inputs.prototypical ? await readPrototypicalPaths(inputs.prototypical) : undefined;
      const metrics = factorMetrics(annotations, correctnessFromPredictions(annotations, predicted), { exclude });
      if (metrics.n === 0) {
        throw new HoloclipError(`the annotations in ${inputs.annotations} cover none of the ${predicted.size} predictions in ${inputs.predictions} (joined by file_name)`);
      }
      return envelope(metric, metrics, {
        correct: 'predicted_class equals the annotated class',
        overall_accuracy: 'accuracy over the annotated images that have a prediction (imagenetx aggregate)',
        error_ratio: '(1 - accuracy on images with the factor) / (1 - overall accuracy)',
        prototypical: inputs.prototypical ? 'images in the prototypical list dropped' : 'kept',
      }, { predictions: abs(inputs.predictions), annotations: abs(inputs.annotations), prototypical: abs(inputs.prototypical) ?? null });
    }
    case 'shape-bias': {
      const files = need(inputs.decisions, '--decisions CSV [CSV ...]', metric);
      const trials = [];
      for (const f of files) trials.push(...(await readRawDecisions(f)));
      const kept = inputs.subjectPrefix ? trials.filter((t) => t.subject.startsWith(inputs.subjectPrefix as string)) : trials;
      if (kept.length === 0) throw new HoloclipError(`no decisions${inputs.subjectPrefix ? ` from subjects starting with "${inputs.subjectPrefix}"` : ''} in ${files.join(', ')}`);
      const subjects = [...new Set(kept.map((t) => t.subject))];
      const metrics: Record<string, unknown> = { ...shapeBias(kept), subjects };
      if (inputs.bySubject || (inputs.pool ?? []).length > 0) {
        // One group per subject; subjects starting with a --pool prefix form one group "<prefix>*".
        const groupOf = (subject: string) => {
          const p = (inputs.pool ?? []).find((prefix) => subject.startsWith(prefix));
          return p === undefined ? subject : `${p}*`;
        };
        const groups = new Map<string, typeof kept>();
        for (const t of kept) {
          const g = groupOf(t.subject);
          const list = groups.get(g) ?? [];
          list.push(t);
          groups.set(g, list);
        }
        const out: Record<string, { shape_bias: number; shape_decisions: number; texture_decisions: number; n_trials: number; subjects: number }> = {};
        for (const [g, list] of groups) {
          const r = shapeBias(list);
          out[g] = { shape_bias: r.shape_bias, shape_decisions: r.shape_decisions, texture_decisions: r.texture_decisions, n_trials: r.n_trials, subjects: new Set(list.map((t) => t.subject)).size };
        }
        metrics.groups = out;
      }
      return envelope(metric, metrics, {
        shape_bias: 'shape decisions / (shape + texture decisions); trials whose shape and texture category are equal are dropped (Geirhos et al. 2019, model-vs-human)',
        pooled: `${subjects.length} subject(s) pooled in the top-level figures${metrics.groups ? '; groups: one per subject, --pool prefixes merged' : ''}`,
      }, { decisions: files.map((f) => path.resolve(f)), subject_prefix: inputs.subjectPrefix ?? null, pool: inputs.pool ?? [] });
    }
    case 'retrieval': {
      const sim = await readMatrix(need(inputs.similarity, '--similarity FILE (images x texts)', metric), 'similarity');
      const textImage = await readLabels(need(inputs.textImage, '--text-image FILE', metric), sim.rows, 'text-to-image indices');
      requireSameLength({ length: sim.cols }, textImage, `${sim.cols} similarity columns (texts) vs ${textImage.length} text-to-image indices`);
      return envelope(metric, retrievalRecall(sim.data, sim.rows, sim.cols, textImage, inputs.k ?? [1, 5, 10]), {
        recall: 'image->text: hit@K if any caption of the image is in its top K; text->image: hit@K if its image is in its top K (CLIP paper)',
      }, { similarity: abs(inputs.similarity), text_image: abs(inputs.textImage) });
    }
  }
}
