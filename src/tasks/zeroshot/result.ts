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
import { writeFileAtomic, writeJsonAtomic } from '../../store/atomic.js';
import { writeNpyAtomic } from '../../store/npy.js';
import type { LogitScaleSource } from '../../models/logit-scale.js';
import type { ScoreKind } from '../../models/families.js';
import { promises as fs } from 'node:fs';

export interface ZeroShotResult {
  task: 'zeroshot';
  holoclip_version: string;
  created: string;
  model: {
    path: string;
    model_type: string;
    dtype: string;
    logit_scale: number;
    logit_bias: number;
    logit_scale_source: LogitScaleSource;
    logit_scale_detail: string;
    scoring: ScoreKind;
    files_sha256: Record<string, string>;
  };
  dataset: {
    path: string;
    kind: string;
    n: number;
    num_classes: number;
    failed: number;
    failures: Array<{ id: string; error: string }>;
    skipped: { hidden: number; nonImage: number; examples: string[] };
    classnames_source: string;
  };
  metrics: { top1: number; top5: number | null; mean_per_class_recall: number };
  conventions: Record<string, unknown>;
  cache: Record<string, unknown>;
  timing: Record<string, number | null>;
}

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
  const lines: string[] = [];
  for (let i = 0; i < arrays.items.length; i++) {
    const item = arrays.items[i];
    lines.push(JSON.stringify({ id: item.id, target: item.label, pred: arrays.preds[i], confidence: arrays.confidence[i] }));
  }
  await writeNpyAtomic(path.join(dir, 'logits.npy'), arrays.logits, [arrays.items.length, result.dataset.num_classes]);
  await writeFileAtomic(path.join(dir, 'predictions.jsonl'), lines.length > 0 ? `${lines.join('\n')}\n` : '');
  const failuresFile = path.join(dir, 'failures.jsonl');
  if (arrays.failures.length > 0) {
    const f = arrays.failures.map((x) => JSON.stringify({ id: x.id, path: x.path, error: x.error }));
    await writeFileAtomic(failuresFile, `${f.join('\n')}\n`);
  } else {
    await fs.rm(failuresFile, { force: true });
  }
  // result.json last: its presence marks a complete run directory.
  await writeJsonAtomic(path.join(dir, 'result.json'), result);
}
