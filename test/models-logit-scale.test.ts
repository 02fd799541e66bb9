import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitScale } from '../src/models/logit-scale.js';

test('fitScale recovers a pure scale (CLIP) and scale + bias (SigLIP)', () => {
  const cos = Float64Array.from([0.1, -0.2, 0.35, 0.05, 0.27, -0.11]);
  const clip = fitScale(cos, cos.map((c) => 24.5 * c), false);
  assert.ok(Math.abs(clip.scale - 24.5) < 1e-9);
  assert.equal(clip.bias, 0);
  const sig = fitScale(cos, cos.map((c) => 11 * c - 4.2), true);
  assert.ok(Math.abs(sig.scale - 11) < 1e-9);
  assert.ok(Math.abs(sig.bias + 4.2) < 1e-9);
  assert.ok(sig.maxResidual < 1e-9);
});

test('fitScale refuses constant cosines', () => {
  assert.throws(() => fitScale(Float64Array.from([0.2, 0.2]), Float64Array.from([1, 1]), true), /do not vary/);
});
