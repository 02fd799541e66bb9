/**
 * `holoclip score ece|nll|brier` on a large float32 .npy is scored by two threads that claim blocks of rows
 * (score/parallel-calibration.ts, calibration-blocks.ts) with a row kernel that folds in the non-finite check
 * (metrics/calibration.ts). Its figures must be bit-identical to the old one-pass accumulator (the oracle in
 * test/helpers/calibration-oracle.ts) at any temperature, shape and block size, and a non-finite value must be
 * reported at the row and column one pass would name first. The same for `holoclip score temperature`, whose passes
 * over a matrix held in shared memory both threads share (score/matrix-passes.ts, matrix-blocks.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { betaDerivativesJs, CalibrationAccumulator, calibrationMetrics, calibrationRowTerms, searchTemperature, temperatureScaling } from '../src/metrics/calibration.js';
import { float32MatrixShape } from '../src/score/inputs.js';
import { temperatureScalingOfFile, type MatrixPassesOptions, type TemperatureScalingOfFile } from '../src/score/matrix-passes.js';
import { accumulateLogitsFile } from '../src/score/parallel-calibration.js';
import { writeNpyAtomic } from '../src/store/npy.js';
import { oracleCalibration } from './helpers/calibration-oracle.js';

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
        assert.deepEqual(two.finish(), oracleCalibration(logits, n, c, labels, temperature), `n ${n}, T ${temperature}: the old accumulator`);
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
      // One row per block: the two threads take turns over the whole file.
      const err = await accumulateLogitsFile(file, shape, labels, 1, acc, { threads: 2, minValues: 0, blockBytes: 1 }).then(() => null, (e: unknown) => e as Error);
      assert.ok(err, 'a NaN must stop the scoring');
      return err.message;
    };
    assert.match(await run([350]), /non-finite value \(NaN or Inf\) at row 350, column 2/, 'in the worker\'s half');
    assert.match(await run([10, 350]), /at row 10, column 2/, 'the first half\'s row comes first');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Logits with ties, constant rows, large magnitudes, and labels at the first and last class. */
function awkwardLogits(n: number, c: number, seed: number): { logits: Float32Array; labels: Int32Array } {
  const { logits, labels } = logitsOf(n, c, seed);
  if (n > 3) {
    logits.fill(2.5, 0, c); // a constant row: arg-max 0, confidence 1 / c
    for (let j = 0; j < c; j += 2) logits[c + j] = 4; // ties for the maximum in row 1
    for (let j = 0; j < c; j++) logits[2 * c + j] *= 1e6; // large magnitudes
    labels[1] = c - 1;
    labels[2] = 0;
  }
  return { logits, labels };
}

