/**
 * Effective robustness fitted as imagenet-testbed fits it: the standard-training baseline set read from its
 * model_types.py, its 0% / 100% rule, and the ER of a few models, against goldens made by running the testbed's
 * own format_eff_robust (tools/goldens/make_er_testbed_goldens.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { parseTestbedModelTypes, readBaselineTable, readTestbedModelTypes, testbedUsesForLineFit } from '../src/formats/index.js';
import { effectiveRobustness, fitBaseline } from '../src/metrics/effective-robustness.js';
import { scoreEffectiveRobustness, type EffectiveRobustnessInputs } from '../src/score/effective-robustness.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const SHARED = path.join(REPO_ROOT, '..', 'shared', 'refdata');
const NO_SHARED = !existsSync(SHARED) && 'needs ../shared/refdata';
const TABLE = path.join(SHARED, 'imagenet_testbed', 'robustness_top1s.csv');
const TYPES = path.join(SHARED, 'imagenet_testbed', 'model_types.py');
const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/effective-robustness/testbed_fit.json'), 'utf8'));
const TOL = 1e-6;

function close(actual: number, expected: number, what: string, tol = TOL): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
async function score(inputs: EffectiveRobustnessInputs): Promise<Json> {
  return (await scoreEffectiveRobustness.run({ bootstrap: 20, ...inputs })) as Json;
}

test('model_types.py: every model and its NatModelTypes as the testbed maps them', { skip: NO_SHARED }, async () => {
  const t = await readTestbedModelTypes(TYPES);
  assert.equal(t.natType.size, golden.model_types.n);
  const counts: Record<string, number> = {};
  for (const v of t.natType.values()) counts[v] = (counts[v] ?? 0) + 1;
  for (const [k, n] of Object.entries(golden.model_types.counts as Record<string, number>)) assert.equal(counts[k] ?? 0, n, k);
  const standard = [...t.natType].filter(([, v]) => v === 'STANDARD').map(([k]) => k).sort();
  assert.deepEqual(standard, golden.model_types.standard);
  assert.equal(t.natType.get('resnet18_50k_99_epochs'), 'LOW_ACCURACY_CNN', 'the range() loops are expanded');
  assert.equal(t.natType.get('facebook_adv_trained_resnet152_baseline'), 'ROBUST_INTV', 'LP_ADV maps to ROBUST_INTV');
});

test('model_types.py parser: other quoting and comments are read; anything else is an error naming the file and line', () => {
  const ok = [
    'from enum import Enum',
    'class ModelTypes(Enum):',
    "    STANDARD = ('Standard training', 'tab:blue')\t",
    "    MORE_DATA = ('More', 'tab:green')",
    '',
    'model_types_map = {',
    '"a_model": ModelTypes.STANDARD,  # a comment',
    "'b-aws': ModelTypes.STANDARD",
    '}',
    'for j in range(3):',
    '    model_types_map[f"x_{j}_epochs"] = ModelTypes.MORE_DATA',
    "model_types_map['late'] = ModelTypes.MORE_DATA",
    'class NatModelTypes(Enum):',
    "    STANDARD = ('Standard training', 'tab:blue')",
    "    MORE_DATA = ('More', 'tab:green')",
    'mapper = {',
    '\tModelTypes.STANDARD: NatModelTypes.STANDARD,',
    '\tModelTypes.MORE_DATA: NatModelTypes.MORE_DATA',
    '}',
    'nat_model_types_map = {k: mapper[v] for k, v in model_types_map.items()}',
  ];
  const t = parseTestbedModelTypes(ok.join('\r\n'), 'ok.py');
  assert.deepEqual([...t.natType], [['a_model', 'STANDARD'], ['b-aws', 'STANDARD'], ['x_0_epochs', 'MORE_DATA'], ['x_1_epochs', 'MORE_DATA'], ['x_2_epochs', 'MORE_DATA'], ['late', 'MORE_DATA']]);
  assert.equal(testbedUsesForLineFit('a_model', 'STANDARD'), true);
  assert.equal(testbedUsesForLineFit('b-aws', 'STANDARD'), false, "'aws' in the name");
  assert.equal(testbedUsesForLineFit('ResNet50_Subsample_1', 'STANDARD'), false, "'subsample', any case");
  assert.equal(testbedUsesForLineFit('x_0_epochs', 'MORE_DATA'), false);
  const bad = (lines: string[], re: RegExp) =>
    assert.throws(() => parseTestbedModelTypes(lines.join('\n'), '/tmp/bad_types.py'), (e: unknown) => e instanceof HoloclipError && /\/tmp\/bad_types\.py/.test(e.message) && re.test(e.message));
  bad(ok.map((l) => (l.startsWith('"a_model"') ? '"a_model": get_type("x"),' : l)), /line 7: cannot read the model_types_map entry/);
  bad(ok.map((l) => (l.startsWith("'b-aws'") ? "'b-aws': ModelTypes.UNKNOWN" : l)), /ModelTypes\.UNKNOWN, which class ModelTypes does not declare/);
  bad(ok.filter((l) => !l.includes('ModelTypes.MORE_DATA: NatModelTypes')), /mapper has no entry for ModelTypes\.MORE_DATA/);
  bad(ok.filter((l) => !l.startsWith('nat_model_types_map')), /no nat_model_types_map/);
  bad([...ok, 'print(model_types_map)'], /line 21: cannot read "print/);
  bad(ok.slice(0, 8), /not closed/);
  bad(['just text'], /line 1/);
});

test('score effective-robustness: the default (standard set, testbed 0% rule) equals the testbed\'s format_eff_robust', { skip: NO_SHARED }, async () => {
  for (const c of golden.cases) {
    for (const m of c.models) {
      const fromRow = m.model.endsWith('_published') ? { idAcc: m.id, shiftAcc: m.shift } : { model: m.model };
      const r = await score({ baselines: TABLE, idColumn: c.id_column, shiftColumn: c.shift_column, modelTypes: TYPES, ...fromRow });
      const what = `${m.model} ${c.id_column} -> ${c.shift_column}`;
      close(r.metrics.fit.a, c.slope, `${what} slope`);
      close(r.metrics.fit.b, c.intercept, `${what} intercept`);
      close(r.metrics.fit.r2, c.r2, `${what} r2`);
      assert.equal(r.metrics.baseline_models, c.n, `${what} n`);
      close(r.metrics.effective_robustness, m.effective_robustness, `${what} ER`);
      const set = r.conventions.baseline_set;
      assert.equal(set.name, 'standard');
      assert.equal(set.size, c.n);
      assert.match(set.rule, /STANDARD/);
      assert.deepEqual(set.excluded_at_0_or_100_percent, c.excluded_at_0_or_100);
      assert.equal(set.model_types, TYPES);
    }
  }
  // ImageNet-A: resnet50 (a standard model) is at 0%; the testbed's raw fit with it is NaN, so it is left out.
  const a = golden.cases.find((c: Json) => c.shift_column === 'imagenet-a');
  assert.deepEqual(a.excluded_at_0_or_100, ['resnet50']);
  assert.equal(a.raw_fit_with_them_is_nan, true);
});

test('score effective-robustness: other baseline sets by name, the old clipping and leave-one-out by option', { skip: NO_SHARED }, async () => {
  const base = { baselines: TABLE, idColumn: 'val', shiftColumn: 'imagenetv2-matched-frequency-format-val', modelTypes: TYPES, model: 'resnet50' };
  const all = await score({ ...base, baselineSet: 'all' });
  assert.equal(all.conventions.baseline_set.name, 'all');
  assert.equal(all.metrics.baseline_models, 335);
  const allOut = await score({ ...base, baselineSet: 'all', leaveModelOut: true });
  assert.equal(allOut.metrics.baseline_models, 334, 'holoclip before issue 12: every row but the model');
  assert.equal(allOut.conventions.baseline_set.model_left_out, 'resnet50');
  const std = await score(base);
  assert.ok(Math.abs(std.metrics.effective_robustness - allOut.metrics.effective_robustness) > 0.003, 'the two defaults differ (-0.0074 vs -0.0106)');
  const types = await score({ ...base, baselineSet: 'types:STANDARD,MORE_DATA' });
  const table = await readBaselineTable(TABLE, { idColumn: 'val', shiftColumn: 'imagenetv2-matched-frequency-format-val' });
  const mt = await readTestbedModelTypes(TYPES);
  const expected = table.models.filter((m) => ['STANDARD', 'MORE_DATA'].includes(mt.natType.get(m) ?? '')).length;
  assert.equal(types.metrics.baseline_models, expected);
  assert.ok(expected > 85 + 30);
  assert.match(types.conventions.baseline_set.rule, /STANDARD, MORE_DATA/);
  const listed = await score({ ...base, baselineModels: ['resnet18', 'resnet34', 'resnet101', 'resnet152'] });
  assert.equal(listed.conventions.baseline_set.name, 'models');
  assert.equal(listed.metrics.baseline_models, 4);
  // ImageNet-A, old clipping rule: resnet50 enters the fit at logit(1e-6).
  const aBase = { baselines: TABLE, idColumn: 'val-on-imagenet-a-classes', shiftColumn: 'imagenet-a', modelTypes: TYPES, model: 'resnet152' };
  const clipped = await score({ ...aBase, extremes: 'clip' });
  assert.equal(clipped.metrics.baseline_models, 85);
  assert.deepEqual(clipped.conventions.baseline_set.excluded_at_0_or_100_percent, []);
  const excluded = await score(aBase);
  assert.equal(excluded.metrics.baseline_models, 84);
  // errors name the fix
  await assert.rejects(score({ ...base, baselineSet: 'best' }), /unknown --baseline-set "best"; expected standard, all or types:/);
  await assert.rejects(score({ ...base, baselineSet: 'types:CLIP' }), /CLIP is not a NatModelTypes member/);
  await assert.rejects(score({ ...base, model: undefined, idAcc: 0.7, shiftAcc: 0.6, leaveModelOut: true }), /--leave-model-out needs --model/);
  await assert.rejects(score({ ...base, modelTypes: TABLE }), /model_types\.py.*--model-types FILE/);
});

test('fitBaseline: extremes exclude leaves 0% / 100% models out, clip keeps them at 1e-6', () => {
  const id = [0.6, 0.7, 0.8, 0.75, 0.65];
  const shift = [0.4, 0.5, 0.6, 0, 0.45];
  const ex = fitBaseline(id, shift);
  assert.equal(ex.extremes, 'exclude');
  assert.deepEqual(ex.excluded, [3]);
  assert.equal(ex.n, 4);
  const same = fitBaseline([0.6, 0.7, 0.8, 0.65], [0.4, 0.5, 0.6, 0.45]);
  close(ex.a, same.a, 'slope without the 0% model', 1e-15);
  const cl = fitBaseline(id, shift, 'logit', 'clip');
  assert.deepEqual(cl.excluded, []);
  assert.equal(cl.n, 5);
  assert.ok(Math.abs(cl.a - ex.a) > 0.1);
  // an evaluated model at 0% ID accuracy: no clipping, the prediction is the limit 0
  assert.equal(effectiveRobustness(ex, 0, 0.1), 0.1);
  assert.throws(() => fitBaseline([0.5, 0.6, 0.7], [0, 0, 0.5]), /at least 2 models, got 1 \(2 left out for a 0% or 100% accuracy\)/);
});
