/**
 * A synthetic but realistic SuiteResults, shaped like the emoji-shift demo suite: six models that each
 * differ from `base` in one or two of the paper's factors, zero-shot accuracy on the training styles and
 * three held-out styles with two prompt sets, effective robustness, calibration, OOD detection, shape
 * bias and retrieval. Deterministic: fixed tables plus a seeded generator (no Math.random), and the
 * derived numbers are computed the way holoclip computes them (the ER line is fitted with fitBaseline,
 * ECE comes from the reliability bins, shape bias from the decision counts), so the sample is internally
 * consistent.
 */
import { createHash } from 'node:crypto';
import { effectiveRobustness, fitBaseline, predictedShiftAccuracy } from '../../src/metrics/effective-robustness.js';
import { createRng, type Rng } from '../../src/metrics/random.js';
import type {
  CalibrationDetail,
  EffectiveRobustnessDetail,
  ModelFactors,
  ReliabilityBin,
  ResultRow,
  ShapeBiasDetail,
  SkippedUnit,
  SuiteDataset,
  SuiteModel,
  SuiteResults,
  TaskType,
} from '../../src/results/types.js';

export const SAMPLE_MODELS = ['base', 'arch-convnet', 'data-noto-only', 'size-25pct', 'loss-sigmoid', 'finetuned-classifier'] as const;
export const SAMPLE_PROMPTS = ['single', 'ensemble'] as const;
export const ZEROSHOT_DATASETS = ['test', 'noto', 'twemoji', 'fluent-3d', 'silhouette', 'openmoji'] as const;
export const SHIFT_DATASETS = ['fluent-3d', 'silhouette', 'openmoji'] as const;
export const CALIBRATION_SETS = ['test', 'fluent-3d', 'silhouette'] as const;
export const OOD_SETS = ['near-ood', 'far-ood'] as const;
export const OOD_SCORES = ['msp', 'maxlogit', 'energy', 'mcm'] as const;
const CLASSIFIER = 'finetuned-classifier';
const NUM_CLASSES = 42;
const ECE_BINS = 10;
const CATEGORIES = ['airplane', 'bear', 'bicycle', 'bird', 'boat', 'bottle', 'car', 'cat', 'chair', 'clock', 'dog', 'elephant', 'keyboard', 'knife', 'oven', 'truck'];

const BASE: ModelFactors = {
  architecture: 'vit-tiny',
  training_data: 'emoji-shift:noto+twemoji+fluent-flat',
  training_size: 3528,
  loss: 'softmax',
  fine_tuned: false,
  dtype: 'fp32',
};

/** Model -> [type, kind, factor overrides, logit scale, logit bias, logit-scale source]. */
const MODEL_SPECS: Record<string, [string, 'two-tower' | 'classifier', Partial<ModelFactors>, number, number, string]> = {
  base: ['clip', 'two-tower', {}, 100, 0, 'card'],
  'arch-convnet': ['clip', 'two-tower', { architecture: 'convnet-small' }, 100, 0, 'card'],
  'data-noto-only': ['clip', 'two-tower', { training_data: 'emoji-shift:noto', training_size: 1176 }, 100, 0, 'card'],
  'size-25pct': ['clip', 'two-tower', { training_size: 882 }, 100, 0, 'card'],
  'loss-sigmoid': ['siglip', 'two-tower', { loss: 'sigmoid' }, 10, -10, 'card'],
  [CLASSIFIER]: ['holoclip-classifier', 'classifier', { loss: 'cross-entropy', fine_tuned: true }, 1, 0, 'classifier logits'],
};

/** Zero-shot top-1 with the "single" prompt set (the classifier: its own head), per ZEROSHOT_DATASETS. */
const TOP1: Record<string, number[]> = {
  base: [0.62, 0.655, 0.64, 0.206, 0.148, 0.312],
  'arch-convnet': [0.585, 0.61, 0.602, 0.174, 0.121, 0.281],
  'data-noto-only': [0.455, 0.702, 0.398, 0.118, 0.093, 0.205],
  'size-25pct': [0.432, 0.455, 0.447, 0.121, 0.087, 0.198],
  'loss-sigmoid': [0.598, 0.633, 0.619, 0.227, 0.139, 0.305],
  [CLASSIFIER]: [0.781, 0.802, 0.795, 0.189, 0.102, 0.344],
};

