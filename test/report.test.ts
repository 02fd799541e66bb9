/**
 * The suite report (src/report): a self-contained HTML page whose every number traces back to
 * results.json. Renders the synthetic sample (test/helpers/sample-results.ts) and checks the page's
 * structure, each table cell against the rows it names, the embedded JSON, escaping, deterministic
 * output, a results object with few tasks, and the "what differs between models" statements.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeDifferences, modelLabel, referenceModel } from '../src/report/differences.js';
import { renderReport, writeReport } from '../src/report/index.js';
import { breakableId } from '../src/report/kit/html.js';
import { scopeSvgIds } from '../src/report/kit/render-svg.js';
import type { ResultRow, SuiteResults } from '../src/results/types.js';
import { CALIBRATION_SETS, OOD_SETS, SHIFT_DATASETS, sampleResults } from './helpers/sample-results.js';
import { withTempDir } from './helpers/temp-dir.js';

// ---------------------------------------------------------------------------------------------------
// helpers

interface Cell {
  attrs: Record<string, string>;
  text: string;
  raw: string;
}

function unescapeHtml(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function parseAttrs(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of s.matchAll(/\s([a-zA-Z_:][-a-zA-Z0-9_:.]*)="([^"]*)"/g)) out[m[1]] = unescapeHtml(m[2]);
  return out;
}

/** Every `<td>` of the page's tables (outside the SVGs, which have none). */
function tableCells(html: string): Cell[] {
  return [...html.matchAll(/<td(\s[^>]*)?>([\s\S]*?)<\/td>/g)].map((m) => ({
    attrs: parseAttrs(m[1] ?? ''),
    text: unescapeHtml(m[2].replace(/<[^>]*>/g, '')).trim(),
    raw: m[0],
  }));
}

