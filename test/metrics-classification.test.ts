import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxRows, meanPerClassRecall, perClassRecall, topKAccuracy } from '../src/metrics/classification.js';
import { predictionConfidence, logitsFromCosine, sigmoid } from '../src/models/scoring.js';
import { l2NormalizeRows, matmulTransposed } from '../src/metrics/vector.js';

// 4 samples x 3 classes
const logits = Float32Array.from([
  0.1, 0.9, 0.0, // pred 1
  2.0, 2.0, 1.0, // tie 0/1 -> argmax 0
  0.0, 0.0, 5.0, // pred 2
  1.0, 3.0, 2.0, // pred 1
]);
const targets = [1, 1, 2, 2];

test('argmax breaks ties towards the lower index', () => {
  assert.deepEqual([...argmaxRows(logits, 4, 3)], [1, 0, 2, 1]);
});

test('top-k accuracy counts the target among the k highest logits', () => {
  assert.equal(topKAccuracy(logits, 4, 3, targets, 1), 0.5);
  // sample 2 (tie 0/1, target 1) is rank 1; sample 4 target 2 is rank 1 -> both inside top-2
  assert.equal(topKAccuracy(logits, 4, 3, targets, 2), 1);
  assert.equal(topKAccuracy(logits, 4, 3, targets, 3), 1);
});

test('mean per-class recall averages over classes present in the targets (balanced accuracy)', () => {
  const preds = argmaxRows(logits, 4, 3);
  // class 1: samples 0,1 -> 1 of 2 correct; class 2: samples 2,3 -> 1 of 2; class 0 absent
  assert.equal(meanPerClassRecall(preds, targets, 3), 0.5);
  const imbalanced = meanPerClassRecall([0, 0, 0, 1], [0, 0, 0, 1], 2);
  assert.equal(imbalanced, 1);
  assert.equal(meanPerClassRecall([0, 0, 0, 0], [0, 0, 0, 1], 2), 0.5);
  const per = perClassRecall(preds, targets, 3);
  assert.ok(Number.isNaN(per[0]));
  assert.equal(per[1], 0.5);
});

test('softmax confidence is the max probability; sigmoid confidence is sigmoid(max logit)', () => {
  const conf = predictionConfidence(Float32Array.from([0, Math.log(3)]), 1, 2, 'softmax');
  assert.ok(Math.abs(conf[0] - 0.75) < 1e-7);
  const sc = predictionConfidence(Float32Array.from([-1, 2]), 1, 2, 'sigmoid');
  assert.ok(Math.abs(sc[0] - 1 / (1 + Math.exp(-2))) < 1e-12);
  assert.ok(Math.abs(sigmoid(-800)) < 1e-300 && sigmoid(800) === 1);
});

test('logits = scale * cos + bias; rows normalise; matmul against transposed', () => {
  const a = l2NormalizeRows(Float32Array.from([3, 4, 0, 0]), 2, 2);
  assert.deepEqual([...a], [0.6000000238418579, 0.800000011920929, 0, 0]);
  const m = matmulTransposed(Float32Array.from([1, 2, 3, 4]), 2, Float32Array.from([1, 0, 0, 1, 1, 1]), 3, 2);
  assert.deepEqual([...m], [1, 2, 3, 3, 4, 7]);
  const l = logitsFromCosine(Float32Array.from([0.5, -0.25]), { kind: 'sigmoid', scale: 10, bias: -2 });
  assert.deepEqual([...l], [3, -4.5]);
});
