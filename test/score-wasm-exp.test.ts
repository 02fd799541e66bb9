/**
 * The WebAssembly SIMD calibration kernel (src/metrics/wasm/): its port of fdlibm's exp against V8's Math.exp bit for
 * bit over the whole double range, its row terms and temperature-fit derivatives against the JS loops (the
 * fallback) bit for bit, `holoclip score ece|nll|brier|temperature` against the output main's JS path gave on a
 * fixture, and the committed module against what its .wat compiles to.
 *
 * Equality is Object.is value by value: +0 and -0 differ, and every NaN equals every NaN (a NaN's payload is not a
 * figure; JS cannot print it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { addBetaRowTerms, betaDerivativeRowTermsJs, betaDerivativesJs, calibrationMetrics, calibrationRowTerms, fitTemperature, temperatureScaling, type CalibrationRowTerms } from '../src/metrics/calibration.js';
import {
  calibrationKernelAvailable,
  calibrationKernelMemoryBytes,
  kernelBetaRows,
  kernelBetaRowTerms,
  kernelBlock,
  kernelCalibrationRowTerms,
  kernelChunkRows,
  kernelExp,
} from '../src/metrics/wasm/calibration-kernel.js';
import { runCli } from './helpers/cli.js';
import { normalizeScoreOutput, SCORE_CLI_CASES, writeScoreFixture } from '../tools/goldens/make_score_cli_goldens.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { compileWat, modulePath, moduleSource } from '../tools/wasm/build.mjs';

/** fast-check's seed for every property here (recorded so a failure replays). */
const SEED = 20261202;

test('the committed calibration wasm module is what src/metrics/wasm/calibration.wat compiles to', async () => {
  const binary = (await compileWat('calibration')) as Buffer;
  assert.equal(readFileSync(modulePath('calibration') as string, 'utf8'), moduleSource('calibration', binary), 'stale: run node tools/wasm/build.mjs');
});

test('the calibration kernel compiles in this node', () => {
  assert.equal(calibrationKernelAvailable(), true);
});

/** The first index where the kernel's exp and Math.exp differ (Object.is), -1 if none. */
function firstExpMismatch(x: Float64Array): number {
  const got = kernelExp(x);
  assert.ok(got);
  for (let i = 0; i < x.length; i++) if (!Object.is(got[i], Math.exp(x[i]))) return i;
  return -1;
}

function assertExpMatches(x: Float64Array, what: string): number {
  const i = firstExpMismatch(x);
  if (i >= 0) assert.fail(`${what}: exp(${x[i]}) (bits ${bitsOf(x[i])}): kernel ${kernelExp(x.subarray(i, i + 1))?.[0]}, Math.exp ${Math.exp(x[i])}`);
  return x.length;
}

function bitsOf(v: number): string {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, v);
  return b.getBigUint64(0).toString(16).padStart(16, '0');
}

/** Doubles from 64-bit patterns: `hi` and `lo` words. */
function fromWords(hi: Uint32Array, lo: Uint32Array): Float64Array {
  const words = new Uint32Array(hi.length * 2);
  for (let i = 0; i < hi.length; i++) {
    words[2 * i] = lo[i];
    words[2 * i + 1] = hi[i];
  }
  return new Float64Array(words.buffer);
}

/** A seeded 32-bit generator (xorshift32). */
function xorshift(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>>= 0);
  };
}

/** `count` doubles at the `step`-ulp neighbours of `centre` (both signs of the offset), in order. */
function ulpNeighbours(centre: number, count: number, step = 1): Float64Array {
  const out = new Float64Array(count);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, centre);
  const bits = view.getBigInt64(0);
  for (let i = 0; i < count; i++) {
    view.setBigInt64(0, bits + BigInt((i - (count >> 1)) * step));
    out[i] = view.getFloat64(0);
  }
  return out;
}