/** Per model: [overconfidence before scaling, fitted temperature, OOD AUROC near, far, shape bias, retrieval R@1 i2t]. */
const TRAITS: Record<string, [number, number, number, number, number, number]> = {
  base: [1.8, 1.71, 0.684, 0.831, 0.38, 0.221],
  'arch-convnet': [2.0, 1.93, 0.661, 0.802, 0.22, 0.196],
  'data-noto-only': [2.2, 2.08, 0.612, 0.744, 0.31, 0.142],
  'size-25pct': [2.4, 2.26, 0.598, 0.729, 0.29, 0.131],
  'loss-sigmoid': [1.3, 1.24, 0.703, 0.852, 0.41, 0.238],
  [CLASSIFIER]: [2.6, 2.47, 0.645, 0.788, 0.19, 0],
};

const DATASETS: SuiteDataset[] = [
  ['train', 'emoji-shift/train', 'imagefolder', 3528, NUM_CLASSES],
  ['test', 'emoji-shift/test', 'imagefolder', 588, NUM_CLASSES],
  ['noto', 'emoji-shift/noto', 'imagefolder', 252, NUM_CLASSES],
  ['twemoji', 'emoji-shift/twemoji', 'imagefolder', 252, NUM_CLASSES],
  ['fluent-flat', 'emoji-shift/fluent-flat', 'imagefolder', 252, NUM_CLASSES],
  ['fluent-3d', 'emoji-shift/fluent-3d', 'imagefolder', 420, NUM_CLASSES],
  ['silhouette', 'emoji-shift/silhouette', 'imagefolder', 420, NUM_CLASSES],
  ['openmoji', 'emoji-shift/openmoji', 'imagefolder', 420, NUM_CLASSES],
  ['near-ood', 'emoji-shift/near-ood', 'unlabelled', 300, 0],
  ['far-ood', 'emoji-shift/far-ood', 'unlabelled', 300, 0],
  ['cue-conflict', 'emoji-shift/cue-conflict', 'cue-conflict', 320, 16],
  ['retrieval', 'emoji-shift/retrieval.jsonl', 'captions', 200, 0],
].map(([name, spec, kind, n, num_classes]) => ({ name, spec, kind, n, num_classes }) as SuiteDataset);

const TASKS: SuiteResults['tasks'] = [
  { id: 'zeroshot', type: 'zeroshot', config: { datasets: [...ZEROSHOT_DATASETS], prompts: [...SAMPLE_PROMPTS] } },
  { id: 'er', type: 'effective-robustness', config: { id_dataset: 'test', shifts: [...SHIFT_DATASETS], baselines: 'all', transform: 'logit', prompts: 'single' } },
  { id: 'calibration', type: 'calibration', config: { dataset: 'test', shifts: ['fluent-3d', 'silhouette'], bins: ECE_BINS, seed: 0, calibration_fraction: 0.5, prompts: 'single' } },
  { id: 'ood', type: 'ood', config: { dataset: 'test', ood: [...OOD_SETS], scores: [...OOD_SCORES], convention: 'id-positive', prompts: 'single' } },
  { id: 'shape-bias', type: 'shape-bias', config: { dataset: 'cue-conflict', prompts: 'single' } },
  { id: 'retrieval', type: 'retrieval', config: { dataset: 'retrieval', ks: [1, 5, 10] } },
];

