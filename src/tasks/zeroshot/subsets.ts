/**
 * Accuracy per subset of a dataset that has them (ImageNet-D's background / texture / material, scored
 * separately by its reference `evaluate_vlm.py`, and pooled by holoclip as well).
 */
import type { DatasetItem } from '../../data/index.js';
import { classificationMetrics, type ClassificationMetrics } from '../../metrics/classification.js';

export type SubsetMetrics = ClassificationMetrics & { n: number };

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
