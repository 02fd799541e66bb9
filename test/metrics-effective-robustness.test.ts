import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import {
  ACCURACY_EPSILON,
  effectiveRobustness,
  effectiveRobustnessWithBootstrap,
  fitBaseline,
  inverseTransform,
  predictedShiftAccuracy,
  transformAccuracy,
  type AccuracyTransform,
  type BaselineFit,
} from '../src/metrics/effective-robustness.js';
import { createRng } from '../src/metrics/random.js';
import { readBaselineTable } from '../src/formats/index.js';
import { REPO_ROOT } from './helpers/fixtures.js';

// Goldens: tools/goldens/make_robustness_goldens.py (scipy.stats.linregress / norm.ppf / norm.cdf).
const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/metrics/effective_robustness.json'), 'utf8'));
const SHARED = path.join(REPO_ROOT, '..', 'shared', 'refdata');
const TOL = 1e-6;
const TRANSFORMS: AccuracyTransform[] = ['logit', 'probit', 'none'];

function close(actual: number, expected: number, what: string, tol = TOL): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

function assertFit(actual: BaselineFit, expected: BaselineFit, what: string): void {
  close(actual.a, expected.a, `${what} a`);
  close(actual.b, expected.b, `${what} b`);
  close(actual.r2, expected.r2, `${what} r2`);
  assert.equal(actual.n, expected.n, `${what} n`);
  assert.equal(actual.transform, expected.transform);
}

test('effective robustness: transforms match scipy (logit, norm.ppf, norm.cdf) incl. clipping at 0 and 1', () => {
  assert.equal(golden.epsilon, ACCURACY_EPSILON);
  for (const t of TRANSFORMS) {
    const g = golden.transform[t];
    g.acc.forEach((acc: number, i: number) => close(transformAccuracy(acc, t), g.value[i], `${t}(${acc})`, 1e-9));
    const inv = golden.inverse[t];
    inv.x.forEach((x: number, i: number) => close(inverseTransform(x, t), inv.value[i], `${t}^-1(${x})`, 1e-12));
  }
  // Round trip away from the clipping.
  for (const t of TRANSFORMS) for (const acc of [0.01, 0.3, 0.5, 0.77, 0.99]) close(inverseTransform(transformAccuracy(acc, t), t), acc, `${t} round trip`, 1e-12);
  assert.ok(Number.isFinite(transformAccuracy(0, 'logit')) && Number.isFinite(transformAccuracy(1, 'probit')));
});

test('effective robustness: synthetic baseline fits and ER values match linregress', () => {
  const syn = golden.synthetic;
  for (const t of TRANSFORMS) {
    const fit = fitBaseline(syn.id, syn.shift, t);
    assertFit(fit, syn.fits[t].fit, `synthetic ${t}`);
    for (const m of syn.fits[t].models) {
      close(predictedShiftAccuracy(fit, m.id), m.predicted_shift_accuracy, `${t} predicted(${m.id})`);
      close(effectiveRobustness(fit, m.id, m.shift), m.effective_robustness, `${t} ER(${m.id}, ${m.shift})`);
    }
  }
  // Default transform is logit.
  assert.equal(fitBaseline(syn.id, syn.shift).transform, 'logit');
  // Float64Array input works the same.
  assertFit(fitBaseline(Float64Array.from(syn.id), Float64Array.from(syn.shift)), syn.fits.logit.fit, 'typed arrays');
});

test('effective robustness: exact line gives r2 = 1 and ER = 0 on the line', () => {
  const id = [0.5, 0.6, 0.7, 0.8];
  const shift = id.map((a) => inverseTransform(0.9 * transformAccuracy(a, 'logit') - 0.5, 'logit'));
  const fit = fitBaseline(id, shift);
  close(fit.a, 0.9, 'a', 1e-12);
  close(fit.b, -0.5, 'b', 1e-12);
  close(fit.r2, 1, 'r2', 1e-12);
  close(effectiveRobustness(fit, 0.65, inverseTransform(0.9 * transformAccuracy(0.65, 'logit') - 0.5, 'logit')), 0, 'ER on the line', 1e-12);
});

test('effective robustness: bad input is a one-line HoloclipError', () => {
  const oneLine = (re: RegExp) => (e: unknown) => e instanceof HoloclipError && re.test(e.message) && !e.message.includes('\n');
  assert.throws(() => fitBaseline([0.5], [0.4]), oneLine(/at least 2 models/));
  assert.throws(() => fitBaseline([0.5, 0.6], [0.4]), oneLine(/2 in-distribution accuracies but 1 shifted/));
  assert.throws(() => fitBaseline([0.5, 0.5, 0.5], [0.4, 0.3, 0.2]), oneLine(/same in-distribution accuracy/));
  assert.throws(() => fitBaseline([76.1, 0.6], [0.4, 0.5]), oneLine(/76\.1 is outside \[0, 1\].*divide percentages by 100/));
  assert.throws(() => transformAccuracy(Number.NaN, 'logit'), oneLine(/outside \[0, 1\]/));
  assert.throws(() => transformAccuracy(0.5, 'tanh' as AccuracyTransform), oneLine(/unknown accuracy transform 'tanh'/));
  assert.throws(() => effectiveRobustnessWithBootstrap([0.5, 0.6], [0.4, 0.5], { id: 0.5, shift: 0.4 }, { samples: 0 }), oneLine(/samples must be a positive integer/));
});

