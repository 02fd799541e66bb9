/** The report section of the zeroshot task (and its summary columns and key metrics). */
import { chart, html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { groupedBarChart, promptComparisonChart, type GroupedBarPoint, type PromptPoint } from '../../report/kit/charts.js';
import { escapeHtml } from '../../report/kit/html.js';
import { metricName } from '../../report/kit/metric-names.js';
import { single, type ResultsQuery } from '../../report/kit/results-query.js';
import { onDatasets, severalOf, type KeyMetric, type SummaryColumn } from '../../report/kit/contribution.js';
import { htmlCell, measuredCell, renderTable, textCell } from '../../report/kit/tables.js';

/** Zero-shot accuracy per dataset: one bar chart per prompt set, prompt sets compared, and the tables. */
export function accuracySection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids } = ctx;
  const tasks = q.tasksOfType('zeroshot');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const datasets = q.datasetsOf(task, { metric: 'top1' });
    const promptSets = q.valuesOf(task, 'prompts');
    for (const prompts of promptSets.length > 0 ? promptSets : [null]) {
      const points: GroupedBarPoint[] = [];
      const models: string[] = [];
      for (const model of q.modelsOf(task)) {
        for (const dataset of datasets) {
          const row = q.promptedRow({ model, task, dataset, variant: null, metric: 'top1' }, prompts);
          if (row === undefined || row.value === null) continue;
          points.push({ category: dataset, series: styles.of(model).label, value: row.value });
          if (!models.includes(model)) models.push(model);
        }
      }
      const templates = prompts === null ? undefined : ctx.results.prompts[prompts]?.templates.length;
      const promptNote = prompts === null ? '' : ` with the "${prompts}" prompt set${templates === undefined ? '' : ` (${templates} template${templates === 1 ? '' : 's'})`}; classifiers use their own head`;
      blocks.push(
        chart(
          prompts === null ? ids.make('chart-accuracy', task) : ids.make('chart-accuracy', task, prompts),
          groupedBarChart(points, { categories: datasets, color: styles.scale(models), yTitle: 'top-1', xTitle: 'dataset' }),
          `Zero-shot top-1 accuracy per dataset${promptNote}. Higher is better.`,
        ),
      );
    }
    if (promptSets.length >= 2) blocks.push(promptChart(ctx, task, datasets, promptSets));
    blocks.push(...zeroshotTables(ctx, task, datasets));
    blocks.push(...subsetTables(ctx, task, datasets));
  }
  return {
    id: 'section-accuracy',
    title: 'Accuracy per domain',
    intro: paragraphs(
      'Zero-shot top-1 accuracy on each dataset: the fraction of images whose highest-scoring class is the true one (higher is better). The in-distribution set and the shifted styles side by side show how much each model loses under shift.',
    ),
    blocks,
  };
}

function promptChart(ctx: ReportContext, task: string, datasets: string[], promptSets: string[]): Block {
  const { q, styles, ids } = ctx;
  const points: PromptPoint[] = [];
  const models: string[] = [];
  for (const model of q.modelsOf(task)) {
    for (const dataset of datasets) {
      for (const prompts of promptSets) {
        // Exact rows only: a classifier has no prompt sets to compare.
        const row = q.row({ model, task, dataset, prompts, variant: null, metric: 'top1' });
        if (row === undefined || row.value === null) continue;
        points.push({ dataset, prompts, series: styles.of(model).label, value: row.value });
        if (!models.includes(model)) models.push(model);
      }
    }
  }
  return chart(ids.make('chart-prompts', task), promptComparisonChart(points, datasets, promptSets, styles.scale(models)), `Top-1 per prompt set (${promptSets.join(' vs ')}), one panel per dataset, one line per model: the prompts factor. Each panel has its own y scale.`);
}

/** Per metric (top-1 first, the others folded): rows = model x prompt set, columns = datasets. */
function zeroshotTables(ctx: ReportContext, task: string, datasets: string[]): Block[] {
  const { q, ids } = ctx;
  const blocks: Block[] = [];
  for (const metric of q.valuesOf(task, 'metric')) {
    const rows = q.modelsOf(task).flatMap((model) => {
      const sets = q.valuesOf(task, 'prompts', { model });
      const views = sets.length > 0 ? sets : [null];
      return views.map((prompts, i) => ({
        cells: [
          ...(i === 0 ? [htmlCell(modelNameHtml(ctx, model), undefined, views.length)] : []),
          textCell(prompts ?? '(own head)', prompts === null ? 'na' : undefined),
          ...datasets.map((dataset) => measuredCell(single(q.row({ model, task, dataset, prompts, variant: null, metric })))),
        ],
        className: rowClass(ctx, model),
      }));
    });
    const table = renderTable({
      id: ids.make('table-zeroshot', task, metric),
      caption: `Zero-shot ${metricName(metric)} per dataset and prompt set.`,
      columns: [{ group: '', header: 'model' }, { group: '', header: 'prompts' }, ...datasets.map((d) => ({ group: metricName(metric), header: d, numeric: true }))],
      rows,
    });
    blocks.push(html(metric === 'top1' ? table : `<details><summary>${escapeHtml(metricName(metric))} table</summary>${table}</details>`));
  }
  return blocks;
}

