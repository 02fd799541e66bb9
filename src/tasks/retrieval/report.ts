/** The report section of the retrieval task (and its summary columns and key metrics). */
import { html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { metricName } from '../../report/kit/metric-names.js';
import { single } from '../../report/kit/results-query.js';
import { severalOf, type SummaryColumn } from '../../report/kit/contribution.js';
import { htmlCell, measuredCell, renderTable, type TableColumn } from '../../report/kit/tables.js';

/** Recall@K per model, direction and K. */
export function retrievalSection(ctx: ReportContext): Section | undefined {
  const { q, ids } = ctx;
  const tasks = q.tasksOfType('retrieval');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    const datasets = q.datasetsOf(task);
    const variants = q.valuesOf(task, 'variant');
    const metrics = q.valuesOf(task, 'metric');
    const groups = datasets.flatMap((dataset) => variants.map((variant) => ({ dataset, variant })));
    const columns: TableColumn[] = [
      { group: '', header: 'model' },
      ...groups.flatMap(({ dataset, variant }) => metrics.map((m) => ({ group: datasets.length > 1 ? `${dataset}: ${metricName(variant)}` : metricName(variant), header: m, numeric: true }))),
    ];
    const rows = q.modelsOf(task).map((model) => ({
      cells: [htmlCell(modelNameHtml(ctx, model, true)), ...groups.flatMap(({ dataset, variant }) => metrics.map((metric) => measuredCell(single(q.rows({ model, task, dataset, variant, metric })[0]))))],
      className: rowClass(ctx, model),
    }));
    blocks.push(html(renderTable({ id: ids.make('table-retrieval', task), caption: `Recall@K on ${datasets.join(', ')}; higher is better.`, columns, rows })));
  }
  return {
    id: 'section-retrieval',
    title: 'Retrieval',
    intro: paragraphs('Image-text retrieval: for each image (image→text) or caption (text→image), whether a matching item is among the K most similar. Recall@K is the fraction of queries that hit; higher is better.'),
    blocks,
  };
}

export function retrievalSummaryColumns(ctx: ReportContext): SummaryColumn[] {
  const { q } = ctx;
  return q.tasksOfType('retrieval').map((task) => {
    const datasets = q.datasetsOf(task, { metric: 'R@1', variant: 'image_to_text' });
    return { group: 'retrieval R@1', header: `image→text${severalOf(q, 'retrieval') ? ` [${task}]` : ''}`, title: datasets.join(', '), numeric: true, value: (model: string) => q.over({ model, task, variant: 'image_to_text', metric: 'R@1' }, datasets) };
  });
}
