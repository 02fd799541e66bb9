/** The report section of the shape-bias task (and its summary columns and key metrics). */
import { chart, html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { shapeBiasChart, shapeCategoryChart, type CategoryPoint } from '../../report/kit/charts.js';
import { escapeHtml } from '../../report/kit/html.js';
import { single, type ResultsQuery } from '../../report/kit/results-query.js';
import { meanHeader, onDatasets, severalOf, withTask, type KeyMetric, type SummaryColumn } from '../../report/kit/contribution.js';
import { htmlCell, jsonPointer, measuredCell, pathCell, renderTable, textCell } from '../../report/kit/tables.js';

/** Shape bias per model (chart and table) and per shape category (chart and table, from the details). */
export function shapeBiasSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids, results } = ctx;
  const tasks = q.tasksOfType('shape-bias');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const models = q.modelsOf(task);
    const bias = (model: string): ReturnType<typeof single> => single(q.rows({ model, task, variant: null, metric: 'shape_bias' })[0]);
    const bars = models.flatMap((m) => {
      const v = bias(m)?.value;
      return v === null || v === undefined ? [] : [{ model: m, series: styles.of(m).label, value: v }];
    });
    const barModels = bars.map((b) => b.model);
    blocks.push(chart(ids.make('chart-shape-bias', task), shapeBiasChart(bars, styles.scale(barModels)), 'Shape bias per model: of the cue-conflict decisions that match either the shape or the texture, the fraction that match the shape. 1 = decides by shape only, 0 = by texture only.'));

    const details = results.details.shape_bias.map((d, i) => ({ d, i })).filter(({ d }) => d.task === task);
    const categories = [...new Set(details.flatMap(({ d }) => Object.keys(d.per_category)))];
    if (categories.length > 0) {
      const points: CategoryPoint[] = [];
      const catModels: string[] = [];
      for (const model of q.modelNames()) {
        const found = details.find(({ d }) => d.model === model);
        if (found === undefined) continue;
        for (const category of categories) {
          const v = found.d.per_category[category];
          if (v === null || v === undefined) continue;
          points.push({ category, series: styles.of(model).label, value: v });
          if (!catModels.includes(model)) catModels.push(model);
        }
      }
      blocks.push(chart(ids.make('chart-shape-categories', task), shapeCategoryChart(points, categories, styles.scale(catModels)), 'Shape bias per shape category, one dot per model.'));
    }

    const counts = ['shape_decisions', 'texture_decisions', 'other_decisions'];
    blocks.push(
      html(
        renderTable({
          id: ids.make('table-shape-bias', task),
          caption: 'Shape bias and the decision counts it comes from; "other" decisions match neither the shape nor the texture class.',
          columns: [{ group: '', header: 'model' }, { group: '', header: 'shape bias', numeric: true }, ...counts.map((c) => ({ group: 'decisions', header: c.replace('_decisions', ''), numeric: true }))],
          rows: models.map((model) => ({
            cells: [htmlCell(modelNameHtml(ctx, model, true)), measuredCell(bias(model)), ...counts.map((metric) => measuredCell(single(q.rows({ model, task, variant: null, metric })[0])))],
            className: rowClass(ctx, model),
          })),
        }),
      ),
    );
    if (categories.length > 0) {
      const withDetail = q.modelNames().flatMap((m) => details.filter(({ d }) => d.model === m));
      const table = renderTable({
        id: ids.make('table-shape-categories', task),
        caption: 'Shape bias per shape category.',
        columns: [{ group: '', header: 'category' }, ...withDetail.map(({ d }) => ({ group: '', header: d.model, numeric: true }))],
        rows: categories.map((category) => ({
          cells: [
            textCell(category),
            ...withDetail.map(({ d, i }) => (category in d.per_category ? pathCell(d.per_category[category], jsonPointer('details', 'shape_bias', i, 'per_category', category), 'fraction') : htmlCell('—', 'missing'))),
          ],
        })),
      });
      blocks.push(html(`<details><summary>Per-category table</summary>${table}</details>`));
    }
  }
  return {
    id: 'section-shape-bias',
    title: 'Shape bias',
    intro: paragraphs('On cue-conflict images (the shape of one class with the texture of another), does the model follow the shape or the texture? Humans decide almost always by shape; image models mostly by texture. A higher shape bias is usually associated with more robust models.'),
    blocks,
  };
}

export function shapeBiasSummaryColumns(ctx: ReportContext): SummaryColumn[] {
  const { q } = ctx;
  return q.tasksOfType('shape-bias').map((task) => {
    const datasets = q.datasetsOf(task, { metric: 'shape_bias' });
    return { group: 'shape bias', header: meanHeader(datasets, task, severalOf(q, 'shape-bias')), title: datasets.join(', '), numeric: true, value: (model: string) => q.over({ model, task, variant: null, metric: 'shape_bias' }, datasets) };
  });
}

export function shapeBiasKeyMetrics(q: ResultsQuery, model: string): KeyMetric[] {
  const out: KeyMetric[] = [];
  for (const task of q.tasksOfType('shape-bias')) {
    const datasets = q.datasetsOf(task, { metric: 'shape_bias' });
    const m = q.over({ model, task, variant: null, metric: 'shape_bias' }, datasets);
    if (m !== undefined) out.push({ id: `shape_bias:${task}`, label: withTask(q, 'shape-bias', task, datasets.length > 1 ? onDatasets('shape bias', datasets) : 'shape bias'), kind: 'fraction', measured: m });
  }
  return out;
}
