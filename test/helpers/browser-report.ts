/**
 * Opens a report in headless Chromium (Debian's `chromium`, driven by playwright-core) and measures what
 * a reader would see at a given width, with every `<details>` opened: console errors, each chart's drawn
 * size, each table's width against the space it has, and every in-page reference (`href="#..."`,
 * `url(#...)`).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** The browser binary: HOLOCLIP_CHROMIUM, else Debian's chromium package. */
export const CHROMIUM = process.env.HOLOCLIP_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium; fails (never skips) when it is not installed, saying how to install it. */
export async function launchChromium(): Promise<Browser> {
  assert.ok(
    existsSync(CHROMIUM),
    `${CHROMIUM} not found: run tools/test-env/chromium.sh (installs Debian's chromium package), or set HOLOCLIP_CHROMIUM to a Chromium binary`,
  );
  // --no-sandbox: the tests run as root in CI containers, where Chromium's sandbox cannot start.
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'], timeout: 120_000 });
}

export interface ChartMeasure {
  id: string;
  /** The SVG's rendered box. */
  width: number;
  height: number;
  /** Mark elements (vega's `role-mark` groups' children) with a non-empty box. */
  drawnMarks: number;
  /** The width the chart's figure has (it scrolls horizontally beyond it). */
  available: number;
}

export interface TableMeasure {
  id: string;
  width: number;
  /** The width of the table's wrapper (it scrolls horizontally beyond it). */
  available: number;
}

export interface PageMeasure {
  /** console.error messages, uncaught page errors and failed requests, in order. */
  errors: string[];
  viewportWidth: number;
  /** document.documentElement.scrollWidth: above the viewport, the page scrolls sideways. */
  documentWidth: number;
  charts: ChartMeasure[];
  tables: TableMeasure[];
  /** Every in-page reference: `<a href="#x">`, SVG `href`/`xlink:href="#x"`, `url(#x)` in attributes. */
  references: Array<{ from: string; target: string; resolves: boolean }>;
  /** `<a href>` that do not start with "#" (a self-contained report has none). */
  outsideLinks: string[];
}

/** Loads `file` at `width` x 900 px in a fresh page and measures it. */
export async function measureReport(browser: Browser, file: string, width: number): Promise<PageMeasure> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.setDefaultTimeout(60_000);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`));
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const measured = (await page.evaluate(MEASURE)) as Omit<PageMeasure, 'errors'>;
    return { errors, ...measured };
  } finally {
    await page.close();
  }
}

/**
 * What measureReport runs in the page, as source text: a function passed to page.evaluate would be
 * transpiled by tsx, whose helpers (`__name`) do not exist in the page.
 */
const MEASURE = `(() => {
  // A reader opens the collapsed parts (<details>): measure them open.
  for (const d of document.querySelectorAll('details')) d.open = true;
  const box = (e) => e.getBoundingClientRect();
  const charts = [...document.querySelectorAll('figure.chart')].map((f) => {
    const svg = f.querySelector(':scope > svg');
    const marks = svg === null ? [] : [...svg.querySelectorAll('g[class*="role-mark"] > *')];
    return {
      id: f.id,
      width: svg === null ? 0 : box(svg).width,
      height: svg === null ? 0 : box(svg).height,
      drawnMarks: marks.filter((m) => box(m).width + box(m).height > 0).length,
      available: f.clientWidth,
    };
  });
  const tables = [...document.querySelectorAll('table')].map((t) => ({ id: t.id, width: box(t).width, available: t.parentElement.clientWidth }));
  const references = [];
  const describe = (e) => '<' + e.tagName.toLowerCase() + (e.id === '' ? '' : ' id="' + e.id + '"') + '> in #' + (e.parentElement?.closest('[id]')?.id ?? '(none)');
  for (const e of document.querySelectorAll('*')) {
    for (const a of e.attributes) {
      const targets = [];
      if (a.localName === 'href' && a.value.startsWith('#')) targets.push(a.value.slice(1));
      for (const m of a.value.matchAll(/url\\(\\s*['"]?#([^'")\\s]+)/g)) targets.push(m[1]);
      for (const t of targets) {
        const target = decodeURIComponent(t);
        references.push({ from: describe(e) + ' ' + a.name + '="' + a.value + '"', target, resolves: target !== '' && document.getElementById(target) !== null });
      }
    }
  }
  const outsideLinks = [...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href') ?? '').filter((h) => !h.startsWith('#'));
  return { viewportWidth: window.innerWidth, documentWidth: document.documentElement.scrollWidth, charts, tables, references, outsideLinks };
})()`;

/** The checks of issue 18 on one measured page, every problem listed at once; `what` names the page. */
export function assertReadable(m: PageMeasure, what: string): void {
  const problems: string[] = [];
  for (const e of m.errors) problems.push(`console errors: ${e}`);
  if (m.documentWidth > m.viewportWidth) problems.push(`the page is ${m.documentWidth} px wide in a ${m.viewportWidth} px window`);
  for (const c of m.charts) {
    if (!(c.width > 0 && c.height > 0)) problems.push(`chart #${c.id} rendered at ${c.width} x ${c.height} px`);
    else if (c.drawnMarks === 0) problems.push(`chart #${c.id} draws no marks`);
    if (c.width > c.available + 0.5) problems.push(`chart #${c.id} is ${c.width} px wide, its figure ${c.available} px (it scrolls sideways)`);
  }
  for (const t of m.tables) if (t.width > t.available + 0.5) problems.push(`table #${t.id} is ${t.width.toFixed(1)} px wide, the page has ${t.available} px for it`);
  for (const r of m.references) if (!r.resolves) problems.push(`in-page references without a target: ${r.from} (no id "${r.target}")`);
  for (const l of m.outsideLinks) problems.push(`links out of the page: ${l}`);
  assert.deepEqual(problems, [], `${what}:\n  ${problems.join('\n  ')}`);
}
