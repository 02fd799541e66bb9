/** The report section of the calibration task (and its summary columns and key metrics). */
import { chart, html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { reliabilityChart, type ReliabilitySet } from '../../report/kit/charts.js';
import { formatNumber } from '../../report/kit/format.js';
import { escapeHtml } from '../../report/kit/html.js';
import { metricName } from '../../report/kit/metric-names.js';
import { single, type ResultsQuery } from '../../report/kit/results-query.js';
import { onDatasets, severalOf, withTask, type KeyMetric, type SummaryColumn } from '../../report/kit/contribution.js';
import { htmlCell, measuredCell, renderTable, textCell, type CellHtml, type TableColumn } from '../../report/kit/tables.js';

/** Reliability diagrams (one chart per model, one panel per set) and the ECE / NLL / Brier table. */
export function calibrationSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids, results } = ctx;
  const tasks = q.tasksOfType('calibration');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const idDataset = calibrationIdDataset(ctx, task);
    const details = results.details.calibration.filter((d) => d.task === task);
    for (const model of q.modelNames()) {
      const detail = details.find((d) => d.model === model);
      if (detail === undefined) continue;
      const sets: ReliabilitySet[] = Object.entries(detail.sets).map(([name, s]) => ({ title: setTitle(name, idDataset), before: s.before, after: s.after }));
      const caption = `${model}: accuracy against mean confidence in each of ${detail.bins} confidence bins, before and after temperature scaling (T = ${formatNumber(detail.temperature, 'plain')}); dot area is the number of images in the bin. On the dotted diagonal a model is perfectly calibrated; below it, overconfident.`;
      blocks.push(chart(ids.make('chart-reliability', task, model), reliabilityChart(sets, styles.of(model).label), caption));
    }
    blocks.push(html(calibrationTable(ctx, task, idDataset)));
  }
  return {
    id: 'section-calibration',
    title: 'Calibration',
    intro: paragraphs(
      'Whether a model\'s confidence matches its accuracy. ECE (expected calibration error): the mean gap between confidence and accuracy over confidence bins, weighted by bin size; NLL: negative log-likelihood of the true class; Brier: squared error of the predicted probabilities. Lower is better for all three.',
      'Temperature scaling divides the logits by one temperature T fitted on held-out in-distribution images; the same T is then applied to the shifted sets, so "after" on a shifted set shows whether the fix transfers under shift.',
    ),
    blocks,
  };
}

/** The ID dataset of a calibration task: where its temperature row is, else the task's `dataset`. */
function calibrationIdDataset(ctx: ReportContext, task: string): string | undefined {
  const t = ctx.q.rows({ task, metric: 'temperature' })[0];
  if (t !== undefined) return t.dataset;
  const config = ctx.results.tasks.find((x) => x.id === task)?.config.dataset;
  return typeof config === 'string' ? config : undefined;
}

/** Reliability panel titles: the ID set (keyed "id" or by its name) is marked as the held-out ID part. */
function setTitle(name: string, idDataset: string | undefined): string {
  if (name === 'id') return `${idDataset ?? 'ID'} (ID, held out)`;
  return name === idDataset ? `${name} (ID, held out)` : name;
}

function calibrationTable(ctx: ReportContext, task: string, idDataset: string | undefined): string {
  const { q, ids } = ctx;
  const sets = q.calibrationSets(task, { metric: 'ece' });
  const metrics = ['ece', 'nll', 'brier'];
  const columns: TableColumn[] = [
    { group: '', header: 'model' },
    { group: '', header: 'T', numeric: true, title: 'fitted temperature' },
    { group: '', header: 'set' },
    ...metrics.flatMap((m) => ['before', 'after'].map((v) => ({ group: metricName(m), header: v, numeric: true }))),
    { group: '', header: 'accuracy', numeric: true },
  ];
  const rows = q.modelsOf(task).flatMap((model) => {
    const temperature = single(q.rows({ model, task, metric: 'temperature' })[0]);
    return sets.map((dataset, i) => {
      const get = (variant: string, metric: string): ReturnType<typeof single> => single(q.rows({ model, task, dataset, variant, metric })[0]);
      const lead: CellHtml[] = i === 0 ? [htmlCell(modelNameHtml(ctx, model), undefined, sets.length), measuredCell(temperature, 'plain', sets.length)] : [];
      return {
        cells: [...lead, textCell(dataset === idDataset ? `${dataset} (ID)` : dataset), ...metrics.flatMap((m) => ['before', 'after'].map((v) => measuredCell(get(v, m)))), measuredCell(get('before', 'accuracy'))],
        className: rowClass(ctx, model),
      };
    });
  });
  return renderTable({ id: ids.make('table-calibration', task), caption: 'Before and after temperature scaling; lower is better. Accuracy does not change with the temperature.', columns, rows });
}

export function calibrationSummaryColumns(ctx: ReportContext): SummaryColumn[] {
  const { q } = ctx;
  const columns: SummaryColumn[] = [];
  for (const task of q.tasksOfType('calibration')) {
    for (const variant of ['before', 'after']) {
      const datasets = q.calibrationSets(task, { metric: 'ece', variant });
      const header = `${variant} scaling${severalOf(q, 'calibration') ? ` [${task}]` : ''}`;
      columns.push({ group: `ECE (${datasets.length > 1 ? 'mean over ' : ''}${datasets.join(', ')})`, header, numeric: true, value: (model) => q.over({ model, task, variant, metric: 'ece' }, datasets) });
    }
  }
  return columns;
}

export function calibrationKeyMetrics(q: ResultsQuery, model: string): KeyMetric[] {
  const out: KeyMetric[] = [];
  for (const task of q.tasksOfType('calibration')) {
    const datasets = q.calibrationSets(task, { metric: 'ece', variant: 'after' });
    const m = q.over({ model, task, variant: 'after', metric: 'ece' }, datasets);
    if (m !== undefined) out.push({ id: `ece_after:${task}`, label: withTask(q, 'calibration', task, onDatasets('ECE after scaling', datasets)), kind: 'fraction', measured: m });
  }
  return out;
}