/** Top-1 per subset (ImageNet-D's background / texture / material) next to the pooled value, for datasets with subset rows. */
function subsetTables(ctx: ReportContext, task: string, datasets: string[]): Block[] {
  const { q, ids } = ctx;
  const blocks: Block[] = [];
  for (const dataset of datasets) {
    const subsets = q.valuesOf(task, 'variant', { dataset, metric: 'top1' }).filter((v) => v.startsWith('subset:'));
    if (subsets.length === 0) continue;
    const rows = q.modelsOf(task).flatMap((model) => {
      const sets = q.valuesOf(task, 'prompts', { model, dataset });
      const views = sets.length > 0 ? sets : [null];
      return views.map((prompts, i) => ({
        cells: [
          ...(i === 0 ? [htmlCell(modelNameHtml(ctx, model), undefined, views.length)] : []),
          textCell(prompts ?? '(own head)', prompts === null ? 'na' : undefined),
          ...subsets.map((variant) => measuredCell(single(q.row({ model, task, dataset, prompts, variant, metric: 'top1' })))),
          measuredCell(single(q.row({ model, task, dataset, prompts, variant: null, metric: 'top1' }))),
        ],
        className: rowClass(ctx, model),
      }));
    });
    blocks.push(
      html(
        renderTable({
          id: ids.make('table-zeroshot-subsets', task, dataset),
          caption: `Zero-shot top-1 on ${dataset} per subset (as its reference reports it) and pooled over all its images.`,
          columns: [
            { group: '', header: 'model' },
            { group: '', header: 'prompts' },
            ...subsets.map((v) => ({ group: `top-1 on ${dataset}`, header: v.slice('subset:'.length), numeric: true })),
            { group: `top-1 on ${dataset}`, header: 'pooled', numeric: true },
          ],
          rows,
        }),
      ),
    );
  }
  return blocks;
}

/** The first zero-shot task, its first prompt set (as the rows list them) and the datasets the key top-1 averages. */
export function keyZeroshot(q: ResultsQuery): { task: string; prompts: string | null; promptSets: string[]; datasets: string[] } | undefined {
  const task = q.tasksOfType('zeroshot')[0];
  if (task === undefined) return undefined;
  const promptSets = q.valuesOf(task, 'prompts');
  const all = q.datasetsOf(task, { metric: 'top1' });
  // Accuracy under shift is what robustness is about: prefer the ER tasks' shift datasets.
  const shifts = new Set(q.rows({ type: 'effective-robustness' }).map((r) => r.dataset));
  const onShifts = all.filter((d) => shifts.has(d));
  return { task, prompts: promptSets[0] ?? null, promptSets, datasets: onShifts.length > 0 ? onShifts : all };
}

export function zeroshotSummaryColumns(ctx: ReportContext): SummaryColumn[] {
  const { q } = ctx;
  const columns: SummaryColumn[] = [];
  const zs = keyZeroshot(q);
  for (const task of q.tasksOfType('zeroshot')) {
    const prompts = task === zs?.task ? zs.prompts : (q.valuesOf(task, 'prompts')[0] ?? null);
    const group = `zero-shot top-1${prompts === null ? '' : ` (prompts: ${prompts})`}${severalOf(q, 'zeroshot') ? ` [${task}]` : ''}`;
    for (const dataset of q.datasetsOf(task, { metric: 'top1' })) {
      columns.push({ group, header: dataset, numeric: true, value: (model) => q.over({ model, task, variant: null, metric: 'top1', prompts }, [dataset]) });
    }
  }
  return columns;
}

export function zeroshotKeyMetrics(q: ResultsQuery, model: string): KeyMetric[] {
  const zs = keyZeroshot(q);
  if (zs === undefined) return [];
  const m = q.over({ model, task: zs.task, variant: null, metric: 'top1', prompts: zs.prompts }, zs.datasets);
  return m === undefined ? [] : [{ id: `top1:${zs.task}`, label: onDatasets('top-1', zs.datasets), kind: 'fraction', measured: m }];
}
