/**
 * Vega-Lite specs for the report's charts. Pure functions: data in (already picked from results.json
 * rows and details), spec out; no rendering here (see render-svg.ts).
 *
 * Every chart has an explicit size and font, and inline data only, so rendering needs neither network
 * nor fonts and gives the same SVG for the same data. Models are coloured by ModelStyles (one colour per
 * model, labelled with the factor in which it differs from the reference).
 */
import type { TopLevelSpec } from 'vega-lite';
import { transformAccuracy } from '../../metrics/effective-robustness.js';
import type { EffectiveRobustnessDetail, ReliabilityBin } from '../../results/types.js';

export const CHART_FONT = 'Helvetica, Arial, sans-serif';

/** The colour scale of a chart: model labels and their colours (ModelStyles.scale). */
export interface ColorScale {
  domain: string[];
  range: string[];
}

/** Shared look: font, sizes, no frame around the plot, legends wide enough for "model (factor=value)". */
const CONFIG = {
  font: CHART_FONT,
  view: { stroke: null },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#e6e6e6', domainColor: '#888888', tickColor: '#888888' },
  legend: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal', labelLimit: 420, symbolType: 'circle' },
  header: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 12, fontWeight: 'normal', anchor: 'start' },
} as const;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** Model legends on the right, one per line: labels like "model (factor=value, factor=value)" are long. */
const LEGEND = { orient: 'right', labelLimit: 420 } as const;

/**
 * The page's content is 1124 px wide (html.ts: main is 1180 px less its padding) and a right-hand
 * legend takes up to about 450 px (labelLimit 420 plus the symbol and padding): charts whose size
 * grows with the data are capped so that plot, axes and legend fit the page at 1280 px
 * (test/report-browser.test.ts measures it in Chromium).
 */
const MAX_GROUPED_BAR_WIDTH = 600;
/** Prompt-comparison panels per row (each about 175 px with its axis). */
const MAX_PANELS_PER_ROW = 3;

// ---------------------------------------------------------------------------------------------------
// Grouped bars: accuracy per domain, OOD AUROC per set

export interface GroupedBarPoint {
  /** The x category (a dataset). */
  category: string;
  /** The colour group (a model label). */
  series: string;
  value: number;
}

export interface GroupedBarOptions {
  categories: string[];
  color: ColorScale;
  yTitle: string;
  xTitle: string;
}

/** x = category, bars side by side per series (model), y a fraction shown in %. */
export function groupedBarChart(points: GroupedBarPoint[], opt: GroupedBarOptions): TopLevelSpec {
  const width = Math.min(MAX_GROUPED_BAR_WIDTH, Math.max(360, opt.categories.length * Math.max(opt.color.domain.length, 1) * 13 + opt.categories.length * 16));
  return {
    $schema: SCHEMA,
    width,
    height: 220,
    data: { values: points },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'category', type: 'nominal', sort: opt.categories, title: opt.xTitle, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: opt.color.domain, scale: { paddingInner: 0.08 } },
      y: { field: 'value', type: 'quantitative', title: opt.yTitle, axis: { format: '.0%' }, scale: { domain: [0, 1] } },
      color: { field: 'series', type: 'nominal', title: 'model', scale: { domain: opt.color.domain, range: opt.color.range }, legend: LEGEND },
    },
    config: CONFIG,
  };
}

// ---------------------------------------------------------------------------------------------------
// Prompt sets compared, one panel per dataset

export interface PromptPoint {
  dataset: string;
  prompts: string;
  series: string;
  value: number;
}