/** The value a JSON pointer names. */
function resolvePointer(root: unknown, pointer: string): unknown {
  let node: unknown = root;
  for (const part of pointer.split('/').slice(1)) {
    const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Rows at the coordinates a cell names; an absent attribute means the field is null. */
function rowsFor(results: SuiteResults, a: Record<string, string>, dataset: string | null): ResultRow[] {
  const v = (name: string): string | null => a[`data-${name}`] ?? null;
  return results.rows.filter(
    (r) => r.model === v('model') && r.task === v('task') && r.dataset === dataset && r.prompts === v('prompts') && r.variant === v('variant') && r.metric === v('metric'),
  );
}

/** The printed text rounds the value: |printed - value| <= half a unit in the last printed digit. */
function assertPrinted(cell: Cell, value: number | null): void {
  if (value === null) {
    assert.equal(cell.text, 'n/a', cell.raw);
    return;
  }
  const printed = cell.text.split(/\s/)[0].replace(/,/g, '');
  const decimals = printed.includes('.') ? printed.split('.')[1].length : 0;
  assert.ok(Math.abs(Number(printed) - value) <= 0.5 * 10 ** -decimals + 1e-12, `${cell.raw}: printed ${printed} for ${value}`);
}

function embeddedResults(html: string): unknown {
  const m = /<script type="application\/json" id="holoclip-results">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m, 'embedded results.json');
  return JSON.parse(m[1]);
}

function ids(html: string): Set<string> {
  return new Set([...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

function value(results: SuiteResults, f: Partial<ResultRow>): number {
  const rows = results.rows.filter((r) => Object.entries(f).every(([k, v]) => r[k as keyof ResultRow] === v));
  assert.equal(rows.length, 1, `one row for ${JSON.stringify(f)}`);
  const v = rows[0].value;
  assert.ok(v !== null);
  return v;
}

/** A copy of `results` with a model renamed everywhere it is named. */
function renameModel(results: SuiteResults, from: string, to: string): SuiteResults {
  const r = structuredClone(results);
  const rename = (name: string): string => (name === from ? to : name);
  r.reference_model = rename(r.reference_model);
  for (const m of r.models) m.name = rename(m.name);
  for (const row of r.rows) row.model = rename(row.model);
  for (const d of r.details.calibration) d.model = rename(d.model);
  for (const d of r.details.shape_bias) d.model = rename(d.model);
  for (const d of r.details.effective_robustness) {
    d.baselines = d.baselines.map(rename);
    for (const line of d.lines) for (const m of line.models) m.model = rename(m.model);
  }
  for (const s of r.skipped) s.model = rename(s.model);
  return r;
}

const EXPECTED_IDS = [
  'section-header',
  'conventions',
  'section-models',
  'table-models',
  'section-summary',
  'table-summary',
  'section-differences',
  'differences',
  'prompt-differences',
  'section-accuracy',
  'chart-accuracy-zeroshot-single',
  'chart-accuracy-zeroshot-ensemble',
  'chart-prompts-zeroshot',
  'table-zeroshot-zeroshot-top1',
  'table-zeroshot-zeroshot-top5',
  'table-zeroshot-zeroshot-mean_per_class_recall',
  'section-effective-robustness',
  'chart-er-er-fluent-3d',
  'chart-er-er-silhouette',
  'chart-er-er-openmoji',
  'table-er-er',
  'table-er-fit-er',
  'section-calibration',
  'chart-reliability-calibration-base',
  'chart-reliability-calibration-arch-convnet',
  'chart-reliability-calibration-data-noto-only',
  'chart-reliability-calibration-size-25pct',
  'chart-reliability-calibration-loss-sigmoid',
  'chart-reliability-calibration-finetuned-classifier',
  'table-calibration-calibration',
  'section-ood',
  'chart-ood-ood',
  'table-ood-ood',
  'section-shape-bias',
  'chart-shape-bias-shape-bias',
  'chart-shape-categories-shape-bias',
  'table-shape-bias-shape-bias',
  'table-shape-categories-shape-bias',
  'section-retrieval',
  'table-retrieval-retrieval',
  'section-skipped',
  'table-skipped',
  'holoclip-results',
];

// Rendered once and shared by the read-only checks below.
const sample = sampleResults();
const sampleHtml = renderReport(sample);

// ---------------------------------------------------------------------------------------------------
// the rendered sample

test('the report is self-contained: no external resources, no scripts to run', async () => {
  const html = await sampleHtml;
  assert.ok(html.startsWith('<!doctype html>'));
  assert.doesNotMatch(html, /\s(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
  assert.doesNotMatch(html, /<script\b(?![^>]*type="application\/json")/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /@import|url\(\s*["']?(https?:)?\/\//i);
  assert.doesNotMatch(html, /<img\b|<iframe\b/i);
});

test('every expected section, table and chart is present, and each chart has an inline SVG and a caption', async () => {
  const html = await sampleHtml;
  const present = ids(html);
  for (const id of EXPECTED_IDS) assert.ok(present.has(id), `missing id ${id}`);
  for (const id of EXPECTED_IDS.filter((x) => x.startsWith('table-'))) assert.match(html, new RegExp(`<table id="${id}">`));
  const figures = [...html.matchAll(/<figure class="chart" id="([^"]+)">([\s\S]*?)<\/figure>/g)];
  const expectedCharts = EXPECTED_IDS.filter((x) => x.startsWith('chart-'));
  assert.deepEqual(figures.map((f) => f[1]).sort(), [...expectedCharts].sort());
  for (const [, id, body] of figures) {
    assert.match(body, /^\s*<svg[^>]*>/, `${id} starts with an <svg>`);
    assert.match(body, /<\/svg>\s*<figcaption>[^<]+<\/figcaption>\s*$/, `${id} has a caption`);
  }
  // Ids are unique on the page, including the SVGs' clip paths.
  const all = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(all).size, all.length, 'duplicate ids');
});

test('every number in a table cell is a row of results.json, the mean of named rows, or a value at a JSON pointer', async () => {
  const html = await sampleHtml;
  const cells = tableCells(html);
  let rows = 0;
  let means = 0;
  let pointers = 0;
  for (const cell of cells) {
    const a = cell.attrs;
    if (!('data-value' in a)) {
      // A cell without provenance must not print a number.
      assert.doesNotMatch(cell.text, /^[+-]?\d/, `unattributed number: ${cell.raw}`);
      continue;
    }
    const shown = JSON.parse(a['data-value']) as number | null;
    if ('data-path' in a) {
      assert.equal(resolvePointer(sample, a['data-path']), shown, cell.raw);
      pointers++;
    } else if (a['data-derived'] === 'mean') {
      const datasets = JSON.parse(a['data-datasets']) as string[];
      assert.ok(datasets.length >= 2, cell.raw);
      const inputs = datasets.map((d) => {
        const found = rowsFor(sample, a, d);
        assert.equal(found.length, 1, `input row at ${d} for ${cell.raw}`);
        return found[0].value;
      });
      const expected = inputs.some((v) => v === null) ? null : mean(inputs as number[]);
      if (expected === null) assert.equal(shown, null);
      else assert.ok(shown !== null && Math.abs(shown - expected) < 1e-12, `${cell.raw}: mean ${expected}`);
      means++;
    } else {
      assert.ok('data-metric' in a && 'data-model' in a && 'data-task' in a, cell.raw);
      const found = rowsFor(sample, a, a['data-dataset'] ?? null);
      assert.equal(found.length, 1, `exactly one row for ${cell.raw}`);
      assert.equal(found[0].value, shown, cell.raw);
      rows++;
    }
    assertPrinted(cell, shown);
  }
  // The sample's tables show most of its rows.
  assert.ok(rows > 400, `row cells: ${rows}`);
  assert.ok(means >= 18, `mean cells: ${means}`);
  assert.ok(pointers > 50, `pointer cells: ${pointers}`);
});

test('the summary shows, per model, the zero-shot top-1 with the first prompt set and the means of ER, ECE and AUROC', async () => {
  const html = await sampleHtml;
  const table = /<table id="table-summary">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  assert.match(table, /zero-shot top-1 \(prompts: single\)/);
  const cells = tableCells(table);
  const find = (model: string, metric: string, variant?: string): Cell[] =>
    cells.filter((c) => c.attrs['data-model'] === model && c.attrs['data-metric'] === metric && (variant === undefined || c.attrs['data-variant'] === variant));
  // The classifier's top-1 is its prompt-less row.
  const classifierTop1 = find('finetuned-classifier', 'top1');
  assert.equal(classifierTop1.length, 6);
  assert.ok(classifierTop1.every((c) => !('data-prompts' in c.attrs)));
  assert.ok(find('base', 'top1').every((c) => c.attrs['data-prompts'] === 'single'));
  const er = find('base', 'effective_robustness');
  assert.equal(er.length, 1);
  assert.deepEqual(JSON.parse(er[0].attrs['data-datasets']), [...SHIFT_DATASETS]);
  assert.match(er[0].text, /^[+-]\d\.\d{3}$|^0\.000$/);
  assert.deepEqual(JSON.parse(find('base', 'ece', 'after')[0].attrs['data-datasets']), [...CALIBRATION_SETS]);
  assert.deepEqual(JSON.parse(find('base', 'auroc', 'msp')[0].attrs['data-datasets']), [...OOD_SETS]);
  // Retrieval does not apply to the classifier: a dash, not a number.
  const classifierRow = /<tr[^>]*>(?:(?!<\/tr>)[\s\S])*finetuned-classifier(?:(?!<\/tr>)[\s\S])*<\/tr>/.exec(table)?.[0] ?? '';
  assert.match(classifierRow, /<td class="missing" title="not measured">—<\/td><\/tr>$/);
});

test('the embedded results.json parses back to the input, and rendering is deterministic', async () => {
  const html = await sampleHtml;
  assert.deepEqual(embeddedResults(html), sample);
  assert.equal(await renderReport(sampleResults()), html, 'same results -> same bytes');
});

test('charts label models with the factor in which they differ from the reference', async () => {
  const html = await sampleHtml;
  const er = /<figure class="chart" id="chart-er-er-fluent-3d">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
  for (const label of ['base (reference)', 'loss-sigmoid (loss=sigmoid)', 'arch-convnet (architecture=convnet-small)', 'size-25pct (training_size=882)']) {
    assert.ok(er.includes(`>${label}<`), `legend label ${label}`);
  }
  // Colours are stable per model across charts: base is always the first palette colour.
  const ood = /<figure class="chart" id="chart-ood-ood">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
  assert.match(ood, /aria-label="[^"]*base \(reference\)[^"]*"[^>]*fill="#4c78a8"/);
});

// ---------------------------------------------------------------------------------------------------
// differences.ts

test('differences: loss-sigmoid vs base states the loss factor and the measured key metrics', () => {
  const d = describeDifferences(sample);
  assert.equal(d.reference, 'base');
  assert.deepEqual(d.models.map((m) => m.model), ['arch-convnet', 'data-noto-only', 'size-25pct', 'loss-sigmoid', 'finetuned-classifier']);
  const m = d.models.find((x) => x.model === 'loss-sigmoid');
  assert.ok(m);
  assert.deepEqual(m.factors, [{ factor: 'loss', model_value: 'sigmoid', reference_value: 'softmax' }]);
  assert.equal(m.heading, 'loss: sigmoid (loss-sigmoid) vs softmax (base)');

  const top1 = (model: string): number => mean(SHIFT_DATASETS.map((dataset) => value(sample, { model, task: 'zeroshot', dataset, prompts: 'single', metric: 'top1' })));
  const er = (model: string): number => mean(SHIFT_DATASETS.map((dataset) => value(sample, { model, task: 'er', dataset, metric: 'effective_robustness' })));
  const ece = (model: string): number => mean(CALIBRATION_SETS.map((dataset) => value(sample, { model, task: 'calibration', dataset, variant: 'after', metric: 'ece' })));
  const auroc = (model: string): number => mean(OOD_SETS.map((dataset) => value(sample, { model, task: 'ood', dataset, variant: 'msp', metric: 'auroc' })));
  const shape = (model: string): number => value(sample, { model, task: 'shape-bias', metric: 'shape_bias' });
  const signed = (x: number): string => (x > 0 ? `+${x.toFixed(3)}` : x.toFixed(3));

  const byId = new Map(m.comparisons.map((c) => [c.id, c]));
  assert.deepEqual([...byId.keys()], ['top1:zeroshot', 'er:er', 'ece_after:calibration', 'ood_auroc:ood', 'shape_bias:shape-bias']);
  const expect = [
    ['top1:zeroshot', top1, 'mean top-1 on fluent-3d, silhouette, openmoji', (x: number) => x.toFixed(3)],
    ['er:er', er, 'mean effective robustness on fluent-3d, silhouette, openmoji', signed],
    ['ece_after:calibration', ece, 'mean ECE after scaling on test, fluent-3d, silhouette', (x: number) => x.toFixed(3)],
    ['ood_auroc:ood', auroc, 'mean OOD AUROC (near-ood, far-ood; msp)', (x: number) => x.toFixed(3)],
    ['shape_bias:shape-bias', shape, 'shape bias', (x: number) => x.toFixed(3)],
  ] as const;
  for (const [id, fn, label, fmt] of expect) {
    const c = byId.get(id);
    assert.ok(c, id);
    assert.ok(Math.abs(c.model_value - fn('loss-sigmoid')) < 1e-12, `${id} model value`);
    assert.ok(Math.abs(c.reference_value - fn('base')) < 1e-12, `${id} reference value`);
    assert.equal(c.text, `${label} ${fmt(fn('loss-sigmoid'))} vs ${fmt(fn('base'))}`);
    assert.ok(m.statement.includes(c.text));
  }
  assert.ok(m.statement.startsWith('loss: sigmoid (loss-sigmoid) vs softmax (base): mean top-1 on '));
});

test('differences: several differing factors are named; the classifier uses its own head; prompt sets are compared', () => {
  const d = describeDifferences(sample);
  const noto = d.models.find((x) => x.model === 'data-noto-only');
  assert.ok(noto);
  assert.deepEqual(noto.factors.map((f) => f.factor), ['training_data', 'training_size']);
  assert.match(noto.heading, /^data-noto-only vs base, differs in training_data and training_size \(training_data: emoji-shift:noto vs emoji-shift:noto\+twemoji\+fluent-flat; training_size: 1,176 vs 3,528\)$/);

  const cls = d.models.find((x) => x.model === 'finetuned-classifier');
  assert.ok(cls);
  assert.match(cls.heading, /differs in loss and fine_tuned/);
  const top1 = cls.comparisons.find((c) => c.id === 'top1:zeroshot');
  assert.ok(top1);
  const expected = mean(SHIFT_DATASETS.map((dataset) => value(sample, { model: 'finetuned-classifier', task: 'zeroshot', dataset, prompts: null, metric: 'top1' })));
  assert.ok(Math.abs(top1.model_value - expected) < 1e-12);

  // One prompt statement per two-tower model; none for the classifier.
  assert.deepEqual(d.prompts.map((p) => p.model), ['base', 'arch-convnet', 'data-noto-only', 'size-25pct', 'loss-sigmoid']);
  const base = d.prompts[0];
  const mt = (prompts: string): number => mean(SHIFT_DATASETS.map((dataset) => value(sample, { model: 'base', task: 'zeroshot', dataset, prompts, metric: 'top1' })));
  assert.equal(base.statement, `prompts: ensemble vs single on base: mean top-1 on fluent-3d, silhouette, openmoji ${mt('ensemble').toFixed(3)} vs ${mt('single').toFixed(3)}`);
});

test('differences: metrics a model lacks are left out; unknown factors are reported as unknown, not as differences', () => {
  const r = sampleResults();
  r.rows = r.rows.filter((row) => !(row.model === 'loss-sigmoid' && row.type === 'shape-bias'));
  const loss = r.models.find((m) => m.name === 'loss-sigmoid');
  assert.ok(loss);
  loss.metadata.architecture = null;
  const m = describeDifferences(r).models.find((x) => x.model === 'loss-sigmoid');
  assert.ok(m);
  assert.ok(!m.comparisons.some((c) => c.id.startsWith('shape_bias')));
  assert.equal(m.comparisons.length, 4);
  assert.deepEqual(m.factors.map((f) => f.factor), ['loss']);
  assert.deepEqual(m.unknown_factors, ['architecture']);
  assert.equal(m.heading, 'loss: sigmoid (loss-sigmoid) vs softmax (base) (architecture unknown)');
});

test('model labels name the differing factors', () => {
  const ref = referenceModel(sample);
  const label = (name: string): string => {
    const model = sample.models.find((m) => m.name === name);
    assert.ok(model);
    return modelLabel(model, ref);
  };
  assert.equal(label('base'), 'base (reference)');
  assert.equal(label('loss-sigmoid'), 'loss-sigmoid (loss=sigmoid)');
  assert.equal(label('data-noto-only'), 'data-noto-only (training_data=emoji-shift:noto, training_size=1176)');
  assert.equal(label('finetuned-classifier'), 'finetuned-classifier (loss=cross-entropy, fine_tuned=true)');
});

// ---------------------------------------------------------------------------------------------------
// robustness of the page

test('text from the results is escaped everywhere: model names, descriptions, the embedded JSON', async () => {
  const r = renameModel(sampleResults(), 'base', 'b<&>se');
  r.suite.description = 'evil </script><!-- <b>bold</b> & "quotes"';
  const html = await renderReport(r);
  assert.ok(!html.includes('b<&>se'), 'raw model name');
  assert.ok(!html.includes('<b>bold</b>'), 'raw description');
  assert.ok(html.includes('b&lt;&amp;&gt;se'));
  assert.ok(html.includes('evil &lt;/script&gt;&lt;!-- &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot;'));
  // Exactly one script element, and its JSON is intact.
  assert.equal([...html.matchAll(/<\/script>/g)].length, 1);
  assert.deepEqual(embeddedResults(html), r);
  // Ids derived from the name are made id-safe.
  assert.ok(ids(html).has('chart-reliability-calibration-b-se'));
  assert.equal(describeDifferences(r).models[0].heading, 'architecture: convnet-small (arch-convnet) vs vit-tiny (b<&>se)');
});

test('results without calibration, OOD, shape-bias or retrieval rows render without those sections', async () => {
  const r = sampleResults();
  const keep = new Set(['zeroshot', 'effective-robustness']);
  r.rows = r.rows.filter((row) => keep.has(row.type));
  r.tasks = r.tasks.filter((t) => keep.has(t.type));
  r.details.calibration = [];
  r.details.shape_bias = [];
  r.skipped = [];
  const html = await renderReport(r);
  const present = ids(html);
  for (const id of ['section-summary', 'section-accuracy', 'section-effective-robustness', 'section-differences', 'table-er-er']) assert.ok(present.has(id), id);
  for (const id of ['section-calibration', 'section-ood', 'section-shape-bias', 'section-retrieval', 'section-skipped', 'section-factors']) assert.ok(!present.has(id), id);
  assert.doesNotMatch(html, /chart-reliability|table-ood|chart-shape/);
  // The summary drops the columns nothing was measured for.
  const summary = /<table id="table-summary">[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  assert.doesNotMatch(summary, /ECE|AUROC|shape bias|retrieval/);
  assert.deepEqual(embeddedResults(html), r);
});

test('results with no rows at all still render the header and the models', async () => {
  const r = sampleResults();
  r.rows = [];
  r.details = { effective_robustness: [], calibration: [], shape_bias: [] };
  const html = await renderReport(r);
  const present = ids(html);
  assert.ok(present.has('section-header') && present.has('table-models') && present.has('table-summary'));
  assert.ok(!present.has('section-accuracy'));
  assert.doesNotMatch(html, /<figure/);
});

test('ImageNet-X factor rows are shown as a table', async () => {
  const r = sampleResults();
  r.tasks.push({ id: 'imagenet-x', type: 'factors', config: { dataset: 'test', annotations: 'x.jsonl' } });
  for (const [i, model] of ['base', 'loss-sigmoid'].entries()) {
    r.rows.push({ model, task: 'imagenet-x', type: 'factors', dataset: 'test', prompts: 'single', variant: null, metric: 'overall_accuracy', value: 0.55 + 0.01 * i });
    for (const [j, factor] of ['pose', 'background', 'pattern'].entries()) {
      r.rows.push({ model, task: 'imagenet-x', type: 'factors', dataset: 'test', prompts: 'single', variant: factor, metric: 'accuracy', value: 0.5 + 0.01 * i + 0.02 * j });
      r.rows.push({ model, task: 'imagenet-x', type: 'factors', dataset: 'test', prompts: 'single', variant: factor, metric: 'error_ratio', value: j === 2 ? null : 1.1 - 0.05 * j });
    }
  }
  const html = await renderReport(r);
  const table = /<table id="table-factors-imagenet-x">[\s\S]*?<\/table>/.exec(html)?.[0];
  assert.ok(table);
  const cells = tableCells(table).filter((c) => 'data-value' in c.attrs);
  // 2 models x (1 overall accuracy + 3 factors x 2 metrics).
  assert.equal(cells.length, 14);
  for (const c of cells) assert.equal(rowsFor(r, c.attrs, c.attrs['data-dataset'])[0].value, JSON.parse(c.attrs['data-value']));
  assert.equal(cells.filter((c) => c.text === 'n/a').length, 2);
  assert.equal(cells.filter((c) => c.attrs['data-metric'] === 'overall_accuracy').length, 2);
});

test('SVG ids are renumbered per chart and references follow', () => {
  const svg = '<svg><defs><clipPath id="clip7"><rect/></clipPath><linearGradient id="gradient_3"/></defs><g clip-path="url(#clip7)" fill="url(#gradient_3)"></g></svg>';
  assert.equal(
    scopeSvgIds(svg, 'chart-x'),
    '<svg><defs><clipPath id="chart-x__1"><rect/></clipPath><linearGradient id="chart-x__2"/></defs><g clip-path="url(#chart-x__1)" fill="url(#chart-x__2)"></g></svg>',
  );
});

// ---------------------------------------------------------------------------------------------------
// writeReport

test('writeReport writes <outDir>/index.html atomically and replaces an existing report', async () => {
  await withTempDir(async (dir) => {
    const out = path.join(dir, 'runs', 'demo', 'report');
    const file = await writeReport(sample, out);
    assert.equal(file, path.join(out, 'index.html'));
    assert.equal(await readFile(file, 'utf8'), await sampleHtml);
    // A second write replaces the page and leaves no temp file behind.
    await writeFile(file, 'stale');
    const r = sampleResults();
    r.suite.name = 'renamed-suite';
    await writeReport(r, out);
    assert.match(await readFile(file, 'utf8'), /<h1>renamed-suite<\/h1>/);
    assert.deepEqual(await readdir(out), ['index.html']);
  }, 'holoclip-report-');
});

test('breakableId: escaped, with a line-break opportunity after each "/" and "_" only', () => {
  assert.equal(breakableId('convnext_base/laion<x>'), 'convnext_<wbr>base/<wbr>laion&lt;x&gt;');
  assert.equal(breakableId('ViT-B-32'), 'ViT-B-32');
});