test('effective robustness: bootstrap is deterministic per seed, brackets the estimate on a well-fitting baseline', () => {
  const syn = golden.synthetic;
  const model = { id: 0.76, shift: 0.62 };
  for (const t of TRANSFORMS) {
    const r1 = effectiveRobustnessWithBootstrap(syn.id, syn.shift, model, { transform: t });
    const r2 = effectiveRobustnessWithBootstrap(syn.id, syn.shift, model, { transform: t, samples: 1000, seed: 0 });
    assert.deepEqual(r1, r2, 'defaults are 1000 samples, seed 0');
    assert.equal(r1.bootstrap.samples, 1000);
    assert.equal(r1.bootstrap.seed, 0);
    assertFit(r1.fit, syn.fits[t].fit, `bootstrap ${t} point fit`);
    close(r1.effective_robustness, syn.fits[t].models[0].effective_robustness, `bootstrap ${t} ER`);
    close(r1.predicted_shift_accuracy, syn.fits[t].models[0].predicted_shift_accuracy, `bootstrap ${t} predicted`);
    const b = r1.bootstrap;
    assert.ok(b.er_low <= r1.effective_robustness && r1.effective_robustness <= b.er_high, `${t}: ER ${r1.effective_robustness} in [${b.er_low}, ${b.er_high}]`);
    assert.ok(b.a_low <= r1.fit.a && r1.fit.a <= b.a_high, `${t}: a in interval`);
    assert.ok(b.b_low <= r1.fit.b && r1.fit.b <= b.b_high, `${t}: b in interval`);
    assert.ok(b.er_high - b.er_low < 0.05, `${t}: narrow interval for a tight baseline (${b.er_high - b.er_low})`);
    const other = effectiveRobustnessWithBootstrap(syn.id, syn.shift, model, { transform: t, seed: 7 });
    assert.notDeepEqual(other.bootstrap, r1.bootstrap, 'another seed gives other resamples');
    assert.equal(other.effective_robustness, r1.effective_robustness, 'the point estimate does not depend on the seed');
  }
  // Tiny baseline: degenerate resamples are redrawn, still deterministic.
  const tiny = effectiveRobustnessWithBootstrap([0.5, 0.7], [0.3, 0.5], { id: 0.6, shift: 0.45 }, { samples: 50, seed: 3 });
  assert.deepEqual(tiny, effectiveRobustnessWithBootstrap([0.5, 0.7], [0.3, 0.5], { id: 0.6, shift: 0.45 }, { samples: 50, seed: 3 }));
  close(tiny.bootstrap.a_low, tiny.fit.a, 'two distinct points: every resample is the same line', 1e-12);
});

test('random: seeded sfc32 is deterministic and uniform enough', () => {
  const a = createRng(42);
  const b = createRng(42);
  const xs = Array.from({ length: 5 }, () => a.nextUint32());
  assert.deepEqual(xs, Array.from({ length: 5 }, () => b.nextUint32()));
  assert.notDeepEqual(xs, Array.from({ length: 5 }, () => createRng(43).nextUint32()));
  const rng = createRng(1);
  const counts = new Array(10).fill(0);
  for (let i = 0; i < 100000; i++) counts[rng.nextInt(10)]++;
  for (const c of counts) assert.ok(Math.abs(c - 10000) < 500, `bucket ${c}`);
  let s = 0;
  for (let i = 0; i < 100000; i++) {
    const u = rng.next();
    assert.ok(u >= 0 && u < 1);
    s += u;
  }
  close(s / 100000, 0.5, 'mean', 0.01);
  assert.throws(() => createRng(1.5), RangeError);
});

test('effective robustness: imagenet-testbed robustness_top1s.csv baselines match linregress', { skip: !existsSync(SHARED) && 'no ../shared' }, async () => {
  const tb = golden.imagenet_testbed;
  const file = path.join(SHARED, tb.file);
  for (const c of tb.cases) {
    const table = await readBaselineTable(file, { idColumn: c.id_column, shiftColumn: c.shift_column, models: c.models_option ?? undefined });
    assert.equal(table.scale, 'percent');
    assert.equal(table.models.length, c.n, `${c.shift_column} n`);
    assert.equal(table.skipped, c.skipped, `${c.shift_column} skipped`);
    assert.equal(table.models[0], c.first_model);
    close(table.id[0], c.first_id, 'first id', 1e-12);
    close(table.shift[0], c.first_shift, 'first shift', 1e-12);
    for (const t of TRANSFORMS) {
      const fit = fitBaseline(table.id, table.shift, t, 'clip'); // these goldens were made with holoclip's old clipping rule
      assertFit(fit, c.fits[t].fit, `${c.id_column} -> ${c.shift_column} (${c.models_option ? 'subset' : 'all'}) ${t}`);
      for (const m of c.fits[t].models) {
        const k = table.models.indexOf(m.model);
        assert.ok(k >= 0, m.model);
        close(effectiveRobustness(fit, table.id[k], table.shift[k]), m.effective_robustness, `${m.model} ER on ${c.shift_column} (${t})`);
        close(predictedShiftAccuracy(fit, table.id[k]), m.predicted_shift_accuracy, `${m.model} predicted on ${c.shift_column} (${t})`);
      }
    }
  }
});
