/**
 * What `eval zeroshot` writes to its run directory, all atomically:
 *   result.json        metrics + everything needed to know how they were computed
 *   predictions.jsonl  one line per evaluated sample, dataset order
 *   logits.npy         float32 [n, classes], rows in the order of predictions.jsonl
 *   failures.jsonl     one line per image that could not be read (absent when none)
 */
import path from 'node:path';
import type { DatasetItem } from '../../data/index.js';
import type { ItemFailure } from '../../pipeline/embed-images.js';
import { writeFailures, writeJsonlAtomic, writeResult } from '../result-envelope.js';
import { writeNpyAtomic } from '../../store/npy.js';
import type { DatasetRecord, ModelRecord, ResultEnvelope } from '../result-envelope.js';
import type { ClassificationMetrics } from '../../metrics/classification.js';
import type { SubsetMetrics } from './subsets.js';
import { promises as fs } from 'node:fs';

/** Top-1 / top-5 / mean per-class recall over every image; per subset too when the dataset has subsets (ImageNet-D). */
export type ZeroShotMetrics = ClassificationMetrics & { subsets?: Record<string, SubsetMetrics> };

export type ZeroShotResult = ResultEnvelope<ZeroShotMetrics> & {
  model: ModelRecord;
  dataset: DatasetRecord;
  cache: Record<string, unknown>;
  timing: Record<string, number | null>;
};

export interface ZeroShotArrays {
  items: readonly DatasetItem[];
  preds: Int32Array;
  confidence: Float64Array;
  logits: Float32Array;
  failures: readonly ItemFailure[];
}

export async function writeZeroShotRun(outDir: string, result: ZeroShotResult, arrays: ZeroShotArrays): Promise<void> {
  const dir = path.resolve(outDir);
  await fs.mkdir(dir, { recursive: true });
  await writeNpyAtomic(path.join(dir, 'logits.npy'), arrays.logits, [arrays.items.length, result.dataset.num_classes]);
  // One line per image, generated as it is written.
  function* predictions(): Generator<{ id: string; target: number; pred: number; confidence: number }> {
    for (let i = 0; i < arrays.items.length; i++) {
      const item = arrays.items[i];
      yield { id: item.id, target: item.label, pred: arrays.preds[i], confidence: arrays.confidence[i] };
    }
  }
  await writeJsonlAtomic(path.join(dir, 'predictions.jsonl'), predictions());
  await writeFailures(dir, [{ name: 'data', failures: arrays.failures }]);
  await writeResult(dir, result);
}