/** Small multiples per dataset: x = prompt set, y = top-1, one line per model; rows of at most MAX_PANELS_PER_ROW panels, balanced. */
export function promptComparisonChart(points: PromptPoint[], datasets: string[], promptSets: string[], color: ColorScale): TopLevelSpec {
  const rows = Math.max(1, Math.ceil(datasets.length / MAX_PANELS_PER_ROW));
  return {
    $schema: SCHEMA,
    data: { values: points },
    facet: { field: 'dataset', type: 'nominal', sort: datasets, title: null },
    columns: Math.max(1, Math.ceil(datasets.length / rows)),
    spec: {
      width: 110,
      height: 170,
      layer: [
        {
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: {
            x: { field: 'prompts', type: 'ordinal', sort: promptSets, title: 'prompt set', axis: { labelAngle: 0 } },
            y: { field: 'value', type: 'quantitative', title: 'top-1', axis: { format: '.1~%' }, scale: { zero: false } },
            color: { field: 'series', type: 'nominal', title: 'model', scale: { domain: color.domain, range: color.range }, legend: LEGEND },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 30 },
          encoding: {
            x: { field: 'prompts', type: 'ordinal', sort: promptSets },
            y: { field: 'value', type: 'quantitative' },
            color: { field: 'series', type: 'nominal', scale: { domain: color.domain, range: color.range } },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: CONFIG,
  };
}

// ---------------------------------------------------------------------------------------------------
// Effective robustness: ID vs shift accuracy in the fit's transformed coordinates

export type AccuracyTransform = EffectiveRobustnessDetail['transform'];

export interface ErPoint {
  model: string;
  series: string;
  id_top1: number;
  shift_top1: number;
}

/** Tail accuracies always offered as ticks: in logit / probit space the ends of [0, 1] are stretched. */
const TAIL_TICKS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.95, 0.98, 0.99, 0.995, 0.999];

/** Grid steps tried from coarse to fine until at least three ticks fall inside the plotted range. */
const TICK_STEPS = [0.1, 0.05, 0.025, 0.01, 0.005, 0.0025, 0.001];

/** A vega expression mapping a transformed axis value back to an accuracy label. */
function inverseLabelExpr(transform: AccuracyTransform): string {
  if (transform === 'logit') return "format(1 / (1 + exp(-datum.value)), '.1~%')";
  if (transform === 'probit') return "format(cumulativeNormal(datum.value), '.1~%')";
  return "format(datum.value, '.1~%')";
}

/** [lo, hi] of values padded by `padLo` / `padHi` of the span (or ±0.25 around a single value). */
function paddedRange(values: number[], padLo = 0.08, padHi = 0.08): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi > lo ? hi - lo : 0;
  return span > 0 ? [lo - span * padLo, hi + span * padHi] : [lo - 0.25, hi + 0.25];
}

/**
 * Tick positions (transformed) for accuracies on the coarsest round grid giving at least three ticks
 * inside [lo, hi], plus the tails; the two ends when even the finest grid gives fewer than two.
 */
function transformedTicks(lo: number, hi: number, transform: AccuracyTransform): number[] {
  let best: number[] = [];
  for (const step of TICK_STEPS) {
    const grid = Array.from({ length: Math.round(1 / step) - 1 }, (_, i) => Number(((i + 1) * step).toFixed(4)));
    const candidates = [...new Set([...grid, ...TAIL_TICKS])].sort((a, b) => a - b);
    best = candidates.map((a) => transformAccuracy(a, transform)).filter((t) => t >= lo && t <= hi);
    if (best.length >= 3) return best;
  }
  return best.length >= 2 ? best : [lo, hi];
}

/**
 * Scatter of shift vs ID top-1 per model, the baseline line fitted in transformed space (straight there,
 * so it is drawn from its two ends) and the y = x diagonal; axes in transformed units, labelled in
 * accuracy. A point above the line has positive effective robustness.
 */
export function effectiveRobustnessChart(
  points: ErPoint[],
  line: { slope: number; intercept: number },
  transform: AccuracyTransform,
  labels: { id: string; shift: string },
  color: ColorScale,
): TopLevelSpec {
  const t = (a: number): number => transformAccuracy(a, transform);
  const data = points.map((p) => ({ ...p, x: t(p.id_top1), y: t(p.shift_top1) }));
  // Extra room on the right for the name of the rightmost point.
  const [x0, x1] = paddedRange(data.map((d) => d.x), 0.08, 0.25);
  const [y0, y1] = paddedRange(data.map((d) => d.y));
  const fitted = [x0, x1].map((x) => ({ x, y: line.slope * x + line.intercept, series: 'baseline fit' }));
  const diagonal = [Math.min(x0, y0), Math.max(x1, y1)].map((v) => ({ x: v, y: v, series: 'y = x' }));
  const xScale = { domain: [x0, x1], nice: false, zero: false };
  const yScale = { domain: [y0, y1], nice: false, zero: false };
  const xAxis = { values: transformedTicks(x0, x1, transform), labelExpr: inverseLabelExpr(transform), title: `${labels.id} top-1 (ID)` };
  const yAxis = { values: transformedTicks(y0, y1, transform), labelExpr: inverseLabelExpr(transform), title: `${labels.shift} top-1 (shift)` };
  return {
    $schema: SCHEMA,
    width: 420,
    height: 300,
    layer: [
      {
        data: { values: diagonal },
        mark: { type: 'line', clip: true, color: '#bbbbbb', strokeDash: [2, 3], strokeWidth: 1 },
        encoding: { x: { field: 'x', type: 'quantitative', scale: xScale, axis: xAxis }, y: { field: 'y', type: 'quantitative', scale: yScale, axis: yAxis } },
      },
      {
        data: { values: fitted },
        mark: { type: 'line', clip: true, color: '#555555', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: data },
        layer: [
          {
            mark: { type: 'point', filled: true, size: 70, opacity: 1 },
            encoding: {
              x: { field: 'x', type: 'quantitative' },
              y: { field: 'y', type: 'quantitative' },
              color: { field: 'series', type: 'nominal', title: 'model', scale: { domain: color.domain, range: color.range }, legend: LEGEND },
            },
          },
          {
            mark: { type: 'text', align: 'left', baseline: 'middle', dx: 7, fontSize: 9, color: '#333333' },
            encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'model', type: 'nominal' } },
          },
        ],
      },
    ],
    config: CONFIG,
  };
}

