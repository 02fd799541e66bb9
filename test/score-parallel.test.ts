/**
 * `holoclip score ece|nll|brier` on a large float32 .npy scores the second half of the rows in a worker thread
 * (score/parallel-calibration.ts). Its figures must be bit-identical to one pass on one thread, at any temperature
 * and row count, and a non-finite value must be reported at the row one pass would name first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CalibrationAccumulator, calibrationMetrics } from '../src/metrics/calibration.js';
import { float32MatrixShape } from '../src/score/inputs.js';
import { accumulateLogitsFile } from '../src/score/parallel-calibration.js';
import { writeNpyAtomic } from '../src/store/npy.js';

function logitsOf(n: number, c: number, seed: number): { logits: Float32Array; labels: Int32Array } {
  let s = seed >>> 0;
  const rand = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const logits = Float32Array.from({ length: n * c }, () => (rand() - 0.5) * 12);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
  return { logits, labels };
}

test('two threads give the figures of one pass, bit for bit, at any temperature and row count', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-score-par-'));
  try {
    for (const [n, c, seed] of [[2, 3, 1], [301, 7, 2], [4099, 13, 3]] as const) {
      const { logits, labels } = logitsOf(n, c, seed);
      const file = path.join(dir, `l-${n}.npy`);
      await writeNpyAtomic(file, logits, [n, c]);
      const shape = await float32MatrixShape(file);
      assert.ok(shape);
      for (const temperature of [1, 0.37, 2.5]) {
        const two = new CalibrationAccumulator(n, c, labels, temperature);
        await accumulateLogitsFile(file, shape, labels, temperature, two, { threads: 2, minValues: 0 });
        const one = new CalibrationAccumulator(n, c, labels, temperature);
        await accumulateLogitsFile(file, shape, labels, temperature, one, { threads: 1 });
        assert.deepEqual(two.finish(), one.finish(), `n ${n}, T ${temperature}`);
        assert.deepEqual(two.finish(), calibrationMetrics(logits, n, c, labels, { temperature }));
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a NaN is reported at the first bad row, whichever thread reads it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-score-par-'));
  try {
    const n = 400, c = 5;
    const { logits, labels } = logitsOf(n, c, 9);
    const run = async (bad: number[]): Promise<string> => {
      const m = logits.slice();
      for (const r of bad) m[r * c + 2] = Number.NaN;
      const file = path.join(dir, `nan-${bad.join('-')}.npy`);
      await writeNpyAtomic(file, m, [n, c]);
      const shape = await float32MatrixShape(file);
      assert.ok(shape);
      const acc = new CalibrationAccumulator(n, c, labels, 1);
      const err = await accumulateLogitsFile(file, shape, labels, 1, acc, { threads: 2, minValues: 0 }).then(() => null, (e: unknown) => e as Error);
      assert.ok(err, 'a NaN must stop the scoring');
      return err.message;
    };
    assert.match(await run([350]), /non-finite value \(NaN or Inf\) at row 350, column 2/, 'in the worker\'s half');
    assert.match(await run([10, 350]), /at row 10, column 2/, 'the first half\'s row comes first');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
