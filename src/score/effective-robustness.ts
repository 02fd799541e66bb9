/**
 * `holoclip score effective-robustness`: a model's shifted accuracy against the line fitted to a
 * table of baseline models (Taori et al. 2020), with a bootstrap interval.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readClassnames } from '../data/classnames.js';
import { HoloclipError, errorMessage } from '../errors.js';
import { EXTREME_ACCURACY_RULES, effectiveRobustnessWithBootstrap, type AccuracyTransform, type ExtremeAccuracies } from '../metrics/effective-robustness.js';
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
  baselineSet?: string;
  modelTypes?: string;
  extremes?: ExtremeAccuracies;
  leaveModelOut?: boolean;
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
    { flags: '--baseline-set <name>', description: "effective-robustness: the rows the line is fitted on: standard (imagenet-testbed's standard-training models, its line-fit rule), all (every row), or types:TYPE,... (rows of these NatModelTypes, e.g. types:STANDARD,MORE_DATA)", default: 'standard' },
    { flags: '--model-types <file>', description: "effective-robustness: imagenet-testbed's plotting/model_types.py for --baseline-set standard / types: (default: the registered imagenet_testbed/model_types.py)" },
    { flags: '--baseline-models <list>', description: 'effective-robustness: comma-separated model names to fit on (replaces --baseline-set)', value: 'list' },
    { flags: '--baseline-models-file <file>', description: 'effective-robustness: model names to fit on, one per line (replaces --baseline-set)' },
    { flags: '--extremes <rule>', description: 'effective-robustness: baseline rows at 0% or 100%: exclude (imagenet-testbed: left out of the fit, nothing clipped) or clip (to [1e-6, 1 - 1e-6])', choices: EXTREME_ACCURACY_RULES, default: 'exclude' },
    { flags: '--leave-model-out', description: 'effective-robustness: leave the --model row out of the fit (imagenet-testbed keeps it in when it belongs to the baseline set)' },
    { flags: '--id-result <result.json>', description: 'effective-robustness: take the ID accuracy (metrics.top1) from an eval zeroshot result' },
    { flags: '--shift-result <result.json>', description: 'effective-robustness: take the shifted accuracy (metrics.top1) from an eval zeroshot result' },
    { flags: '--model <name>', description: 'effective-robustness: take the evaluated model\'s accuracies from this row of the table' },
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
    let listed = inputs.baselineModels;
    if (inputs.baselineModelsFile) listed = [...(listed ?? []), ...(await readClassnames(inputs.baselineModelsFile))];
    // formats/ (csv-parse and every reader) is imported only when this metric runs: `score ece` starts faster.
    const { readBaselineTable } = await import('../formats/index.js');
    const table = await readBaselineTable(file, { modelColumn: inputs.modelColumn, idColumn, shiftColumn });
    let modelId = inputs.idAcc ?? (inputs.idResult ? await top1Of(inputs.idResult) : undefined);
    let modelShift = inputs.shiftAcc ?? (inputs.shiftResult ? await top1Of(inputs.shiftResult) : undefined);
    const set = await chooseBaselineSet(table.models, file, listed !== undefined ? null : (inputs.baselineSet ?? 'standard'), listed ?? [], inputs.modelTypes);
    let inFit = set.keep;
    if (inputs.model !== undefined) {
      const i = table.models.indexOf(inputs.model);
      if (i < 0) throw new HoloclipError(`baseline table ${file} has no row for model "${inputs.model}" with both ${idColumn} and ${shiftColumn}`);
      modelId ??= table.id[i];
      modelShift ??= table.shift[i];
      if (inputs.leaveModelOut) inFit = inFit.map((k, j) => k && j !== i);
    } else if (inputs.leaveModelOut) {
      throw new HoloclipError('score effective-robustness: --leave-model-out needs --model NAME (the row to leave out)');
    }
    const baseNames = table.models.filter((_, j) => inFit[j]);
    const baseId = table.id.filter((_, j) => inFit[j]);
    const baseShift = table.shift.filter((_, j) => inFit[j]);
    const idAcc = need(modelId, '--id-acc X, --id-result RUN/result.json or --model NAME', metric);
    const shiftAcc = need(modelShift, '--shift-acc Y, --shift-result RUN/result.json or --model NAME', metric);
    for (const [v, f] of [[idAcc, '--id-acc'], [shiftAcc, '--shift-acc']] as const) {
      if (!(v >= 0 && v <= 1)) throw new HoloclipError(`${f} must be an accuracy in [0, 1] (got ${v})`);
    }
    if (baseId.length < 3) {
      throw new HoloclipError(`baseline table ${file}: the baseline set "${set.name}" has ${baseId.length} usable models; at least 3 are needed for a fit (choose another with --baseline-set or --baseline-models)`);
    }
    const extremes = inputs.extremes ?? 'exclude';
    const res = effectiveRobustnessWithBootstrap(baseId, baseShift, { id: idAcc, shift: shiftAcc }, { transform: inputs.transform, extremes, samples: inputs.bootstrap, seed: inputs.seed });
    const excluded = res.fit.excluded.map((k) => baseNames[k]);
    const baselineSet = {
      name: set.name,
      rule: set.rule,
      size: res.fit.n,
      rows_in_set: baseNames.length,
      excluded_at_0_or_100_percent: excluded,
      model_left_out: inputs.leaveModelOut ? inputs.model ?? null : null,
      model_types: set.modelTypes,
      not_in_model_types: set.unlisted,
    };
    return scoreEnvelope(metric, { model_id_accuracy: idAcc, model_shift_accuracy: shiftAcc, baseline_models: res.fit.n, ...res }, {
      baseline_set: baselineSet,
      extremes:
        extremes === 'exclude'
          ? 'baseline rows at 0% or 100% in either column are left out of the fit, nothing is clipped (imagenet-testbed: plotter.transform_acc does not clip)'
          : 'accuracies clipped to [1e-6, 1 - 1e-6] before the transform (holoclip before issue 12)',
      fit: `least squares of ${res.fit.transform}(shift accuracy) on ${res.fit.transform}(ID accuracy) over the ${res.fit.n} models of baseline set "${set.name}" (Taori et al. 2020; imagenet-testbed format_eff_robust)`,
      effective_robustness: 'shift accuracy - predicted shift accuracy from the baseline fit',
      bootstrap: `95% percentile interval over ${res.bootstrap.samples} resamples of the baseline models (seed ${res.bootstrap.seed})`,
      accuracy_unit: `baseline table read as ${table.scale}; rows with a missing value skipped: ${table.skipped}`,
    }, { baselines: absPath(file), id_column: idColumn, shift_column: shiftColumn, model: inputs.model ?? null });
  },
};

interface BaselineSetChoice {
  name: string;
  rule: string;
  /** Per table row: in the set or not. */
  keep: boolean[];
  /** The model_types.py read, or null when the set needs none. */
  modelTypes: string | null;
  /** Table rows model_types.py does not list (never in a type-based set). */
  unlisted: string[];
}

