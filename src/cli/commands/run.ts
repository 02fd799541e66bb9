/** `holoclip run SUITE`: declarative suites of models x datasets x tasks (`holoclip suite check|schema`: commands/suite.ts). */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { loadSuite } from '../../suite/load-suite.js';
import { parseShard } from '../../suite/plan.js';
import type { RunSuiteSummary } from '../../suite/run-suite.js';
import { PREPROCESS_CHOICES, type PreprocessChoice } from '../../image/index.js';
import { DEVICES, type DeviceChoice } from '../../models/device.js';
import { COMMAND_LIST } from '../command-list.js';
import { describePlan, rel } from '../describe-plan.js';
import { checkStore, DECODE_WORKERS_HELP, DEVICE_HELP, FORCE_UNLOCK_HELP, lockOutput, MAX_IMAGE_PIXELS_HELP, nonNegativeInt, onInterrupt, positiveInt, PREPROCESS_HELP, REPAIR_HELP } from '../common-options.js';
import { createProgressDisplay } from '../progress-display.js';
import { addClusterOptions, clusterMode, emitK8s, emitSlurm, runOnSlurm, type ClusterFlags } from './run-cluster.js';

interface RunFlags extends ClusterFlags {
  shard?: { index: number; count: number };
  store?: string;
  out?: string;
  benchmarksDir?: string;
  threads?: number;
  device?: DeviceChoice;
  decodeWorkers?: number;
  preprocess?: PreprocessChoice;
  maxImagePixels?: number;
  report: boolean;
  quiet?: boolean;
  forceUnlock?: boolean;
  repair?: boolean;
}

function shardOption(value: string): { index: number; count: number } {
  const s = parseShard(value);
  if (!s) throw new InvalidArgumentError('expected i/N with 1 <= i <= N, e.g. 1/4');
  return s;
}

function formatRunSummary(s: RunSuiteSummary): string {
  const lines = [
    `suite                  ${s.suite}${s.shard ? ` (shard ${s.shard})` : ''}`,
    `embedding units        ${s.embeddingUnits.thisProcess}${s.shard ? ` of ${s.embeddingUnits.total}` : ''}, ${s.imagesInferred} images inferred`,
  ];
  if (s.files) {
    lines.push(`metric units           ${s.metricUnits.total}: ${s.metricUnits.computed} computed, ${s.metricUnits.cached} already done${s.skipped ? `; ${s.skipped} not applicable` : ''}`);
    lines.push(`results                ${rel(s.files.results)}`);
    lines.push(`table                  ${rel(s.files.csv)}`);
    if (s.files.report) lines.push(`report                 ${rel(s.files.report)}`);
  } else {
    lines.push('metrics                not computed by a shard: run the suite without --shard to finish and aggregate');
  }
  lines.push(`time                   ${s.seconds.toFixed(1)} s`);
  lines.push(`stages                 ${s.stages.map((st) => `${st.stage} ${st.seconds.toFixed(1)} s`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description(COMMAND_LIST.run.description)
    .argument('[suite]', 'suite file (YAML)', 'suites/demo.yaml')
    .option('--shard <i/N>', 'embed only the i-th of N deterministic shares of the embedding units (several processes sharing one --store), then stop', shardOption)
    .option('--store <dir>', 'embedding store (default: the suite\'s `store`, else .holoclip)')
    .option('--out <dir>', 'output folder (default: the suite\'s `out`, else runs/<suite name>)')
    .option('--benchmarks-dir <dir>', 'where built-in benchmarks are built (default .holoclip/benchmarks)')
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt)
    .addOption(new Option('--device <device>', `${DEVICE_HELP} (default: the suite's \`device\`, else cpu)`).choices([...DEVICES]))
    .option('--decode-workers <n>', DECODE_WORKERS_HELP, positiveInt)
    .addOption(new Option('--preprocess <mode>', `${PREPROCESS_HELP} (default: the suite's \`preprocess\`, else auto)`).choices([...PREPROCESS_CHOICES]))
    .option('--max-image-pixels <n>', `${MAX_IMAGE_PIXELS_HELP} (default: the suite's \`max_image_pixels\`, else 89478485)`, nonNegativeInt)
    .option('--no-report', 'do not write report/index.html')
    .option('--quiet', 'no progress output')
    .option('--force-unlock', FORCE_UNLOCK_HELP)
    .option('--repair', REPAIR_HELP);
  addClusterOptions(run)
    .addHelpText(
      'after',
      `
The suite expands to embedding units (model x dataset) and metric units (model x task). Both are
content-addressed and written atomically: a killed run resumes where it stopped, and a finished one
reruns in seconds with no inference. Every problem of the suite file is reported at once before
any work starts (holoclip suite check validates without running).

Several processes or machines can share one store:
  holoclip run suite.yaml --shard 1/2 &  holoclip run suite.yaml --shard 2/2 ; wait
  holoclip run suite.yaml                 # finishes whatever is missing and aggregates

On a cluster (shard jobs + an aggregation job over a shared store; docs/scaling-out.md):
  holoclip run suite.yaml --emit slurm --shards 8 --partition gpu --gpus-per-task 1 --time 4:00:00
  holoclip run suite.yaml --slurm --shards 8 ...   # submit, follow, print failed shards with their logs
  holoclip run suite.yaml --emit k8s --shards 8 --image IMAGE --pvc CLAIM

Writes to the output folder: results.json, results.csv (tidy: one row per model x dataset x
metric, with the model metadata columns), report/index.html, and units.json (where each unit's
own result.json, predictions and logits are: <store>/units/<key>/).

Examples:
  npm start                                # = holoclip run suites/demo.yaml (the mini zoo on emoji-shift)
  holoclip run my-suite.yaml --out runs/nightly --store /shared/holoclip-store`,
    )
    .action(async (file: string, flags: RunFlags) => {
      const suite = await loadSuite(file, { store: flags.store, out: flags.out, benchmarksDir: flags.benchmarksDir });
      const mode = clusterMode(flags);
      if (mode !== null) {
        const input = { suite, flags, preprocess: flags.preprocess, threads: flags.threads, device: flags.device, decodeWorkers: flags.decodeWorkers, report: flags.report, log: (l: string) => process.stderr.write(`${l}\n`) };
        if (mode === 'emit-slurm') process.stdout.write(await emitSlurm(input));
        else if (mode === 'slurm') process.stdout.write(await runOnSlurm(input));
        else process.stdout.write(await emitK8s(input));
        return;
      }
      // A shard writes only to the store (shards run side by side); a full run owns the output folder.
      const lock = flags.shard ? null : lockOutput(suite.out, flags);
      checkStore(suite.store);
      const progress = createProgressDisplay(process.stderr, flags.quiet === true);
      onInterrupt(() => {
        progress.finish();
        process.stderr.write('\nholoclip: interrupted; finished units are kept, rerun the same command to resume\n');
      });
      if (flags.quiet !== true) process.stderr.write(describePlan(suite));
      // The run code (models, images, tasks) is loaded only here: `suite check` and `--help` do without it.
      const { runSuite } = await import('../../suite/run-suite.js');
      const summary = await runSuite(suite, {
        shard: flags.shard,
        threads: flags.threads,
        device: flags.device,
        decodeWorkers: flags.decodeWorkers,
        preprocess: flags.preprocess,
        maxImagePixels: flags.maxImagePixels,
        report: flags.report,
        repair: flags.repair === true,
        progress,
        warn: (m) => progress.log(`warning: ${m}`),
      });
      lock?.release();
      process.stdout.write(formatRunSummary(summary));
    });
}
