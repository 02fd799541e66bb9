/** Short human-readable summaries printed after a command. */
import path from 'node:path';

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
