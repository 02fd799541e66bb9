/**
 * The WebAssembly SIMD scores kernel (src/metrics/wasm/matmul.wat): matmulTransposed through it against its JS loop,
 * bit for bit, over shapes that cross its column groups, its row chunks and its blocks of 8 columns; and the committed
 * module against what its .wat compiles to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { l2NormalizeRows, matmulTransposed, matmulTransposedJs } from '../src/metrics/vector.js';
import { kernelMatmulTransposed, matmulKernelAvailable, matmulKernelMemoryBytes } from '../src/metrics/wasm/matmul-kernel.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { compileWat, modulePath, moduleSource } from '../tools/wasm/build.mjs';

/** fast-check's seed for every property here (recorded so a failure replays). */
const SEED = 20261203;

const bits = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

/** float32 values of every kind but NaN: zeros of both signs, subnormals, huge values, infinities. */
const f32 = fc.oneof(
  fc.float({ noNaN: true }),
  fc.float({ noNaN: true, min: -1, max: 1 }),
  fc.constantFrom(0, -0, 1e-45, -1e-45, 3.4e38, -3.4e38, Infinity, -Infinity),
);

function both(a: Float32Array, n: number, b: Float32Array, m: number, d: number): void {
  const viaKernel = new Float32Array(n * m).fill(Number.NaN);
  assert.ok(kernelMatmulTransposed(a, n, b, m, d, viaKernel), 'the kernel did not run');
  const viaJs = matmulTransposedJs(a, n, b, m, d, new Float32Array(n * m));
  assert.ok(bits(viaKernel).equals(bits(viaJs)), `kernel and JS differ at ${n} x ${m} x ${d}`);
}

test('the committed matmul wasm module is what src/metrics/wasm/matmul.wat compiles to', async () => {
  const binary = (await compileWat('matmul')) as Buffer;
  assert.equal(readFileSync(modulePath('matmul') as string, 'utf8'), moduleSource('matmul', binary), 'stale: run node tools/wasm/build.mjs');
});

test('the matmul kernel runs here (node 20 compiles WebAssembly SIMD)', () => {
  assert.equal(matmulKernelAvailable(), true);
});

test('matmulTransposed through the kernel = its JS loop, bit for bit (random shapes and float32 values of every kind)', () => {
  fc.assert(
    fc.property(
      fc.record({ n: fc.integer({ min: 0, max: 9 }), m: fc.integer({ min: 0, max: 40 }), d: fc.integer({ min: 0, max: 70 }) }).chain(({ n, m, d }) =>
        fc.record({ n: fc.constant(n), m: fc.constant(m), d: fc.constant(d), a: fc.float32Array({ minLength: n * d, maxLength: n * d }), b: fc.array(f32, { minLength: m * d, maxLength: m * d }) }),
      ),
      ({ n, m, d, a, b }) => {
        // a from fast-check's float32Array has NaNs: replace them (a NaN's payload is not a figure).
        const clean = a.map((x) => (Number.isNaN(x) ? 0.5 : x));
        both(clean, n, Float32Array.from(b), m, d);
      },
    ),
    { seed: SEED, numRuns: 300 },
  );
});

test('matmul kernel: column groups past 512, row chunks, odd rows and columns, into a larger array', () => {
  const rand = (len: number, seed: number): Float32Array => Float32Array.from({ length: len }, (_, i) => Math.sin(i * 12.9898 + seed) * 43758.5453 % 1);
  // 1,100 columns: three groups (512, 512, 76); 7 rows.
  both(rand(7 * 33, 1), 7, rand(1100 * 33, 2), 1100, 33);
  // d = 3,000: 10 rows per chunk, 25 rows in three chunks (10, 10, 5); 9 columns (one full block and one lane).
  both(rand(25 * 3000, 3), 25, rand(9 * 3000, 4), 9, 3000);
  // Real embeddings: unit rows of 512 against 1,000 classes.
  const unit = (len: number, dim: number, seed: number): Float32Array => l2NormalizeRows(rand(len * dim, seed), len, dim);
  both(unit(41, 512, 5), 41, unit(1000, 512, 6), 1000, 512);
  // matmulTransposed into a larger array writes its first n x m values and leaves the rest.
  const into = new Float32Array(3 * 5 + 4).fill(7);
  const a = rand(3 * 6, 7), b = rand(5 * 6, 8);
  const got = matmulTransposed(a, 3, b, 5, 6, into);
  assert.ok(bits(got).equals(bits(matmulTransposedJs(a, 3, b, 5, 6, new Float32Array(15)))));
  assert.deepEqual([...into.subarray(15)], [7, 7, 7, 7]);
  assert.throws(() => matmulTransposed(a, 3, b, 5, 6, new Float32Array(14)), /into holds 14 values, 3 x 5 needed/);
  // Its memory: the largest layout above (d = 3,000: 16 columns and 10 rows of float64, 10 x 16 float32), not n x m.
  assert.ok(matmulKernelMemoryBytes() < 4 << 20, `${matmulKernelMemoryBytes()} bytes of kernel memory`);
});
