/**
 * The "Published landscape" blocks: the published CLIP checkpoints and imagenet-testbed's ImageNet models on
 * each shift's ID-vs-shift plane with the testbed's line, and the tables of the factor analysis. Every number
 * cell points into the JSON it was read from (`data-path`, a JSON pointer under `base`), and every cloud point
 * names its source row. Used by `holoclip analyze published` (the whole analysis) and, with the suite's models
 * highlighted, by the `published` suite task.
 */
import { chart, html, type Block, type IdAllocator } from '../../report/kit/blocks.js';
import { cloudChart, type CloudPoint, type ColorScale } from '../../report/kit/charts.js';
import { formatNumber } from '../../report/kit/format.js';
import { breakableId, escapeHtml } from '../../report/kit/html.js';
import { htmlCell, jsonPointer, pathCell, renderTable, textCell, type CellHtml } from '../../report/kit/tables.js';
import { benchmarkSpec, ER_SHIFTS, ID_BENCHMARK, type BenchmarkKey } from '../../published/benchmarks.js';
import type { LandscapeResult, ShiftOrMean, SourceRef } from '../../published/index.js';

export const CLIP_SERIES = 'published CLIP (open_clip)';
export const TESTBED_SERIES = 'ImageNet models (testbed line fit)';
export const TESTBED_OTHER_SERIES = 'other testbed models';
const CLOUD_COLORS = ['#e45756', '#4c78a8', '#bab0ac'];

export function refText(ref: SourceRef): string {
  return `${ref.table} line ${ref.line} (${ref.row}), column ${ref.column}`;
}

/** The cloud of one shift: every published CLIP checkpoint and every testbed model with both accuracies. */
export function cloudPoints(r: LandscapeResult, shift: BenchmarkKey): CloudPoint[] {
  const out: CloudPoint[] = [];
  for (const m of r.testbed_models) {
    const id = m.accuracy[ID_BENCHMARK];
    const sh = m.accuracy[shift];
    if (id && sh && m.er[shift]) out.push({ series: m.in_line_fit ? TESTBED_SERIES : TESTBED_OTHER_SERIES, id_top1: id.value, shift_top1: sh.value, label: null, source: `${refText(id.source)}; ${sh.source.column}` });
  }
  for (const m of r.clip_models) {
    const id = m.accuracy[ID_BENCHMARK];
    const sh = m.accuracy[shift];
    if (id && sh) out.push({ series: CLIP_SERIES, id_top1: id.value, shift_top1: sh.value, label: null, source: `${m.id}: ${refText(id.source)}; ${sh.source.column}` });
  }
  return out;
}

export function cloudColors(extra: ColorScale = { domain: [], range: [] }): ColorScale {
  return { domain: [CLIP_SERIES, TESTBED_SERIES, TESTBED_OTHER_SERIES, ...extra.domain], range: [...CLOUD_COLORS, ...extra.range] };
}

const est = (value: number, low: number, high: number, path: string): CellHtml =>
  pathCell(value, path, 'signed', ` <span class="ci">[${escapeHtml(formatNumber(low, 'signed'))}, ${escapeHtml(formatNumber(high, 'signed'))}]</span>`);

const KEYS: readonly ShiftOrMean[] = [...ER_SHIFTS, 'mean'];
const keyLabel = (k: ShiftOrMean): string => (k === 'mean' ? 'mean of 4' : benchmarkSpec(k).label);

