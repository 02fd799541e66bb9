/**
 * Tables with traceable numbers. Every number cell carries where it comes from, so a reader (or a
 * test) can check it against results.json:
 * - one row: `data-model data-task data-dataset data-prompts data-variant data-metric` (null fields
 *   omitted) and `data-value`, the row's value as JSON (full precision, or `null`);
 * - a mean of rows: the same attributes (those shared by the inputs), `data-derived="mean"` and
 *   `data-datasets` (a JSON array: the input rows are those rows at these datasets);
 * - a number from elsewhere in results.json (models, details): `data-path`, a JSON pointer to it.
 */
import type { ResultRow } from '../../results/types.js';
import { formatNumber, metricKind, type NumberKind } from './format.js';
import { attrs, escapeHtml } from './html.js';
import type { Measured } from './results-query.js';

/** A cell's HTML (`<td ...>...</td>` or `<th ...>...</th>`). */
export type CellHtml = string;

/** A text cell (escaped). */
export function textCell(text: string, className?: string, rowspan?: number): CellHtml {
  return `<td${attrs({ class: className, rowspan: rowspan !== undefined && rowspan > 1 ? rowspan : undefined })}>${escapeHtml(text)}</td>`;
}

/** A cell of trusted HTML (built by the caller from escaped parts). */
export function htmlCell(html: string, className?: string, rowspan?: number): CellHtml {
  return `<td${attrs({ class: className, rowspan: rowspan !== undefined && rowspan > 1 ? rowspan : undefined })}>${html}</td>`;
}

/** Nothing was measured for this cell (no row): a dash, and no data-value. */
export function missingCell(rowspan?: number): CellHtml {
  return `<td${attrs({ class: 'missing', title: 'not measured', rowspan: rowspan !== undefined && rowspan > 1 ? rowspan : undefined })}>—</td>`;
}

/** A measured number (one row or a mean of rows); `kind` defaults to the metric's. */
export function measuredCell(m: Measured | undefined, kind?: NumberKind, rowspan?: number): CellHtml {
  if (m === undefined) return missingCell(rowspan);
  const first = m.rows[0];
  const k = kind ?? metricKind(first.metric);
  const shared = (field: keyof ResultRow): string | null => {
    const v = first[field];
    return m.rows.every((r) => r[field] === v) && typeof v === 'string' ? v : null;
  };
  const a = attrs({
    class: m.value === null ? 'num na' : 'num',
    rowspan: rowspan !== undefined && rowspan > 1 ? rowspan : undefined,
    'data-model': shared('model'),
    'data-task': shared('task'),
    'data-dataset': m.derived === null ? shared('dataset') : null,
    'data-prompts': shared('prompts'),
    'data-variant': shared('variant'),
    'data-metric': shared('metric'),
    'data-derived': m.derived,
    'data-datasets': m.derived === null ? null : JSON.stringify(m.rows.map((r) => r.dataset)),
    'data-value': JSON.stringify(m.value),
    title: m.derived === 'mean' ? `mean over ${m.rows.map((r) => r.dataset).join(', ')}` : undefined,
  });
  return `<td${a}>${escapeHtml(formatNumber(m.value, k))}</td>`;
}

/** A number from results.json outside the rows, with its JSON pointer; `suffixHtml` follows it (e.g. a source note). */
export function pathCell(value: number | null, path: string, kind: NumberKind, suffixHtml = '', rowspan?: number): CellHtml {
  const a = attrs({
    class: value === null ? 'num na' : 'num',
    rowspan: rowspan !== undefined && rowspan > 1 ? rowspan : undefined,
    'data-path': path,
    'data-value': JSON.stringify(value),
  });
  return `<td${a}>${escapeHtml(formatNumber(value, kind))}${suffixHtml}</td>`;
}

/** JSON pointer (RFC 6901) from path segments. */
export function jsonPointer(...segments: Array<string | number>): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export interface TableColumn {
  /** Group header spanning consecutive columns with the same group ('' = no group). */
  group: string;
  /** Column header (plain text). */
  header: string;
  /** Header tooltip. */
  title?: string;
  numeric?: boolean;
}

export interface TableSpec {
  id: string;
  /** Plain-text caption above the table. */
  caption?: string;
  columns: TableColumn[];
  /** Each row: `<td>` cells (fewer than columns where rowspans cover them), and an optional row class. */
  rows: Array<{ cells: CellHtml[]; className?: string }>;
}

/**
 * The class of a header cell: headers wrap between words, but a one-word header ("fluent-3d",
 * "cue-conflict") stays on one line, since browsers would otherwise break it after its hyphen.
 */
function headerClass(text: string, numeric: boolean): string | undefined {
  const classes = [numeric ? 'num' : '', !text.includes(' ') && text.includes('-') ? 'nobreak' : ''].filter((c) => c !== '');
  return classes.length === 0 ? undefined : classes.join(' ');
}

/** `<table id=...>` with a caption, a group-header row when any column has a group, and the body. */
export function renderTable(t: TableSpec): string {
  const head: string[] = [];
  if (t.columns.some((c) => c.group !== '')) {
    const groups: string[] = [];
    for (let i = 0; i < t.columns.length; ) {
      let j = i;
      while (j < t.columns.length && t.columns[j].group === t.columns[i].group) j++;
      groups.push(`<th${attrs({ class: headerClass(t.columns[i].group, false), colspan: j - i > 1 ? j - i : undefined })}>${escapeHtml(t.columns[i].group)}</th>`);
      i = j;
    }
    head.push(`<tr class="group">${groups.join('')}</tr>`);
  }
  head.push(`<tr>${t.columns.map((c) => `<th${attrs({ class: headerClass(c.header, c.numeric === true), title: c.title })}>${escapeHtml(c.header)}</th>`).join('')}</tr>`);
  const body = t.rows.map((r) => `<tr${attrs({ class: r.className })}>${r.cells.join('')}</tr>`);
  const caption = t.caption === undefined ? '' : `<caption>${escapeHtml(t.caption)}</caption>`;
  return `<div class="table-wrap"><table id="${escapeHtml(t.id)}">${caption}<thead>${head.join('')}</thead><tbody>\n${body.join('\n')}\n</tbody></table></div>`;
}
