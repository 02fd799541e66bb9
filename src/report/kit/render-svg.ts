/**
 * Vega-Lite spec -> Vega -> SVG string, in Node, headless (`renderer: 'none'`, then `toSVG()`).
 *
 * Two things make the output a pure function of the spec, so the same results give the same bytes:
 * - Text widths: vega measures text with the `canvas` package when it is installed (then the layout
 *   depends on the machine's fonts) and otherwise estimates 0.8 em per character, which is ~40% too
 *   wide for Helvetica/Arial and truncates long legend labels. We install our own estimate from
 *   Helvetica's character widths (vega's documented hook, as vl-convert does), so label placement is
 *   close to what a browser shows and never depends on what is installed.
 * - Element ids: vega numbers clip paths and gradients with module-level counters that keep counting
 *   across renders. We renumber them per chart, prefixed with the chart's id, which also keeps ids
 *   unique when many SVGs are inlined in one HTML page (an id clash would make one chart use another
 *   chart's clip path).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as Vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { installedPackage } from '../../util/package-dir.js';

/** Where rendered charts may be kept between runs (the store's ChartCache): key -> SVG. */
export interface SvgCache {
  get(key: string): Promise<string | null>;
  put(key: string, svg: string): Promise<void>;
}

/** vega and vega-lite (a second of loading), imported when the first chart is rendered: not by commands that draw none. */
let renderer: Promise<{ vega: typeof Vega; compile: typeof import('vega-lite').compile }> | null = null;
function loadRenderer(): Promise<{ vega: typeof Vega; compile: typeof import('vega-lite').compile }> {
  renderer ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => {
    installTextMetrics(vega);
    return { vega, compile: vegaLite.compile };
  });
  return renderer;
}

/** The text item fields vega passes to a text width function. */
interface TextItem {
  fontSize?: number | string | null;
  fontWeight?: string | number | null;
  limit?: number | null;
}

/** vega-scenegraph's text measurement object; exported by vega at runtime but missing from its typings. */
interface TextMetrics {
  width: (item: TextItem, text: unknown) => number;
}

/**
 * Helvetica advance widths (1/1000 em, from its AFM) for ASCII 32..126; other characters count as
 * 0.6 em. Arial has the same metrics, and the page's fallback fonts are close.
 */
const HELVETICA_WIDTHS = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space ! " # $ % & ' ( ) * + , - . /
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0-9 : ; < = > ?
  1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @ A-O
  667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P-Z [ \ ] ^ _
  333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // ` a-o
  556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p-z { | } ~
];

/** Width in px of `text` at the item's font size (default 11, as vega), capped at its label limit. */
export function estimateTextWidth(item: TextItem, text: unknown): number {
  const s = text === null || text === undefined ? '' : String(text).trim();
  const size = item.fontSize === null || item.fontSize === undefined ? 11 : Number(item.fontSize) || 0;
  let units = 0;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    units += code >= 32 && code <= 126 ? HELVETICA_WIDTHS[code - 32] : 600;
  }
  const bold = item.fontWeight === 'bold' || (typeof item.fontWeight === 'number' && item.fontWeight >= 600);
  // 20% slack: where Helvetica and Arial are missing, fallback fonts (DejaVu Sans) run wider.
  const width = (units * size * (bold ? 1.07 : 1) * 1.2) / 1000;
  const limit = Number(item.limit ?? 0);
  return limit > 0 ? Math.min(width, limit) : width;
}

function installTextMetrics(vega: typeof Vega): void {
  const metrics = (vega as unknown as { textMetrics?: TextMetrics }).textMetrics;
  if (metrics !== undefined) metrics.width = estimateTextWidth;
}

let rendererId: string | null = null;
/**
 * What every SVG depends on besides its spec: this module's own code (the text metrics, the id scoping) and the
 * vega / vega-lite versions. Any change to either gives new cache keys.
 */
function rendererIdentity(): string {
  rendererId ??= createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(`\nvega ${installedPackage('vega')?.version ?? 'unknown'}\nvega-lite ${installedPackage('vega-lite')?.version ?? 'unknown'}`)
    .digest('hex');
  return rendererId;
}

/**
 * The cache key of a chart: sha256 of the renderer's identity, the id prefix and the spec as JSON (non-finite
 * numbers spelled out, so that NaN and null, which JSON would both write as null, stay apart).
 */
export function chartKey(spec: TopLevelSpec, idPrefix: string): string {
  const json = JSON.stringify(spec, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `<number ${v}>` : v));
  return createHash('sha256').update(rendererIdentity()).update('\n').update(idPrefix).update('\n').update(json).digest('hex');
}

/**
 * Render a Vega-Lite spec to a standalone `<svg>` string whose ids all start with `idPrefix`. With a cache, an SVG
 * rendered before from the same spec by the same renderer is returned as it was (vega is then not even loaded).
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string, cache?: SvgCache): Promise<string> {
  const key = cache ? chartKey(spec, idPrefix) : null;
  if (cache && key !== null) {
    const hit = await cache.get(key);
    if (hit !== null) return hit;
  }
  const svg = await renderSvgNow(spec, idPrefix);
  if (cache && key !== null) await cache.put(key, svg);
  return svg;
}

async function renderSvgNow(spec: TopLevelSpec, idPrefix: string): Promise<string> {
  const { vega, compile } = await loadRenderer();
  const compiled = compile(spec);
  // The compiled spec is vega-lite's copy of the Vega typings; structurally the same type.
  const runtime = vega.parse(compiled.spec as Vega.Spec);
  const view = new vega.View(runtime, { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return scopeSvgIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

/**
 * Rename every `id="..."` in an SVG to `<prefix>__<n>` (n in order of first appearance) and rewrite the
 * references to it (`url(#id)`, `href="#id"`). Pure string work: vega's SVG is regular (double-quoted
 * attributes, ids without quotes or parentheses).
 */
export function scopeSvgIds(svg: string, prefix: string): string {
  const ids = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) {
    if (!ids.has(m[1])) ids.set(m[1], `${prefix}__${ids.size + 1}`);
  }
  if (ids.size === 0) return svg;
  return svg.replace(/(\sid="|url\(#|href="#)([^")]+)/g, (whole, lead: string, name: string) => {
    const renamed = ids.get(name);
    return renamed === undefined ? whole : `${lead}${renamed}`;
  });
}
