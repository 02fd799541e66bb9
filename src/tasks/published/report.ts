/** The report section of the `published` suite task: the suite's models drawn on the published clouds. */
import { chart, html, modelNameHtml, paragraphs, rowClass, type Block, type ReportContext, type Section } from '../../report/kit/blocks.js';
import { cloudChart, type CloudPoint } from '../../report/kit/charts.js';
import { formatNumber } from '../../report/kit/format.js';
import { escapeHtml } from '../../report/kit/html.js';
import { single } from '../../report/kit/results-query.js';
import { htmlCell, jsonPointer, measuredCell, pathCell, renderTable, textCell } from '../../report/kit/tables.js';
import type { BenchmarkKey } from '../../published/benchmarks.js';
import { CLIP_SERIES, TESTBED_SERIES, cloudColors } from './landscape-report.js';

/** results.json `details.published[]`: what the section draws (the published points are a compact copy). */
export interface PublishedDetail {
  task: string;
  id_dataset: string;
  shifts: Array<{ dataset: string; benchmark: BenchmarkKey }>;
  lines: Array<{ benchmark: BenchmarkKey; label: string; slope: number; intercept: number; r2: number; n: number; shift_column: string }>;
  /** Per benchmark: the published CLIP checkpoints and the testbed's line-fit models, each with its source row. */
  cloud: Record<string, Array<{ id: string; population: 'clip' | 'testbed'; id_top1: number; shift_top1: number; er: number | null; source: string }>>;
  groups: Array<{ factor: string; groups: Array<{ value: string; n: number; mean_er: number | null; low: number | null; high: number | null }> }>;
  populations: Array<{ name: string; n: number; mean_er: number | null; low: number | null; high: number | null }>;
  warnings: Array<{ model: string; dataset: string; message: string }>;
  bootstrap: { samples: number; seed: number };
}

const ci = (low: number | null, high: number | null): string => (low === null || high === null ? '' : ` <span class="ci">[${escapeHtml(formatNumber(low, 'signed'))}, ${escapeHtml(formatNumber(high, 'signed'))}]</span>`);

