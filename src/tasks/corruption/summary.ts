/** What `holoclip eval corruption` (and `eval zeroshot --corruption`) prints after a run. */
import path from 'node:path';
import type { ResultEnvelope } from '../result-envelope.js';
import { pct } from '../zeroshot/summary.js';
import type { CorruptionTaskMetrics } from './run.js';

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