/** The charts, one per shift, and the table of the lines. */
/** `highlights`: per shift, labelled points drawn over the clouds (a suite's models), in `highlightColors`. */
export function lineBlocks(r: LandscapeResult, base: string, ids: IdAllocator, highlights: Partial<Record<BenchmarkKey, CloudPoint[]>> = {}, highlightColors: ColorScale = { domain: [], range: [] }): Block[] {
  const blocks: Block[] = [];
  r.lines.forEach((line) => {
    const points = [...cloudPoints(r, line.shift), ...(highlights[line.shift] ?? [])];
    const caption =
      `${line.label} vs ImageNet top-1 on logit axes: ${r.clip_models.length} published CLIP checkpoints (open_clip's table) and imagenet-testbed's models. ` +
      `The dashed line is the testbed's line (${line.baseline_set.size} standard-training models, slope ${formatNumber(line.slope.value, 'fraction')}, intercept ${formatNumber(line.intercept.value, 'fraction')}, R² ${formatNumber(line.r2, 'fraction')}); the dotted line is y = x. Points above the line have positive effective robustness.`;
    blocks.push(chart(ids.make('chart-published', line.shift), cloudChart(points, { slope: line.slope.value, intercept: line.intercept.value }, 'logit', { id: 'ImageNet', shift: line.label }, cloudColors(highlightColors)), caption));
  });
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-lines'),
        caption: `The testbed's lines: logit(shift top-1) = slope × logit(ImageNet top-1) + intercept, least squares over its standard-training models (${r.lines[0]?.baseline_set.rule ?? ''}); 0% / 100% rows left out; 95% intervals from ${r.options.samples} bootstrap resamples of the baseline models (seed ${r.options.seed}).`,
        columns: [
          { group: '', header: 'shift' },
          { group: '', header: 'testbed column' },
          { group: '', header: 'models', numeric: true },
          { group: '', header: 'slope', numeric: true },
          { group: '', header: 'intercept', numeric: true },
          { group: '', header: 'R²', numeric: true },
          { group: '', header: 'left out (0% / 100%)' },
        ],
        rows: r.lines.map((l, j) => {
          const p = (f: string, g?: string) => jsonPointer(...base.split('/').filter(Boolean), 'lines', j, f, ...(g ? [g] : []));
          return {
            cells: [
              textCell(l.label),
              textCell(l.shift_column),
              pathCell(l.baseline_set.size, p('baseline_set', 'size'), 'count'),
              pathCell(l.slope.value, p('slope', 'value'), 'fraction', ` <span class="ci">[${formatNumber(l.slope.low, 'fraction')}, ${formatNumber(l.slope.high, 'fraction')}]</span>`),
              pathCell(l.intercept.value, p('intercept', 'value'), 'fraction', ` <span class="ci">[${formatNumber(l.intercept.low, 'fraction')}, ${formatNumber(l.intercept.high, 'fraction')}]</span>`),
              pathCell(l.r2, p('r2'), 'fraction'),
              textCell(l.baseline_set.excluded_at_0_or_100_percent.join(', ') || '—'),
            ],
          };
        }),
      }),
    ),
  );
  return blocks;
}