/** The sample. Builds a fresh object each call (tests may mutate their copy). */
export function sampleResults(): SuiteResults {
  const rng = createRng(20250101);
  const rows: ResultRow[] = [];
  const add = (model: string, task: string, type: TaskType, dataset: string, prompts: string | null, variant: string | null, metric: string, value: number | null): void => {
    rows.push({ model, task, type, dataset, prompts, variant, metric, value });
  };
  const promptsOf = (model: string): string | null => (model === CLASSIFIER ? null : 'single');
  const n = (dataset: string): number => DATASETS.find((d) => d.name === dataset)?.n ?? 1;
  const top1 = (model: string, dataset: string): number => asFraction(TOP1[model][ZEROSHOT_DATASETS.indexOf(dataset as never)], n(dataset));

  // Zero-shot: every model x dataset x prompt set; the ensemble helps a little, unevenly.
  for (const model of SAMPLE_MODELS) {
    const sets = model === CLASSIFIER ? [null] : [...SAMPLE_PROMPTS];
    for (const dataset of ZEROSHOT_DATASETS) {
      for (const prompts of sets) {
        const acc = prompts === 'ensemble' ? asFraction(clamp01(top1(model, dataset) + uniform(rng, -0.01, 0.035)), n(dataset)) : top1(model, dataset);
        add(model, 'zeroshot', 'zeroshot', dataset, prompts, null, 'top1', acc);
        add(model, 'zeroshot', 'zeroshot', dataset, prompts, null, 'top5', asFraction(acc + (1 - acc) * uniform(rng, 0.45, 0.6), n(dataset)));
        add(model, 'zeroshot', 'zeroshot', dataset, prompts, null, 'mean_per_class_recall', clamp01(acc - uniform(rng, 0, 0.02)));
      }
    }
  }

  // Effective robustness: a logit-space line through all six models, per shift style.
  const erLines: EffectiveRobustnessDetail['lines'] = [];
  for (const shift of SHIFT_DATASETS) {
    const ids = SAMPLE_MODELS.map((m) => top1(m, 'test'));
    const shifts = SAMPLE_MODELS.map((m) => top1(m, shift));
    const fit = fitBaseline(ids, shifts, 'logit');
    const models = SAMPLE_MODELS.map((model, i) => ({
      model,
      id_top1: ids[i],
      shift_top1: shifts[i],
      predicted_top1: predictedShiftAccuracy(fit, ids[i]),
      effective_robustness: effectiveRobustness(fit, ids[i], shifts[i]),
    }));
    erLines.push({ shift_dataset: shift, slope: fit.a, intercept: fit.b, r2: fit.r2, n: fit.n, excluded: fit.excluded.map((i) => SAMPLE_MODELS[i]), models });
    for (const m of models) {
      for (const metric of ['effective_robustness', 'id_top1', 'shift_top1', 'predicted_top1'] as const) {
        add(m.model, 'er', 'effective-robustness', shift, promptsOf(m.model), null, metric, m[metric]);
      }
    }
  }

  // Calibration: simulated per-image confidences, binned; the metrics come from the same images.
  const calibration: CalibrationDetail[] = [];
  for (const model of SAMPLE_MODELS) {
    const [overconfidence, temperature] = TRAITS[model];
    const sets: CalibrationDetail['sets'] = {};
    for (const set of CALIBRATION_SETS) {
      const size = set === 'test' ? n(set) / 2 : n(set);
      const sim = simulateCalibration(rng, size, top1(model, set), set === 'test' ? 0 : 0.6, overconfidence, temperature);
      sets[set] = { n: size, before: sim.before.bins, after: sim.after.bins };
      for (const variant of ['before', 'after'] as const) {
        for (const metric of ['ece', 'nll', 'brier', 'accuracy'] as const) {
          add(model, 'calibration', 'calibration', set, promptsOf(model), variant, metric, sim[variant][metric]);
        }
      }
    }
    add(model, 'calibration', 'calibration', 'test', promptsOf(model), null, 'temperature', temperature);
    calibration.push({ task: 'calibration', model, prompts: promptsOf(model), temperature, bins: ECE_BINS, sets });
  }

  // OOD detection: MCM needs a text tower, so the classifier has no MCM rows.
  for (const model of SAMPLE_MODELS) {
    const [, , near, far] = TRAITS[model];
    for (const set of OOD_SETS) {
      for (const score of OOD_SCORES) {
        if (score === 'mcm' && model === CLASSIFIER) continue;
        const shift = { msp: 0, maxlogit: 0.018, energy: 0.024, mcm: -0.031 }[score];
        const auroc = clamp01((set === 'near-ood' ? near : far) + shift + uniform(rng, -0.008, 0.008));
        add(model, 'ood', 'ood', set, promptsOf(model), score, 'auroc', auroc);
        add(model, 'ood', 'ood', set, promptsOf(model), score, 'fpr_at_95_tpr', clamp01(0.97 - (auroc - 0.5) * 1.35 + uniform(rng, -0.02, 0.02)));
        add(model, 'ood', 'ood', set, promptsOf(model), score, 'aupr_in', clamp01(auroc + uniform(rng, 0.01, 0.05)));
        add(model, 'ood', 'ood', set, promptsOf(model), score, 'aupr_out', clamp01(auroc - uniform(rng, 0.02, 0.07)));
      }
    }
    add(model, 'ood', 'ood', 'test', promptsOf(model), null, 'id_top1', top1(model, 'test'));
  }

  // Shape bias: decisions per category, so the overall bias is the pooled fraction.
  const shapeBias: ShapeBiasDetail[] = [];
  for (const model of SAMPLE_MODELS) {
    const target = TRAITS[model][4];
    let shape = 0;
    let texture = 0;
    const perCategory: Record<string, number | null> = {};
    for (const category of CATEGORIES) {
      const decided = Math.round(uniform(rng, 8, 14));
      const s = Math.round(decided * clamp01(target + uniform(rng, -0.15, 0.15)));
      shape += s;
      texture += decided - s;
      perCategory[category] = s / decided;
    }
    const other = 280 - shape - texture;
    const bias = shape / (shape + texture);
    add(model, 'shape-bias', 'shape-bias', 'cue-conflict', promptsOf(model), null, 'shape_bias', bias);
    add(model, 'shape-bias', 'shape-bias', 'cue-conflict', promptsOf(model), null, 'shape_decisions', shape);
    add(model, 'shape-bias', 'shape-bias', 'cue-conflict', promptsOf(model), null, 'texture_decisions', texture);
    add(model, 'shape-bias', 'shape-bias', 'cue-conflict', promptsOf(model), null, 'other_decisions', other);
    shapeBias.push({ task: 'shape-bias', model, prompts: promptsOf(model), shape_bias: bias, per_category: perCategory });
  }

  // Retrieval: two-tower models only.
  for (const model of SAMPLE_MODELS) {
    if (model === CLASSIFIER) continue;
    const r1 = TRAITS[model][5];
    for (const [variant, factor] of [['image_to_text', 1], ['text_to_image', 0.92]] as const) {
      const at1 = asFraction(r1 * factor, 200);
      const at5 = asFraction(Math.min(1, at1 * 2.3 + 0.02), 200);
      add(model, 'retrieval', 'retrieval', 'retrieval', null, variant, 'R@1', at1);
      add(model, 'retrieval', 'retrieval', 'retrieval', null, variant, 'R@5', at5);
      add(model, 'retrieval', 'retrieval', 'retrieval', null, variant, 'R@10', asFraction(Math.min(1, at5 * 1.3 + 0.03), 200));
    }
  }

  const skipped: SkippedUnit[] = [{ model: CLASSIFIER, task: 'retrieval', reason: 'retrieval needs a text tower; finetuned-classifier is an image classifier' }];

  return {
    holoclip_version: '0.1.0',
    suite: {
      name: 'emoji-shift-demo',
      file: 'suites/emoji-shift-demo.yaml',
      sha256: sha256('suites/emoji-shift-demo.yaml'),
      description: 'Six tiny models trained on emoji-shift, each differing from base in one factor, evaluated on held-out emoji styles.',
    },
    reference_model: 'base',
    models: SAMPLE_MODELS.map(sampleModel),
    datasets: DATASETS.map((d) => ({ ...d })),
    prompts: {
      single: { templates: ['an emoji of a {c}.'] },
      ensemble: { templates: ['an emoji of a {c}.', 'a drawing of a {c}.', 'a {c} icon.', 'a picture of a {c}.'] },
    },
    tasks: TASKS.map((t) => ({ ...t, config: { ...t.config } })),
    rows,
    details: {
      effective_robustness: [{ task: 'er', id_dataset: 'test', prompts: 'single', transform: 'logit', baselines: [...SAMPLE_MODELS], baseline_set: { name: 'all', rule: "every model of the suite (the suite's own models define the line)", size: SAMPLE_MODELS.length }, extremes: 'exclude', lines: erLines }],
      calibration,
      shape_bias: shapeBias,
    },
    skipped,
    conventions: {
      template_aggregation: 'mean of the L2-normalized text embeddings of a class\'s templates, renormalized',
      logits: 'logit_scale * cosine similarity (+ logit_bias for SigLIP); classifiers use their own logits',
      confidence: 'max softmax probability (SigLIP: sigmoid of the max logit)',
      ece: `top-label ECE, ${ECE_BINS} equal-width bins over (0, 1], membership (lower, upper]`,
      temperature_scaling: 'T = argmin NLL(logits / T) on a seeded 50% of the ID set (seed 0), applied unchanged to every shifted set',
      fpr_at_95_tpr: 'id-positive (Hendrycks / MCM): fraction of OOD images at or above the threshold that keeps 95% of ID images',
      ood_scores: { msp: 'max softmax', maxlogit: 'max logit', energy: 'T * logsumexp(logits / T), T = 1', mcm: 'max softmax of cosine / tau, tau = 1' },
      effective_robustness: 'logit transform, least squares over the baseline models (Taori et al. 2020)',
      shape_bias: 'shape / (shape + texture) decisions; stimuli whose shape and texture categories are equal are dropped',
      retrieval: 'Recall@K, a query hits when any positive is in the top K',
    },
  };
}

