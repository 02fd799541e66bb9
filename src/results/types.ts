/**
 * The shape of a suite's aggregated `results.json`: what `holoclip run` writes and what the report
 * reads. Everything in it is deterministic (no timings, no dates, no cache statistics), so an
 * interrupted-and-resumed run and an uninterrupted one write the same bytes.
 */

/** The six factors of the paper that are properties of a model (prompts are the sixth, per task). */
export interface ModelFactors {
  /** Image-tower architecture family, e.g. "vit-tiny", "convnet-small", "vit-b/32". */
  architecture: string | null;
  /** Training distribution, e.g. "emoji-shift:noto+twemoji+fluent-flat", "laion2b". */
  training_data: string | null;
  /** Number of training images (or image-text pairs). */
  training_size: number | null;
  /** Training loss: "softmax" (CLIP InfoNCE), "sigmoid" (SigLIP), "cross-entropy" (a classifier). */
  loss: string | null;
  /** Whether the model was fine-tuned after contrastive pre-training. */
  fine_tuned: boolean | null;
  /** Weights' numeric precision used: fp32, fp16, q8, q4. */
  dtype: string;
}

export type FactorName = keyof ModelFactors;
/**
 * The suite file, the model folder's holoclip.json card, the model catalogue (for a card naming its open_clip
 * checkpoint; the card wins), holoclip's default (dtype fp32), or nobody.
 */
export type MetadataSource = 'suite' | 'card' | 'catalog' | 'default' | 'unknown';
export const FACTOR_NAMES: readonly FactorName[] = ['architecture', 'training_data', 'training_size', 'loss', 'fine_tuned', 'dtype'];

export interface SuiteModel {
  /** Unique name in the suite (the folder name unless the suite names it). */
  name: string;
  /** The model folder, relative to the suite file's directory when it lies under it, else absolute. */
  path: string;
  /** "clip", "siglip" or "holoclip-classifier". */
  model_type: string;
  kind: ModelKind;
  metadata: ModelFactors;
  /** Where each metadata field came from. */
  metadata_source: Record<FactorName, MetadataSource>;
  /**
   * The model-catalogue entry behind the `catalog` sources (or named by the suite's `catalog:`); `exact` is false
   * when the checkpoint itself is not catalogued and only its model's architecture came from another entry.
   */
  catalog: { entry: string; exact: boolean } | null;
  /** null when no unit of the model ran (every task skipped). */
  logit_scale: number | null;
  logit_bias: number;
  logit_scale_source: string;
  files_sha256: Record<string, string>;
}

export interface SuiteDataset {
  name: string;
  /** A built-in ("emoji-shift/noto") or a path relative to the suite file. */
  spec: string;
  kind: string;
  n: number;
  num_classes: number;
}

/** A task type: the `type` of a task definition in src/tasks/registry.ts ("zeroshot", "calibration"...). */
export type TaskType = string;

/** "two-tower" (zero-shot via text prompts) or "classifier" (its own logits). */
export type ModelKind = 'two-tower' | 'classifier';

/**
 * One measurement: the tidy form, one row per model x task x dataset x prompt set x metric.
 * `dataset` names a suite dataset (or, for OOD, the OOD set; for retrieval, the caption set);
 * `prompts` names a suite prompt set (null where the task uses none, e.g. a classifier or retrieval).
 * `variant` distinguishes metrics of one dataset measured two ways (calibration "before"/"after"
 * temperature scaling, the OOD score "msp"/"maxlogit"/"energy"/"mcm"); null otherwise.
 */
export interface ResultRow {
  model: string;
  task: string;
  type: TaskType;
  dataset: string;
  prompts: string | null;
  variant: string | null;
  metric: string;
  value: number | null;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  accuracy: number | null;
  confidence: number | null;
}

/** Per task type, the structured details the charts need beyond the tidy rows. */
export interface EffectiveRobustnessDetail {
  task: string;
  /** The ID dataset and each shift dataset's line. */
  id_dataset: string;
  prompts: string | null;
  transform: 'logit' | 'probit' | 'none';
  baselines: string[];
  /** Which baseline set defined the line: its name ("all" = every suite model, "models" = a list), rule and size. */
  baseline_set: { name: string; rule: string; size: number };
  /** How 0% / 100% accuracies enter the fit: 'exclude' (imagenet-testbed) or 'clip' (to [1e-6, 1 - 1e-6]). */
  extremes: 'exclude' | 'clip';
  lines: Array<{
    shift_dataset: string;
    /** Fitted on the baselines: transform(shift) = slope * transform(id) + intercept. */
    slope: number;
    intercept: number;
    r2: number;
    /** Baseline models in this line's fit, and those left out for a 0% / 100% accuracy (extremes 'exclude'). */
    n: number;
    excluded: string[];
    models: Array<{ model: string; id_top1: number; shift_top1: number; predicted_top1: number; effective_robustness: number }>;
  }>;
}

export interface CalibrationDetail {
  task: string;
  model: string;
  prompts: string | null;
  temperature: number | null;
  bins: number;
  /** Per evaluated set ("id" = the held-out part of the ID set, then each shift set). */
  sets: Record<string, { n: number; before: ReliabilityBin[]; after: ReliabilityBin[] }>;
}

export interface ShapeBiasDetail {
  task: string;
  model: string;
  prompts: string | null;
  shape_bias: number | null;
  /** Per shape category: the fraction of shape decisions among shape-or-texture decisions. */
  per_category: Record<string, number | null>;
}

export interface SuiteDetails {
  effective_robustness: EffectiveRobustnessDetail[];
  calibration: CalibrationDetail[];
  shape_bias: ShapeBiasDetail[];
  [key: string]: unknown[];
}

export interface SkippedUnit {
  model: string;
  task: string;
  reason: string;
}

export interface SuiteResults {
  holoclip_version: string;
  suite: { name: string; file: string; sha256: string; description: string | null };
  /** The model the report compares every other model with (the suite's `reference`, default the first). */
  reference_model: string;
  models: SuiteModel[];
  datasets: SuiteDataset[];
  prompts: Record<string, { templates: string[] }>;
  tasks: Array<{ id: string; type: TaskType; config: Record<string, unknown> }>;
  rows: ResultRow[];
  /**
   * Per task type with charts beyond the tidy rows, its structured details under the task
   * definition's `detailsKey`, in registry order. The three below are part of the results format; a
   * new task may add its own key.
   */
  details: SuiteDetails;
  /** Units that do not apply (e.g. retrieval on an image classifier), with the reason. */
  skipped: SkippedUnit[];
  /** The conventions every result records (template aggregation, ECE bins, FPR@95 direction...). */
  conventions: Record<string, unknown>;
}