// ---------------------------------------------------------------------------------------------------
// Reliability diagrams

export interface ReliabilitySet {
  /** Panel title, e.g. "test (ID, held out)". */
  title: string;
  before: ReliabilityBin[];
  after: ReliabilityBin[];
}

const RELIABILITY_SERIES = ['before scaling', 'after scaling', 'perfect calibration'];

/**
 * One panel per evaluated set: accuracy vs mean confidence per bin, before and after temperature
 * scaling, with the diagonal of perfect calibration. Point area ~ the bin's image count; empty bins are
 * left out (they have no accuracy).
 */
export function reliabilityChart(sets: ReliabilitySet[], title: string): TopLevelSpec {
  const values: Array<{ set: string; series: string; confidence: number; accuracy: number; count: number | null }> = [];
  for (const s of sets) {
    values.push({ set: s.title, series: RELIABILITY_SERIES[2], confidence: 0, accuracy: 0, count: null });
    values.push({ set: s.title, series: RELIABILITY_SERIES[2], confidence: 1, accuracy: 1, count: null });
    for (const [series, bins] of [[RELIABILITY_SERIES[0], s.before], [RELIABILITY_SERIES[1], s.after]] as const) {
      for (const b of bins) {
        if (b.count > 0 && b.accuracy !== null && b.confidence !== null) values.push({ set: s.title, series, confidence: b.confidence, accuracy: b.accuracy, count: b.count });
      }
    }
  }
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: RELIABILITY_SERIES, range: ['#e45756', '#4c78a8', '#aaaaaa'] }, legend: { orient: 'bottom' } } as const;
  const x = { field: 'confidence', type: 'quantitative' as const, title: 'confidence', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } };
  const y = { field: 'accuracy', type: 'quantitative' as const, title: 'accuracy', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } };
  return {
    $schema: SCHEMA,
    title,
    data: { values },
    facet: { column: { field: 'set', type: 'nominal', sort: sets.map((s) => s.title), title: null } },
    spec: {
      width: 160,
      height: 160,
      layer: [
        {
          mark: { type: 'line', strokeWidth: 1.5 },
          encoding: { x, y, color, strokeDash: { field: 'series', type: 'nominal', scale: { domain: RELIABILITY_SERIES, range: [[1, 0], [1, 0], [4, 3]] } } },
        },
        {
          transform: [{ filter: `datum.series !== '${RELIABILITY_SERIES[2]}'` }],
          mark: { type: 'point', filled: true, opacity: 0.85 },
          encoding: { x, y, color, size: { field: 'count', type: 'quantitative', scale: { range: [8, 140] }, legend: null } },
        },
      ],
    },
    config: CONFIG,
  };
}

// ---------------------------------------------------------------------------------------------------
// Shape bias

export interface BarPoint {
  model: string;
  series: string;
  value: number;
}

/** One horizontal bar per model (named on the axis, factors in the legend), x = shape bias in [0, 1]. */
export function shapeBiasChart(points: BarPoint[], color: ColorScale): TopLevelSpec {
  return {
    $schema: SCHEMA,
    width: 360,
    height: Math.max(60, points.length * 22),
    data: { values: points },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'model', type: 'nominal', sort: points.map((p) => p.model), title: null },
      x: { field: 'value', type: 'quantitative', title: 'shape bias (fraction of shape decisions)', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } },
      color: { field: 'series', type: 'nominal', title: 'model', scale: { domain: color.domain, range: color.range }, legend: LEGEND },
    },
    config: CONFIG,
  };
}

export interface CategoryPoint {
  category: string;
  series: string;
  value: number;
}

