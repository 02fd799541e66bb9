/** `holoclip analyze published`: the published landscape (src/published/, src/tasks/published/analyze.ts). */
import path from 'node:path';
import { type Command, Option } from 'commander';
import { EXTREME_ACCURACY_RULES, type ExtremeAccuracies } from '../../metrics/effective-robustness.js';
import { DATA_DIR_ENV, OFFLINE_ENV, isOffline } from '../../refdata/index.js';
import { analyzePublished, type AnalyzePublishedOutput } from '../../tasks/published/analyze.js';
import { COMMAND_LIST } from '../command-list.js';
import { FORCE_UNLOCK_HELP, lockOutputFolder, nonNegativeInt, positiveInt } from '../common-options.js';

interface AnalyzeFlags {
  out: string;
  bootstrap: number;
  seed: number;
  extremes: ExtremeAccuracies;
  dataDir?: string;
  offline?: boolean;
  report: boolean;
  forceUnlock?: boolean;
}

const pct = (v: number): string => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}`;

/** The printed summary: the lines, CLIP vs ImageNet models, the factor ranking, the files. */
export function formatPublishedSummary(o: AnalyzePublishedOutput): string {
  const r = o.result;
  const lines = [`published landscape: ${r.clip_models.length} CLIP checkpoints (open_clip), ${r.testbed_models.length} imagenet-testbed models`];
  for (const l of r.lines) lines.push(`  line ${l.label.padEnd(16)} slope ${l.slope.value.toFixed(4)} intercept ${l.intercept.value.toFixed(4)} R² ${l.r2.toFixed(4)} (${l.baseline_set.size} standard-training models)`);
  lines.push('mean effective robustness, points [95% interval]:');
  for (const [k, v] of Object.entries(r.headline.clip_vs_standard)) {
    if (v) lines.push(`  ${k.padEnd(16)} CLIP ${pct(v.clip.value)} [${pct(v.clip.low)}, ${pct(v.clip.high)}]   testbed standard ${pct(v.standard.value)} [${pct(v.standard.low)}, ${pct(v.standard.high)}]`);
  }
  lines.push('factors, range of group mean ER (mean of 4 shifts), points [95% interval]:');
  for (const f of r.headline.factor_ranking) lines.push(`  ${f.factor.padEnd(16)} ${pct(f.range)} [${pct(f.low)}, ${pct(f.high)}]`);
  lines.push(`controlled pairs: ${r.controlled_pairs.length} (${r.controlled_summary.map((c) => `${c.factor} ${c.pairs}`).join(', ')})`);
  lines.push(...o.files.map((f) => `wrote ${f}`));
  return `${lines.join('\n')}\n`;
}

export function registerAnalyze(program: Command): void {
  const analyze = program.command('analyze').description(COMMAND_LIST.analyze.description);
  analyze
    .command('published')
    .description(
      "the factor analysis on published numbers: open_clip's 121 CLIP checkpoints and imagenet-testbed's ImageNet models, effective robustness against the testbed's line, factor groups, controlled pairs, retrieval and ImageNet-O, ObjectNet kept apart",
    )
    .option('--out <dir>', 'output folder (result.json, clip_models.csv, testbed_models.csv, factor_groups.csv, report/index.html)', 'runs/published')
    .addOption(new Option('--bootstrap <n>', 'bootstrap resamples').argParser(positiveInt).default(1000))
    .addOption(new Option('--seed <n>', 'bootstrap seed').argParser(nonNegativeInt).default(0))
    .addOption(new Option('--extremes <rule>', 'baseline rows at 0% or 100%: exclude (imagenet-testbed) or clip').choices([...EXTREME_ACCURACY_RULES]).default('exclude'))
    .option('--data-dir <dir>', `reference-data directory (default: $${DATA_DIR_ENV}, else the user cache)`)
    .option('--offline', `never download a reference table (also ${OFFLINE_ENV}=1)`)
    .option('--no-report', 'skip report/index.html')
    .option('--force-unlock', FORCE_UNLOCK_HELP)
    .addHelpText('after', '\nExample:\n  holoclip analyze published --out runs/published\n')
    .action(async (flags: AnalyzeFlags) => {
      const out = path.resolve(flags.out);
      const lock = await lockOutputFolder(out, flags);
      try {
        const o = await analyzePublished({ out, samples: flags.bootstrap, seed: flags.seed, extremes: flags.extremes, dataDir: flags.dataDir, offline: flags.offline === true || isOffline(), report: flags.report });
        process.stdout.write(formatPublishedSummary(o));
      } finally {
        lock.release();
      }
    });
}
