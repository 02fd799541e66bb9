/**
 * `eval zeroshot`'s whole-matrix outputs as they were before the run streamed its blocks (commit 48f2d22,
 * src/tasks/zeroshot/subsets.ts and result.ts: subsetMetrics and writeZeroShotRun), kept as the oracle the streamed
 * path (src/tasks/zeroshot/stream.ts) must match: metrics bit for bit, files byte for byte.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DatasetItem } from '../../src/data/index.js';
import { classificationMetrics } from '../../src/metrics/classification.js';
import type { ItemFailure } from '../../src/pipeline/embed-images.js';
import { writeNpyAtomic } from '../../src/store/npy.js';
import { writeFailures, writeJsonlAtomic, writeResult } from '../../src/tasks/result-envelope.js';
import type { SubsetMetrics, ZeroShotResult } from '../../src/tasks/zeroshot/result.js';

/** Metrics of each subset over the evaluated items (`items[i]` is row i of `logits`); subsets without an item are left out. */
export function subsetMetrics(
  subsets: ReadonlyArray<{ readonly name: string; readonly prefix: string }>,
  items: readonly DatasetItem[],
  logits: Float32Array,
  c: number,
): Record<string, SubsetMetrics> {
  const out: Record<string, SubsetMetrics> = {};
  for (const s of subsets) {
    const rows: number[] = [];
    items.forEach((it, i) => {
      if (it.id.startsWith(s.prefix)) rows.push(i);
    });
    if (rows.length === 0) continue;
    const sub = new Float32Array(rows.length * c);
    rows.forEach((r, k) => sub.set(logits.subarray(r * c, (r + 1) * c), k * c));
    const targets = Int32Array.from(rows, (r) => items[r].label);
    const anyOf = rows.some((r) => items[r].labels) ? rows.map((r) => items[r].labels ?? [items[r].label]) : undefined;
    const { preds: _preds, ...m } = classificationMetrics(sub, rows.length, c, targets, anyOf);
    out[s.name] = { ...m, n: rows.length };
  }
  return out;
}

export interface ZeroShotArrays {
  items: readonly DatasetItem[];
  preds: Int32Array;
  confidence: Float64Array;
  logits: Float32Array;
  failures: readonly ItemFailure[];
}

/** The run directory written from whole arrays: logits.npy, predictions.jsonl, failures, result.json. */
export async function writeZeroShotRun(outDir: string, result: ZeroShotResult, arrays: ZeroShotArrays): Promise<void> {
  const dir = path.resolve(outDir);
  await fs.mkdir(dir, { recursive: true });
  await writeNpyAtomic(path.join(dir, 'logits.npy'), arrays.logits, [arrays.items.length, result.dataset.num_classes]);
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