test('exp: the kernel equals Math.exp bit for bit on 8.4 million values over the double range', () => {
  const next = xorshift(SEED);
  let checked = 0;
  const n = 1 << 20;
  // Every bit pattern: NaNs, infinities, subnormal and huge arguments, both signs.
  {
    const hi = new Uint32Array(n).map(() => next());
    const lo = new Uint32Array(n).map(() => next());
    checked += assertExpMatches(fromWords(hi, lo), 'random bit patterns');
  }
  // Exponent fields near 1 (|x| from 2^-40 to 2^11): the range where exp is neither 1 + x nor 0 / Inf.
  {
    const hi = new Uint32Array(n).map(() => ((next() & 0x8000000f) | ((0x3d7 + (next() % 0x34)) << 20) | (next() & 0xffff0)) >>> 0);
    const lo = new Uint32Array(n).map(() => next());
    checked += assertExpMatches(fromWords(hi, lo), 'exponents 2^-40 .. 2^11');
  }
  const uniform = (lo: number, hi: number): Float64Array => Float64Array.from({ length: n }, () => lo + (hi - lo) * (next() / 2 ** 32 + next() / 2 ** 64));
  checked += assertExpMatches(uniform(-760, 720), 'uniform over [-760, 720]');
  checked += assertExpMatches(uniform(-50, 0), 'uniform over [-50, 0] (the calibration range)');
  checked += assertExpMatches(uniform(-2, 2), 'uniform over [-2, 2]');
  checked += assertExpMatches(uniform(-745.2, -707), 'subnormal results and k < -1021');
  checked += assertExpMatches(uniform(708.9, 709.8), 'k = 1024 and overflow');
  const halfLn2 = 0.5 * Math.LN2;
  const threshLn2 = 1.5 * Math.LN2;
  // Branch edges, every ulp around each: |x| = ln2/2 and 1.5 ln2 (fdlibm tests the high word: 0x3FD62E42 and
  // 0x3FF0A2B2, which are the values below with their low word 0), 2^-28, the overflow and underflow thresholds.
  const edges = [
    halfLn2, -halfLn2, threshLn2, -threshLn2, 2 ** -28, -(2 ** -28), 7.09782712893383973096e2, -7.45133219101941108420e2,
    -708.3964185322641, -707.7032713517042, 1, -1,
  ];
  const highWordEdges = [0x3fd62e42, 0x3fd62e43, 0x3ff0a2b2, 0x3ff0a2b1, 0x3e300000, 0x40862e42, 0x40874910].flatMap((hw) => [hw, hw | 0x80000000]);
  for (const hw of highWordEdges) {
    const view = new DataView(new ArrayBuffer(8));
    view.setUint32(0, hw >>> 0);
    view.setUint32(4, 0);
    edges.push(view.getFloat64(0));
  }
  for (const edge of edges) {
    checked += assertExpMatches(ulpNeighbours(edge, 1 << 15), `ulps around ${edge}`);
    checked += assertExpMatches(ulpNeighbours(edge, 1 << 13, 1 << 20), `2^20-ulp steps around ${edge}`);
  }
  checked += assertExpMatches(
    Float64Array.from([0, -0, Number.NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE, 2.2250738585072014e-308, Math.LN2, -Math.LN2, 1e-300, -1e-300]),
    'special values',
  );
  assert.ok(checked > 8_400_000, `${checked} values`);
});

test('exp: the kernel equals Math.exp on fast-check doubles (any double, and [-750, 750]), fixed seed', () => {
  const check = (xs: number[]): boolean => firstExpMismatch(Float64Array.from(xs)) < 0;
  fc.assert(fc.property(fc.array(fc.double(), { minLength: 1, maxLength: 64 }), check), { seed: SEED, numRuns: 2000 });
  fc.assert(fc.property(fc.array(fc.double({ min: -750, max: 750, noNaN: true }), { minLength: 1, maxLength: 64 }), check), { seed: SEED + 1, numRuns: 2000 });
});

function emptyTerms(n: number): CalibrationRowTerms {
  return { confidences: new Float64Array(n), correct: new Uint8Array(n), nll: new Float64Array(n), brier: new Float64Array(n) };
}

