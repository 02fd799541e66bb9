/** The report section of the ood task (and its summary columns and key metrics). */
import { chart, html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { groupedBarChart, type GroupedBarPoint } from '../../report/kit/charts.js';
import { escapeHtml } from '../../report/kit/html.js';
import { single, type ResultsQuery } from '../../report/kit/results-query.js';
import { meanHeader, severalOf, withTask, type KeyMetric, type SummaryColumn } from '../../report/kit/contribution.js';
import { htmlCell, measuredCell, renderTable, textCell, type TableColumn } from '../../report/kit/tables.js';

/** AUROC per OOD set (chart, key score) and AUROC / FPR@95 per model x set x score (table). */
export function oodSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids } = ctx;
  const tasks = q.tasksOfType('ood');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const sets = q.datasetsOf(task, { metric: 'auroc' });
    const scores = q.valuesOf(task, 'variant', { metric: 'auroc' });
    const key = oodKeyScore(q, task);
    if (key !== undefined) {
      const points: GroupedBarPoint[] = [];
      const models: string[] = [];
      for (const model of q.modelsOf(task)) {
        for (const dataset of sets) {
          const row = q.rows({ model, task, dataset, variant: key, metric: 'auroc' })[0];
          if (row === undefined || row.value === null) continue;
          points.push({ category: dataset, series: styles.of(model).label, value: row.value });
          if (!models.includes(model)) models.push(model);
        }
      }
      blocks.push(chart(ids.make('chart-ood', task), groupedBarChart(points, { categories: sets, color: styles.scale(models), yTitle: `AUROC (${key})`, xTitle: 'OOD set' }), `OOD detection AUROC per OOD set with the ${key} score. 0.5 is chance; higher is better.`));
    }
    const columns: TableColumn[] = [
      { group: '', header: 'model' },
      { group: '', header: 'ID top-1', numeric: true },
      { group: '', header: 'score' },
      ...sets.flatMap((s) => [
        { group: s, header: 'AUROC', numeric: true },
        { group: s, header: 'FPR@95', numeric: true, title: 'false-positive rate at 95% true-positive rate' },
      ]),
    ];
    const rows = q.modelsOf(task).flatMap((model) => {
      const own = scores.filter((s) => q.rows({ model, task, variant: s }).length > 0);
      const idTop1 = single(q.rows({ model, task, variant: null, metric: 'id_top1' })[0]);
      return own.map((score, i) => ({
        cells: [
          ...(i === 0 ? [htmlCell(modelNameHtml(ctx, model), undefined, own.length), measuredCell(idTop1, undefined, own.length)] : []),
          textCell(score),
          ...sets.flatMap((dataset) => ['auroc', 'fpr_at_95_tpr'].map((metric) => measuredCell(single(q.rows({ model, task, dataset, variant: score, metric })[0])))),
        ],
        className: rowClass(ctx, model),
      }));
    });
    blocks.push(html(renderTable({ id: ids.make('table-ood', task), caption: 'AUROC: higher is better. FPR@95: the fraction of OOD images accepted when 95% of ID images are; lower is better. ID top-1 is the accuracy on the in-distribution set.', columns, rows })));
  }
  return {
    id: 'section-ood',
    title: 'Out-of-distribution detection',
    intro: paragraphs(
      'How well a score computed from the model\'s outputs tells in-distribution images from images of classes it does not know. As MCM\'s code computes them for CLIP (T = 1): maxlogit is the largest raw image-text cosine, energy the log-sum-exp of the raw cosines, mcm the maximum softmax of the raw cosines. msp is the maximum softmax probability of the logits (logit scale × cosine); maxlogit-scaled and energy-scaled are maxlogit and energy on those logits. An image classifier has only logits: its maxlogit and energy use them.',
    ),
    blocks,
  };
}

/** The OOD score the report leads with: MSP (the standard baseline) if measured, else the first score. */
export function oodKeyScore(q: ResultsQuery, task: string): string | undefined {
  const scores = q.valuesOf(task, 'variant', { metric: 'auroc' });
  return scores.includes('msp') ? 'msp' : scores[0];
}

export function oodSummaryColumns(ctx: ReportContext): SummaryColumn[] {
  const { q } = ctx;
  const columns: SummaryColumn[] = [];
  for (const task of q.tasksOfType('ood')) {
    const score = oodKeyScore(q, task);
    if (score === undefined) continue;
    const datasets = q.datasetsOf(task, { metric: 'auroc', variant: score });
    columns.push({ group: 'OOD AUROC', header: `${meanHeader(datasets, task, severalOf(q, 'ood'))}, ${score}`, title: datasets.join(', '), numeric: true, value: (model) => q.over({ model, task, variant: score, metric: 'auroc' }, datasets) });
  }
  return columns;
}

export function oodKeyMetrics(q: ResultsQuery, model: string): KeyMetric[] {
  const out: KeyMetric[] = [];
  for (const task of q.tasksOfType('ood')) {
    const score = oodKeyScore(q, task);
    if (score === undefined) continue;
    const datasets = q.datasetsOf(task, { metric: 'auroc', variant: score });
    const m = q.over({ model, task, variant: score, metric: 'auroc' }, datasets);
    const label = `${datasets.length > 1 ? 'mean ' : ''}OOD AUROC (${datasets.join(', ')}; ${score})`;
    if (m !== undefined) out.push({ id: `ood_auroc:${task}`, label: withTask(q, 'ood', task, label), kind: 'fraction', measured: m });
  }
  return out;
}
