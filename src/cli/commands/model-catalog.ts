/** `holoclip model catalog [--filter TEXT] [--json]`: the known model names and their factors. */
import type { Command } from 'commander';
import { CATALOG_FACTORS, factValue, filterCatalog, readCatalog, type CatalogEntry, type CatalogFactor } from '../../models/catalog.js';

const HEADERS: Record<CatalogFactor, string> = {
  architecture_family: 'family',
  params: 'params',
  image_size: 'image',
  training_data: 'training data',
  training_size: 'data size',
  samples_seen: 'samples seen',
  loss: 'loss',
  fine_tuned: 'fine-tuned',
};

/** 151280000 -> "151.3M", 34000000000 -> "34B", 400000000 -> "400M". */
export function formatCount(n: number): string {
  const [div, unit] = n >= 1e9 ? [1e9, 'B'] : n >= 1e6 ? [1e6, 'M'] : n >= 1e3 ? [1e3, 'k'] : [1, ''];
  const v = n / div;
  return `${Number.isInteger(v) ? v : Number(v.toPrecision(4))}${unit}`;
}

function cell(entry: CatalogEntry, key: CatalogFactor): string {
  const v = factValue(entry, key);
  if (v === null) return 'unknown';
  if (typeof v === 'number' && (key === 'params' || key === 'training_size' || key === 'samples_seen')) return formatCount(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.join('x');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A plain-text table: one row per entry, `unknown` where the catalogue has no fact. */
export function formatCatalogTable(entries: readonly CatalogEntry[]): string {
  const rows = [['name', ...CATALOG_FACTORS.map((k) => HEADERS[k])], ...entries.map((e) => [e.name, ...CATALOG_FACTORS.map((k) => cell(e, k))])];
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return `${rows.map((r) => r.map((v, c) => (c === r.length - 1 ? v : v.padEnd(widths[c]))).join('  ')).join('\n')}\n`;
}

export async function modelCatalogCommand(opts: { filter?: string; json?: boolean; file?: string }): Promise<string> {
  const catalog = await readCatalog(opts.file);
  const entries = filterCatalog(catalog.entries, opts.filter);
  if (opts.json) return `${JSON.stringify({ open_clip_version: catalog.open_clip_version, tables: catalog.tables, entries }, null, 1)}\n`;
  const summary = `${entries.length} of ${catalog.entries.length} catalogue entries${opts.filter ? ` matching "${opts.filter}"` : ''} (open_clip ${catalog.open_clip_version}; sources of each fact: --json)`;
  return `${entries.length > 0 ? formatCatalogTable(entries) : ''}${summary}\n`;
}

export function registerModelCatalog(modelCmd: Command): void {
  modelCmd
    .command('catalog')
    .description('list the models holoclip knows (open_clip checkpoints and the published tables) with their factors')
    .option('--filter <text>', 'only entries whose name or factor values contain TEXT (case-insensitive)')
    .option('--json', 'print the entries as JSON, every fact with its source')
    .action(async (opts: { filter?: string; json?: boolean }) => {
      process.stdout.write(await modelCatalogCommand(opts));
    });
}
