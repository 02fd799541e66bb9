/**
 * `holoclip analyze published`: the published landscape (src/published/) computed and written to a folder:
 * result.json (the whole analysis, every number with its source row), tidy CSVs and a self-contained HTML
 * report. No model, no download beyond the registered reference tables (fetched only when allowed).
 */
import path from 'node:path';
import { toCsv } from '../../formats/csv.js';
import { BENCHMARKS, PUBLISHED_RESOURCES, type BenchmarkKey } from '../../published/benchmarks.js';
import { PUBLISHED_FACTORS, factOf } from '../../published/factors.js';
import { analyzeLandscape, loadLandscapeInput, type LandscapeOptions, type LandscapeResult } from '../../published/index.js';
import { IdAllocator } from '../../report/kit/blocks.js';
import { figure, page, section } from '../../report/kit/html.js';
import { renderSvg } from '../../report/kit/render-svg.js';
import { getResource } from '../../refdata/index.js';
import { writeFileAtomic, writeJsonAtomic } from '../../store/atomic.js';
import { HOLOCLIP_VERSION } from '../../util/version.js';
import { LANDSCAPE_INTRO, analysisBlocks, lineBlocks } from './landscape-report.js';

export interface AnalyzePublishedOptions extends LandscapeOptions {
  out: string;
  dataDir?: string;
  offline?: boolean;
  report: boolean;
}

export interface AnalyzePublishedOutput {
  out: string;
  files: string[];
  result: LandscapeResult;
}

/** result.json: deterministic (no dates, no absolute paths), so two runs write the same bytes. */
export function publishedEnvelope(result: LandscapeResult, catalogFile: string): Record<string, unknown> {
  return {
    task: 'analyze-published',
    holoclip_version: HOLOCLIP_VERSION,
    inputs: PUBLISHED_RESOURCES.map((name) => {
      const r = getResource(name);
      return { resource: name, sha256: r.sha256, source: `${r.source.repo}@${r.source.commit}:${r.source.path}` };
    }),
    catalog: path.basename(catalogFile),
    conventions: {
      effective_robustness: "shift top-1 minus the top-1 imagenet-testbed's line predicts from ImageNet (val) top-1 (Taori et al. 2020; imagenet-testbed format_eff_robust)",
      baseline_set: result.lines[0]?.baseline_set.rule ?? null,
      transform: 'logit',
      extremes: result.options.extremes === 'exclude' ? 'baseline rows at 0% or 100% left out of the fit, nothing clipped (imagenet-testbed)' : 'accuracies clipped to [1e-6, 1 - 1e-6]',
      bootstrap: `${result.options.samples} resamples of the baseline models (seed ${result.options.seed}); means over models also resample the models; 95% percentile intervals`,
      accuracy_units: 'fractions (imagenet-testbed percent divided by 100)',
      id_benchmark: 'ImageNet-1k val (open_clip "ImageNet 1k", testbed "val")',
      kept_apart: result.kept_apart.map((k) => `${k.label}: ${k.reason}`),
    },
    landscape: result,
  };
}

function clipCsv(r: LandscapeResult): string {
  const factorCols = PUBLISHED_FACTORS.filter((f) => f !== 'model');
  const header = ['id', 'model', 'pretrained', ...factorCols, 'benchmark', 'top1', 'effective_robustness', 'er_low', 'er_high', 'predicted_top1', 'source_table', 'source_line', 'source_column'];
  const rows: unknown[][] = [];
  for (const m of r.clip_models) {
    for (const b of BENCHMARKS) {
      const a = m.accuracy[b.key];
      if (a === undefined) continue;
      const e = m.er[b.key];
      rows.push([m.id, m.model, m.pretrained, ...factorCols.map((f) => factOf(m.factors, f)), b.key, a.value, e?.effective_robustness, e?.low, e?.high, e?.predicted, a.source.table, a.source.line, a.source.column]);
    }
  }
  return toCsv(header, rows);
}

function testbedCsv(r: LandscapeResult): string {
  const header = ['model', 'nat_type', 'in_line_fit', 'benchmark', 'top1', 'effective_robustness', 'er_low', 'er_high', 'predicted_top1', 'source_table', 'source_line', 'source_column'];
  const rows: unknown[][] = [];
  for (const m of r.testbed_models) {
    for (const [k, a] of Object.entries(m.accuracy) as Array<[BenchmarkKey, { value: number; source: { table: string; line: number; column: string } }]>) {
      const e = m.er[k];
      rows.push([m.model, m.nat_type, m.in_line_fit, k, a.value, e?.effective_robustness, e?.low, e?.high, e?.predicted, a.source.table, a.source.line, a.source.column]);
    }
  }
  return toCsv(header, rows);
}

function groupsCsv(r: LandscapeResult): string {
  const header = ['factor', 'group', 'n', 'shift', 'mean_er', 'er_low', 'er_high', 'sd', 'min', 'max'];
  const rows: unknown[][] = [];
  for (const f of r.factors) {
    for (const g of f.groups) {
      for (const [k, e] of Object.entries(g.er)) if (e) rows.push([f.factor, g.value, g.n, k, e.mean, e.low, e.high, e.sd, e.min, e.max]);
    }
  }
  for (const p of r.populations) {
    for (const [k, e] of Object.entries(p.er)) if (e) rows.push(['population', p.name, p.n, k, e.mean, e.low, e.high, e.sd, e.min, e.max]);
  }
  return toCsv(header, rows);
}

/** The report page: the section's charts and tables, with result.json embedded (every data-path points into it). */
export async function landscapeReportHtml(envelope: Record<string, unknown>, r: LandscapeResult): Promise<string> {
  const ids = new IdAllocator();
  const blocks = [...lineBlocks(r, '/landscape', ids), ...analysisBlocks(r, '/landscape', ids)];
  const content: string[] = [];
  for (const b of blocks) content.push(b.kind === 'html' ? b.html : figure(b.id, await renderSvg(b.spec, b.id), b.caption));
  const body = `<header><h1>Published landscape</h1></header>\n${section('section-published-landscape', 'Published landscape', `<p>${LANDSCAPE_INTRO.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`, content.join('\n'))}`;
  return page({ title: 'holoclip: published landscape', body, results: envelope });
}

export async function analyzePublished(o: AnalyzePublishedOptions): Promise<AnalyzePublishedOutput> {
  const loaded = await loadLandscapeInput({ dataDir: o.dataDir, offline: o.offline });
  const result = analyzeLandscape(loaded.input, { samples: o.samples, seed: o.seed, extremes: o.extremes });
  const envelope = publishedEnvelope(result, loaded.catalogFile);
  const files: string[] = [];
  const write = async (name: string, text: string): Promise<void> => {
    const f = path.join(o.out, name);
    await writeFileAtomic(f, text);
    files.push(f);
  };
  await write('clip_models.csv', clipCsv(result));
  await write('testbed_models.csv', testbedCsv(result));
  await write('factor_groups.csv', groupsCsv(result));
  if (o.report) await write(path.join('report', 'index.html'), await landscapeReportHtml(envelope, result));
  await writeJsonAtomic(path.join(o.out, 'result.json'), envelope);
  files.push(path.join(o.out, 'result.json'));
  return { out: o.out, files, result };
}