function assertSameArray(a: ArrayLike<number>, b: ArrayLike<number>, count: number, what: string): void {
  for (let i = 0; i < count; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}[${i}]: kernel ${a[i]}, JS ${b[i]}`);
}

/** The kernel's terms against calibrationRowTerms (the JS loop) on the same rows: the same return and the same bits. */
function assertRowTermsMatch(block: Float32Array, rows: number, c: number, labels: Int32Array, temperature: number): void {
  const js = emptyTerms(rows);
  const wasm = emptyTerms(rows);
  const jsScored = calibrationRowTerms(block, 0, rows, c, labels, temperature, new Float64Array(c), js);
  const wasmScored = kernelCalibrationRowTerms(block, 0, rows, c, labels, temperature, wasm);
  assert.equal(wasmScored, jsScored, 'rows scored (the first bad row)');
  for (const key of ['confidences', 'correct', 'nll', 'brier'] as const) assertSameArray(wasm[key], js[key], jsScored, `${key} (c ${c}, T ${temperature})`);
}

/** Logit values that hit the kernel's branches: ties, signed zeros, huge spreads, tiny differences. */
const logitValue = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0, -0, 1e-9, 2e-9, -1e-9, 3.4e38, -3.4e38, 1e4, -1e4, 709, -746),
  fc.float({ noNaN: true, noDefaultInfinity: true, min: -100, max: 100 }),
  fc.float({ noNaN: true, noDefaultInfinity: true }),
);

const rowsCase = fc
  .record({
    rows: fc.integer({ min: 1, max: 12 }),
    c: fc.integer({ min: 1, max: 41 }),
    temperature: fc.oneof(fc.constantFrom(1, 0.37, 2.5, 1e-3, 100, 1e-300), fc.double({ min: 0.01, max: 100, noNaN: true })),
    seed: fc.integer(),
  })
  .chain(({ rows, c, temperature, seed }) =>
    fc.record({
      rows: fc.constant(rows),
      c: fc.constant(c),
      temperature: fc.constant(temperature),
      values: fc.array(logitValue, { minLength: rows * c, maxLength: rows * c }),
      labels: fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: rows, maxLength: rows }),
      // A non-finite value at some position (or none).
      bad: fc.option(fc.record({ at: fc.integer({ min: 0, max: rows * c - 1 }), value: fc.constantFrom(Number.NaN, Infinity, -Infinity) }), { freq: 3 }),
      seed: fc.constant(seed),
    }),
  );

test('row kernel: confidence, correct, NLL and Brier terms equal the JS loop bit for bit (fast-check, fixed seed)', () => {
  fc.assert(
    fc.property(rowsCase, ({ rows, c, temperature, values, labels, bad }) => {
      const block = Float32Array.from(values);
      if (bad) block[bad.at] = bad.value;
      assertRowTermsMatch(block, rows, c, Int32Array.from(labels), temperature);
    }),
    { seed: SEED, numRuns: 600 },
  );
});

test('row kernel: wide rows, several chunks, the no-copy block, and the kernel memory stays at about a chunk', () => {
  const next = xorshift(SEED + 7);
  for (const [rows, c] of [[700, 1000], [3, 300_001], [5, 4], [9, 1], [260, 1001]] as const) {
    const block = Float32Array.from({ length: rows * c }, () => (next() / 2 ** 32 - 0.5) * 30);
    const labels = Int32Array.from({ length: rows }, () => next() % c);
    for (const temperature of [1, 0.37]) assertRowTermsMatch(block, rows, c, labels, temperature);
  }
  // A block read straight into the kernel's memory (calibration-blocks.ts does this) gives the same terms, also when
  // it holds more rows than a copy chunk.
  const c = 997;
  const rows = 3 * kernelChunkRows(c) + 5;
  const source = Float32Array.from({ length: rows * c }, () => (next() / 2 ** 32 - 0.5) * 8);
  const labels = Int32Array.from({ length: rows }, () => next() % c);
  const inKernel = kernelBlock(rows, c);
  assert.ok(inKernel);
  inKernel.set(source);
  const direct = emptyTerms(rows);
  assert.equal(kernelCalibrationRowTerms(inKernel, 0, rows, c, labels, 0.5, direct), rows);
  const js = emptyTerms(rows);
  calibrationRowTerms(source, 0, rows, c, labels, 0.5, new Float64Array(c), js);
  for (const key of ['confidences', 'correct', 'nll', 'brier'] as const) assertSameArray(direct[key], js[key], rows, `no-copy ${key}`);
  // The widest row here (300,001 classes) needs 1.2 MB of logits and 2.4 MB of scratch: the memory stays near that.
  assert.ok(calibrationKernelMemoryBytes() < 8 * 2 ** 20, `kernel memory ${calibrationKernelMemoryBytes()} bytes`);
});

test('temperature-fit derivatives: the kernel equals the JS loop bit for bit (fast-check, fixed seed)', () => {
  const finiteValue = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom(0, -0, 1e-9, 1e4, -1e4), fc.float({ noNaN: true, noDefaultInfinity: true, min: -60, max: 60 }));
  const betaCase = fc.record({ rows: fc.integer({ min: 1, max: 10 }), c: fc.integer({ min: 1, max: 37 }) }).chain(({ rows, c }) =>
    fc.record({
      rows: fc.constant(rows),
      c: fc.constant(c),
      beta: fc.oneof(fc.constantFrom(1, 0.01, 100, 0.37), fc.double({ min: 0.01, max: 100, noNaN: true })),
      values: fc.array(finiteValue, { minLength: rows * c, maxLength: rows * c }),
      labels: fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: rows, maxLength: rows }),
    }),
  );
  fc.assert(
    fc.property(betaCase, ({ rows, c, beta, values, labels }) => {
      const logits = Float32Array.from(values);
      const js = betaDerivativesJs(logits, rows, c, labels, beta, new Float64Array(c));
      const totals = { grad: 0, hess: 0 };
      assert.equal(kernelBetaRows(logits, 0, rows, c, labels, beta, totals), true);
      assert.ok(Object.is(totals.grad / rows, js.grad), `grad ${totals.grad / rows} vs ${js.grad}`);
      assert.ok(Object.is(totals.hess / rows, js.hess), `hess ${totals.hess / rows} vs ${js.hess}`);
    }),
    { seed: SEED + 2, numRuns: 400 },
  );
});

test('temperature-fit row terms: the kernel and the JS loop write the same terms, stop at the first row holding NaN or an infinity, and sum to the running totals', () => {
  const next = xorshift(SEED + 4);
  const rows = 9;
  for (const c of [1, 2, 3, 7, 64, 301]) {
    const logits = Float32Array.from({ length: rows * c }, () => (next() / 2 ** 32 - 0.5) * 30);
    const labels = Int32Array.from({ length: rows }, () => next() % c);
    logits.fill(1.5, 0, c); // a constant row
    for (const beta of [0.01, 1, 0.37, 100]) {
      const js = { grad: new Float64Array(rows), hess: new Float64Array(rows) };
      const wasm = { grad: new Float64Array(rows), hess: new Float64Array(rows) };
      assert.equal(betaDerivativeRowTermsJs(logits, 0, rows, c, labels, beta, new Float64Array(c), js), rows);
      assert.equal(kernelBetaRowTerms(logits, 0, rows, c, labels, beta, wasm), rows);
      assertSameArray(wasm.grad, js.grad, rows, `grad terms (c ${c}, beta ${beta})`);
      assertSameArray(wasm.hess, js.hess, rows, `hess terms (c ${c}, beta ${beta})`);
      // Terms summed in row order are the running totals of the old loop, bit for bit.
      const running = betaDerivativesJs(logits, rows, c, labels, beta, new Float64Array(c));
      const sums = { grad: 0, hess: 0 };
      addBetaRowTerms(js, rows, sums);
      assert.ok(Object.is(sums.grad / rows, running.grad) && Object.is(sums.hess / rows, running.hess), `sums (c ${c}, beta ${beta})`);
      for (const bad of [Number.NaN, Infinity, -Infinity]) {
        for (const [r, j] of [[0, 0], [4, c - 1], [8, c >> 1]]) {
          const m = logits.slice();
          m[r * c + j] = bad;
          const out = { grad: new Float64Array(rows), hess: new Float64Array(rows) };
          assert.equal(betaDerivativeRowTermsJs(m, 0, rows, c, labels, beta, new Float64Array(c), out), r, `JS: ${bad} at ${r},${j} (c ${c})`);
          assert.equal(kernelBetaRowTerms(m, 0, rows, c, labels, beta, out), r, `kernel: ${bad} at ${r},${j} (c ${c})`);
        }
      }
    }
  }
});

test('temperatureScaling (score temperature: one pass less each side) equals fitTemperature + calibrationMetrics before and after', () => {
  const next = xorshift(SEED + 3);
  for (const [n, c, scale] of [[300, 17, 4], [64, 1000, 12], [5, 2, 0.5]] as const) {
    const logits = Float32Array.from({ length: n * c }, () => (next() / 2 ** 32 - 0.5) * scale);
    const labels = Int32Array.from({ length: n }, () => next() % c);
    for (let i = 0; i < n; i++) logits[i * c + labels[i]] += (next() / 2 ** 32) * scale;
    const fit = fitTemperature(logits, n, c, labels);
    const both = temperatureScaling(logits, n, c, labels, { numBins: 10 });
    assert.deepEqual(both.fit, fit);
    assert.deepEqual(both.before, calibrationMetrics(logits, n, c, labels, { numBins: 10 }));
    assert.deepEqual(both.after, calibrationMetrics(logits, n, c, labels, { numBins: 10, temperature: fit.temperature }));
  }
});

test('holoclip score ece|nll|brier|temperature print what main printed on the fixture (two threads), byte for byte', { timeout: 240_000 }, async () => {
  const golden = JSON.parse(readFileSync(path.join(import.meta.dirname, 'golden', 'score-cli', 'outputs.json'), 'utf8')) as { outputs: Record<string, string> };
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-score-wasm-'));
  try {
    const files = await writeScoreFixture(dir);
    for (const [name, args] of Object.entries(SCORE_CLI_CASES)) {
      const r = await runCli(['score', args[0], '--logits', files.logits, '--labels', files.labels, ...args.slice(1), '--json']);
      assert.equal(r.code, 0, `${name}: ${r.stderr}`);
      assert.equal(normalizeScoreOutput(r.stdout, dir), golden.outputs[name], name);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
