/**
 * holoclip command line. Thin: parses flags, delegates to tasks, prints a summary, maps errors to
 * one line and an exit code (0 ok, 1 bad input / failed run, 2 bad usage).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { HoloclipError, errorMessage } from '../errors.js';
import { DTYPES, type Dtype } from '../models/dtype.js';
import { runZeroShot } from '../tasks/zeroshot/run.js';
import { HOLOCLIP_VERSION } from '../tasks/zeroshot/run.js';
import { createProgressDisplay } from './progress-display.js';
import { formatZeroShotSummary } from './summary.js';
import { inspectModelCommand } from './inspect-model.js';

/** On Ctrl-C / SIGTERM: restore the terminal, say what is kept, exit 130. Store writes are atomic, so nothing is corrupted. */
function onInterrupt(cleanup: () => void): void {
  const handler = (signal: NodeJS.Signals) => {
    cleanup();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function finiteNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('holoclip')
    .description('Holistic robustness evaluation of CLIP-family models exported to ONNX (Hugging Face / transformers.js layout).')
    .version(HOLOCLIP_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str) });

  const evalCmd = program.command('eval').description('evaluate a model on a dataset');

  evalCmd
    .command('zeroshot')
    .description(
      'zero-shot classification: embed every image once (cached in the store), build the text classifier from class names x templates, report top-1, top-5 and mean per-class recall',
    )
    .requiredOption('--model <dir>', 'model folder: config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json, onnx/{vision,text}_model*.onnx')
    .requiredOption('--data <path>', 'dataset: an ImageFolder directory (one sub-folder per class) or a .jsonl manifest ({"path","label"} per line)')
    .requiredOption('--out <rundir>', 'run directory to write result.json, predictions.jsonl, logits.npy (and failures.jsonl)')
    .option('--classnames <file>', 'class names: one per line, or a JSON array (required for .jsonl manifests; default for ImageFolder: the folder names)')
    .option('--templates <template|file>', 'one template containing {c}, or a file: .txt one per line, .json array, or .json object with --templates-key (default: "a photo of a {c}.")')
    .option('--templates-key <key>', 'entry of a JSON object templates file (e.g. "imagenet1k" in CLIP_benchmark\'s file)')
    .addOption(new Option('--dtype <dtype>', 'precision variant of the ONNX files (file suffixes as transformers.js)').choices([...DTYPES]).default('fp32'))
    .option('--batch-size <n>', 'images per inference batch', positiveInt, 32)
    .option('--store <dir>', 'embedding store directory (shared by runs; reruns reuse it)', '.holoclip')
    .addOption(new Option('--preprocess <mode>', 'fast: sharp pipeline; reference: transformers.js image processor').choices(['fast', 'reference']).default('fast'))
    .option('--logit-scale <s>', 'logit scale to use (exp of the learned logit_scale, e.g. 100 for OpenAI CLIP); overrides holoclip.json and recovery', finiteNumber)
    .option('--logit-bias <b>', 'logit bias (SigLIP); overrides holoclip.json', finiteNumber)
    .option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)', positiveInt)
    .option('--quiet', 'no progress output')
    .addHelpText(
      'after',
      `
Examples:
  holoclip eval zeroshot --model models/clip-vit-base-patch32 --data ~/data/imagenet/val --out runs/in1k
  holoclip eval zeroshot --model m/ --data manifest.jsonl --classnames classes.txt \\
      --templates en_zeroshot_classification_templates.json --templates-key imagenet1k --dtype q8 --out runs/q8

Every image is embedded once per (model files, dtype, preprocessing) and kept in --store; a rerun
does no image inference and an interrupted run resumes from its last finished batch.`,
    )
    .action(async (opts: ZeroShotFlags) => {
      const progress = createProgressDisplay(process.stderr, opts.quiet === true);
      onInterrupt(() => {
        progress.finish();
        process.stderr.write('\nholoclip: interrupted; finished batches are kept in the store, rerun the same command to resume\n');
      });
      const result = await runZeroShot({
        model: opts.model,
        data: opts.data,
        classnames: opts.classnames,
        templates: opts.templates,
        templatesKey: opts.templatesKey,
        dtype: opts.dtype,
        batchSize: opts.batchSize,
        store: opts.store,
        out: opts.out,
        preprocess: opts.preprocess,
        logitScale: opts.logitScale,
        logitBias: opts.logitBias,
        threads: opts.threads,
        progress,
        warn: (m) => progress.log(m),
      });
      process.stdout.write(formatZeroShotSummary(result, opts.out));
    });

  const modelCmd = program.command('model').description('inspect model folders');
  modelCmd
    .command('inspect')
    .description('check a model folder and show its type, available dtypes, preprocessing and where its logit scale comes from')
    .argument('<dir>', 'model folder')
    .addOption(new Option('--dtype <dtype>', 'precision variant').choices([...DTYPES]).default('fp32'))
    .option('--store <dir>', 'store directory (holds the recovered-logit-scale cache)', '.holoclip')
    .action(async (dir: string, opts: { dtype: Dtype; store: string }) => {
      process.stdout.write(await inspectModelCommand(dir, opts.dtype, opts.store));
    });

  return program;
}

interface ZeroShotFlags {
  model: string;
  data: string;
  out: string;
  classnames?: string;
  templates?: string;
  templatesKey?: string;
  dtype: Dtype;
  batchSize: number;
  store: string;
  preprocess: 'fast' | 'reference';
  logitScale?: number;
  logitBias?: number;
  threads?: number;
  quiet?: boolean;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander already printed the message, the help or the version
      return (err as { exitCode?: number }).exitCode === 0 ? 0 : 2;
    }
    if (err instanceof HoloclipError) {
      process.stderr.write(`holoclip: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`holoclip: unexpected error: ${errorMessage(err)}\n`);
    if (process.env.HOLOCLIP_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    else process.stderr.write('(set HOLOCLIP_DEBUG=1 for a stack trace)\n');
    return 1;
  }
}
