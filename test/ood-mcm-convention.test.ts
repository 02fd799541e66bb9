/**
 * OOD scores named for their convention: maxlogit / energy / mcm on raw cosines (T = 1) equal MCM's own
 * get_ood_scores_clip, and the metrics equal its get_measures (goldens: tools/goldens/make_mcm_ood_goldens.py,
 * run on MCM's utils/detection_util.py). The -scaled variants are the same formulas on the logit-scaled logits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OOD_SCORE_INPUTS, energyScores, maxLogitScores, oodMetrics, oodScoresOf, type OodScoreName } from '../src/metrics/ood.js';
import { oodTask } from '../src/tasks/ood/index.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/metrics/ood_mcm.json'), 'utf8'));
const TOL = 1e-6;
const OURS: Record<string, OodScoreName> = { MCM: 'mcm', energy: 'energy', 'max-logit': 'maxlogit' };

function close(a: number, b: number, what: string): void {
  assert.ok(Math.abs(a - b) <= TOL, `${what}: ${a} vs ${b}`);
}

test("maxlogit, energy and mcm on raw cosines equal MCM's get_ood_scores_clip (T = 1)", () => {
  const c = golden.classes;
  const scores: Record<string, Record<string, Float64Array>> = {};
  for (const [set, entry] of Object.entries(golden.sets) as Array<[string, { n: number; cosines: number[]; scores: Record<string, number[]> }]>) {
    const cos = Float32Array.from(entry.cosines);
    scores[set] = {};
    for (const [theirs, ours] of Object.entries(OURS)) {
      assert.equal(OOD_SCORE_INPUTS[ours], 'cosines', `${ours} is computed on raw cosines`);
      const s = oodScoresOf(ours, cos, entry.n, c);
      entry.scores[theirs].forEach((v, i) => close(s[i], v, `${set} ${ours}[${i}]`));
      scores[set][theirs] = s;
    }
  }
  for (const [theirs, m] of Object.entries(golden.measures) as Array<[string, { auroc: number; aupr_in: number; fpr_at_95_tpr: number }]>) {
    const r = oodMetrics(scores.id[theirs], scores.ood[theirs]);
    close(r.auroc, m.auroc, `${theirs} AUROC`);
    close(r.aupr_in, m.aupr_in, `${theirs} AUPR`);
    close(r.fpr_at_95_tpr, m.fpr_at_95_tpr, `${theirs} FPR@95`);
  }
});

test('the -scaled variants are the same formulas on the logit-scaled logits, and differ from the raw ones', () => {
  assert.equal(OOD_SCORE_INPUTS['energy-scaled'], 'logits');
  assert.equal(OOD_SCORE_INPUTS['maxlogit-scaled'], 'logits');
  assert.equal(OOD_SCORE_INPUTS.msp, 'logits', 'MCM has no MSP; msp is the softmax of the model\'s own logits');
  const { n, cosines } = golden.sets.id;
  const c = golden.classes;
  const logits = Float32Array.from(cosines as number[], (x) => 100 * x);
  const e = oodScoresOf('energy-scaled', logits, n, c);
  const m = oodScoresOf('maxlogit-scaled', logits, n, c);
  const eRef = energyScores(logits, n, c);
  const mRef = maxLogitScores(logits, n, c);
  for (let i = 0; i < n; i++) {
    assert.equal(e[i], eRef[i]);
    assert.equal(m[i], mRef[i]);
  }
  const raw = oodScoresOf('energy', Float32Array.from(cosines as number[]), n, c);
  assert.ok(Math.abs(e[0] / 100 - raw[0]) > 1e-3, 'logsumexp does not commute with the scale');
});

test('ood task: default scores are msp, maxlogit, energy, mcm; the -scaled names are accepted', () => {
  const parsed = oodTask.options.parse({ dataset: 'in', ood: ['out'] });
  assert.deepEqual(parsed.scores, ['msp', 'maxlogit', 'energy', 'mcm']);
  const scaled = oodTask.options.parse({ dataset: 'in', ood: ['out'], scores: ['energy-scaled', 'maxlogit-scaled'] });
  assert.deepEqual(scaled.scores, ['energy-scaled', 'maxlogit-scaled']);
  assert.throws(() => oodTask.options.parse({ dataset: 'in', ood: ['out'], scores: ['energy-raw'] }));
});
