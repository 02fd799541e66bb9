/** What `holoclip eval zeroshot` prints after a run. */
import path from 'node:path';
import type { ZeroShotResult } from './result.js';

/** A fraction as a percentage with two decimals; n/a for null or NaN. */
export const pct = (x: number | null): string => (x === null || Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(2)}%`);

/**
 * When the model spent more than a tenth of the embedding stage waiting for decoded images (decoding starves it: on a
 * GPU, typically), how long, and the fix.
 */
export function decodeWaitNote(r: Pick<ZeroShotResult, 'timing' | 'conventions'>): string {
  const wait = r.timing.decode_wait_s ?? 0;
  const embed = r.timing.embed_s ?? 0;
  if (!(embed > 0) || wait <= 0.1 * embed) return '';
  return `; the model waited ${wait.toFixed(1)} s (${Math.round((100 * wait) / embed)}%) for decoded images: more --decode-workers (now ${String(r.conventions.decode_workers ?? '?')}) would help`;
}

export function formatZeroShotSummary(r: ZeroShotResult, outDir: string): string {
  const rows: Array<[string, string]> = [
    ['model', `${r.model.path} (${r.model.model_type}, ${r.model.dtype})`],
    ['logit scale', `${r.model.logit_scale.toFixed(4)}${r.model.scoring === 'sigmoid' ? `, bias ${r.model.logit_bias.toFixed(4)}` : ''} (${r.model.logit_scale_source})`],
    ['dataset', `${r.dataset.path}: ${r.dataset.n} images, ${r.dataset.num_classes} classes${r.dataset.failed > 0 ? `, ${r.dataset.failed} FAILED to read (see failures.jsonl)` : ''}`],
    ['templates', `${(r.conventions.templates as string[]).length} (${String(r.conventions.templates_source)})`],
    ['embeddings', `${String(r.cache.images_inferred)} computed, ${String(r.cache.images_cached)} from cache${r.cache.images_inferred === 0 ? ' (no image inference)' : ''}`],
    ['top-1', pct(r.metrics.top1)],
    ['top-5', pct(r.metrics.top5)],
    ['mean per-class recall', pct(r.metrics.mean_per_class_recall)],
    ['time', `${(r.timing.total_s ?? 0).toFixed(2)} s${r.timing.images_per_s ? ` (${r.timing.images_per_s.toFixed(1)} images/s embedding)` : ''}${decodeWaitNote(r)}`],
    ['results', path.resolve(outDir)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}