function sampleModel(name: string): SuiteModel {
  const [model_type, kind, overrides, logit_scale, logit_bias, logit_scale_source] = MODEL_SPECS[name];
  const metadata: ModelFactors = { ...BASE, ...overrides };
  const fromSuite = new Set(Object.keys(overrides));
  return {
    name,
    path: `models/${name}`,
    model_type,
    kind,
    metadata,
    metadata_source: {
      architecture: fromSuite.has('architecture') ? 'suite' : 'card',
      training_data: fromSuite.has('training_data') ? 'suite' : 'card',
      training_size: fromSuite.has('training_size') ? 'suite' : 'card',
      loss: 'card',
      fine_tuned: name === CLASSIFIER ? 'suite' : 'card',
      dtype: 'suite',
    },
    catalog: null,
    logit_scale,
    logit_bias,
    logit_scale_source,
    files_sha256: kind === 'classifier' ? { 'onnx/model.onnx': sha256(`${name}/model`) } : { 'onnx/vision_model.onnx': sha256(`${name}/vision`), 'onnx/text_model.onnx': sha256(`${name}/text`) },
  };
}

interface CalibrationMetrics {
  ece: number;
  nll: number;
  brier: number;
  accuracy: number;
  bins: ReliabilityBin[];
}

/**
 * Per image: evidence z ~ N(mu, 1.2); correct with probability sigmoid(z - shift); the model's confidence
 * sigmoid(overconfidence * z + 1) before scaling and the same logit over the temperature after. The
 * shift penalty lowers accuracy but not confidence, so shifted sets stay miscalibrated after scaling.
 */
