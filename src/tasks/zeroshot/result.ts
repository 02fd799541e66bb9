/**
 * What `eval zeroshot` writes to its run directory, all atomically (stream.ts writes logits.npy and predictions.jsonl
 * block by block, run.ts the rest):
 *   result.json        metrics + everything needed to know how they were computed
 *   predictions.jsonl  one line per evaluated sample, dataset order
 *   logits.npy         float32 [n, classes], rows in the order of predictions.jsonl
 *   failures.jsonl     one line per image that could not be read (absent when none)
 */
import type { DatasetRecord, ModelRecord, ResultEnvelope } from '../result-envelope.js';
import type { ClassificationMetrics } from '../../metrics/classification.js';

/**
 * The metrics of one subset of a dataset that has them (ImageNet-D's background / texture / material, scored
 * separately by its reference `evaluate_vlm.py`, and pooled by holoclip as well).
 */
export type SubsetMetrics = ClassificationMetrics & { n: number };

/** Top-1 / top-5 / mean per-class recall over every image; per subset too when the dataset has subsets (ImageNet-D). */
export type ZeroShotMetrics = ClassificationMetrics & { subsets?: Record<string, SubsetMetrics> };

export type ZeroShotResult = ResultEnvelope<ZeroShotMetrics> & {
  model: ModelRecord;
  dataset: DatasetRecord;
  cache: Record<string, unknown>;
  timing: Record<string, number | null>;
};
