/** The report section of the factors task (and its summary columns and key metrics). */
import { html, paragraphs, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { metricName } from '../../report/kit/metric-names.js';
import { single } from '../../report/kit/results-query.js';
import { htmlCell, measuredCell, renderTable, textCell, type CellHtml, type TableColumn } from '../../report/kit/tables.js';

/** ImageNet-X factors: per factor, each model's accuracy and error ratio; first the overall accuracy. */
export function factorsSection(ctx: ReportContext): Section | undefined {
  const { q, ids } = ctx;
  const tasks = q.tasksOfType('factors');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    const models = q.modelsOf(task);
    const factors = q.valuesOf(task, 'variant');
    // Per-factor metrics (accuracy, error_ratio); the overall accuracy (variant null) gets its own row.
    const metrics = [...new Set(q.rows({ task }).filter((r) => r.variant !== null).map((r) => r.metric))];
    const columns: TableColumn[] = [{ group: '', header: 'factor' }, ...models.flatMap((m) => metrics.map((metric) => ({ group: m, header: metricName(metric), numeric: true })))];
    const rows: Array<{ cells: CellHtml[]; className?: string }> = [];
    if (q.rows({ task, metric: 'overall_accuracy' }).length > 0) {
      rows.push({
        cells: [
          textCell('all annotated images'),
          ...models.flatMap((model) => metrics.map((metric) => (metric === 'accuracy' ? measuredCell(single(q.rows({ model, task, variant: null, metric: 'overall_accuracy' })[0])) : htmlCell('', 'missing')))),
        ],
        className: 'overall',
      });
    }
    for (const factor of factors) {
      rows.push({ cells: [textCell(factor), ...models.flatMap((model) => metrics.map((metric) => measuredCell(single(q.rows({ model, task, variant: factor, metric })[0]))))] });
    }
    blocks.push(html(renderTable({ id: ids.make('table-factors', task), caption: `ImageNet-X factors on ${q.datasetsOf(task).join(', ')}.`, columns, rows })));
  }
  return {
    id: 'section-factors',
    title: 'Visual factors (ImageNet-X)',
    intro: paragraphs('Accuracy on the images annotated with each visual factor (pose, background, lighting...), and the error ratio: the error rate on those images over the overall error rate. An error ratio above 1 means the factor hurts; lower is better.'),
    blocks,
  };
}
