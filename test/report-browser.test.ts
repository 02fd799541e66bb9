/**
 * The report in a real browser (issue 18): headless Chromium (Debian's `chromium`, installed by
 * tools/test-env/chromium.sh; the test fails, never skips, without it) opens
 * - the report of a small suite run through the built CLI (three zoo models, every task), and
 * - the report of the synthetic demo-shaped sample (six models, every section),
 * - the report of `holoclip analyze published` (on ../shared/refdata, offline; skipped without it, as in
 *   test/cli-published.test.ts),
 * at 1280 px, with every <details> open, and checks: no console errors, every chart drawn with a non-zero size and no wider than
 * the page, no table wider than the page, every in-page link and SVG reference resolves.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { renderReport } from '../src/report/index.js';
import { assertReadable, launchChromium, measureReport, type PageMeasure } from './helpers/browser-report.js';
import { runCli } from './helpers/cli.js';
import { sharedEmojiShift, writeSmallSuite } from './helpers/emoji-shift.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { SHARED_REFDATA } from './helpers/refdata-mirror.js';
import { sampleResults } from './helpers/sample-results.js';

const ZOO = path.join(REPO_ROOT, 'models', 'zoo');
const WIDTH = 1280;

let work = '';
let browser: Browser | undefined;

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-browser-'));
});

after(async () => {
  await browser?.close();
  if (work) await fs.rm(work, { recursive: true, force: true });
});

async function openBrowser(): Promise<Browser> {
  browser ??= await launchChromium();
  return browser;
}

/** Writes a three-model suite over small emoji-shift subsets with every task, runs it with the built CLI, returns the report's path. */
async function smallSuiteReport(): Promise<string> {
  const bench = await sharedEmojiShift();
  const suite = await writeSmallSuite(work, bench, ZOO, { name: 'browser-small', description: 'three zoo models on small emoji-shift subsets, every task', trainPerClass: 1, benchmarksDir: false });
  const out = path.join(work, 'out');
  const res = await runCli(['run', suite, '--store', path.join(work, 'store'), '--out', out, '--threads', '1', '--quiet']);
  assert.equal(res.code, 0, res.stderr);
  return path.join(out, 'report', 'index.html');
}

/** The chart ids of a page, for checks that the page has the charts it should. */
function chartIds(m: PageMeasure): string[] {
  return m.charts.map((c) => c.id);
}

test('browser: the report of a small suite run, at 1280 px: no console errors, charts drawn, nothing wider than the page, links resolve', { timeout: 600_000 }, async () => {
  const report = await smallSuiteReport();
  const m = await measureReport(await openBrowser(), report, WIDTH);
  assert.equal(m.viewportWidth, WIDTH);
  // Every task's chart is there (so the checks below cannot pass on an empty page).
  for (const prefix of ['chart-accuracy-', 'chart-prompts-', 'chart-er-', 'chart-reliability-', 'chart-ood-', 'chart-shape-bias-', 'chart-shape-categories-']) {
    assert.ok(chartIds(m).some((id) => id.startsWith(prefix)), `a chart ${prefix}*: ${chartIds(m).join(', ')}`);
  }
  for (const id of ['table-models', 'table-summary', 'table-skipped']) assert.ok(m.tables.some((t) => t.id === id), `table #${id}`);
  assert.ok(m.references.filter((r) => r.from.startsWith('<a')).length >= 8, 'the navigation links are among the references');
  assertReadable(m, 'small suite report');
});

test('browser: the demo-shaped sample report (six models, every section), at 1280 px: the same checks', { timeout: 300_000 }, async () => {
  const file = path.join(work, 'sample.html');
  await fs.writeFile(file, await renderReport(sampleResults()));
  const m = await measureReport(await openBrowser(), file, WIDTH);
  assert.ok(m.charts.length >= 12, `charts: ${chartIds(m).join(', ')}`);
  assert.ok(m.tables.length >= 10, `tables: ${m.tables.map((t) => t.id).join(', ')}`);
  // The SVG clip paths are references too: their renumbering (render-svg.ts) must keep them resolving.
  assert.ok(m.references.some((r) => r.from.includes('clip-path')), 'charts reference their clip paths');
  assertReadable(m, 'sample report');
});

test('browser: the report of analyze published (the landscape of published models), at 1280 px: the same checks', { timeout: 300_000, skip: !existsSync(SHARED_REFDATA) && 'needs ../shared/refdata' }, async () => {
  const out = path.join(work, 'published');
  const res = await runCli(['analyze', 'published', '--out', out, '--bootstrap', '40'], { env: { HOLOCLIP_DATA_DIR: SHARED_REFDATA, HOLOCLIP_OFFLINE: '1' } });
  assert.equal(res.code, 0, res.stderr);
  const m = await measureReport(await openBrowser(), path.join(out, 'report', 'index.html'), WIDTH);
  assert.ok(m.charts.length >= 4, `charts: ${chartIds(m).join(', ')}`);
  // The controlled pairs (in a <details>) name long open_clip ids: the widest table of the page.
  assert.ok(m.tables.some((t) => t.id.startsWith('table-published-controlled-pairs')), `tables: ${m.tables.map((t) => t.id).join(', ')}`);
  assertReadable(m, 'published landscape report');
});

test('browser: each check fails on a page with that one defect, and passes on the page without it', { timeout: 180_000 }, async () => {
  const chart = '<figure class="chart" id="ok-chart"><svg width="200" height="100"><g class="mark-rect role-mark"><path d="M0,0h50v50h-50Z"></path></g></svg></figure>';
  const pageWith = (extra: string): string => `<!doctype html><html><body><main style="max-width:600px"><a href="#ok-chart">chart</a>${chart}${extra}</main></body></html>`;
  const defects: Array<[string, string, RegExp]> = [
    ['clean', '', /^$/],
    ['console error', "<script>console.error('boom')</script>", /console errors/],
    ['wide table', `<div style="overflow-x:auto"><table id="wide"><tr><td style="white-space:nowrap">${'wide '.repeat(200)}</td></tr></table></div>`, /table #wide is .* px wide/],
    ['empty chart', '<figure class="chart" id="empty"><svg width="0" height="0"></svg></figure>', /chart #empty rendered at 0 x 0/],
    ['chart without marks', '<figure class="chart" id="blank"><svg width="100" height="100"><g class="mark-rect role-mark"></g></svg></figure>', /chart #blank draws no marks/],
    ['wide chart', '<figure class="chart" id="huge" style="overflow-x:auto"><svg width="2000" height="100"><g class="role-mark"><path d="M0,0h50v50h-50Z"></path></g></svg></figure>', /chart #huge is 2000 px wide/],
    ['dead link', '<a href="#nowhere">dead</a>', /in-page references without a target/],
    ['dead clip path', '<svg width="10" height="10"><g clip-path="url(#gone)"></g></svg>', /in-page references without a target/],
    ['link out', '<a href="https://example.org/">out</a>', /links out of the page/],
  ];
  for (const [name, extra, message] of defects) {
    const file = path.join(work, `${name.replace(/ /g, '-')}.html`);
    await fs.writeFile(file, pageWith(extra));
    const m = await measureReport(await openBrowser(), file, WIDTH);
    if (name === 'clean') assertReadable(m, name);
    else assert.throws(() => assertReadable(m, name), message, name);
  }
});