const SET_NAMES = 'standard, all or types:TYPE,...';

/**
 * The rows of the table the line is fitted on. `name` null: the explicit --baseline-models list `listed`. 'standard' and 'types:' read imagenet-testbed's model_types.py.
 */
async function chooseBaselineSet(models: string[], file: string, name: string | null, listed: readonly string[], modelTypesFile: string | undefined): Promise<BaselineSetChoice> {
  if (name === null) {
    const wanted = new Set(listed);
    const absent = [...wanted].filter((m) => !models.includes(m));
    if (absent.length > 0) {
      const shown = absent.slice(0, 5).map((m) => JSON.stringify(m)).join(', ') + (absent.length > 5 ? `, ... (${absent.length} in all)` : '');
      throw new HoloclipError(`baseline table ${file} has no row with both accuracies for baseline model ${shown}; check --baseline-models / --baseline-models-file`);
    }
    return { name: 'models', rule: 'the models given with --baseline-models / --baseline-models-file', keep: models.map((m) => wanted.has(m)), modelTypes: null, unlisted: [] };
  }
  if (name === 'all') return { name: 'all', rule: 'every row of the table with both accuracies', keep: models.map(() => true), modelTypes: null, unlisted: [] };
  let types: string[] | null = null;
  if (name.startsWith('types:')) {
    types = name.slice('types:'.length).split(',').map((t) => t.trim()).filter((t) => t !== '');
    if (types.length === 0) throw new HoloclipError(`--baseline-set ${name}: name at least one type, e.g. types:STANDARD,MORE_DATA`);
  } else if (name !== 'standard') {
    throw new HoloclipError(`unknown --baseline-set "${name}"; expected ${SET_NAMES}`);
  }
  const typesFile = modelTypesFile !== undefined ? path.resolve(modelTypesFile) : await registeredModelTypes();
  const { TESTBED_STANDARD_RULE, readTestbedModelTypes, testbedUsesForLineFit } = await import('../formats/index.js');
  const parsed = await readTestbedModelTypes(typesFile);
  if (types !== null) {
    const unknown = types.filter((t) => !parsed.natTypes.includes(t));
    if (unknown.length > 0) throw new HoloclipError(`--baseline-set ${name}: ${unknown.join(', ')} is not a NatModelTypes member of ${typesFile} (members: ${parsed.natTypes.join(', ')})`);
  }
  const unlisted = models.filter((m) => !parsed.natType.has(m));
  const keep = models.map((m) => {
    const t = parsed.natType.get(m);
    return types === null ? testbedUsesForLineFit(m, t) : t !== undefined && types.includes(t);
  });
  if (!keep.some((k) => k)) {
    throw new HoloclipError(`baseline table ${file}: no row belongs to baseline set "${name}" by ${typesFile} (${unlisted.length} of ${models.length} rows are not listed there); for a table of other models use --baseline-set all or --baseline-models`);
  }
  const rule = types === null ? TESTBED_STANDARD_RULE : `rows whose nat_model_types_map type (imagenet-testbed plotting/model_types.py) is one of ${types.join(', ')}`;
  return { name, rule, keep, modelTypes: typesFile, unlisted };
}

async function registeredModelTypes(): Promise<string> {
  const { resourcePath } = await import('../refdata/index.js');
  return resourcePath('imagenet_testbed/model_types.py');
}
