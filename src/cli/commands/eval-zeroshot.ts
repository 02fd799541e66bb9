import type { Command } from 'commander';
import { runZeroShot } from '../../tasks/zeroshot/run.js';
import { addClassifierOptions, addModelOptions, evalOptions, type ModelFlags } from '../common-options.js';
import { formatZeroShotSummary } from '../summary.js';

interface Flags extends ModelFlags {
  data: string;
  out: string;
  classnames?: string;
  templates?: string;
  templatesKey?: string;
}

export function registerEvalZeroShot(evalCmd: Command): void {
  const cmd = evalCmd
    .command('zeroshot')
    .description(
      'zero-shot classification: embed every image once (cached in the store), build the text classifier from class names x templates, report top-1, top-5 and mean per-class recall',
    )
    .requiredOption('--data <path>', 'dataset: an ImageFolder directory (one sub-folder per class) or a .jsonl manifest ({"path","label"} per line)')
    .requiredOption('--out <rundir>', 'run directory to write result.json, predictions.jsonl, logits.npy (and failures.jsonl)');
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
      const result = await runZeroShot({ ...evalOptions(flags), data: flags.data, classnames: flags.classnames, templates: flags.templates, templatesKey: flags.templatesKey, out: flags.out });
      process.stdout.write(formatZeroShotSummary(result, flags.out));
    });
}
