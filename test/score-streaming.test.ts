/**
 * The one-pass calibration path (`score ece|nll|brier` stream a float32 .npy through CalibrationAccumulator) gives
 * bit-identical figures to the separate metric functions, whatever the block size and temperature.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brierScore, CalibrationAccumulator, calibrationMetrics, calibrationRowTerms, expectedCalibrationError, negativeLogLikelihood } from '../src/metrics/calibration.js';
import { argmaxRows } from '../src/metrics/classification.js';
import { maxSoftmaxRows } from '../src/metrics/softmax.js';
import { blockRowsFor, scoreClaimedBlocks, sharedCalibrationBuffers, sharedTerms } from '../src/score/calibration-blocks.js';
import { float32MatrixShape, readLabels } from '../src/score/inputs.js';
import { writeNpyAtomic } from '../src/store/npy.js';
import { runCli } from './helpers/cli.js';

function data(n: number, c: number, seed: number): { logits: Float32Array; labels: Int32Array } {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const logits = Float32Array.from({ length: n * c }, () => (rand() - 0.5) * 12);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
  // ties in a row: argmax takes the first index
  logits.fill(3, 0, c);
  return { logits, labels };
}

test('score streaming: the accumulator in blocks equals calibrationMetrics and the separate functions, bit for bit', () => {
  const n = 53, c = 17;
  const { logits, labels } = data(n, c, 7);
  for (const temperature of [1, 0.37, 2.5]) {
    const whole = calibrationMetrics(logits, n, c, labels, { temperature, numBins: 15 });
    assert.equal(whole.nll, negativeLogLikelihood(logits, n, c, labels, temperature));
    assert.equal(whole.brier, brierScore(logits, n, c, labels, temperature));
    const preds = argmaxRows(logits, n, c);
    const correct = Uint8Array.from(preds, (p, i) => (p === labels[i] ? 1 : 0));
    assert.deepEqual({ ece: whole.ece, bins: whole.bins }, expectedCalibrationError(maxSoftmaxRows(logits, n, c, temperature), correct, 15));
    for (const block of [1, 5, 53]) {
      const acc = new CalibrationAccumulator(n, c, labels, temperature);
      for (let first = 0; first < n; first += block) {
        const rows = Math.min(block, n - first);
        acc.addRows(logits.slice(first * c, (first + rows) * c), first, rows);
      }
      assert.deepEqual(acc.finish(15), whole);
    }
  }
  const acc = new CalibrationAccumulator(n, c, labels, 1);
  assert.throws(() => acc.addRows(logits, 5, 3), /out of order/);
  assert.throws(() => acc.finish(), /0 of 53 rows/);
});

test('score streaming: a float32 .npy is scored in blocks of whole rows; NaN is reported at its row and column; CLI ece/nll equal the text-file path', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-stream-'));
  const n = 41, c = 9;
  const { logits, labels } = data(n, c, 3);
  const npy = path.join(dir, 'logits.npy');
  await writeNpyAtomic(npy, logits, [n, c]);
  const shape = await float32MatrixShape(npy);
  assert.ok(shape !== null);
  assert.deepEqual([shape.rows, shape.cols], [n, c]);
  // Blocks of 7 whole rows (the last one 6): every row's terms are those of one pass over the whole matrix.
  assert.equal(blockRowsFor(c, 7 * c * 4), 7);
  const buffers = sharedCalibrationBuffers(n);
  assert.equal(scoreClaimedBlocks(npy, 'logits', shape, labels, 1, buffers, 7), n);
  const whole = { confidences: new Float64Array(n), correct: new Uint8Array(n), nll: new Float64Array(n), brier: new Float64Array(n) };
  assert.equal(calibrationRowTerms(logits, 0, n, c, labels, 1, new Float64Array(c), whole), n);
  assert.deepEqual(sharedTerms(buffers), whole);
  assert.equal(await float32MatrixShape(path.join(dir, 'missing.npy')), null);
  await writeNpyAtomic(path.join(dir, 'f64.npy'), Float64Array.from(logits), [n, c]);
  assert.equal(await float32MatrixShape(path.join(dir, 'f64.npy')), null);

  const text = path.join(dir, 'logits.txt');
  await fs.writeFile(text, Array.from({ length: n }, (_, i) => [...logits.subarray(i * c, (i + 1) * c)].join(' ')).join('\n'));
  await fs.writeFile(path.join(dir, 'labels.txt'), [...labels].join('\n'));
  for (const metric of ['ece', 'nll']) {
    const a = await runCli(['score', metric, '--logits', npy, '--labels', path.join(dir, 'labels.txt'), '--temperature', '1.5', '--json']);
    const b = await runCli(['score', metric, '--logits', text, '--labels', path.join(dir, 'labels.txt'), '--temperature', '1.5', '--json']);
    assert.equal(a.code, 0, a.stderr);
    assert.deepEqual(JSON.parse(a.stdout).metrics, JSON.parse(b.stdout).metrics);
  }
  const bad = Float32Array.from(logits);
  bad[3 * c + 2] = Number.NaN;
  await writeNpyAtomic(npy, bad, [n, c]);
  const r = await runCli(['score', 'ece', '--logits', npy, '--labels', path.join(dir, 'labels.txt')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /logits .*logits\.npy holds a non-finite value \(NaN or Inf\) at row 3, column 2/);
  await fs.rm(dir, { recursive: true, force: true });
});

test('score labels: int32, int64, uint8 and float .npy labels and text give the same labels and the same errors', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-labels-'));
  try {
    const write = async (name: string, data: Int32Array | BigInt64Array | Uint8Array | Float64Array): Promise<string> => {
      const file = path.join(dir, name);
      await writeNpyAtomic(file, data, [data.length]);
      return file;
    };
    const good = [3, 0, 2, 1, 2];
    const files = [
      await write('i32.npy', Int32Array.from(good)),
      await write('i64.npy', BigInt64Array.from(good, BigInt)),
      await write('u8.npy', Uint8Array.from(good)),
      await write('f64.npy', Float64Array.from(good)),
    ];
    await fs.writeFile(path.join(dir, 'labels.txt'), good.join('\n'));
    for (const f of [...files, path.join(dir, 'labels.txt')]) assert.deepEqual(await readLabels(f, 4), Int32Array.from(good), f);
    for (const f of files) {
      await assert.rejects(readLabels(f, 3), { message: `labels ${f}: label 3 at position 0 is out of range [0, 2]` });
    }
    const negative = await write('neg.npy', Int32Array.from([1, -1, 7]));
    await assert.rejects(readLabels(negative, 5), { message: `labels ${negative}: label -1 at position 1 is out of range [0, 4]` });
    await assert.rejects(readLabels(await write('empty.npy', new Int32Array(0)), 5), /is empty/);
    const half = await write('half.npy', Float64Array.from([1, 2.5, Number.NaN]));
    await assert.rejects(readLabels(half, 5), /holds a non-finite value \(NaN or Inf\) at position 2/);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
