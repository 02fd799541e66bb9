import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  brierScore,
  calibrationMetrics,
  expectedCalibrationError,
  fitTemperature,
  negativeLogLikelihood,
  softmaxRows,
  type ReliabilityBin,
} from '../src/metrics/calibration.js';
import { HoloclipError } from '../src/errors.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const TOL = 1e-6;
const T_TOL = 1e-4;

interface GoldenBin {
  lower: number;
  upper: number;
  count: number;
  meanConfidence: number | null;
  accuracy: number | null;
}
interface Golden {
  t_bounds: [number, number];
  softmax: { name: string; n: number; c: number; temperature: number; logits: number[]; probs: number[] }[];
  ece: { name: string; confidences: number[]; correct: number[]; numBins: number; ece: number; bins: GoldenBin[] }[];
  metrics: {
    name: string;
    n: number;
    c: number;
    logits: number[];
    labels: number[];
    temperature: number;
    numBins: number;
    expected: { n: number; accuracy: number; ece: number; nll: number; brier: number; bins: GoldenBin[]; temperature: number; numBins: number };
  }[];
  temperature: {
    name: string;
    n: number;
    c: number;
    logits: number[];
    labels: number[];
    bounds: [number, number];
    expected: { temperature: number; nllBefore: number; nllAfter: number };
  }[];
}

const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/metrics/calibration.json'), 'utf8')) as Golden;

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (tol ${tol})`);
}

function assertBins(actual: ReliabilityBin[], expected: GoldenBin[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: number of bins`);
  expected.forEach((e, b) => {
    const a = actual[b];
    assert.equal(a.lower, e.lower, `${what} bin ${b} lower`);
    assert.equal(a.upper, e.upper, `${what} bin ${b} upper`);
    assert.equal(a.count, e.count, `${what} bin ${b} count`);
    if (e.meanConfidence === null) {
      assert.ok(Number.isNaN(a.meanConfidence) && Number.isNaN(a.accuracy), `${what} bin ${b}: empty bin should be NaN`);
    } else {
      close(a.meanConfidence, e.meanConfidence, TOL, `${what} bin ${b} meanConfidence`);
      close(a.accuracy, e.accuracy as number, TOL, `${what} bin ${b} accuracy`);
    }
  });
}

test('softmaxRows matches scipy.special.softmax, extreme logits and temperatures included', () => {
  for (const g of golden.softmax) {
    const p = softmaxRows(Float32Array.from(g.logits), g.n, g.c, g.temperature);
    assert.equal(p.length, g.probs.length);
    g.probs.forEach((e, i) => close(p[i], e, TOL, `${g.name}[${i}]`));
    for (let i = 0; i < g.n; i++) {
      let s = 0;
      for (let j = 0; j < g.c; j++) s += p[i * g.c + j];
      close(s, 1, 1e-12, `${g.name} row ${i} sums to 1`);
    }
  }
});

test('expectedCalibrationError matches the numpy reference (bin edges, 1-sample bins, 0 and 1)', () => {
  for (const g of golden.ece) {
    const r = expectedCalibrationError(g.confidences, g.correct, g.numBins);
    close(r.ece, g.ece, TOL, `${g.name} ece`);
    assertBins(r.bins, g.bins, g.name);
    // booleans are accepted for `correct`
    const rb = expectedCalibrationError(g.confidences, g.correct.map((v) => v === 1), g.numBins);
    assert.equal(rb.ece, r.ece);
  }
});

test('ECE bins are (lower, upper]: a confidence on an edge goes to the lower bin; 0 goes to the first', () => {
  const { bins } = expectedCalibrationError([0, 0.5, 1], [1, 1, 0], 2);
  assert.deepEqual(
    bins.map((b) => [b.lower, b.upper, b.count]),
    [
      [0, 0.5, 2],
      [0.5, 1, 1],
    ],
  );
  assert.equal(expectedCalibrationError([0.7, 0.9], [true, false]).bins.length, 15);
});

test('calibrationMetrics matches the references (random, ties, all-correct/wrong, one class, extremes)', () => {
  for (const g of golden.metrics) {
    const logits = Float32Array.from(g.logits);
    const r = calibrationMetrics(logits, g.n, g.c, g.labels, { temperature: g.temperature, numBins: g.numBins });
    const e = g.expected;
    assert.equal(r.n, e.n);
    assert.equal(r.numBins, e.numBins);
    assert.equal(r.temperature, e.temperature);
    close(r.accuracy, e.accuracy, TOL, `${g.name} accuracy`);
    close(r.ece, e.ece, TOL, `${g.name} ece`);
    close(r.nll, e.nll, TOL, `${g.name} nll`);
    close(r.brier, e.brier, TOL, `${g.name} brier`);
    assertBins(r.bins, e.bins, g.name);
    close(negativeLogLikelihood(logits, g.n, g.c, g.labels, g.temperature), e.nll, TOL, `${g.name} negativeLogLikelihood`);
    close(brierScore(logits, g.n, g.c, g.labels, g.temperature), e.brier, TOL, `${g.name} brierScore`);
  }
});

