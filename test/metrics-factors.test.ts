import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import {
  IMAGENET_X_FACTORS,
  correctnessFromPredictions,
  factorMetrics,
  type FactorAnnotation,
  type FactorMetrics,
} from '../src/metrics/factors.js';
import { readFactorAnnotations, readImagenetxLabels, readImagenetxPredictions, readPrototypicalPaths } from '../src/formats/index.js';
import { REPO_ROOT } from './helpers/fixtures.js';

// Goldens: tools/goldens/make_robustness_goldens.py (pandas, imagenetx's aggregate semantics).
const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/metrics/factors.json'), 'utf8'));
const SHARED = path.join(REPO_ROOT, '..', 'shared', 'refdata');
const TOL = 1e-6;

/** null in the golden = NaN. */
function closeOrNaN(actual: number, expected: number | null, what: string): void {
  if (expected === null) assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
  else assert.ok(Math.abs(actual - expected) <= TOL, `${what}: ${actual} vs ${expected}`);
}

function assertMetrics(actual: FactorMetrics, expected: FactorMetrics, what: string): void {
  closeOrNaN(actual.overall_accuracy, expected.overall_accuracy, `${what} overall`);
  assert.equal(actual.n, expected.n, `${what} n`);
  assert.equal(actual.worst_factor, expected.worst_factor, `${what} worst factor`);
  assert.equal(actual.unmatched_predictions, expected.unmatched_predictions, `${what} unmatched`);
  assert.equal(actual.unannotated_in_predictions, expected.unannotated_in_predictions, `${what} unannotated`);
  assert.equal(actual.dropped_prototypical, expected.dropped_prototypical, `${what} dropped`);
  assert.deepEqual(actual.factors.map((r) => r.factor), expected.factors.map((r) => r.factor), `${what} factor order`);
  actual.factors.forEach((row, i) => {
    const e = expected.factors[i];
    assert.equal(row.count, e.count, `${what} ${row.factor} count`);
    assert.equal(row.correct, e.correct, `${what} ${row.factor} correct`);
    closeOrNaN(row.accuracy, e.accuracy, `${what} ${row.factor} accuracy`);
    closeOrNaN(row.error_ratio, e.error_ratio, `${what} ${row.factor} error ratio`);
  });
}

test('factors: small synthetic set matches imagenetx semantics (exclusion, join, NaN factor, counters)', () => {
  const syn = golden.synthetic;
  const anns = syn.annotations as FactorAnnotation[];
  const preds = new Map<string, number>(Object.entries(syn.predictions as Record<string, number>));
  const correct = correctnessFromPredictions(anns, preds);
  assert.equal(correct.get('z.jpg'), false, 'unannotated prediction maps to false');
  assertMetrics(factorMetrics(anns, correct, { exclude: new Set(syn.exclude) }), syn.expected, 'with exclude');
  assertMetrics(factorMetrics(anns, correct), syn.expected_no_exclude, 'no exclude');
  const allCorrect = new Map(anns.map((a) => [a.file_name, true] as const));
  const m = factorMetrics(anns, allCorrect);
  assertMetrics(m, syn.expected_all_correct, 'all correct');
  assert.ok(m.factors.every((r) => Number.isNaN(r.error_ratio)), 'error ratio is NaN when overall accuracy is 1');
});

test('factors: hand-checked values and edge cases', () => {
  const anns: FactorAnnotation[] = [
    { file_name: '1', label: 0, factors: { pose: 1, color: 0 } },
    { file_name: '2', label: 0, factors: { pose: 1, color: 1 } },
    { file_name: '3', label: 0, factors: { pose: 0, color: 1 } },
    { file_name: '4', label: 0, factors: { pose: 0, color: 0 } },
  ];
  const m = factorMetrics(anns, new Map([['1', true], ['2', false], ['3', false], ['4', true]]));
  assert.equal(m.overall_accuracy, 0.5);
  assert.deepEqual(m.factors, [
    { factor: 'pose', count: 2, correct: 1, accuracy: 0.5, error_ratio: 1 },
    { factor: 'color', count: 2, correct: 0, accuracy: 0, error_ratio: 2 },
  ]);
  assert.equal(m.worst_factor, 'color');
  const empty = factorMetrics(anns, new Map());
  assert.ok(Number.isNaN(empty.overall_accuracy));
  assert.equal(empty.n, 0);
  assert.equal(empty.worst_factor, null);
  assert.equal(empty.unmatched_predictions, 4);
  const oneLine = (re: RegExp) => (e: unknown) => e instanceof HoloclipError && re.test(e.message) && !e.message.includes('\n');
  assert.throws(() => factorMetrics([...anns, anns[0]], new Map()), oneLine(/annotations list 1 more than once/));
  assert.throws(() => factorMetrics([{ file_name: 'x', label: 0, factors: { pose: 2 } }], new Map()), oneLine(/factor pose is 2; factors must be 0 or 1/));
});

/** FNV-1a (32-bit) of a UTF-8 (here ASCII) string: the synthetic-prediction rule of the golden script. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(s, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function syntheticPredictions(anns: readonly FactorAnnotation[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const a of anns) {
    if (fnv1a('missing:' + a.file_name) % 100 === 0) continue;
    const correct = fnv1a('correct:' + a.file_name) / 2 ** 32 < 0.7;
    out.set(a.file_name, correct ? a.label : (a.label + 1 + (fnv1a('wrong:' + a.file_name) % 999)) % 1000);
  }
  for (let k = 0; k < 5; k++) out.set(`unannotated_${k}.JPEG`, k);
  return out;
}

test('factors: shared ImageNet-X train annotations with synthetic predictions match the pandas reference', { skip: !existsSync(SHARED) && 'no ../shared' }, async () => {
  const protos = await readPrototypicalPaths(path.join(SHARED, 'imagenetx', 'prototypical_paths.csv'));
  assert.equal(protos.size, golden.prototypical_paths);
  for (const which of ['top', 'multi'] as const) {
    const g = golden.imagenetx_train[which];
    const anns = await readFactorAnnotations(path.join(SHARED, g.file));
    assert.equal(anns.length, g.annotations);
    assert.deepEqual(Object.keys(anns[0].factors), IMAGENET_X_FACTORS);
    const preds = syntheticPredictions(anns);
    assert.equal(preds.size, g.predictions);
    const correct = correctnessFromPredictions(anns, preds);
    assertMetrics(factorMetrics(anns, correct, { exclude: protos }), g.expected_prototypes_only, `${which} (prototypes excluded)`);
    const extra = new Set(protos);
    for (const a of anns) if (fnv1a('exclude:' + a.file_name) % 50 === 0) extra.add(a.file_name);
    assertMetrics(factorMetrics(anns, correct, { exclude: extra }), g.expected_extra_exclude, `${which} (extra exclusions)`);
  }
});

test('factors: shared val predictions (imagenetx layout) give imagenetx top-1 against filename_label.csv', { skip: !existsSync(SHARED) && 'no ../shared' }, async () => {
  const labels = await readImagenetxLabels(path.join(SHARED, 'imagenetx', 'filename_label.csv'));
  assert.equal(labels.size, 50000);
  for (const [name, g] of Object.entries(golden.val_predictions_top1 as Record<string, { n: number; top1: number }>)) {
    const preds = await readImagenetxPredictions(path.join(SHARED, 'imagenetx', name));
    assert.equal(preds.size, g.n);
    let hit = 0;
    for (const [file, cls] of preds) if (labels.get(file) === cls) hit++;
    assert.ok(Math.abs(hit / preds.size - g.top1) <= TOL, `${name}: ${hit / preds.size} vs ${g.top1}`);
  }
});
