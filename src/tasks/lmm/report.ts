/** The report section of the lmm task: the LMM's accuracy next to CLIP's on the same questions (and summary columns, key metrics). */
import { html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { escapeHtml } from '../../report/kit/html.js';
import { single, type ResultsQuery } from '../../report/kit/results-query.js';
import { meanHeader, onDatasets, severalOf, withTask, type KeyMetric, type SummaryColumn } from '../../report/kit/contribution.js';
import { htmlCell, measuredCell, renderTable, textCell, type CellHtml, type TableColumn } from '../../report/kit/tables.js';

const FRACTIONS = [
  ['lmm_accuracy', 'LMM accuracy'],
  ['clip_two_way', 'CLIP 2-way'],
  ['clip_top1', 'CLIP top-1'],
] as const;
const COUNTS = [
  ['n', 'questions'],
  ['true', 'TRUE'],
  ['false', 'FALSE'],
  ['double', 'DOUBLE'],
  ['todo', 'TODO'],
] as const;

export function lmmSection(ctx: ReportContext): Section | undefined {
  const { q, ids } = ctx;
  const tasks = q.tasksOfType('lmm');
  if (tasks.length === 0) return undefined;
  const blocks: Block[] = [];
  for (const task of tasks) {
    if (tasks.length > 1) blocks.push(html(`<h3>${escapeHtml(task)}</h3>`));
    const variants: Array<string | null> = [null, ...q.valuesOf(task, 'variant').filter((v) => v !== '' && v !== null)];
    const columns: TableColumn[] = [
      { group: '', header: 'surrogate model' },
      { group: '', header: 'images' },
      ...FRACTIONS.map(([, h]) => ({ group: 'accuracy', header: h, numeric: true })),
      ...COUNTS.map(([, h]) => ({ group: 'answers', header: h, numeric: true })),
    ];
    const rows: Array<{ cells: CellHtml[]; className?: string }> = [];
    for (const model of q.modelsOf(task)) {
      for (const variant of variants) {
        if (q.rows({ model, task, variant, metric: 'n' }).length === 0) continue;
        rows.push({
          cells: [
            variant === null ? htmlCell(modelNameHtml(ctx, model, true)) : textCell(''),
            textCell(variant === null ? 'all' : variant.replace(/^subset:/, '')),
            ...FRACTIONS.map(([metric]) => measuredCell(single(q.rows({ model, task, variant, metric })[0]))),
            ...COUNTS.map(([metric]) => measuredCell(single(q.rows({ model, task, variant, metric })[0]), 'count')),
          ],
          className: variant === null ? rowClass(ctx, model) : undefined,
        });
      }
    }
    blocks.push(
      html(
        renderTable({
          id: ids.make('table-lmm', task),
          caption: `Multimodal LLM vs CLIP on ${q.datasetsOf(task).join(', ')}: each image asked "true class or distractor?", the distractor being the surrogate model's top-1 when wrong, else its top-2. LMM accuracy = TRUE / (TRUE + FALSE).`,
          columns,
          rows,
        }),
      ),
    );
  }
  return {
    id: 'section-lmm',
    title: 'Multimodal LLMs as classifiers',
    intro: paragraphs(
      'ImageNet-D\'s protocol: a multimodal LLM (LLaVA-style, with CLIP as its eye) chooses between the true class and the class a CLIP-family surrogate confuses it with. Its answer is TRUE when it names only the true class, FALSE when only the distractor, DOUBLE when both and TODO when neither; accuracy counts TRUE and FALSE only.',
      'CLIP 2-way is the surrogate\'s own choice between the same two classes; with the surrogate choosing the distractor it equals the surrogate\'s top-1 on those images, so the LMM is compared with CLIP exactly where CLIP fails.',
    ),
    blocks,
  };
}

export function lmmSummaryColumns(ctx: ReportContext): SummaryColumn[] {
  const { q } = ctx;
  return q.tasksOfType('lmm').map((task) => {
    const datasets = q.datasetsOf(task, { metric: 'lmm_accuracy' });
    return { group: 'LMM accuracy', header: meanHeader(datasets, task, severalOf(q, 'lmm')), title: datasets.join(', '), numeric: true, value: (model: string) => q.over({ model, task, variant: null, metric: 'lmm_accuracy' }, datasets) };
  });
}

export function lmmKeyMetrics(q: ResultsQuery, model: string): KeyMetric[] {
  const out: KeyMetric[] = [];
  for (const task of q.tasksOfType('lmm')) {
    const datasets = q.datasetsOf(task, { metric: 'lmm_accuracy' });
    const m = q.over({ model, task, variant: null, metric: 'lmm_accuracy' }, datasets);
    if (m !== undefined) out.push({ id: `lmm_accuracy:${task}`, label: withTask(q, 'lmm', task, onDatasets('LMM accuracy', datasets)), kind: 'fraction', measured: m });
  }
  return out;
}