test('calibrationMetrics defaults to T = 1 and 15 bins', () => {
  const g = golden.metrics.find((m) => m.name === 'random-n200-c10');
  assert.ok(g);
  const r = calibrationMetrics(Float32Array.from(g.logits), g.n, g.c, g.labels);
  assert.equal(r.temperature, 1);
  assert.equal(r.numBins, 15);
  close(r.ece, g.expected.ece, TOL, 'default ece');
});

test('fitTemperature agrees with scipy minimize_scalar(bounded) within 1e-4', () => {
  for (const g of golden.temperature) {
    const logits = Float32Array.from(g.logits);
    const r = fitTemperature(logits, g.n, g.c, g.labels, { lower: g.bounds[0], upper: g.bounds[1] });
    close(r.temperature, g.expected.temperature, T_TOL, `${g.name} temperature`);
    close(r.nllBefore, g.expected.nllBefore, TOL, `${g.name} nllBefore`);
    close(r.nllAfter, g.expected.nllAfter, TOL, `${g.name} nllAfter`);
    assert.ok(r.nllAfter <= r.nllBefore + 1e-12, `${g.name}: fitting must not raise the NLL`);
    assert.ok(r.evaluations > 0 && r.evaluations < 100, `${g.name}: ${r.evaluations} evaluations`);
  }
});

test('fitTemperature uses the [0.01, 100] bracket by default and returns the bound when the optimum lies past it', () => {
  const g = golden.temperature.find((t) => t.name === 'over-confident-n300-c10');
  assert.ok(g);
  assert.deepEqual(g.bounds, golden.t_bounds);
  const r = fitTemperature(Float32Array.from(g.logits), g.n, g.c, g.labels);
  close(r.temperature, g.expected.temperature, T_TOL, 'default bracket');
  assert.equal(fitTemperature(Float32Array.from(g.logits), g.n, g.c, g.labels, { upper: 1.5 }).temperature, 1.5);
  // constant rows: the NLL does not depend on T -> T = 1
  assert.equal(fitTemperature(new Float32Array(6).fill(2), 2, 3, [0, 2]).temperature, 1);
});

test('bad inputs throw HoloclipError with a one-line message', () => {
  const logits = Float32Array.from([1, 2, 3, 4, 5, 6]);
  const cases: [() => unknown, RegExp][] = [
    [() => softmaxRows(logits, 2, 4), /length mismatch/],
    [() => softmaxRows(Float32Array.from([1, Number.NaN]), 1, 2), /non-finite/],
    [() => softmaxRows(Float32Array.from([1, Infinity]), 1, 2), /non-finite/],
    [() => softmaxRows(logits, 2, 3, 0), /temperature/],
    [() => negativeLogLikelihood(logits, 2, 3, [0, 3]), /label out of range/],
    [() => negativeLogLikelihood(logits, 2, 3, [0, 1.5]), /label out of range/],
    [() => brierScore(logits, 2, 3, [0]), /labels length mismatch/],
    [() => calibrationMetrics(new Float32Array(0), 0, 3, []), /empty set/],
    [() => calibrationMetrics(logits, 2, 3, [0, 1], { numBins: 0 }), /numBins/],
    [() => expectedCalibrationError([], []), /empty set/],
    [() => expectedCalibrationError([0.5, 0.6], [1]), /length mismatch/],
    [() => expectedCalibrationError([0.5, Number.NaN], [1, 0]), /non-finite/],
    [() => expectedCalibrationError([0.5, 1.2], [1, 0]), /out of range/],
    [() => expectedCalibrationError([0.5], [2]), /true\/false or 1\/0/],
    [() => fitTemperature(logits, 2, 3, [0, 1], { lower: 2, upper: 1 }), /lower/],
    [() => fitTemperature(logits, 2, 3, [0, 1], { lower: -1 }), /lower/],
    [() => fitTemperature(logits, 2, 3, [0, 1], { tolerance: 0 }), /tolerance/],
  ];
  for (const [fn, re] of cases) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof HoloclipError, `expected HoloclipError, got ${String(err)}`);
      assert.match(err.message, re);
      assert.ok(!err.message.includes('\n'), 'one-line message');
      return true;
    });
  }
});