function simulateCalibration(rng: Rng, n: number, accuracy: number, shift: number, overconfidence: number, temperature: number): { before: CalibrationMetrics; after: CalibrationMetrics } {
  const mu = shift + Math.log(accuracy / (1 - accuracy)) * Math.sqrt(1 + (Math.PI * 1.44) / 8);
  const correct: boolean[] = [];
  const logits: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = mu + 1.2 * normal(rng);
    correct.push(rng.next() < sigmoid(z - shift));
    logits.push(overconfidence * z + 1);
  }
  const floor = 1 / NUM_CLASSES;
  const before = calibrationMetrics(correct, logits.map((l) => Math.max(floor, sigmoid(l))));
  const after = calibrationMetrics(correct, logits.map((l) => Math.max(floor, sigmoid(l / temperature))));
  return { before, after };
}

function calibrationMetrics(correct: boolean[], conf: number[]): CalibrationMetrics {
  const n = correct.length;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < ECE_BINS; b++) {
    const lower = b / ECE_BINS;
    const upper = (b + 1) / ECE_BINS;
    const members = conf.map((c, i) => ({ c, ok: correct[i] })).filter(({ c }) => c > lower && c <= upper);
    const count = members.length;
    bins.push({
      lower,
      upper,
      count,
      accuracy: count === 0 ? null : members.filter((m) => m.ok).length / count,
      confidence: count === 0 ? null : members.reduce((s, m) => s + m.c, 0) / count,
    });
  }
  const ece = bins.reduce((s, b) => s + (b.count === 0 ? 0 : (b.count / n) * Math.abs((b.accuracy ?? 0) - (b.confidence ?? 0))), 0);
  let nll = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const c = conf[i];
    const rest = (1 - c) / (NUM_CLASSES - 1);
    nll += correct[i] ? -Math.log(c) : -Math.log(rest);
    brier += correct[i] ? (1 - c) ** 2 + (NUM_CLASSES - 1) * rest ** 2 : c ** 2 + (1 - rest) ** 2 + (NUM_CLASSES - 2) * rest ** 2;
  }
  return { ece, nll: nll / n, brier: brier / n, accuracy: correct.filter(Boolean).length / n, bins };
}

function asFraction(p: number, n: number): number {
  return Math.round(clamp01(p) * n) / n;
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.next();
}

/** Box-Muller; 1 - next() keeps the logarithm's argument in (0, 1]. */
function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
