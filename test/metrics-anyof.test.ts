/** Any-of targets (ObjectNet): top-k accuracy and mean per-group recall. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { meanPerGroupAnyOfRecall, topKAccuracy, topKAnyOfAccuracy } from '../src/metrics/classification.js';

test('any-of top-k: correct when any class of the set ranks in the top k; singletons equal plain top-k', () => {
  // 3 rows x 4 classes.
  const logits = Float32Array.from([0.9, 0.1, 0.5, 0.0, 0.2, 0.3, 0.1, 0.8, 0.1, 0.7, 0.6, 0.0]);
  const sets = [[2, 0], [1], [2, 3]];
  assert.equal(topKAnyOfAccuracy(logits, 3, 4, sets, 1), 1 / 3); // row 0: argmax 0 in {2,0}; row 1: argmax 3; row 2: argmax 1
  assert.equal(topKAnyOfAccuracy(logits, 3, 4, sets, 2), 1); // row 1: 2nd is class 1; row 2: 2nd is class 2
  const targets = [0, 3, 1];
  for (const k of [1, 2, 3]) assert.equal(topKAnyOfAccuracy(logits, 3, 4, targets.map((t) => [t]), k), topKAccuracy(logits, 3, 4, targets, k));
});

test('mean per-group any-of recall: one group per target set (order-insensitive), mean of group recalls', () => {
  const preds = [0, 2, 5, 1];
  const sets = [[0, 2], [2, 0], [5], [3]];
  // group {0,2}: 2/2; group {5}: 1/1; group {3}: 0/1 -> (1 + 1 + 0) / 3
  assert.equal(meanPerGroupAnyOfRecall(preds, sets), 2 / 3);
});
