/** `holoclip score <metric>`: metrics on predictions made elsewhere (no model); the metrics and their flags come from src/score. */
import { type Command, Option } from 'commander';
import { HoloclipError } from '../../errors.js';
import type { ScoreOption, ScoreOptionValue } from '../../score/definition.js';
import { SCORE_METRICS, findScoreMetric, scoreOptions, type ScoreInputs } from '../../score/registry.js';
import { COMMAND_LIST } from '../command-list.js';
import { finiteNumber, nonNegativeInt, positiveInt } from '../arg-parsers.js';
import { printTaskSummary } from '../summary.js';

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

const PARSERS: Record<ScoreOptionValue, (value: string, previous: unknown) => unknown> = {
  'positive-int': positiveInt,
  'non-negative-int': nonNegativeInt,
  number: finiteNumber,
  list,
  'positive-int-list': (v: string) => list(v).map((x) => positiveInt(x)),
  repeatable: (v: string, prev: unknown) => [...((prev as string[] | undefined) ?? []), v],
};

function commanderOption(spec: ScoreOption): Option {
  const option = new Option(spec.flags, spec.description);
  if (spec.choices) option.choices(spec.choices);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.value) option.argParser<unknown>(PARSERS[spec.value]);
  return option;
}

export function registerScore(program: Command): void {
  const names = SCORE_METRICS.map((d) => d.name);
  const cmd = program
    .command('score')
    .description(COMMAND_LIST.score.description)
    .argument('<metric>', `one of: ${names.join(', ')}`);
  for (const spec of scoreOptions()) cmd.addOption(commanderOption(spec));
  cmd
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
      const metric = findScoreMetric(metricArg);
      if (metric === undefined) throw new HoloclipError(`unknown metric "${metricArg}" (choose from ${names.join(', ')})`);
      const result = await metric.run(flags);
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else printTaskSummary(result);
    });
}