/** Every table of the analysis. */
export function analysisBlocks(r: LandscapeResult, base: string, ids: IdAllocator): Block[] {
  const ptr = (...segs: Array<string | number>) => jsonPointer(...base.split('/').filter(Boolean), ...segs);
  const blocks: Block[] = [];
  // Populations.
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-populations'),
        caption: `Mean effective robustness per population and shift, with 95% intervals (at each of ${r.options.samples} resamples: the line refitted on resampled baseline models and the population's models drawn with replacement).`,
        columns: [{ group: '', header: 'population' }, { group: '', header: 'models', numeric: true }, ...KEYS.map((k) => ({ group: 'mean effective robustness', header: keyLabel(k), numeric: true }))],
        rows: r.populations.map((p, i) => ({
          cells: [textCell(p.name), pathCell(p.n, ptr('populations', i, 'n'), 'count'), ...KEYS.map((k) => (p.er[k] ? est(p.er[k].mean, p.er[k].low, p.er[k].high, ptr('populations', i, 'er', k, 'mean')) : textCell('—')))],
        })),
      }),
    ),
  );
  // Factor ranking and groups.
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-factor-ranking'),
        caption: `How much each factor's groups differ: the range (max − min) of the group means of each checkpoint's mean ER over the four shifts, over groups of at least 3 checkpoints, with its 95% interval.`,
        columns: [{ group: '', header: 'factor' }, { group: '', header: 'groups compared', numeric: true }, { group: '', header: 'range of group mean ER', numeric: true }],
        rows: r.factors.map((f, i) => ({
          cells: [textCell(f.label), textCell(String(f.spread.mean?.groups.length ?? 0)), f.spread.mean ? est(f.spread.mean.range, f.spread.mean.low, f.spread.mean.high, ptr('factors', i, 'spread', 'mean', 'range')) : textCell('— (fewer than 2 groups of 3)')],
        })),
      }),
    ),
  );
  const groupRows = r.factors.flatMap((f, i) =>
    f.groups.map((g, j) => {
      const e = g.er.mean;
      return {
        cells: [
          textCell(f.label),
          textCell(g.value),
          pathCell(g.n, ptr('factors', i, 'groups', j, 'n'), 'count'),
          e ? est(e.mean, e.low, e.high, ptr('factors', i, 'groups', j, 'er', 'mean', 'mean')) : textCell('—'),
          e && e.sd !== null ? pathCell(e.sd, ptr('factors', i, 'groups', j, 'er', 'mean', 'sd'), 'fraction') : textCell('—'),
          e ? pathCell(e.min, ptr('factors', i, 'groups', j, 'er', 'mean', 'min'), 'signed') : textCell('—'),
          e ? pathCell(e.max, ptr('factors', i, 'groups', j, 'er', 'mean', 'max'), 'signed') : textCell('—'),
          ...ER_SHIFTS.map((k) => (g.accuracy[k] != null ? pathCell(g.accuracy[k] as number, ptr('factors', i, 'groups', j, 'accuracy', k), 'fraction') : textCell('—'))),
        ],
      };
    }),
  );
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-factor-groups'),
        caption: "Each factor's groups (catalogue facts; checkpoints whose fact is unknown are left out of that factor): mean ER over the four shifts with its 95% interval, the spread within the group (sd, min, max), and the group's mean shifted top-1.",
        columns: [
          { group: '', header: 'factor' },
          { group: '', header: 'group' },
          { group: '', header: 'n', numeric: true },
          { group: 'mean ER (4 shifts)', header: 'mean', numeric: true },
          { group: 'mean ER (4 shifts)', header: 'sd', numeric: true },
          { group: 'mean ER (4 shifts)', header: 'min', numeric: true },
          { group: 'mean ER (4 shifts)', header: 'max', numeric: true },
          ...ER_SHIFTS.map((k) => ({ group: 'mean top-1', header: benchmarkSpec(k).label, numeric: true })),
        ],
        rows: groupRows,
      }),
    ),
  );
  // Controlled pairs.
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-controlled-summary'),
        caption: 'Controlled comparisons: pairs of checkpoints whose catalogue facts differ in exactly one factor (the others known and equal; samples seen may be unknown for both, then the pair says so). |Δ mean ER| is the absolute difference of their mean ER over the four shifts.',
        columns: [{ group: '', header: 'factor that differs' }, { group: '', header: 'pairs', numeric: true }, { group: '', header: 'mean |Δ mean ER|', numeric: true }, { group: '', header: 'max |Δ mean ER|', numeric: true }],
        rows: r.controlled_summary.map((c, i) => ({
          cells: [textCell(c.factor), pathCell(c.pairs, ptr('controlled_summary', i, 'pairs'), 'count'), pathCell(c.mean_abs_delta_mean_er, ptr('controlled_summary', i, 'mean_abs_delta_mean_er'), 'fraction'), pathCell(c.max_abs_delta_mean_er, ptr('controlled_summary', i, 'max_abs_delta_mean_er'), 'fraction')],
        })),
      }),
    ),
  );
  const pairRows = r.controlled_pairs.map((p, i) => ({
    cells: [
      textCell(p.factor),
      htmlCell(`${breakableId(p.a)} (${escapeHtml(String(p.a_value))})`),
      htmlCell(`${breakableId(p.b)} (${escapeHtml(String(p.b_value))})`),
      ...KEYS.map((k) => (p.delta_er[k] !== undefined ? pathCell(p.delta_er[k] as number, ptr('controlled_pairs', i, 'delta_er', k), 'signed') : textCell('—'))),
      textCell(p.unverified.join(', ') || '—'),
    ],
  }));
  blocks.push(
    html(
      `<details><summary>All ${r.controlled_pairs.length} controlled pairs</summary>${renderTable({
        id: ids.make('table-published-controlled-pairs'),
        caption: 'ER(b) − ER(a) per shift and for the mean over the four shifts.',
        columns: [{ group: '', header: 'factor' }, { group: '', header: 'a' }, { group: '', header: 'b' }, ...KEYS.map((k) => ({ group: 'ΔER (b − a)', header: keyLabel(k), numeric: true })), { group: '', header: 'unverified' }],
        rows: pairRows,
      })}</details>`,
    ),
  );
  // Retrieval and ImageNet-O.
  const corr = (c: { pearson: number | null; pearson_low: number | null; pearson_high: number | null; spearman: number | null; spearman_low: number | null; spearman_high: number | null }, path: string): CellHtml[] => [
    pathCell(c.pearson, `${path}/pearson`, 'signed', c.pearson_low !== null ? ` <span class="ci">[${formatNumber(c.pearson_low, 'signed')}, ${formatNumber(c.pearson_high, 'signed')}]</span>` : ''),
    pathCell(c.spearman, `${path}/spearman`, 'signed', c.spearman_low !== null ? ` <span class="ci">[${formatNumber(c.spearman_low, 'signed')}, ${formatNumber(c.spearman_high, 'signed')}]</span>` : ''),
  ];
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-retrieval'),
        caption: `Retrieval against classification robustness, across the published checkpoints: correlation of each retrieval recall (open_clip's retrieval table) with the checkpoint's mean ER, and with its ImageNet top-1, with 95% intervals over ${r.options.samples} resamples of the checkpoints. Last row: ImageNet-O (${r.imagenet_o.protocol}).`,
        columns: [
          { group: '', header: 'metric' },
          { group: '', header: 'n', numeric: true },
          { group: 'vs mean ER', header: 'Pearson', numeric: true },
          { group: 'vs mean ER', header: 'Spearman', numeric: true },
          { group: 'vs ImageNet top-1', header: 'Pearson', numeric: true },
          { group: 'vs ImageNet top-1', header: 'Spearman', numeric: true },
        ],
        rows: [
          ...r.retrieval_vs_robustness.map((x, i) => ({ cells: [textCell(x.label), pathCell(x.vs_mean_er.n, ptr('retrieval_vs_robustness', i, 'vs_mean_er', 'n'), 'count'), ...corr(x.vs_mean_er, ptr('retrieval_vs_robustness', i, 'vs_mean_er')), ...corr(x.vs_imagenet, ptr('retrieval_vs_robustness', i, 'vs_imagenet'))] })),
          { cells: [textCell('ImageNet-O top-1 (CLIP_benchmark)'), pathCell(r.imagenet_o.n, ptr('imagenet_o', 'n'), 'count'), ...corr(r.imagenet_o.vs_mean_er, ptr('imagenet_o', 'vs_mean_er')), ...corr(r.imagenet_o.vs_imagenet, ptr('imagenet_o', 'vs_imagenet'))] },
        ],
      }),
    ),
  );
  // Kept apart, same checkpoint, source agreement.
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-kept-apart'),
        caption: 'Kept apart: benchmarks whose protocol differs between the sources, or that no line can judge. None of them enters a line fit.',
        columns: [{ group: '', header: 'benchmark' }, { group: '', header: 'protocol' }, { group: '', header: 'why apart' }, { group: '', header: 'CLIP rows', numeric: true }, { group: '', header: 'testbed rows', numeric: true }],
        rows: r.kept_apart.map((k, i) => ({ cells: [textCell(k.label), textCell(k.protocol), textCell(k.reason), pathCell(k.clip_models, ptr('kept_apart', i, 'clip_models'), 'count'), pathCell(k.testbed_models, ptr('kept_apart', i, 'testbed_models'), 'count')] })),
      }),
    ),
  );
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-same-checkpoint'),
        caption: "The same OpenAI checkpoints in both sources (imagenet-testbed's own CLIP zero-shot rows vs open_clip's table): where the protocols agree the numbers differ by tenths of a point; ObjectNet is compared only to show the two protocols give different numbers.",
        columns: [{ group: '', header: 'testbed row' }, { group: '', header: 'open_clip checkpoint' }, { group: '', header: 'benchmark' }, { group: '', header: 'testbed', numeric: true }, { group: '', header: 'open_clip', numeric: true }, { group: '', header: 'difference', numeric: true }, { group: '', header: 'same protocol' }],
        rows: r.same_checkpoint.flatMap((s, i) =>
          s.values.map((v, j) => ({
            cells: [textCell(s.testbed), textCell(s.clip), textCell(v.benchmark === 'objectnet-testbed' ? 'ObjectNet (testbed vs CLIP_benchmark protocol)' : benchmarkSpec(v.benchmark).label), pathCell(v.testbed, ptr('same_checkpoint', i, 'values', j, 'testbed'), 'fraction'), pathCell(v.clip, ptr('same_checkpoint', i, 'values', j, 'clip'), 'fraction'), pathCell(v.difference, ptr('same_checkpoint', i, 'values', j, 'difference'), 'signed'), textCell(v.comparable ? 'yes' : 'no')],
          })),
        ),
      }),
    ),
  );
  const sa = r.source_agreement;
  blocks.push(
    html(
      renderTable({
        id: ids.make('table-published-source-agreement'),
        caption: `Two runs of CLIP_benchmark's protocol: benchmark.csv (13 checkpoints) against open_clip's table. They are compared, never averaged. open_clip's classification table equals its results table in ${sa.classification_vs_results.cells - sa.classification_vs_results.differing} of ${sa.classification_vs_results.cells} shared cells.`,
        columns: [{ group: '', header: 'benchmark' }, { group: '', header: 'checkpoints', numeric: true }, { group: '', header: 'max |difference|', numeric: true }, { group: '', header: 'mean |difference|', numeric: true }, { group: '', header: 'largest at' }],
        rows: sa.clip_benchmark_vs_openclip.map((a, i) => ({
          cells: [textCell(benchmarkSpec(a.benchmark).label), pathCell(a.models, ptr('source_agreement', 'clip_benchmark_vs_openclip', i, 'models'), 'count'), pathCell(a.max_abs_difference, ptr('source_agreement', 'clip_benchmark_vs_openclip', i, 'max_abs_difference'), 'fraction'), pathCell(a.mean_abs_difference, ptr('source_agreement', 'clip_benchmark_vs_openclip', i, 'mean_abs_difference'), 'fraction'), textCell(a.largest ?? '—')],
        })),
      }),
    ),
  );
  return blocks;
}

export const LANDSCAPE_INTRO =
  "Real published numbers of real models, with no download: open_clip's result tables (121 CLIP-family checkpoints), CLIP_benchmark's table and imagenet-testbed's 338 ImageNet models. " +
  "Effective robustness is measured against the testbed's own line (its standard-training models, logit axes), by the code path of holoclip score effective-robustness; each checkpoint's factors come from the model catalogue, with their sources; ObjectNet and ImageNet-O are kept apart.";
