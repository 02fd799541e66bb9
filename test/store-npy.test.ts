import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HoloclipError } from '../src/errors.js';
import { decodeNpy, encodeNpy, npyByteLength, readNpy, writeNpyAtomic, type NpyData } from '../src/store/npy.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'npy');
const PYTHON = '/usr/bin/python3';

function hasNumpy(): boolean {
  if (!existsSync(PYTHON)) return false;
  try {
    execFileSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const cases: Array<{ file: string; data: NpyData; shape: number[] }> = [
  { file: 'f32_2x3.npy', data: new Float32Array([1.5, -2.0, 3.25, 0.0, 1e-8, -7.0]), shape: [2, 3] },
  { file: 'f64_3.npy', data: new Float64Array([Math.PI, -0.5, 1e300]), shape: [3] },
  { file: 'i32_2x2.npy', data: new Int32Array([1, -2, 2147483647, -2147483648]), shape: [2, 2] },
  { file: 'i64_4.npy', data: new BigInt64Array([0n, -1n, 9007199254740993n, -9223372036854775808n]), shape: [4] },
  { file: 'u8_2x2x2.npy', data: new Uint8Array([0, 31, 62, 93, 124, 155, 186, 217]), shape: [2, 2, 2] },
  { file: 'f32_0x5.npy', data: new Float32Array(0), shape: [0, 5] },
];

for (const c of cases) {
  test(`npy: reads numpy golden ${c.file} and encodes it byte-for-byte`, async () => {
    const bytes = await readFile(path.join(GOLDEN, c.file));
    const arr = decodeNpy(bytes, c.file);
    assert.deepEqual(arr.shape, c.shape);
    assert.equal(arr.data.constructor, c.data.constructor);
    assert.deepEqual(Array.from(arr.data as ArrayLike<number | bigint>), Array.from(c.data as ArrayLike<number | bigint>));
    const ours = encodeNpy(c.data, c.shape);
    assert.ok(ours.equals(bytes), `encoding of ${c.file} differs from numpy's`);
    assert.equal(npyByteLength(arr.dtype, c.shape), bytes.length);
  });
}

test('npy: data starts at a multiple of 64 bytes for many shapes', () => {
  for (const shape of [[0], [1], [7, 3], [123456789, 0], [10, 20, 30, 40], []]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const buf = encodeNpy(new Float32Array(n), shape);
    const headerLen = buf.readUInt16LE(8);
    assert.equal((10 + headerLen) % 64, 0, `shape ${shape}`);
    assert.equal(buf[10 + headerLen - 1], 0x0a);
    assert.deepEqual(decodeNpy(buf).shape, shape);
  }
});

test('npy: round trip through a file, including unaligned buffers', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'holoclip-npy-'));
  try {
    const data = new Float32Array(5 * 7).map((_, i) => i / 3 - 4);
    const file = path.join(dir, 'sub', 'x.npy');
    await writeNpyAtomic(file, data, [5, 7]);
    const back = await readNpy(file);
    assert.equal(back.dtype, 'float32');
    assert.deepEqual(back.shape, [5, 7]);
    assert.deepEqual(back.data, data);
    // A view at an odd offset must still decode (copied rather than viewed).
    const enc = encodeNpy(data, [5, 7]);
    const shifted = Buffer.alloc(enc.length + 1);
    enc.copy(shifted, 1);
    assert.deepEqual(decodeNpy(shifted.subarray(1)).data, data);
    // A subarray view of a typed array encodes only its own elements.
    const big = new Int32Array([9, 1, 2, 3, 9]);
    assert.deepEqual(decodeNpy(encodeNpy(big.subarray(1, 4), [3])).data, new Int32Array([1, 2, 3]));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('npy: clear errors for unsupported dtype, Fortran order, bad magic, truncation, shape mismatch', async () => {
  const load = async (name: string) => decodeNpy(await readFile(path.join(GOLDEN, name)), name);
  await assert.rejects(load('f32_fortran_2x3.npy'), (e: Error) => e instanceof HoloclipError && /f32_fortran_2x3\.npy: Fortran-order/.test(e.message));
  await assert.rejects(load('f32_bigendian_3.npy'), (e: Error) => e instanceof HoloclipError && /'>f4'.*big-endian/.test(e.message));
  await assert.rejects(load('i16_2.npy'), (e: Error) => e instanceof HoloclipError && /unsupported \.npy dtype '<i2'/.test(e.message));
  assert.throws(() => decodeNpy(Buffer.from('hello world, not npy'), 'x.npy'), /x\.npy is not a valid \.npy file: missing/);
  const good = encodeNpy(new Float32Array(6), [2, 3]);
  assert.throws(() => decodeNpy(good.subarray(0, good.length - 4), 'cut.npy'), /cut\.npy .*needs 24 data bytes but the file has 20/);
  assert.throws(() => encodeNpy(new Float32Array(5), [2, 3]), /holds 6 elements but the data has 5/);
});

test('npy: numpy reads the files we write', { skip: !hasNumpy() && 'no /usr/bin/python3 with numpy' }, async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'holoclip-npy-'));
  try {
    await writeNpyAtomic(path.join(dir, 'f32.npy'), new Float32Array([1, 2.5, -3, 4, 5, 6]), [3, 2]);
    await writeNpyAtomic(path.join(dir, 'i64.npy'), new BigInt64Array([-9223372036854775808n, 7n]), [2]);
    await writeNpyAtomic(path.join(dir, 'u8.npy'), new Uint8Array([255, 0, 1]), [3]);
    await writeNpyAtomic(path.join(dir, 'f64.npy'), new Float64Array([0.1]), []);
    const script = [
      'import numpy as np, sys, json',
      'd = sys.argv[1]',
      'out = {}',
      'for n in ["f32", "i64", "u8", "f64"]:',
      '    a = np.load(f"{d}/{n}.npy")',
      '    out[n] = [str(a.dtype), list(a.shape), [str(v) for v in a.ravel().tolist()], bool(a.flags.c_contiguous)]',
      'print(json.dumps(out))',
    ].join('\n');
    const out = JSON.parse(execFileSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' })) as Record<string, [string, number[], string[], boolean]>;
    assert.deepEqual(out.f32, ['float32', [3, 2], ['1.0', '2.5', '-3.0', '4.0', '5.0', '6.0'], true]);
    assert.deepEqual(out.i64, ['int64', [2], ['-9223372036854775808', '7'], true]);
    assert.deepEqual(out.u8, ['uint8', [3], ['255', '0', '1'], true]);
    assert.deepEqual(out.f64, ['float64', [], ['0.1'], true]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
