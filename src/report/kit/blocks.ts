/**
 * The report's intermediate form: sections made of HTML blocks and chart blocks (a Vega-Lite spec not
 * yet rendered). Section builders are synchronous and pure; rendering the charts to SVG and assembling
 * the page happen once, in index.ts.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { SuiteResults } from '../../results/types.js';
import { escapeHtml, swatch } from './html.js';
import { ModelStyles } from './model-style.js';
import { ResultsQuery } from './results-query.js';

export type Block = { kind: 'html'; html: string } | { kind: 'chart'; id: string; spec: TopLevelSpec; caption: string };

export interface Section {
  id: string;
  /** Navigation and heading text. */
  title: string;
  /** Short explanation (HTML, escaped by the builder). */
  intro: string;
  blocks: Block[];
}

/** What every section builder reads. */
export interface ReportContext {
  results: SuiteResults;
  q: ResultsQuery;
  styles: ModelStyles;
  ids: IdAllocator;
}

export function createContext(results: SuiteResults): ReportContext {
  return { results, q: new ResultsQuery(results), styles: new ModelStyles(results), ids: new IdAllocator() };
}

/**
 * HTML ids from names: characters outside [A-Za-z0-9_-] become "-" (names in a suite are already
 * id-safe; anything else is escaped here rather than trusted), and a clash gets "-2", "-3"...
 */
export class IdAllocator {
  private readonly used = new Set<string>();

  make(...parts: string[]): string {
    const base = parts.map((p) => p.replace(/[^A-Za-z0-9_-]+/g, '-')).join('-');
    let id = base;
    for (let i = 2; this.used.has(id); i++) id = `${base}-${i}`;
    this.used.add(id);
    return id;
  }
}

export function html(text: string): Block {
  return { kind: 'html', html: text };
}

export function chart(id: string, spec: TopLevelSpec, caption: string): Block {
  return { kind: 'chart', id, spec, caption };
}

/** A model's name with its colour swatch, for table cells (escaped). */
export function modelNameHtml(ctx: ReportContext, model: string, withFactors = false): string {
  const style = ctx.styles.of(model);
  const factors = withFactors && style.label !== model ? ` <span class="factor">${escapeHtml(style.label.slice(model.length).trim())}</span>` : '';
  return `${swatch(style.color)}${escapeHtml(model)}${factors}`;
}

/** `<p>` paragraphs from plain-text sentences (escaped). */
export function paragraphs(...sentences: string[]): string {
  return sentences.map((s) => `<p>${escapeHtml(s)}</p>`).join('');
}

/** A row class marking the reference model. */
export function rowClass(ctx: ReportContext, model: string): string | undefined {
  return model === ctx.results.reference_model ? 'reference' : undefined;
}
