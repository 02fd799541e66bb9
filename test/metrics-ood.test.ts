import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  averagePrecision,
  energyScores,
  maxLogitScores,
  mcmScores,
  mspScores,
  oodMetrics,
  rocAuc,
  type OodConvention,
} from '../src/metrics/ood.js';
import { HoloclipError } from '../src/errors.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const TOL = 1e-6;

interface Expected {
  auroc: number;
  aupr_in: number;
  aupr_out: number;
  fpr_at_95_tpr: number;
}
interface Golden {
  scores: { name: string; n: number; c: number; logits: number[]; msp: number[]; maxlogit: number[]; energy: { temperature: number; scores: number[] }[] }[];
  mcm: { name: string; n: number; c: number; tau: number; cosines: number[]; scores: number[] }[];
  auc: { name: string; scores: number[]; positive: number[]; roc_auc: number; average_precision: number }[];
  ood: { name: string; id_scores: number[]; ood_scores: number[]; id_positive: Expected; ood_positive: Expected }[];
}

const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/metrics/ood.json'), 'utf8')) as Golden;

function close(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= TOL, `${what}: ${actual} vs ${expected}`);
}
function closeAll(actual: Float64Array, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  expected.forEach((e, i) => close(actual[i], e, `${what}[${i}]`));
}

test('MSP, max-logit and energy scores match scipy (extreme logits included)', () => {
  for (const g of golden.scores) {
    const logits = Float32Array.from(g.logits);
    closeAll(mspScores(logits, g.n, g.c), g.msp, `${g.name} msp`);
    closeAll(maxLogitScores(logits, g.n, g.c), g.maxlogit, `${g.name} maxlogit`);
    for (const e of g.energy) closeAll(energyScores(logits, g.n, g.c, e.temperature), e.scores, `${g.name} energy T=${e.temperature}`);
  }
  const g = golden.scores[0];
  assert.deepEqual(energyScores(Float32Array.from(g.logits), g.n, g.c), energyScores(Float32Array.from(g.logits), g.n, g.c, 1));
});

test('MCM scores are max softmax(cos / tau) on raw cosines', () => {
  for (const g of golden.mcm) closeAll(mcmScores(Float32Array.from(g.cosines), g.n, g.c, g.tau), g.scores, `${g.name} mcm`);
  const g = golden.mcm.find((m) => m.tau === 1);
  assert.ok(g);
  assert.deepEqual(mcmScores(Float32Array.from(g.cosines), g.n, g.c), mcmScores(Float32Array.from(g.cosines), g.n, g.c, 1));
});

test('rocAuc and averagePrecision equal sklearn, ties included', () => {
  for (const g of golden.auc) {
    close(rocAuc(g.scores, g.positive), g.roc_auc, `${g.name} roc_auc`);
    close(averagePrecision(g.scores, g.positive), g.average_precision, `${g.name} average_precision`);
    const asBool = g.positive.map((v) => v === 1);
    close(rocAuc(Float32Array.from(g.scores), asBool), g.roc_auc, `${g.name} roc_auc (Float32Array, booleans)`);
  }
});

test('oodMetrics matches Hendrycks/MCM (id-positive) and OpenOOD (ood-positive) references', () => {
  const conventions: [OodConvention, 'id_positive' | 'ood_positive'][] = [
    ['id-positive', 'id_positive'],
    ['ood-positive', 'ood_positive'],
  ];
  for (const g of golden.ood) {
    for (const [convention, key] of conventions) {
      const r = oodMetrics(g.id_scores, g.ood_scores, convention);
      const e = g[key];
      const what = `${g.name} ${convention}`;
      close(r.auroc, e.auroc, `${what} auroc`);
      close(r.aupr_in, e.aupr_in, `${what} aupr_in`);
      close(r.aupr_out, e.aupr_out, `${what} aupr_out`);
      close(r.fpr_at_95_tpr, e.fpr_at_95_tpr, `${what} fpr_at_95_tpr`);
      assert.equal(r.n_id, g.id_scores.length);
      assert.equal(r.n_ood, g.ood_scores.length);
      assert.equal(r.convention, convention);
      assert.ok(r.convention_note.length > 20 && !r.convention_note.includes('\n'));
    }
  }
});

test('oodMetrics defaults to id-positive; conventions differ in their FPR@95 semantics', () => {
  const g = golden.ood.find((o) => o.name === 'mcm-like');
  assert.ok(g);
  const r = oodMetrics(g.id_scores, g.ood_scores);
  assert.equal(r.convention, 'id-positive');
  assert.notEqual(r.fpr_at_95_tpr, oodMetrics(g.id_scores, g.ood_scores, 'ood-positive').fpr_at_95_tpr);
  // the OpenOOD case built so that sklearn's drop_intermediate changes the answer (0.2, not 0.16)
  const d = golden.ood.find((o) => o.name === 'openood-drop-intermediate');
  assert.ok(d);
  assert.equal(oodMetrics(d.id_scores, d.ood_scores, 'ood-positive').fpr_at_95_tpr, 0.2);
});

test('bad inputs throw HoloclipError with a one-line message', () => {
  const logits = Float32Array.from([1, 2, 3, 4]);
  const cases: [() => unknown, RegExp][] = [
    [() => mspScores(logits, 3, 2), /length mismatch/],
    [() => maxLogitScores(Float32Array.from([1, Number.NaN]), 1, 2), /non-finite/],
    [() => energyScores(logits, 2, 2, -1), /temperature/],
    [() => mcmScores(Float32Array.from([25, 30]), 1, 2), /raw cosine/],
    [() => mcmScores(Float32Array.from([0.2, 0.3]), 1, 2, 0), /tau/],
    [() => rocAuc([0.1, 0.2], [1, 1]), /both classes/],
    [() => rocAuc([0.1, 0.2], [1]), /length mismatch/],
    [() => rocAuc([], []), /empty set/],
    [() => rocAuc([0.1, Number.NaN], [1, 0]), /non-finite/],
    [() => rocAuc([0.1, 0.2], [1, 2]), /true\/false or 1\/0/],
    [() => averagePrecision([0.1, 0.2], [0, 0]), /no positive/],
    [() => oodMetrics([], [0.1]), /empty set/],
    [() => oodMetrics([0.1], []), /empty set/],
    [() => oodMetrics([0.1], [Infinity]), /non-finite/],
    [() => oodMetrics([0.1], [0.2], 'ood' as OodConvention), /unknown convention/],
  ];
  for (const [fn, re] of cases) {
    assert.throws(fn, (err: unknown) => {
      assert.ok(err instanceof HoloclipError, `expected HoloclipError, got ${String(err)}`);
      assert.match(err.message, re);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  }
});
