/** The report section of the correspondence task: PCK per model, per warp strength / viewpoint level. */
import { html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { escapeHtml } from '../../report/kit/html.js';
import { single } from '../../report/kit/results-query.js';
import { meanHeader, severalOf, type SummaryColumn } from '../../report/kit/contribution.js';
import { htmlCell, measuredCell, renderTable } from '../../report/kit/tables.js';

const VARIANTS = ['all', 'level-0', 'level-1', 'level-2'];

export function correspondenceSection(ctx: ReportContext): Section | undefined {
  const { q, ids } = ctx;
  const tasks = q.tasksOfType('correspondence');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const models = q.modelsOf(task);
    const recall = [...new Set(q.rows({ task, variant: 'all' }).map((r) => r.metric))].filter((m) => m.startsWith('recall-'));
    if (recall.length > 0) {
      // Geometric pairs (navi, scannet-pairs): recall over all matches, and the binned recall per rotation bin.
      const bins = [...new Set(q.rows({ task }).map((r) => r.variant ?? ''))].filter((v) => v.startsWith('rotation-'));
      const binned = q.rows({ task }).find((r) => (r.variant ?? '').startsWith('rotation-'))?.metric ?? '';
      blocks.push(html(renderTable({
        id: ids.make('table-correspondence-recall', task),
        caption: `Matching recall (probe3d's NAVI / ScanNet protocol): fraction of the top ratio-test matches whose 2D error (pixels) or 3D error (metres) is below each threshold; then ${binned} per relative-rotation bin (degrees).`,
        columns: [{ group: '', header: 'model' }, ...recall.map((m) => ({ group: 'all pairs', header: m, numeric: true })), ...bins.map((b) => ({ group: binned, header: b.slice('rotation-'.length), numeric: true }))],
        rows: models.map((model) => ({
          cells: [htmlCell(modelNameHtml(ctx, model, true)), ...recall.map((metric) => measuredCell(single(q.rows({ model, task, variant: 'all', metric })[0]))), ...bins.map((variant) => measuredCell(single(q.rows({ model, task, variant, metric: binned })[0])))],
          className: rowClass(ctx, model),
        })),
      })));
    }
    const metrics = [...new Set(q.rows({ task }).map((r) => r.metric))].filter((m) => m.startsWith('pck@')).sort();
    for (const metric of metrics) {
      blocks.push(html(renderTable({
        id: ids.make(`table-correspondence-${metric}`, task),
        caption: `${metric.toUpperCase()}: fraction of transferred keypoints within ${metric.slice(4)} x the target's bbox size, mean over categories; by viewpoint level (the embedded benchmark: warp strength 0 mild, 1 medium, 2 strong).`,
        columns: [{ group: '', header: 'model' }, ...VARIANTS.map((v) => ({ group: metric, header: v, numeric: true }))],
        rows: models.map((model) => ({
          cells: [htmlCell(modelNameHtml(ctx, model, true)), ...VARIANTS.map((variant) => measuredCell(single(q.rows({ model, task, variant, metric })[0])))],
          className: rowClass(ctx, model),
        })),
      })));
    }
  }
  return {
    id: 'section-correspondence',
    title: 'Dense correspondence (3D awareness)',
    intro: paragraphs('Correspondence with the image tower\'s dense features, as probe3d measures it. Keypoint pairs (SPair-71k, the embedded benchmark): each source keypoint\'s feature is matched to the most similar location of the target image; PCK is the fraction of keypoints landing within a threshold of the true match, relative to the object\'s size. Geometric pairs (NAVI, ScanNet): features at depth points are matched by a ratio test and the matches\' errors are measured with the true relative pose.'),
    blocks,
  };
}

export function correspondenceSummaryColumns(ctx: ReportContext): SummaryColumn[] {
  const { q } = ctx;
  return q.tasksOfType('correspondence').map((task) => {
    const datasets = q.datasetsOf(task, { metric: 'pck@0.1' });
    return { group: 'PCK@0.1', header: meanHeader(datasets, task, severalOf(q, 'correspondence')), title: datasets.join(', '), numeric: true, value: (model: string) => q.over({ model, task, variant: 'all', metric: 'pck@0.1' }, datasets) };
  });
}
