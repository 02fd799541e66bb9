/**
 * Readers of the published result tables, from parsed CSV (formats/csv.ts) to typed rows whose every number
 * keeps where it came from (table, line, model as written, column). Pure: the files are read in load.ts.
 *
 * - open_clip's `openclip_results.csv`, `openclip_classification_results.csv`, `openclip_retrieval_results.csv`:
 *   one row per checkpoint (`name`, `pretrained`), then `params (M)`, `FLOPs (B)` and one column per benchmark,
 *   accuracies and recalls as fractions.
 * - CLIP_benchmark's `benchmark.csv`: one row per (model, pretrained, dataset); `acc1` for zero-shot
 *   classification, `image_retrieval_recall@5` / `text_retrieval_recall@5` for retrieval (fractions).
 * - imagenet-testbed's `robustness_top1s.csv`: one row per ImageNet model (`model`), one column per evaluation
 *   setting, top-1 in percent (divided by 100 here).
 * An empty field (or NaN / NA) is a number the table does not give; anything else that is not a number, or an
 * accuracy outside [0, 1], is an error naming the table, line and column.
 */
import { HoloclipError } from '../errors.js';
import { requireColumns, type CsvTable } from '../formats/csv.js';
import { identityOf, type ModelIdentity } from './identity.js';

/** Where one published number is: enough to find it again by hand. */
export interface SourceRef {
  /** The registered resource name, e.g. `open_clip/openclip_results.csv`. */
  readonly table: string;
  /** 1-based line in the file. */
  readonly line: number;
  /** The model as the row writes it (`ViT-B-32 laion2b_s34b_b79k`, `resnet50`). */
  readonly row: string;
  readonly column: string;
}

export interface PublishedNumber {
  readonly value: number;
  readonly ref: SourceRef;
}

/** One checkpoint's row(s) of a CLIP table: its numbers by column. */
export interface ClipRow {
  readonly identity: ModelIdentity;
  readonly values: ReadonlyMap<string, PublishedNumber>;
}

export interface ClipTable {
  readonly resource: string;
  readonly rows: readonly ClipRow[];
  readonly byId: ReadonlyMap<string, ClipRow>;
}

export interface TestbedRow {
  readonly model: string;
  readonly values: ReadonlyMap<string, PublishedNumber>;
}

export interface TestbedTable {
  readonly resource: string;
  readonly rows: readonly TestbedRow[];
  readonly columns: readonly string[];
}

const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null', 'none']);
/** Columns of open_clip's tables that are not accuracies. */
const OPENCLIP_NON_ACCURACY = new Set(['params (M)', 'FLOPs (B)']);

function parseNumber(text: string, table: CsvTable, what: string, r: number, column: string): number | null {
  if (MISSING.has(text.toLowerCase())) return null;
  const v = Number(text);
  if (!Number.isFinite(v)) throw new HoloclipError(`${what} ${table.file} line ${table.lines[r]}: ${column} is ${JSON.stringify(text)}; expected a number or an empty field`);
  return v;
}

function checkFraction(v: number, table: CsvTable, what: string, r: number, column: string, unit: string): void {
  if (!(v >= 0 && v <= 1)) throw new HoloclipError(`${what} ${table.file} line ${table.lines[r]}: ${column} = ${v}${unit} is not an accuracy in [0, 1]`);
}

function indexRows(resource: string, rows: ClipRow[], table: CsvTable, what: string): ClipTable {
  const byId = new Map<string, ClipRow>();
  for (const row of rows) {
    if (byId.has(row.identity.id)) throw new HoloclipError(`${what} ${table.file}: ${row.identity.id} appears twice`);
    byId.set(row.identity.id, row);
  }
  return { resource, rows, byId };
}

