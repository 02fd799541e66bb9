/** The report section of the corruption task (and its summary columns and key metrics). */
import { html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { metricName } from '../../report/kit/metric-names.js';
import { single } from '../../report/kit/results-query.js';
import { htmlCell, measuredCell, renderTable, type TableColumn } from '../../report/kit/tables.js';

/** Corruption robustness: per model, clean top-1, mean top-1 per corruption, mCA and (with a reference) mCE. */
export function corruptionSection(ctx: ReportContext): Section | undefined {
  const { q, ids } = ctx;
  const tasks = q.tasksOfType('corruption');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    const models = q.modelsOf(task);
    // Corruptions are the variants of the per-corruption rows (mean_top1), in first-seen order.
    const corruptions = [...new Set(q.rows({ task, metric: 'mean_top1' }).map((r) => r.variant).filter((v): v is string => v !== null))];
    const summary = ['clean_top1', 'mca', 'mce', 'relative_mce'].filter((metric) => q.rows({ task, metric }).some((r) => r.value !== null));
    const columns: TableColumn[] = [
      { group: '', header: 'model' },
      ...summary.map((metric) => ({ group: 'summary', header: metricName(metric), numeric: true })),
      ...corruptions.map((c) => ({ group: 'mean top-1 over severities', header: c, numeric: true })),
    ];
    const rows = models.map((model) => ({
      cells: [
        htmlCell(modelNameHtml(ctx, model, true)),
        ...summary.map((metric) => measuredCell(single(q.rows({ model, task, variant: null, metric })[0]))),
        ...corruptions.map((c) => measuredCell(single(q.rows({ model, task, variant: c, metric: 'mean_top1' })[0]))),
      ],
      className: rowClass(ctx, model),
    }));
    blocks.push(html(renderTable({ id: ids.make('table-corruption', task), caption: `Corruptions of ${q.datasetsOf(task).join(', ')}: top-1 (higher is better); mCE relative to the reference errors (lower is better, the reference model = 1).`, columns, rows })));
  }
  return {
    id: 'section-corruption',
    title: 'Corruptions',
    intro: paragraphs('Zero-shot accuracy on corrupted versions of the data (ImageNet-C and 3D common corruptions, generated on the fly and seeded per image): the clean top-1, the mean corruption accuracy (mCA, mean over corruptions of the mean over severities), and, given a reference model\'s errors, the mean corruption error (mCE) and relative mCE.'),
    blocks,
  };
}