export function publishedSection(ctx: ReportContext): Section | undefined {
  const { q, styles, ids, results } = ctx;
  const details = (results.details.published ?? []) as PublishedDetail[];
  if (details.length === 0) return undefined;
  const blocks: Block[] = [];
  details.forEach((d, di) => {
    if (details.length > 1) blocks.push(html(`<h3>${escapeHtml(d.task)}</h3>`));
    const models = q.modelsOf(d.task);
    const highlight = styles.scale(models);
    for (const { dataset, benchmark } of d.shifts) {
      const line = d.lines.find((l) => l.benchmark === benchmark);
      const cloud = d.cloud[benchmark] ?? [];
      const points: CloudPoint[] = cloud.map((c) => ({ series: c.population === 'clip' ? CLIP_SERIES : TESTBED_SERIES, id_top1: c.id_top1, shift_top1: c.shift_top1, label: null, source: `${c.id}: ${c.source}` }));
      for (const model of models) {
        const id = single(q.rows({ model, task: d.task, dataset, variant: null, metric: 'id_top1' })[0]);
        const sh = single(q.rows({ model, task: d.task, dataset, variant: null, metric: 'shift_top1' })[0]);
        if (id?.value != null && sh?.value != null) points.push({ series: styles.of(model).label, id_top1: id.value, shift_top1: sh.value, label: model, source: model });
      }
      const caption = line
        ? `${dataset} (published ${line.label}) vs ${d.id_dataset} on logit axes: the suite's models (diamonds, labelled) among ${cloud.filter((c) => c.population === 'clip').length} published CLIP checkpoints and imagenet-testbed's ${line.n} line-fit models; dashed: the testbed's line (slope ${formatNumber(line.slope, 'fraction')}, intercept ${formatNumber(line.intercept, 'fraction')}, R² ${formatNumber(line.r2, 'fraction')}), dotted: y = x.`
        : `${dataset} (published ObjectNet, CLIP_benchmark's 113-way protocol) vs ${d.id_dataset}: no testbed line is drawn, because the testbed's ObjectNet protocol differs; the suite's models among the published CLIP checkpoints.`;
      const spec = cloudChart(points, line ?? null, 'logit', { id: d.id_dataset, shift: dataset }, cloudColors(highlight));
      blocks.push(chart(ids.make('chart-published-suite', d.task, dataset), spec, caption));
    }
    // The suite's models: ER, interval and rank per shift.
    const columns = [
      { group: '', header: 'model' },
      ...d.shifts.flatMap(({ dataset, benchmark }) =>
        benchmark === 'objectnet-113'
          ? [
              { group: dataset, header: 'top-1', numeric: true },
              { group: dataset, header: 'above % of published', numeric: true },
            ]
          : [
              { group: dataset, header: 'ER', numeric: true },
              { group: dataset, header: '95% interval', numeric: true },
              { group: dataset, header: 'above % of published', numeric: true },
            ],
      ),
    ];
    const rows = models.map((model) => {
      const get = (dataset: string, metric: string) => single(q.rows({ model, task: d.task, dataset, variant: null, metric })[0]);
      return {
        cells: [
          htmlCell(modelNameHtml(ctx, model, true)),
          ...d.shifts.flatMap(({ dataset, benchmark }) =>
            benchmark === 'objectnet-113'
              ? [measuredCell(get(dataset, 'shift_top1')), measuredCell(get(dataset, 'published_accuracy_percentile'), 'fraction')]
              : [measuredCell(get(dataset, 'effective_robustness')), htmlCell(`${ci(get(dataset, 'er_low')?.value ?? null, get(dataset, 'er_high')?.value ?? null)}`, 'num'), measuredCell(get(dataset, 'published_er_percentile'), 'fraction')],
          ),
        ],
        className: rowClass(ctx, model),
      };
    });
    blocks.push(html(renderTable({ id: ids.make('table-published-suite', d.task), caption: `Each model's effective robustness against imagenet-testbed's line (95% interval: ${d.bootstrap.samples} bootstrap resamples of the baseline models, seed ${d.bootstrap.seed}) and the fraction of the published CLIP checkpoints it is above.`, columns, rows })));
    // Published populations and factor groups, for comparison.
    const ptr = (...segs: Array<string | number>) => jsonPointer('details', 'published', di, ...segs);
    const groupRows = [
      ...d.populations.map((p, i) => ({ cells: [textCell('population'), textCell(p.name), pathCell(p.n, ptr('populations', i, 'n'), 'count'), pathCell(p.mean_er, ptr('populations', i, 'mean_er'), 'signed', ci(p.low, p.high))] })),
      ...d.groups.flatMap((f, i) => f.groups.map((g, j) => ({ cells: [textCell(f.factor), textCell(g.value), pathCell(g.n, ptr('groups', i, 'groups', j, 'n'), 'count'), pathCell(g.mean_er, ptr('groups', i, 'groups', j, 'mean_er'), 'signed', ci(g.low, g.high))] }))),
    ];
    blocks.push(
      html(
        `<details><summary>Published factor groups (mean ER over ImageNet-V2, -Sketch, -R, -A)</summary>${renderTable({
          id: ids.make('table-published-suite-groups', d.task),
          caption: "The published checkpoints grouped by each factor of the model catalogue, for comparison with the suite's models (holoclip analyze published has the full analysis).",
          columns: [{ group: '', header: 'factor' }, { group: '', header: 'group' }, { group: '', header: 'n', numeric: true }, { group: '', header: 'mean ER', numeric: true }],
          rows: groupRows,
        })}</details>`,
      ),
    );
    if (d.warnings.length > 0) {
      blocks.push(html(`<div class="warnings"><p>Protocol differences (the numbers above are not strictly comparable with the published ones where listed):</p><ul>${d.warnings.map((w) => `<li><b>${escapeHtml(w.model)}</b> on ${escapeHtml(w.dataset)}: ${escapeHtml(w.message)}</li>`).join('')}</ul></div>`));
    }
  });
  return {
    id: 'section-published',
    title: 'Published landscape',
    intro: paragraphs(
      "Where the suite's models sit among real published numbers: open_clip's 121 CLIP checkpoints and imagenet-testbed's ImageNet models, with the effective robustness measured against the testbed's line, as holoclip analyze published measures the published checkpoints.",
    ),
    blocks,
  };
}