/** open_clip's wide tables (`name`, `pretrained`, then one column per benchmark). */
export function parseOpenclipTable(table: CsvTable, resource: string): ClipTable {
  const what = `open_clip results table (${resource})`;
  const [ni, pi] = requireColumns(table, what, ['name', 'pretrained']);
  const rows = table.rows.map((fields, r): ClipRow => {
    const identity = identityOf(fields[ni], fields[pi]);
    const values = new Map<string, PublishedNumber>();
    table.header.forEach((column, c) => {
      if (c === ni || c === pi) return;
      const v = parseNumber(fields[c], table, what, r, column);
      if (v === null) return;
      if (!OPENCLIP_NON_ACCURACY.has(column)) checkFraction(v, table, what, r, column, '');
      values.set(column, { value: v, ref: { table: resource, line: table.lines[r], row: `${fields[ni]} ${fields[pi]}`, column } });
    });
    return { identity, values };
  });
  return indexRows(resource, rows, table, what);
}

/** The columns of CLIP_benchmark's long table that hold numbers, per task. */
const CLIP_BENCHMARK_METRICS: Readonly<Record<string, readonly string[]>> = {
  zeroshot_classification: ['acc1'],
  zeroshot_retrieval: ['image_retrieval_recall@5', 'text_retrieval_recall@5'],
};

/**
 * CLIP_benchmark's long table, folded into one row per checkpoint. Column names: the dataset for `acc1`
 * (`imagenet1k`), `<dataset>:<metric>` for the retrieval recalls (`flickr30k:image_retrieval_recall@5`).
 */
export function parseClipBenchmarkTable(table: CsvTable, resource: string): ClipTable {
  const what = `CLIP_benchmark results table (${resource})`;
  const [mi, pi, di, ti] = requireColumns(table, what, ['model', 'pretrained', 'dataset', 'task']);
  const byId = new Map<string, { identity: ModelIdentity; values: Map<string, PublishedNumber> }>();
  const order: string[] = [];
  table.rows.forEach((fields, r) => {
    const metrics = CLIP_BENCHMARK_METRICS[fields[ti]];
    if (metrics === undefined) throw new HoloclipError(`${what} ${table.file} line ${table.lines[r]}: task ${JSON.stringify(fields[ti])} is not ${Object.keys(CLIP_BENCHMARK_METRICS).join(' or ')}`);
    const identity = identityOf(fields[mi], fields[pi]);
    let entry = byId.get(identity.id);
    if (entry === undefined) {
      entry = { identity, values: new Map() };
      byId.set(identity.id, entry);
      order.push(identity.id);
    }
    const dataset = fields[di];
    for (const metric of metrics) {
      const [ci] = requireColumns(table, what, [metric]);
      const v = parseNumber(fields[ci], table, what, r, metric);
      if (v === null) continue;
      checkFraction(v, table, what, r, metric, '');
      const column = metric === 'acc1' ? dataset : `${dataset}:${metric}`;
      if (entry.values.has(column)) throw new HoloclipError(`${what} ${table.file} line ${table.lines[r]}: ${identity.id} has ${column} twice`);
      entry.values.set(column, { value: v, ref: { table: resource, line: table.lines[r], row: `${fields[mi]} ${fields[pi]}`, column: `${metric} (dataset ${dataset})` } });
    }
  });
  const rows = order.map((id) => byId.get(id) as ClipRow);
  return indexRows(resource, rows, table, what);
}

/** imagenet-testbed's table: `model`, then one column per evaluation setting, in percent (returned as fractions). */
export function parseTestbedTable(table: CsvTable, resource: string): TestbedTable {
  const what = `imagenet-testbed results table (${resource})`;
  const [mi] = requireColumns(table, what, ['model']);
  const seen = new Set<string>();
  const rows = table.rows.map((fields, r): TestbedRow => {
    const model = fields[mi];
    if (seen.has(model)) throw new HoloclipError(`${what} ${table.file} line ${table.lines[r]}: model ${JSON.stringify(model)} appears twice`);
    seen.add(model);
    const values = new Map<string, PublishedNumber>();
    table.header.forEach((column, c) => {
      if (c === mi) return;
      const v = parseNumber(fields[c], table, what, r, column);
      if (v === null) return;
      checkFraction(v / 100, table, what, r, column, ' %');
      values.set(column, { value: v / 100, ref: { table: resource, line: table.lines[r], row: model, column } });
    });
    return { model, values };
  });
  return { resource, rows, columns: table.header.filter((_, c) => c !== mi) };
}
