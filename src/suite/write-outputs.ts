/**
 * The files a finished suite run leaves in its output folder, each written atomically:
 *   results.json        SuiteResults (everything the report shows)
 *   results.csv         tidy: one row per model x task x dataset x prompt set x variant x metric,
 *                       with the model's metadata columns (pandas.read_csv / a spreadsheet)
 *   report/index.html   the self-contained report
 *   units.json          where each metric unit's own results are in the store (predictions, logits...)
 *   output-set.json     written last: the sha256 of each file above, so the four are one set (output-set.ts)
 */
import path from 'node:path';
import { removeStaleTempFiles } from '../store/atomic.js';
import type { SvgCache } from '../report/kit/render-svg.js';
import type { SuiteResults } from '../results/types.js';
import type { UnitResult } from './aggregate.js';
import { writeOutputSet, type OutputFile, type OutputSetHook } from './output-set.js';

export const CSV_COLUMNS = [
  'model',
  'model_type',
  'architecture',
  'training_data',
  'training_size',
  'loss',
  'fine_tuned',
  'dtype',
  'task',
  'type',
  'dataset',
  'prompts',
  'variant',
  'metric',
  'value',
] as const;

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** results.csv: RFC 4180, "\n" line ends, empty cells for missing values, numbers in full precision. */
export function resultsCsv(results: SuiteResults): string {
  const models = new Map(results.models.map((m) => [m.name, m]));
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of results.rows) {
    const m = models.get(r.model);
    const md = m?.metadata;
    lines.push(
      [r.model, m?.model_type, md?.architecture, md?.training_data, md?.training_size, md?.loss, md?.fine_tuned, md?.dtype, r.task, r.type, r.dataset, r.prompts, r.variant, r.metric, r.value]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** units.json: each metric unit (model, task, dataset, prompt set) and its result folder in the store. */
export function unitsIndex(units: readonly UnitResult[]): Array<Record<string, string | null>> {
  return units.map((u) => ({
    unit: u.unit.id,
    model: u.unit.model,
    task: u.unit.task?.id ?? u.unit.computedBy,
    dataset: u.unit.task === null ? (Object.values(u.unit.datasets).flat()[0] ?? null) : null,
    prompts: u.unit.prompts,
    name: u.label,
    dir: u.dir,
  }));
}

/** The report's place in the output folder (report/index.ts's REPORT_FILE under report/). */
const REPORT_REL = 'report/index.html';

export async function writeSuiteOutputs(
  results: SuiteResults,
  outDir: string,
  options: { report: boolean; units: readonly UnitResult[]; hook?: OutputSetHook; charts?: SvgCache },
): Promise<{ results: string; csv: string; report: string | null }> {
  // Temp files a killed aggregation left (one aggregating process per output folder).
  await removeStaleTempFiles(outDir, 0);
  await removeStaleTempFiles(path.join(outDir, 'report'), 0);
  // Everything is rendered before the first file is written, so the set's writes follow one another closely.
  const files: OutputFile[] = [
    { rel: 'results.json', data: `${JSON.stringify(results, null, 2)}\n` },
    { rel: 'results.csv', data: resultsCsv(results) },
    { rel: 'units.json', data: `${JSON.stringify(unitsIndex(options.units), null, 2)}\n` },
  ];
  // vega is loaded only when a report is written (shards and --no-report runs never need it).
  if (options.report) files.push({ rel: REPORT_REL, data: await (await import('../report/index.js')).renderReport(results, { charts: options.charts }) });
  // A report of an earlier run is not part of a --no-report set: it goes, rather than sit next to newer results.
  await writeOutputSet(outDir, files, options.report ? [] : [REPORT_REL], options.hook);
  return { results: path.join(outDir, 'results.json'), csv: path.join(outDir, 'results.csv'), report: options.report ? path.join(outDir, ...REPORT_REL.split('/')) : null };
}
