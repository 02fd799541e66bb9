/** Short human-readable summaries printed after a command. */
import path from 'node:path';
import type { CorruptionTaskMetrics } from '../tasks/corruption/run.js';
import type { ResultEnvelope } from '../tasks/result-envelope.js';
import type { ZeroShotResult } from '../tasks/zeroshot/result.js';

const pct = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(2)}%`);

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
    ['time', `${(r.timing.total_s ?? 0).toFixed(2)} s${r.timing.images_per_s ? ` (${r.timing.images_per_s.toFixed(1)} images/s embedding)` : ''}`],
    ['results', path.resolve(outDir)],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}

/** Flatten numeric metrics into "a.b.c  value" lines (skipping arrays), for the task summaries. */
export function flattenMetrics(value: unknown, prefix = '', out: Array<[string, string]> = []): Array<[string, string]> {
  if (typeof value === 'number') out.push([prefix, Number.isInteger(value) ? String(value) : value.toFixed(4)]);
  else if (typeof value === 'string' && prefix !== '') out.push([prefix, value]);
  else if (Array.isArray(value) && value.every((v) => v !== null && typeof v === 'object' && typeof (v as { factor?: unknown }).factor === 'string')) {
    for (const row of value as Array<{ factor: string; accuracy: number; error_ratio: number; count: number }>) {
      out.push([`${prefix}.${row.factor}`, `accuracy ${row.accuracy.toFixed(4)}, error ratio ${row.error_ratio.toFixed(3)}, n ${row.count}`]);
    }
  } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'convention_note' || k === 'bins') continue;
      flattenMetrics(v, prefix ? `${prefix}.${k}` : k, out);
    }
  }
  return out;
}

export interface TaskSummaryInput {
  task: string;
  model: { path: string; model_type: string; dtype: string; logit_scale: number; logit_scale_source: string } | null;
  metrics: unknown;
  cache?: Record<string, unknown>;
}

export function formatTaskSummary(r: TaskSummaryInput, outDir?: string): string {
  const rows: Array<[string, string]> = [['task', r.task]];
  if (r.model) {
    rows.push(['model', `${r.model.path} (${r.model.model_type}, ${r.model.dtype})`]);
    rows.push(['logit scale', `${r.model.logit_scale.toFixed(4)} (${r.model.logit_scale_source})`]);
  }
  if (r.cache && typeof r.cache.images_inferred === 'number') {
    rows.push(['images inferred', `${r.cache.images_inferred}${r.cache.images_inferred === 0 ? ' (all embeddings from cache)' : ''}`]);
  }
  rows.push(...flattenMetrics(r.metrics));
  if (outDir) rows.push(['results', path.resolve(outDir)]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return `${rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n')}\n`;
}

export function printTaskSummary(r: TaskSummaryInput, outDir?: string): void {
  process.stdout.write(formatTaskSummary(r, outDir));
}

/** The per-corruption table: top-1 per severity, mean over severities, CE; then the clean top-1, mCA, mCE. */
export function formatCorruptionSummary(r: ResultEnvelope<CorruptionTaskMetrics>, outDir: string): string {
  const m = r.metrics;
  const severities = [...new Set(m.cells.map((c) => c.severity))].sort((a, b) => a - b);
  const nameWidth = Math.max(10, ...m.corruptions.map((c) => c.corruption.length));
  const head = `${'corruption'.padEnd(nameWidth)}  ${severities.map((s) => `sev ${s}`.padStart(7)).join(' ')}     mean${m.mce !== null ? '      CE' : ''}`;
  const lines = [head];
  for (const c of m.corruptions) {
    const cells = severities.map((s) => {
      const cell = m.cells.find((x) => x.corruption === c.corruption && x.severity === s);
      return (cell ? pct(cell.top1) : '-').padStart(7);
    });
    lines.push(`${c.corruption.padEnd(nameWidth)}  ${cells.join(' ')}  ${pct(c.mean_top1).padStart(7)}${m.mce !== null ? `  ${c.ce === null ? '     -' : c.ce.toFixed(3).padStart(6)}` : ''}`);
  }
  const inferred = Number(r.cache?.images_inferred ?? 0);
  lines.push(
    '',
    `clean top-1            ${pct(m.clean.top1)} (${m.clean.n} images)`,
    `mean corruption acc.   ${pct(m.mca)} over ${m.corruptions.length} corruptions`,
    ...(m.mce !== null ? [`mCE                    ${m.mce.toFixed(4)} (reference = 1; over ${m.mce_corruptions.length} corruptions)`] : []),
    ...(m.relative_mce !== null ? [`relative mCE           ${m.relative_mce.toFixed(4)}`] : []),
    `embeddings             ${inferred} computed${inferred === 0 ? ' (all from cache)' : ''}`,
    `time                   ${Number(r.timing?.total_s ?? 0).toFixed(1)} s`,
    `results                ${path.resolve(outDir)} (result.json, corruption_table.csv)`,
  );
  return `${lines.join('\n')}\n`;
}