test('the new kernel, by blocks of any size on one or two threads, equals the old one-pass accumulator bit for bit', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-score-oracle-'));
  try {
    for (const [n, c, seed] of [[1, 1, 4], [1, 5, 5], [7, 1, 6], [97, 10, 7], [1000, 37, 8], [2500, 100, 9]] as const) {
      const { logits, labels } = awkwardLogits(n, c, seed);
      const file = path.join(dir, `o-${n}-${c}.npy`);
      await writeNpyAtomic(file, logits, [n, c]);
      const shape = await float32MatrixShape(file);
      assert.ok(shape);
      for (const temperature of [1, 0.37, 2.5, 1e-3, 100]) {
        const expected = oracleCalibration(logits, n, c, labels, temperature);
        assert.deepEqual(calibrationMetrics(logits, n, c, labels, { temperature }), expected, `in memory, n ${n} c ${c} T ${temperature}`);
        for (const options of [{ threads: 1 }, { threads: 2, minValues: 0 }, { threads: 2, minValues: 0, blockBytes: 1 }]) {
          const acc = new CalibrationAccumulator(n, c, labels, temperature);
          const workerRows = await accumulateLogitsFile(file, shape, labels, temperature, acc, options);
          assert.deepEqual(acc.finish(), expected, `file, n ${n} c ${c} T ${temperature} ${JSON.stringify(options)}`);
          if (options.threads === 1) assert.equal(workerRows, 0);
        }
      }
      // The worker certainly scores rows here: this thread starts claiming once the worker has claimed a block (a worker
      // started from tsx takes a few hundred ms, so only a few of these).
      if (n * c < 10_000) continue;
      for (const [temperature, blockBytes] of [[1, 1], [0.37, 3 * c * 4]]) {
        const acc = new CalibrationAccumulator(n, c, labels, temperature);
        const workerRows = await accumulateLogitsFile(file, shape, labels, temperature, acc, { threads: 2, minValues: 0, blockBytes, waitForWorker: true });
        assert.ok(workerRows > 0, `the worker scored rows (n ${n} c ${c})`);
        assert.deepEqual(acc.finish(), oracleCalibration(logits, n, c, labels, temperature), `two threads, n ${n} c ${c} T ${temperature}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the kernel stops at the first row holding NaN or an infinity, wherever it sits in the row; finite logits that overflow at a tiny T are not an error', () => {
  const n = 6, c = 5;
  const { logits, labels } = logitsOf(n, c, 11);
  const row = new Float64Array(c);
  const terms = () => ({ confidences: new Float64Array(n), correct: new Uint8Array(n), nll: new Float64Array(n), brier: new Float64Array(n) });
  assert.equal(calibrationRowTerms(logits, 0, n, c, labels, 1, row, terms()), n);
  for (const bad of [Number.NaN, Infinity, -Infinity]) {
    for (const [r, j] of [[0, 0], [3, 2], [5, 4]]) {
      const m = logits.slice();
      m[r * c + j] = bad;
      for (const temperature of [1, 0.5]) assert.equal(calibrationRowTerms(m, 0, n, c, labels, temperature, row, terms()), r, `${bad} at ${r},${j}, T ${temperature}`);
    }
  }
  const nanRow = logits.slice();
  nanRow.fill(Number.NaN, 2 * c, 3 * c);
  assert.equal(calibrationRowTerms(nanRow, 0, n, c, labels, 1, row, terms()), 2, 'a row of NaN only');
  // v / T overflows to Infinity: the old arithmetic's NaN terms, not a non-finite input.
  const big = Float32Array.from(logits, (v) => v * 1e37);
  const out = terms();
  assert.equal(calibrationRowTerms(big, 0, n, c, labels, 1e-300, row, out), n);
  assert.ok(Number.isNaN(out.confidences[0]));
  assert.throws(() => calibrationMetrics(big, n, c, labels, { temperature: 1e-300 }), (e: Error) => {
    assert.throws(() => oracleCalibration(big, n, c, labels, 1e-300), { message: e.message });
    return true;
  });
});

test('a non-finite value is reported at its first column of the first bad row, with one-row blocks on two threads', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-score-bad-'));
  try {
    const n = 300, c = 6;
    const { logits, labels } = logitsOf(n, c, 13);
    for (const [bad, cells] of [[-Infinity, [[299, 5]]], [Infinity, [[120, 4], [120, 1], [250, 0]]], [Number.NaN, [[0, 3]]]] as const) {
      const m = logits.slice();
      for (const [r, j] of cells) m[r * c + j] = bad;
      const file = path.join(dir, `bad-${String(bad)}.npy`);
      await writeNpyAtomic(file, m, [n, c]);
      const shape = await float32MatrixShape(file);
      assert.ok(shape);
      const [row, column] = [cells[0][0], Math.min(...cells.filter(([r]) => r === cells[0][0]).map(([, j]) => j))];
      for (const waitForWorker of [false, true]) {
        const acc = new CalibrationAccumulator(n, c, labels, 1);
        const err: Error | null = await accumulateLogitsFile(file, shape, labels, 1, acc, { threads: 2, minValues: 0, blockBytes: 1, waitForWorker }).then(() => null, (e: unknown) => e as Error);
        assert.ok(err);
        assert.equal(err.message, `logits ${file} holds a non-finite value (NaN or Inf) at row ${row}, column ${column}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------------------------
// `holoclip score temperature` (score/matrix-passes.ts): the matrix read once into shared memory, every pass shared
// by two threads, each row's terms summed in row order by this thread.

async function scalingOfFile(file: string, labels: Int32Array, numBins: number, options: MatrixPassesOptions): Promise<TemperatureScalingOfFile> {
  const shape = await float32MatrixShape(file);
  assert.ok(shape);
  return temperatureScalingOfFile(file, shape, async () => labels, numBins, options);
}

test('score temperature on two threads gives temperatureScaling on one, bit for bit: ties, constant rows, large magnitudes, any block size', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-score-temp-'));
  try {
    for (const [n, c, seed] of [[1, 1, 21], [2, 3, 22], [7, 1, 23], [301, 7, 24], [2500, 100, 25]] as const) {
      const { logits, labels } = awkwardLogits(n, c, seed);
      const file = path.join(dir, `t-${n}-${c}.npy`);
      await writeNpyAtomic(file, logits, [n, c]);
      const expected = temperatureScaling(logits, n, c, labels, { numBins: 10 });
      // The old search, its derivatives running sums over the rows in JS (no per-row terms): the same fit.
      const oracle = await searchTemperature('test', {}, async (beta) => betaDerivativesJs(logits, n, c, labels, beta, new Float64Array(c)));
      assert.deepEqual({ temperature: expected.fit.temperature, evaluations: expected.fit.evaluations - 2 }, oracle, `oracle fit, n ${n} c ${c}`);
      assert.deepEqual(expected.before, oracleCalibration(logits, n, c, labels, 1, 10));
      assert.deepEqual(expected.after, oracleCalibration(logits, n, c, labels, expected.fit.temperature, 10));
      for (const options of [{ threads: 1 }, { threads: 2, minValues: 0 }, { threads: 2, minValues: 0, blockBytes: 1 }, { threads: 2, minValues: 0, blockBytes: 5 * c * 4, waitForWorker: true }]) {
        const got = await scalingOfFile(file, labels, 10, options);
        assert.deepEqual({ fit: got.fit, before: got.before, after: got.after }, expected, `n ${n} c ${c} ${JSON.stringify(options)}`);
        if (options.threads === 1) assert.equal(got.workerRows, 0);
        // Each pass waits for the worker's first claim: it scores rows in every pass (n > 1).
        if (options.waitForWorker && n > 1) assert.ok(got.workerRows >= got.fit.evaluations, `the worker scored ${got.workerRows} rows over ${got.fit.evaluations} passes`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('score temperature: a non-finite value is reported at the first bad row and its first column, whichever thread reads it', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-score-temp-bad-'));
  try {
    const n = 300, c = 6;
    const { logits, labels } = logitsOf(n, c, 31);
    for (const [bad, cells] of [[-Infinity, [[299, 5]]], [Infinity, [[120, 4], [120, 1], [250, 0]]], [Number.NaN, [[0, 3]]], [Number.NaN, [[10, 2], [200, 0]]]] as const) {
      const m = logits.slice();
      for (const [r, j] of cells) m[r * c + j] = bad;
      const file = path.join(dir, `bad-${String(bad)}-${cells.length}.npy`);
      await writeNpyAtomic(file, m, [n, c]);
      const [row, column] = [cells[0][0], Math.min(...cells.filter(([r]) => r === cells[0][0]).map(([, j]) => j))];
      for (const options of [{ threads: 1 }, { threads: 2, minValues: 0, blockBytes: 1 }, { threads: 2, minValues: 0, blockBytes: 1, waitForWorker: true }]) {
        const err = await scalingOfFile(file, labels, 15, options).then(() => null, (e: unknown) => e as Error);
        assert.ok(err, `${bad} at row ${row} must stop the fit (${JSON.stringify(options)})`);
        assert.equal(err.message, `logits ${file} holds a non-finite value (NaN or Inf) at row ${row}, column ${column}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('score temperature: the worker failing in a pass, by an error or by exiting, is an error naming it (no hang, no figures)', { timeout: 120_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-score-temp-fault-'));
  try {
    const n = 2000, c = 10;
    const { logits, labels } = logitsOf(n, c, 41);
    const file = path.join(dir, 'l.npy');
    await writeNpyAtomic(file, logits, [n, c]);
    const base = { threads: 2, minValues: 0, blockBytes: 4 * c * 4, waitForWorker: true };
    const openFiles = (): number => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);
    const filesBefore = openFiles();
    for (const pass of [0, 3]) {
      await assert.rejects(scalingOfFile(file, labels, 15, { ...base, fault: { pass, how: 'throw' } }), { message: `test fault in pass ${pass}` });
      await assert.rejects(scalingOfFile(file, labels, 15, { ...base, fault: { pass, how: 'exit' } }), { message: 'the temperature worker thread stopped (exit code 3) before it finished its rows' });
    }
    // A fault in a pass the worker never reaches changes nothing.
    const ok = await scalingOfFile(file, labels, 15, { ...base, fault: { pass: 200, how: 'exit' } });
    assert.deepEqual(ok.fit, temperatureScaling(logits, n, c, labels).fit);
    assert.equal(openFiles(), filesBefore, 'the file is closed after every run, failed or not');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
