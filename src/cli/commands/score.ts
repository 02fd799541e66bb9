/** `holoclip score <metric>`: metrics on predictions made elsewhere (no model). */
import { type Command, Option } from 'commander';
import { HoloclipError } from '../../errors.js';
import { SCORE_METRICS, runScore, type ScoreInputs, type ScoreMetric } from '../../tasks/score/run.js';
import { finiteNumber, nonNegativeInt, positiveInt } from '../common-options.js';
import { printTaskSummary } from '../summary.js';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('compute a metric from predictions made elsewhere (logits, scores, decisions, prediction CSVs); no model needed')
    .argument('<metric>', `one of: ${SCORE_METRICS.join(', ')}`)
    .option('--logits <file>', 'logits n x classes (.npy, or text: one row per line); for --score mcm: raw cosines')
    .option('--labels <file>', 'integer labels (.npy, or text: one per line)')
    .option('--bins <n>', 'ECE bins', positiveInt)
    .option('--temperature <t>', 'divide logits by T before the softmax (ece/nll/brier)', finiteNumber)
    .option('--id-scores <file>', 'ood: in-distribution scores, higher = more ID (.npy or one per line)')
    .option('--ood-scores <file>', 'ood: OOD scores')
    .option('--ood-logits <file>', 'ood: OOD logits, scored with --score like --logits')
    .addOption(new Option('--score <name>', 'ood: score computed from logits').choices(['msp', 'maxlogit', 'energy', 'mcm']))
    .addOption(new Option('--convention <c>', 'ood: positive class').choices(['id-positive', 'ood-positive']).default('id-positive'))
    .option('--baselines <csv>', 'effective-robustness: table of baseline accuracies (e.g. imagenet-testbed robustness_top1s.csv)')
    .option('--model-column <name>', 'effective-robustness: model name column (default "model")')
    .option('--id-column <name>', 'effective-robustness: ID accuracy column (e.g. val)')
    .option('--shift-column <name>', 'effective-robustness: shifted accuracy column (e.g. imagenetv2-matched-frequency-format-val)')
    .option('--baseline-models <list>', 'effective-robustness: comma-separated model names to fit on (default: every row)', list)
    .option('--baseline-models-file <file>', 'effective-robustness: model names to fit on, one per line')
    .option('--id-result <result.json>', 'effective-robustness: take the ID accuracy (metrics.top1) from an eval zeroshot result')
    .option('--shift-result <result.json>', 'effective-robustness: take the shifted accuracy (metrics.top1) from an eval zeroshot result')
    .option('--model <name>', 'effective-robustness: take the evaluated model\'s accuracies from this row of the table (and leave it out of the fit)')
    .option('--id-acc <x>', 'effective-robustness: the evaluated model\'s ID accuracy (fraction)', finiteNumber)
    .option('--shift-acc <y>', 'effective-robustness: the evaluated model\'s shifted accuracy (fraction)', finiteNumber)
    .addOption(new Option('--transform <t>', 'effective-robustness: axis transform').choices(['logit', 'probit', 'none']).default('logit'))
    .option('--bootstrap <n>', 'effective-robustness: bootstrap resamples', positiveInt, 1000)
    .option('--seed <n>', 'effective-robustness: bootstrap seed', nonNegativeInt, 0)
    .option('--predictions <csv>', 'factors: predictions in imagenetx layout (file_name,predicted_class,predicted_probability)')
    .option('--annotations <jsonl>', 'factors: ImageNet-X annotation file')
    .option('--prototypical <csv>', 'factors: drop the images in ImageNet-X\'s prototypical_paths.csv')
    .option('--decisions <csv...>', 'shape-bias: raw decision CSVs (texture-vs-shape layout), pooled')
    .option('--subject-prefix <p>', 'shape-bias: only decisions of subjects whose name starts with p (e.g. "subject-" for humans)')
    .option('--by-subject', 'shape-bias: also report each subject (subj column) separately')
    .option('--pool <prefix>', 'shape-bias: report subjects starting with prefix as one group, e.g. "subject-" for the humans (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--similarity <file>', 'retrieval: similarity matrix images x texts (.npy)')
    .option('--text-image <file>', 'retrieval: image index of each text (.npy or one per line)')
    .option('--k <list>', 'retrieval: K values', (v: string) => list(v).map((x) => positiveInt(x)))
    .option('--json', 'print the result envelope as JSON on stdout, nothing else')
    .addHelpText(
      'after',
      `
Examples:
  holoclip score ece --logits run/logits.npy --labels labels.txt
  holoclip score ood --id-scores id.txt --ood-scores ood.txt
  holoclip score effective-robustness --baselines robustness_top1s.csv --id-column val \\
      --shift-column imagenetv2-matched-frequency-format-val --id-acc 0.68 --shift-acc 0.62
  holoclip score shape-bias --decisions raw-data/*.csv --by-subject --pool subject-
  holoclip score factors --predictions pred_ResNet50.csv --annotations imagenet_x_val_multi_factor.jsonl`,
    )
    .action(async (metricArg: string, flags: ScoreInputs & { json?: boolean }) => {
      if (!(SCORE_METRICS as readonly string[]).includes(metricArg)) {
        throw new HoloclipError(`unknown metric "${metricArg}" (choose from ${SCORE_METRICS.join(', ')})`);
      }
      const result = await runScore(metricArg as ScoreMetric, flags);
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else printTaskSummary(result);
    });
}