/** Dot plot: one band per shape category, one dot per model, offset within the band so equal values stay visible. */
export function shapeCategoryChart(points: CategoryPoint[], categories: string[], color: ColorScale): TopLevelSpec {
  return {
    $schema: SCHEMA,
    width: 360,
    height: Math.max(60, categories.length * Math.max(16, color.domain.length * 4 + 6)),
    data: { values: points },
    mark: { type: 'point', filled: true, size: 40, opacity: 0.9 },
    encoding: {
      y: { field: 'category', type: 'nominal', sort: categories, title: null, axis: { grid: true, gridColor: '#f0f0f0' } },
      yOffset: { field: 'series', type: 'nominal', sort: color.domain, scale: { domain: color.domain } },
      x: { field: 'value', type: 'quantitative', title: 'shape bias', scale: { domain: [0, 1] }, axis: { format: '.0%', tickCount: 5 } },
      color: { field: 'series', type: 'nominal', title: 'model', scale: { domain: color.domain, range: color.range }, legend: LEGEND },
    },
    config: CONFIG,
  };
}

// ---------------------------------------------------------------------------------------------------
// A cloud of published models on the ID-vs-shift plane, with a baseline line and labelled highlights

export interface CloudPoint {
  /** Legend entry (a population, or a highlighted model's label). */
  series: string;
  id_top1: number;
  shift_top1: number;
  /** Shown next to the point (highlighted models only); null for the cloud. */
  label: string | null;
  /** Where the point comes from (a table row), for the tooltip. */
  source: string;
}

/**
 * Scatter of many models (the published clouds, small and translucent) and a few highlighted ones (large,
 * labelled), on transformed axes labelled in accuracy, with the baseline line (straight in transformed space;
 * none when `line` is null) and y = x. Series colours come from `color` (clouds first).
 */
export function cloudChart(points: CloudPoint[], line: { slope: number; intercept: number } | null, transform: AccuracyTransform, labels: { id: string; shift: string }, color: ColorScale): TopLevelSpec {
  const t = (a: number): number => transformAccuracy(a, transform, 'clip');
  const data = points.map((p) => ({ ...p, x: t(p.id_top1), y: t(p.shift_top1), highlighted: p.label !== null }));
  const [x0, x1] = paddedRange(data.map((d) => d.x), 0.05, 0.12);
  const [y0, y1] = paddedRange(data.map((d) => d.y), 0.05, 0.05);
  const fitted = line === null ? [] : [x0, x1].map((x) => ({ x, y: line.slope * x + line.intercept }));
  const diagonal = [Math.min(x0, y0), Math.max(x1, y1)].map((v) => ({ x: v, y: v }));
  const xScale = { domain: [x0, x1], nice: false, zero: false };
  const yScale = { domain: [y0, y1], nice: false, zero: false };
  const xAxis = { values: transformedTicks(x0, x1, transform), labelExpr: inverseLabelExpr(transform), title: `${labels.id} top-1` };
  const yAxis = { values: transformedTicks(y0, y1, transform), labelExpr: inverseLabelExpr(transform), title: `${labels.shift} top-1` };
  const colorEnc = { field: 'series', type: 'nominal', title: null, scale: { domain: color.domain, range: color.range }, legend: LEGEND } as const;
  return {
    $schema: SCHEMA,
    width: 460,
    height: 320,
    layer: [
      {
        data: { values: diagonal },
        mark: { type: 'line', clip: true, color: '#bbbbbb', strokeDash: [2, 3], strokeWidth: 1 },
        encoding: { x: { field: 'x', type: 'quantitative', scale: xScale, axis: xAxis }, y: { field: 'y', type: 'quantitative', scale: yScale, axis: yAxis } },
      },
      {
        data: { values: fitted },
        mark: { type: 'line', clip: true, color: '#333333', strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
      },
      {
        data: { values: data.filter((d) => !d.highlighted) },
        mark: { type: 'point', filled: true, size: 22, opacity: 0.55, clip: true },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: colorEnc, tooltip: [{ field: 'source', type: 'nominal' }] },
      },
      {
        data: { values: data.filter((d) => d.highlighted) },
        layer: [
          { mark: { type: 'point', filled: true, size: 90, opacity: 1, shape: 'diamond', stroke: '#000000', strokeWidth: 0.8 }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, color: colorEnc } },
          { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 8, fontSize: 9, color: '#111111' }, encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label', type: 'nominal' } } },
        ],
      },
    ],
    config: CONFIG,
  };
}
