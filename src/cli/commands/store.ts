/** `holoclip store verify` and `holoclip store gc`: check a store's entries, remove what no suite uses. */
import type { Command } from 'commander';
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { removeEntries, unreferencedEntries, type GcEntry } from '../../store/gc.js';
import { describeDamage } from '../../store/integrity.js';
import { verifyStore, type VerifyReport } from '../../store/verify.js';
import { loadSuite } from '../../suite/load-suite.js';
import { mergeReferences, suiteStoreReferences } from '../../suite/store-references.js';
import { createProgressDisplay } from '../progress-display.js';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function formatVerify(r: VerifyReport): string {
  const lines = [
    `store                  ${r.root}`,
    `checked                ${r.checked.chunks} embedding chunks, ${r.checked.text} text-cache entries, ${r.checked.units} metric units, ${r.checked.charts} report charts, ${r.checked.hashIndexEntries} file hash index entries`,
  ];
  if (r.unchecked.chunks + r.unchecked.text > 0) {
    lines.push(`without checksums      ${r.unchecked.chunks} embedding chunks, ${r.unchecked.text} text-cache entries (written by an older holoclip; read unchecked)`);
  }
  lines.push(`damaged                ${r.damaged.length}`);
  for (const d of r.damaged) lines.push(`  ${describeDamage(d)}`);
  if (r.repaired) lines.push(`removed the ${r.damaged.length} damaged entries; the next run recomputes them`);
  return `${lines.join('\n')}\n`;
}

function formatGc(entries: readonly GcEntry[], applied: boolean): string {
  const lines: string[] = [];
  const byKind = new Map<string, { n: number; bytes: number }>();
  for (const e of entries) {
    const k = byKind.get(e.kind) ?? { n: 0, bytes: 0 };
    byKind.set(e.kind, { n: k.n + 1, bytes: k.bytes + e.bytes });
    lines.push(`${formatBytes(e.bytes).padStart(10)}  ${e.kind.padEnd(16)}  ${e.kind === 'embedding space' ? path.dirname(e.paths[e.paths.length - 1]) : e.paths[0]}`);
  }
  const total = entries.reduce((n, e) => n + e.bytes, 0);
  const summary = [...byKind].map(([kind, v]) => `${v.n} ${kind}${v.n === 1 ? '' : 's'}`).join(', ');
  if (entries.length === 0) lines.push('nothing to remove: every store entry is referenced by the given suites');
  else if (applied) lines.push(`removed ${entries.length} entries (${summary}), ${formatBytes(total)}`);
  else lines.push(`${entries.length} entries no given suite references (${summary}), ${formatBytes(total)}; dry run: nothing removed (add --apply to remove them)`);
  return `${lines.join('\n')}\n`;
}

export function registerStore(program: Command): void {
  const store = program.command('store').description('the embedding and result store: verify its checksums, remove entries no suite uses');
  store
    .command('verify')
    .description('check every embedding chunk, text-cache entry, metric unit and cached report chart of a store against its recorded sha256; exit code 1 if any is damaged')
    .option('--store <dir>', 'store folder', '.holoclip')
    .option('--repair', 'remove the damaged entries (only them); the next run recomputes them')
    .option('--quiet', 'no progress output')
    .action(async (flags: { store: string; repair?: boolean; quiet?: boolean }) => {
      const progress = createProgressDisplay(process.stderr, flags.quiet === true);
      const report = await verifyStore(flags.store, { repair: flags.repair === true, progress });
      process.stdout.write(formatVerify(report));
      if (report.damaged.length > 0 && !report.repaired) {
        throw new HoloclipError(`${report.damaged.length} damaged store entries in ${report.root}; run \`holoclip store verify --repair\` to remove them (the next run recomputes them)`);
      }
    });
  store
    .command('gc')
    .description('list the store entries no given suite references (dry run), or remove them with --apply')
    .argument('<suites...>', 'suite files (YAML) whose entries are kept')
    .option('--store <dir>', "store folder (default: the suites' `store`, which must then be the same)")
    .option('--apply', 'remove the listed entries')
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Entries are embedding spaces and chunks, text-cache entries, metric unit folders and cached logit
scales. An entry is kept when a warm \`holoclip run\` of one of the suites would read it. Nothing
else in the store (the file-hash index, built benchmarks, depth maps, cached report charts, other
files) is ever touched; the charts/ folder is a cache that is always safe to delete.
Entries made by \`holoclip eval\` commands are not referenced by a suite: gc lists them.`,
    )
    .action(async (files: string[], flags: { store?: string; apply?: boolean; quiet?: boolean }) => {
      const progress = createProgressDisplay(process.stderr, flags.quiet === true);
      const suites = [];
      for (const f of files) suites.push(await loadSuite(f, { store: flags.store }));
      const stores = [...new Set(suites.map((s) => s.store))];
      if (stores.length > 1) throw new HoloclipError(`the suites use different stores (${stores.join(', ')}); give --store to choose one`);
      const refs = [];
      for (const s of suites) refs.push(await suiteStoreReferences(s, progress));
      const entries = await unreferencedEntries(stores[0], mergeReferences(refs));
      if (flags.apply === true) await removeEntries(entries);
      process.stdout.write(formatGc(entries, flags.apply === true));
    });
}
