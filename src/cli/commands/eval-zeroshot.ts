import type { Command } from 'commander';
import { parseCorruptions } from '../../corruptions/registry.js';
import { runCorruptionEval } from '../../tasks/corruption/run.js';
import { runZeroShot } from '../../tasks/zeroshot/run.js';
import { addClassifierOptions, addModelOptions, evalOptions, nonNegativeInt, type ModelFlags } from '../common-options.js';
import { formatCorruptionSummary, formatZeroShotSummary } from '../summary.js';

interface Flags extends ModelFlags {
  data: string;
  out: string;
  classnames?: string;
  templates?: string;
  templatesKey?: string;
  corruption?: string;
  corruptionSeed: number;
  depthDir?: string;
  depthModel?: string;
  referenceErrors?: string;
}

export function registerEvalZeroShot(evalCmd: Command): void {
  const cmd = evalCmd
    .command('zeroshot')
    .description(
      'zero-shot classification: embed every image once (cached in the store), build the text classifier from class names x templates, report top-1, top-5 and mean per-class recall',
    )
    .requiredOption('--data <path>', 'dataset: an ImageFolder directory (one sub-folder per class) or a .jsonl manifest ({"path","label"} per line)')
    .requiredOption('--out <rundir>', 'run directory to write result.json, predictions.jsonl, logits.npy (and failures.jsonl)')
    .option('--corruption <spec>', 'evaluate corrupted versions of the data: NAME:SEVERITY, NAME (severities 1-5), imagenet-c, imagenet-c-extra, 3dcc or all, comma-separated (see holoclip corrupt --list)')
    .option('--corruption-seed <n>', 'global seed of the random corruptions', nonNegativeInt, 0)
    .option('--depth-dir <dir>', '3D corruptions: folder holding each image\'s depth map (.npy or 16-bit .png) at its relative path')
    .option('--depth-model <dir>', '3D corruptions: a depth-estimation model folder (transformers.js layout, e.g. a Depth Anything / DPT export) for images without a depth map; maps are cached in the store')
    .option('--reference-errors <csv>', 'a reference model\'s errors (corruption,severity,error; e.g. AlexNet) for mCE and relative mCE');
  addModelOptions(addClassifierOptions(cmd))
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
    .action(async (flags: Flags) => {
      const base = { ...evalOptions(flags), data: flags.data, classnames: flags.classnames, templates: flags.templates, templatesKey: flags.templatesKey, out: flags.out };
      if (flags.corruption !== undefined) {
        const corruptions = parseCorruptions(flags.corruption, flags.corruptionSeed);
        const result = await runCorruptionEval({ ...base, corruptions, depthDir: flags.depthDir, depthModel: flags.depthModel, referenceErrors: flags.referenceErrors });
        process.stdout.write(formatCorruptionSummary(result, flags.out));
        return;
      }
      const result = await runZeroShot(base);
      process.stdout.write(formatZeroShotSummary(result, flags.out));
    });
}
