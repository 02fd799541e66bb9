/** The report section of the effective-robustness task (and its summary columns and key metrics). */
import { chart, html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { effectiveRobustnessChart, type ErPoint } from '../../report/kit/charts.js';
import { formatNumber } from '../../report/kit/format.js';
import { escapeHtml } from '../../report/kit/html.js';
import { single, type ResultsQuery } from '../../report/kit/results-query.js';
import { meanHeader, onDatasets, severalOf, withTask, type KeyMetric, type SummaryColumn } from '../../report/kit/contribution.js';
import { htmlCell, jsonPointer, measuredCell, pathCell, renderTable, textCell, type TableColumn } from '../../report/kit/tables.js';

/** ID vs shift scatter with the fitted line per shift dataset, and the tables of ER and of the fits. */
export function effectiveRobustnessSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids, results } = ctx;
  const tasks = q.tasksOfType('effective-robustness');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const detailIndex = results.details.effective_robustness.findIndex((d) => d.task === task);
    const detail = results.details.effective_robustness[detailIndex];
    if (detail !== undefined) {
      for (const line of detail.lines) {
        const points: ErPoint[] = line.models.map((m) => ({ model: m.model, series: styles.of(m.model).label, id_top1: m.id_top1, shift_top1: m.shift_top1 }));
        const caption =
          `${line.shift_dataset} vs ${detail.id_dataset}: each model's top-1 on the shifted set against its in-distribution top-1, on ${detail.transform === 'none' ? 'linear' : `${detail.transform}-scaled`} axes. ` +
          `The dashed line is fitted on the ${detail.baselines.length} baseline model${detail.baselines.length === 1 ? '' : 's'} (slope ${formatNumber(line.slope, 'fraction')}, intercept ${formatNumber(line.intercept, 'fraction')}, R² ${formatNumber(line.r2, 'fraction')}); the dotted line (where in range) is y = x. ` +
          'A model above the fitted line has positive effective robustness.';
        blocks.push(chart(ids.make('chart-er', task, line.shift_dataset), effectiveRobustnessChart(points, line, detail.transform, { id: detail.id_dataset, shift: line.shift_dataset }, styles.scale(line.models.map((m) => m.model))), caption));
      }
    }
    blocks.push(html(erTable(ctx, task)));
    if (detail !== undefined) blocks.push(html(erFitTable(ctx, detailIndex)));
  }
  return {
    id: 'section-effective-robustness',
    title: 'Effective robustness',
    intro: paragraphs(
      'Accuracy under shift usually follows in-distribution accuracy along a line (in logit space, Taori et al. 2020). Effective robustness is how far a model lies above (+) or below (−) the line fitted on the baseline models: the accuracy it keeps under shift beyond what its in-distribution accuracy predicts. Higher is better.',
    ),
    blocks,
  };
}

function erTable(ctx: ReportContext, task: string): string {
  const { q, ids } = ctx;
  const shifts = q.datasetsOf(task, { metric: 'effective_robustness' });
  const parts = [
    ['shift_top1', 'top-1'],
    ['predicted_top1', 'predicted'],
    ['effective_robustness', 'ER'],
  ] as const;
  const columns: TableColumn[] = [
    { group: '', header: 'model' },
    { group: '', header: 'ID top-1', numeric: true },
    ...shifts.flatMap((s) => parts.map(([, h]) => ({ group: s, header: h, numeric: true }))),
    { group: '', header: 'mean ER', numeric: true, title: shifts.join(', ') },
  ];
  const rows = q.modelsOf(task).map((model) => {
    const get = (dataset: string, metric: string): ReturnType<typeof single> => single(q.rows({ model, task, dataset, variant: null, metric })[0]);
    return {
      cells: [
        htmlCell(modelNameHtml(ctx, model, true)),
        // The ID accuracy is repeated in every shift's rows; the first shift's row is shown.
        measuredCell(shifts.length > 0 ? get(shifts[0], 'id_top1') : undefined),
        ...shifts.flatMap((s) => parts.map(([metric]) => measuredCell(get(s, metric)))),
        measuredCell(q.over({ model, task, variant: null, metric: 'effective_robustness' }, shifts)),
      ],
      className: rowClass(ctx, model),
    };
  });
  return renderTable({ id: ids.make('table-er', task), caption: 'Top-1 on each shifted set, the top-1 the baseline line predicts from the model\'s ID top-1, and their difference (effective robustness).', columns, rows });
}

function erFitTable(ctx: ReportContext, detailIndex: number): string {
  const detail = ctx.results.details.effective_robustness[detailIndex];
  const ptr = (j: number, field: string): string => jsonPointer('details', 'effective_robustness', detailIndex, 'lines', j, field);
  return renderTable({
    id: ctx.ids.make('table-er-fit', detail.task),
    caption: `Baseline fits: ${detail.transform}(shift top-1) = slope × ${detail.transform}(ID top-1) + intercept, least squares over the baseline models (${detail.baselines.join(', ')}).`,
    columns: [
      { group: '', header: 'shift dataset' },
      { group: '', header: 'slope', numeric: true },
      { group: '', header: 'intercept', numeric: true },
      { group: '', header: 'R²', numeric: true },
    ],
    rows: detail.lines.map((line, j) => ({
      cells: [textCell(line.shift_dataset), pathCell(line.slope, ptr(j, 'slope'), 'fraction'), pathCell(line.intercept, ptr(j, 'intercept'), 'fraction'), pathCell(line.r2, ptr(j, 'r2'), 'fraction')],
    })),
  });
}

export function erSummaryColumns(ctx: ReportContext): SummaryColumn[] {
  const { q } = ctx;
  return q.tasksOfType('effective-robustness').map((task) => {
    const datasets = q.datasetsOf(task, { metric: 'effective_robustness' });
    return { group: 'effective robustness', header: meanHeader(datasets, task, severalOf(q, 'effective-robustness')), title: datasets.join(', '), numeric: true, value: (model: string) => q.over({ model, task, variant: null, metric: 'effective_robustness' }, datasets) };
  });
}

export function erKeyMetrics(q: ResultsQuery, model: string): KeyMetric[] {
  const out: KeyMetric[] = [];
  for (const task of q.tasksOfType('effective-robustness')) {
    const datasets = q.datasetsOf(task, { metric: 'effective_robustness' });
    const m = q.over({ model, task, variant: null, metric: 'effective_robustness' }, datasets);
    if (m !== undefined) out.push({ id: `er:${task}`, label: withTask(q, 'effective-robustness', task, onDatasets('effective robustness', datasets)), kind: 'signed', measured: m });
  }
  return out;
}
