/**
 * `holoclip score effective-robustness`: a model's shifted accuracy against the line fitted to a
 * table of baseline models (Taori et al. 2020), with a bootstrap interval.
 */
import { promises as fs } from 'node:fs';
import { readClassnames } from '../data/index.js';
import { HoloclipError, errorMessage } from '../errors.js';
import { readBaselineTable } from '../formats/index.js';
import { effectiveRobustnessWithBootstrap, type AccuracyTransform } from '../metrics/effective-robustness.js';
import { absPath, need, scoreEnvelope, type ScoreMetricDefinition } from './definition.js';

export interface EffectiveRobustnessInputs {
  baselines?: string;
  modelColumn?: string;
  idColumn?: string;
  shiftColumn?: string;
  baselineModels?: string[];
  baselineModelsFile?: string;
  idResult?: string;
  shiftResult?: string;
  model?: string;
  idAcc?: number;
  shiftAcc?: number;
  transform?: AccuracyTransform;
  bootstrap?: number;
  seed?: number;
}

/** metrics.top1 of a holoclip result.json (e.g. an `eval zeroshot` run). */
async function top1Of(file: string): Promise<number> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new HoloclipError(`cannot read result ${file}: ${errorMessage(err)}`);
  }
  const top1 = (value as { metrics?: { top1?: unknown } } | null)?.metrics?.top1;
  if (typeof top1 !== 'number') throw new HoloclipError(`result ${file} has no metrics.top1 (expected the result.json of an eval zeroshot run)`);
  return top1;
}

export const scoreEffectiveRobustness: ScoreMetricDefinition<EffectiveRobustnessInputs> = {
  name: 'effective-robustness',
  description: 'shifted accuracy above the line fitted to baseline models (Taori et al. 2020)',
  options: [
    { flags: '--baselines <csv>', description: 'effective-robustness: table of baseline accuracies (e.g. imagenet-testbed robustness_top1s.csv)' },
    { flags: '--model-column <name>', description: 'effective-robustness: model name column (default "model")' },
    { flags: '--id-column <name>', description: 'effective-robustness: ID accuracy column (e.g. val)' },
    { flags: '--shift-column <name>', description: 'effective-robustness: shifted accuracy column (e.g. imagenetv2-matched-frequency-format-val)' },
    { flags: '--baseline-models <list>', description: 'effective-robustness: comma-separated model names to fit on (default: every row)', value: 'list' },
    { flags: '--baseline-models-file <file>', description: 'effective-robustness: model names to fit on, one per line' },
    { flags: '--id-result <result.json>', description: 'effective-robustness: take the ID accuracy (metrics.top1) from an eval zeroshot result' },
    { flags: '--shift-result <result.json>', description: 'effective-robustness: take the shifted accuracy (metrics.top1) from an eval zeroshot result' },
    { flags: '--model <name>', description: 'effective-robustness: take the evaluated model\'s accuracies from this row of the table (and leave it out of the fit)' },
    { flags: '--id-acc <x>', description: 'effective-robustness: the evaluated model\'s ID accuracy (fraction)', value: 'number' },
    { flags: '--shift-acc <y>', description: 'effective-robustness: the evaluated model\'s shifted accuracy (fraction)', value: 'number' },
    { flags: '--transform <t>', description: 'effective-robustness: axis transform', choices: ['logit', 'probit', 'none'], default: 'logit' },
    { flags: '--bootstrap <n>', description: 'effective-robustness: bootstrap resamples', value: 'positive-int', default: 1000 },
    { flags: '--seed <n>', description: 'effective-robustness: bootstrap seed', value: 'non-negative-int', default: 0 },
  ],
  async run(inputs) {
    const metric = 'effective-robustness';
    const file = need(inputs.baselines, '--baselines CSV', metric);
    const idColumn = need(inputs.idColumn, '--id-column NAME', metric);
    const shiftColumn = need(inputs.shiftColumn, '--shift-column NAME', metric);
    let models = inputs.baselineModels;
    if (inputs.baselineModelsFile) models = [...(models ?? []), ...(await readClassnames(inputs.baselineModelsFile))];
    const table = await readBaselineTable(file, { modelColumn: inputs.modelColumn, idColumn, shiftColumn, models });
    let modelId = inputs.idAcc ?? (inputs.idResult ? await top1Of(inputs.idResult) : undefined);
    let modelShift = inputs.shiftAcc ?? (inputs.shiftResult ? await top1Of(inputs.shiftResult) : undefined);
    let baseId = table.id;
    let baseShift = table.shift;
    if (inputs.model !== undefined) {
      const i = table.models.indexOf(inputs.model);
      if (i < 0) throw new HoloclipError(`baseline table ${file} has no row for model "${inputs.model}" with both ${idColumn} and ${shiftColumn}`);
      modelId ??= table.id[i];
      modelShift ??= table.shift[i];
      baseId = table.id.filter((_, j) => j !== i);
      baseShift = table.shift.filter((_, j) => j !== i);
    }
    const idAcc = need(modelId, '--id-acc X, --id-result RUN/result.json or --model NAME', metric);
    const shiftAcc = need(modelShift, '--shift-acc Y, --shift-result RUN/result.json or --model NAME', metric);
    for (const [v, f] of [[idAcc, '--id-acc'], [shiftAcc, '--shift-acc']] as const) {
      if (!(v >= 0 && v <= 1)) throw new HoloclipError(`${f} must be an accuracy in [0, 1] (got ${v})`);
    }
    if (baseId.length < 3) throw new HoloclipError(`baseline table ${file} has ${baseId.length} usable models; at least 3 are needed for a fit`);
    const res = effectiveRobustnessWithBootstrap(baseId, baseShift, { id: idAcc, shift: shiftAcc }, { transform: inputs.transform, samples: inputs.bootstrap, seed: inputs.seed });
    return scoreEnvelope(metric, { model_id_accuracy: idAcc, model_shift_accuracy: shiftAcc, baseline_models: baseId.length, ...res }, {
      fit: `least squares of ${res.fit.transform}(shift accuracy) on ${res.fit.transform}(ID accuracy) over the baseline models (Taori et al. 2020)`,
      effective_robustness: 'shift accuracy - predicted shift accuracy from the baseline fit',
      bootstrap: `95% percentile interval over ${res.bootstrap.samples} resamples of the baseline models (seed ${res.bootstrap.seed})`,
      accuracy_unit: `baseline table read as ${table.scale}; rows with a missing value skipped: ${table.skipped}`,
    }, { baselines: absPath(file), id_column: idColumn, shift_column: shiftColumn, model: inputs.model ?? null });
  },
};
