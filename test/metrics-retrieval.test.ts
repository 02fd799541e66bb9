import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { retrievalRecall } from '../src/metrics/retrieval.js';
import { HoloclipError } from '../src/errors.js';
import { REPO_ROOT } from './helpers/fixtures.js';

interface Golden {
  cases: {
    name: string;
    n_images: number;
    n_texts: number;
    similarity: number[];
    text_image: number[];
    ks: number[];
    image_to_text: Record<string, number>;
    text_to_image: Record<string, number>;
  }[];
}

const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/metrics/retrieval.json'), 'utf8')) as Golden;

function closeRecord(actual: Record<string, number>, expected: Record<string, number>, what: string): void {
  assert.deepEqual(Object.keys(actual), Object.keys(expected), `${what}: keys`);
  for (const k of Object.keys(expected)) assert.ok(Math.abs(actual[k] - expected[k]) <= 1e-6, `${what} ${k}: ${actual[k]} vs ${expected[k]}`);
}

test('retrievalRecall matches the CLIP_benchmark-style reference (5 captions per image, ties, custom ks)', () => {
  for (const g of golden.cases) {
    const r = retrievalRecall(Float32Array.from(g.similarity), g.n_images, g.n_texts, g.text_image, g.ks);
    closeRecord(r.image_to_text, g.image_to_text, `${g.name} image_to_text`);
    closeRecord(r.text_to_image, g.text_to_image, `${g.name} text_to_image`);
    assert.equal(r.n_images, g.n_images);
    assert.equal(r.n_texts, g.n_texts);
    assert.deepEqual(r.ks, g.ks);
  }
});

test('default ks are 1, 5, 10', () => {
  const g = golden.cases.find((c) => c.name === '5-captions-grouped');
  assert.ok(g);
  const r = retrievalRecall(Float32Array.from(g.similarity), g.n_images, g.n_texts, g.text_image);
  assert.deepEqual(r.ks, [1, 5, 10]);
  assert.deepEqual(Object.keys(r.image_to_text), ['R@1', 'R@5', 'R@10']);
  closeRecord(r.text_to_image, g.text_to_image, 'defaults');
});

test('ties rank by index: the lower index wins', () => {
  // 2 images x 2 texts, all equal; text 0 -> image 0, text 1 -> image 1
  const r = retrievalRecall(Float32Array.from([1, 1, 1, 1]), 2, 2, [0, 1], [1, 2]);
  assert.deepEqual(r.image_to_text, { 'R@1': 0.5, 'R@2': 1 });
  assert.deepEqual(r.text_to_image, { 'R@1': 0.5, 'R@2': 1 });
});

test('bad inputs throw HoloclipError with a one-line message', () => {
  const sim = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
  const cases: [() => unknown, RegExp][] = [
    [() => retrievalRecall(sim, 2, 3, [0, 1, 1]), /length mismatch/],
    [() => retrievalRecall(sim, 2, 2, [0]), /textImage length mismatch/],
    [() => retrievalRecall(sim, 2, 2, [0, 0]), /image 1 has no caption/],
    [() => retrievalRecall(sim, 2, 2, [0, 2]), /out of range/],
    [() => retrievalRecall(Float32Array.from([0.1, Number.NaN, 0, 0]), 2, 2, [0, 1]), /non-finite/],
    [() => retrievalRecall(new Float32Array(0), 0, 0, []), /empty set/],
    [() => retrievalRecall(sim, 2, 2, [0, 1], [0]), /positive integer/],
    [() => retrievalRecall(sim, 2, 2, [0, 1], [1, 1]), /duplicate/],
    [() => retrievalRecall(sim, 2, 2, [0, 1], []), /empty set/],
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
