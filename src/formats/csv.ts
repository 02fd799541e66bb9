/**
 * CSV reading on top of csv-parse (RFC 4180 quoting, CRLF, BOM). The first record is the header; every
 * record must have as many fields as the header; empty lines are skipped; fields are trimmed.
 */
import { parse } from 'csv-parse/sync';
import { HoloclipError } from '../errors.js';
import { oneLine, readTextFile } from './text-file.js';

export interface CsvTable {
  file: string;
  /** Column names, in file order. */
  header: string[];
  /** Data records (header excluded), each with header.length fields. */
  rows: string[][];
  /** 1-based line number of each data record in the file (for error messages). */
  lines: number[];
}

/** Parse CSV text. `file` and `what` only name the source in errors. */
export function parseCsv(text: string, file: string, what: string): CsvTable {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, info: true, record_delimiter: ['\r\n', '\n', '\r'] }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    throw new HoloclipError(`${what} ${file} is not valid CSV: ${oneLine((err as Error).message)}`, { cause: err });
  }
  if (records.length === 0) throw new HoloclipError(`${what} ${file} is empty; expected a CSV file with a header line`);
  const header = records[0].record;
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new HoloclipError(`${what} ${file}: column ${JSON.stringify(name)} appears twice in the header`);
    seen.add(name);
  }
  const data = records.slice(1);
  return { file, header, rows: data.map((r) => r.record), lines: data.map((r) => r.info.lines) };
}

/** Read and parse a CSV file. */
export async function readCsv(file: string, what: string): Promise<CsvTable> {
  return parseCsv(await readTextFile(file, what), file, what);
}

/** Index of each named column; a HoloclipError naming the file and the columns it has when one is missing. */
export function requireColumns(table: CsvTable, what: string, names: readonly string[]): number[] {
  return names.map((name) => {
    const i = table.header.indexOf(name);
    if (i < 0) {
      const shown = table.header.slice(0, 12).join(', ') + (table.header.length > 12 ? `, ... (${table.header.length} columns)` : '');
      throw new HoloclipError(`${what} ${table.file} has no column ${JSON.stringify(name)}; its columns are: ${shown}`);
    }
    return i;
  });
}

/** A non-negative integer field (class index), or a HoloclipError naming file, line and column. */
export function parseIndexField(value: string, table: CsvTable, row: number, column: string, what: string): number {
  const v = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(v)) {
    throw new HoloclipError(`${what} ${table.file} line ${table.lines[row]}: ${column} is ${JSON.stringify(value)}; expected a non-negative integer`);
  }
  return v;
}

/** One CSV field (RFC 4180): empty for null / undefined / non-finite numbers, quoted when it holds `"`, `,` or a line break. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A CSV document: the header, then one line per row, "\n" line ends. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  return `${[header.map(csvField).join(','), ...rows.map((r) => r.map(csvField).join(','))].join('\n')}\n`;
}
