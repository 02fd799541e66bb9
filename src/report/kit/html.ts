/**
 * HTML primitives and page assembly: escaping, attributes, the page skeleton with its inline style,
 * and the embedded results.json. The page is self-contained: no scripts to run, no external
 * stylesheets, fonts or images; charts are inline SVG.
 */

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * An identifier (a model id such as `convnext_base_w_320/laion_aesthetic_s13b_b82k_augreg`) escaped, with a
 * line-break opportunity (`<wbr>`) after each "/" and "_": browsers do not break there, and one such id
 * would otherwise set its table column's minimum width.
 */
export function breakableId(text: string): string {
  return escapeHtml(text).replace(/[/_]/g, '$&<wbr>');
}

/** ` name="value"` for each attribute whose value is not null/undefined, in the given order. */
export function attrs(values: Record<string, string | number | null | undefined>): string {
  let out = '';
  for (const [name, value] of Object.entries(values)) {
    if (value === null || value === undefined) continue;
    out += ` ${name}="${escapeHtml(String(value))}"`;
  }
  return out;
}

/**
 * results.json as the content of a `<script type="application/json">`. JSON may contain "</script>"
 * or "<!--" inside strings (a suite description is free text), which would end or confuse the script
 * element; writing every "<" as the JSON escape \u003c makes that impossible, and JSON.parse of the
 * element's text gives back exactly the same object.
 */
export function embeddedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export interface PageParts {
  title: string;
  /** Already-escaped HTML of the header, navigation, sections and footer. */
  body: string;
  /** The object embedded as `<script type="application/json" id="holoclip-results">`. */
  results: unknown;
}

/** The whole document. */
export function page(parts: PageParts): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="holoclip">',
    `<title>${escapeHtml(parts.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    parts.body,
    '</main>',
    `<script type="application/json" id="holoclip-results">${embeddedJson(parts.results)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A section: heading, a short explanation (HTML), then its content. */
export function section(id: string, title: string, introHtml: string, contentHtml: string): string {
  const intro = introHtml === '' ? '' : `<div class="intro">${introHtml}</div>\n`;
  return `<section id="${escapeHtml(id)}">\n<h2>${escapeHtml(title)}</h2>\n${intro}${contentHtml}\n</section>`;
}

/** A chart: inline SVG and its caption (plain text). */
export function figure(id: string, svg: string, caption: string): string {
  return `<figure class="chart" id="${escapeHtml(id)}">\n${svg}\n<figcaption>${escapeHtml(caption)}</figcaption>\n</figure>`;
}

/** A colour swatch before a model name. */
export function swatch(color: string): string {
  return `<span class="swatch" style="background:${escapeHtml(color)}"></span>`;
}

/**
 * System fonts only (nothing to download). Tables use tabular figures so columns of numbers align;
 * headers wrap (numbers do not), so that a summary of many columns fits the page at 1280 px; tables
 * and charts scroll horizontally on narrower screens instead of overflowing the page.
 */
const STYLE = `
:root { --fg: #1f2328; --muted: #656d76; --line: #d8dee4; --soft: #f6f8fa; --accent: #4c78a8; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; font: 14px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 40px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 15px; margin: 24px 0 6px; }
p { margin: 6px 0; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--soft); padding: 1px 4px; border-radius: 3px; }
.description { font-size: 15px; }
.meta, .muted, figcaption, caption { color: var(--muted); }
.meta { font-size: 13px; }
.intro { max-width: 860px; }
.intro p { margin: 4px 0; }
nav.toc { margin: 16px 0; font-size: 13px; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
nav.toc a:hover { text-decoration: underline; }
details { margin: 10px 0; }
summary { cursor: pointer; color: var(--accent); }
dl.conventions { display: grid; grid-template-columns: max-content 1fr; gap: 3px 16px; margin: 8px 0; font-size: 13px; }
dl.conventions dt { font-weight: 600; }
dl.conventions dd { margin: 0; }
dl.conventions dl.conventions { margin: 0; }
.table-wrap { overflow-x: auto; margin: 10px 0 18px; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; font-size: 12.5px; padding: 0 0 6px; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: var(--soft); font-weight: 600; }
thead tr.group th { text-align: center; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; }
td.num, .nobreak { white-space: nowrap; }
td.missing { color: #b0b7bf; text-align: center; }
td.na { color: var(--muted); }
tr.reference td { background: #f3f7fb; }
.source { color: var(--muted); font-size: 11px; margin-left: 4px; }
.source.unknown { color: #b0b7bf; }
.factor { color: var(--muted); font-size: 12px; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
figure.chart { margin: 14px 0 22px; overflow-x: auto; }
figure.chart svg { display: block; max-width: none; height: auto; }
figcaption { font-size: 12.5px; max-width: 860px; margin-top: 4px; }
ul.differences { padding-left: 20px; }
ul.differences li { margin: 6px 0; }
footer { margin-top: 48px; font-size: 12px; color: var(--muted); border-top: 1px solid var(--line); padding-top: 8px; }
`.trim();
