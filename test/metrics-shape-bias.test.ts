import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import { decisionsFromProbabilities, parseCueConflictName, shapeBias, type CueConflictTrial, type ShapeBiasResult } from '../src/metrics/shape-bias.js';
import { readCategoryMapping, readRawDecisions } from '../src/formats/index.js';
import { REPO_ROOT } from './helpers/fixtures.js';

// Goldens: tools/goldens/make_robustness_goldens.py (model-vs-human's ShapeBias analysis in pandas).
const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/metrics/shape_bias.json'), 'utf8'));
const SHARED = path.join(REPO_ROOT, '..', 'shared', 'refdata');
const RAW = path.join(SHARED, 'cue_conflict', 'raw_decisions');
const TOL = 1e-6;

function closeOrNaN(actual: number, expected: number | null, what: string): void {
  if (expected === null) assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
  else assert.ok(Math.abs(actual - expected) <= TOL, `${what}: ${actual} vs ${expected}`);
}

function assertResult(actual: ShapeBiasResult, expected: ShapeBiasResult, what: string): void {
  closeOrNaN(actual.shape_bias, expected.shape_bias, `${what} shape bias`);
  for (const k of ['shape_decisions', 'texture_decisions', 'other_decisions', 'n_trials', 'dropped_same_category'] as const) {
    assert.equal(actual[k], expected[k], `${what} ${k}`);
  }
  assert.deepEqual(Object.keys(actual.per_category), Object.keys(expected.per_category), `${what} categories`);
  for (const [cat, e] of Object.entries(expected.per_category)) {
    const a = actual.per_category[cat];
    assert.equal(a.shape, e.shape, `${what} ${cat} shape`);
    assert.equal(a.texture, e.texture, `${what} ${cat} texture`);
    closeOrNaN(a.shape_bias, e.shape_bias, `${what} ${cat} shape bias`);
  }
}

test('shape bias: synthetic trials match the model-vs-human analysis', () => {
  const r = shapeBias(golden.synthetic.trials as CueConflictTrial[]);
  assertResult(r, golden.synthetic.expected, 'synthetic');
  assert.ok(Number.isNaN(r.per_category.dog.shape_bias), 'a category with no shape/texture decision has NaN shape bias');
  assert.ok(Number.isNaN(shapeBias([]).shape_bias));
});

test('shape bias: stimulus names', () => {
  assert.deepEqual(parseCueConflictName('airplane1-bicycle2.png'), { shape: 'airplane', texture: 'bicycle' });
  assert.deepEqual(parseCueConflictName('0001_s5n_dnn_0_airplane_00_airplane1-bicycle2.png'), { shape: 'airplane', texture: 'bicycle' });
  assert.deepEqual(parseCueConflictName('images/cat/cat10-elephant3.png'), { shape: 'cat', texture: 'elephant' });
  assert.deepEqual(parseCueConflictName('bird3-bird2.png'), { shape: 'bird', texture: 'bird' });
  assert.throws(
    () => parseCueConflictName('photo.png'),
    (e: unknown) => e instanceof HoloclipError && /"photo\.png" is not of the form <shape><N>-<texture><M>\.png/.test(e.message),
  );
});

test('shape bias: 1000 -> 16 decisions average member probabilities (model-vs-human mapping)', { skip: !existsSync(SHARED) && 'no ../shared' }, async () => {
  const cats = await readCategoryMapping(path.join(SHARED, 'cue_conflict', 'human_categories_wnids.json'));
  const { n, c, boost, decisions } = golden.decisions;
  const logits = new Float64Array(n * c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) logits[i * c + j] = 3 * Math.sin(0.37 * i + 1.3 * j + 0.01 * i * j);
  for (let i = 0; i < n; i++) for (const j of cats[i % cats.length].indices) logits[i * c + j] += boost;
  const probs = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, logits[i * c + j]);
    let s = 0;
    for (let j = 0; j < c; j++) s += probs[i * c + j] = Math.exp(logits[i * c + j] - max);
    for (let j = 0; j < c; j++) probs[i * c + j] /= s;
  }
  assert.deepEqual(decisionsFromProbabilities(probs, n, c, cats), decisions);
});

test('shape bias: decisions, small cases and errors', () => {
  const cats = [
    { name: 'a', indices: [0, 1] },
    { name: 'b', indices: [2] },
  ];
  // a: mean(0.3, 0.3) = 0.3 < b: 0.35, although a's sum is larger.
  const probs = Float64Array.from([0.3, 0.3, 0.35, 0.05, 0.5, 0.1, 0.2, 0.2]);
  assert.deepEqual(decisionsFromProbabilities(probs, 2, 4, cats), ['b', 'a']);
  assert.deepEqual(decisionsFromProbabilities(Float64Array.from([0.25, 0.25, 0.25, 0.25]), 1, 4, cats), ['a'], 'ties go to the first category');
  assert.throws(() => decisionsFromProbabilities(probs, 3, 4, cats), (e: unknown) => e instanceof HoloclipError && /expected n x c = 3 x 4/.test(e.message));
  assert.throws(
    () => decisionsFromProbabilities(probs, 2, 4, [{ name: 'x', indices: [4] }]),
    (e: unknown) => e instanceof HoloclipError && /category x lists class index 4, outside the 4 classes/.test(e.message),
  );
});

test('shape bias: published raw decisions (each CNN, humans pooled) match the model-vs-human analysis', { skip: !existsSync(RAW) && 'no ../shared' }, async () => {
  const g = golden.raw_decisions;
  const humans: CueConflictTrial[] = [];
  for (const [name, e] of Object.entries(g.files as Record<string, { subjects: string[]; trials: number; expected: ShapeBiasResult }>)) {
    const trials = await readRawDecisions(path.join(RAW, name));
    assert.equal(trials.length, e.trials);
    assert.deepEqual([...new Set(trials.map((t) => t.subject))].sort(), e.subjects);
    assertResult(shapeBias(trials), e.expected, name);
    humans.push(...trials.filter((t) => t.subject.startsWith('subject-')));
  }
  assertResult(shapeBias(humans), g.humans_pooled.expected, 'humans pooled');
});

test('shape bias: an independent few-line computation on one raw-decision file agrees', { skip: !existsSync(RAW) && 'no ../shared' }, async () => {
  const file = path.join(RAW, 'style-transfer-512-nomask-experiment_resnet50_session-1.csv');
  // Plain split: the file has no quoted fields. Columns: subj,session,trial,rt,object_response,category,condition,imagename.
  const lines = readFileSync(file, 'utf8').trim().split(/\r?\n/).slice(1);
  let shape = 0;
  let texture = 0;
  for (const line of lines) {
    const f = line.split(',');
    const response = f[4];
    const shapeCat = f[5];
    const textureCat = f[7].slice(f[7].lastIndexOf('-') + 1).replace(/\d*\.png$/, '');
    if (shapeCat === textureCat) continue;
    if (response === shapeCat) shape++;
    else if (response === textureCat) texture++;
  }
  const independent = shape / (shape + texture);
  const r = shapeBias(await readRawDecisions(file));
  assert.equal(r.shape_decisions, shape);
  assert.equal(r.texture_decisions, texture);
  assert.ok(Math.abs(r.shape_bias - independent) <= TOL, `${r.shape_bias} vs ${independent}`);
});
