/** `holoclip data list|fetch|path`: the small public reference files (class names, mappings, annotations). */
import type { Command } from 'commander';
import { COMMAND_LIST } from '../command-list.js';
import { datasetTypes } from '../../data/typed-spec.js';
import { HoloclipError } from '../../errors.js';
import {
  DATA_DIR_ENV,
  OFFLINE_ENV,
  RESOURCES,
  dataDir,
  fetchResources,
  listResources,
  resourcePath,
  type FetchProgressEvent,
  type ResourceCheck,
} from '../../refdata/index.js';

const DATA_DIR_HELP = `data directory (default: $${DATA_DIR_ENV}, else $XDG_CACHE_HOME/holoclip/data, else ~/.cache/holoclip/data)`;

const DATA_HELP = `
Reference files are small public files pinned to a repository commit, a size and a sha256 (see
"holoclip data list"). A resource named a/b.json lives at <data dir>/a/b.json. Commands that need one
download it on first use unless ${OFFLINE_ENV}=1; to work offline, run "holoclip data fetch all" once
where the network is reachable, or download the URL that "holoclip data list --urls" prints and save the
file at the path it shows.

Environment:
  ${DATA_DIR_ENV}=DIR  the data directory (overridden by --data-dir)
  ${OFFLINE_ENV}=1     never download; a missing or wrong file is an error that says where to put it

Examples:
  holoclip data list
  holoclip data fetch all --data-dir ~/holoclip-data
  holoclip data fetch clip_benchmark/en_classnames.json imagenet_testbed/robustness_top1s.csv
  CLASSNAMES=$(holoclip data path clip_benchmark/en_classnames.json)`;

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

function statusLabel(c: ResourceCheck): string {
  if (c.status === 'verified') return '✓';
  if (c.status === 'missing') return 'missing';
  return 'bad hash';
}

/** The `data list` table (exported for tests and other commands). */
export function formatResourceTable(checks: readonly ResourceCheck[], options: { urls?: boolean } = {}): string {
  const byName = new Map(RESOURCES.map((r) => [r.name, r]));
  const rows = checks.map((c) => {
    const r = byName.get(c.name);
    return [c.name, formatSize(r?.bytes ?? 0), statusLabel(c), options.urls ? (r?.url ?? '') : c.path];
  });
  const header = ['name', 'size', 'status', options.urls ? 'url' : 'path'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : i === 1 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const c of checks) if (c.status === 'bad-hash' && c.problem) out.push(`bad hash: ${c.name}: ${c.problem}`);
  const ok = checks.filter((c) => c.status === 'verified').length;
  out.push(`${ok} of ${checks.length} resources present and verified`);
  return `${out.join('\n')}\n`;
}

function progressLine(e: FetchProgressEvent): string {
  switch (e.type) {
    case 'present':
      return `ok          ${e.name} (already present and verified)`;
    case 'download':
      return `fetching    ${e.name} (${formatSize(e.bytes)}) from ${e.url}`;
    case 'downloaded':
      return `downloaded  ${e.name} in ${e.seconds.toFixed(1)} s -> ${e.path}`;
    case 'failed':
      return `FAILED      ${e.name}: ${e.error}`;
  }
}

export function registerData(program: Command): void {
  const data = program
    .command('data')
    .description(COMMAND_LIST.data.description)
    .addHelpText('after', DATA_HELP);

  data
    .command('types')
    .description('the named dataset layouts that --data TYPE:PATH (and suite datasets { type, path }) read')
    .action(() => {
      const lines: string[] = [];
      for (const t of datasetTypes()) lines.push(`${t.name}${t.role === 'captions' ? ' (captions, for eval retrieval)' : ''}\n  ${t.description}\n  layout: ${t.layout}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  data
    .command('list')
    .description('show every registered reference file: size, status (✓ verified / missing / bad hash) and path')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--urls', 'show the download URL instead of the local path')
    .action(async (flags: { dataDir?: string; urls?: boolean }) => {
      const dir = dataDir(flags.dataDir);
      const checks = await listResources(dir);
      process.stdout.write(`data directory: ${dir}\n${formatResourceTable(checks, { urls: flags.urls === true })}`);
    });

  data
    .command('fetch')
    .description('download reference files that are missing or wrong (verified by sha256, written atomically)')
    .argument('<names...>', 'resource names as "holoclip data list" shows them, or "all"')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--quiet', 'no progress lines')
    .action(async (names: string[], flags: { dataDir?: string; quiet?: boolean }) => {
      const dir = dataDir(flags.dataDir);
      const progress = flags.quiet ? undefined : (e: FetchProgressEvent): void => void process.stderr.write(`${progressLine(e)}\n`);
      const results = await fetchResources(names.includes('all') ? 'all' : names, { dataDir: dir }, progress);
      const count = (o: string): number => results.filter((r) => r.outcome === o).length;
      const failed = results.filter((r) => r.outcome === 'failed');
      process.stdout.write(
        `${results.length - failed.length} of ${results.length} resources present and verified in ${dir} ` +
          `(${count('downloaded')} downloaded, ${count('present')} already there, ${failed.length} failed)\n`,
      );
      if (failed.length > 0) {
        throw new HoloclipError(`${failed.length} reference file(s) could not be fetched: ${failed.map((f) => `${f.name}: ${f.error ?? 'failed'}`).join('; ')}`);
      }
    });

  data
    .command('path')
    .description('print the path of a verified reference file, downloading it first if needed (for scripts)')
    .argument('<name>', 'resource name as "holoclip data list" shows it')
    .option('--data-dir <dir>', DATA_DIR_HELP)
    .option('--offline', `never download (same as ${OFFLINE_ENV}=1)`)
    .action(async (name: string, flags: { dataDir?: string; offline?: boolean }) => {
      const file = await resourcePath(name, { dataDir: dataDir(flags.dataDir), offline: flags.offline === true ? true : undefined });
      process.stdout.write(`${file}\n`);
    });
}
