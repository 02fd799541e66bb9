/**
 * Dense features (issue 16): holoclip's dense encoder against torch for the exported fixture (open_clip ViT patch
 * tokens, test/golden/export/dense/) and the zoo's ViT and convnet towers (test/golden/correspondence/zoo-dense.json,
 * tools/zoo/add_dense_outputs.py), within 1e-4; the dense store (float16 chunks, numpy-readable, content-addressed,
 * torn chunks ignored, precision recorded); the pipeline computes each image once and resumes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { DenseEncoder, inspectDenseModel } from '../src/models/dense-encoder.js';
import { DenseStore } from '../src/store/dense-store.js';
import { parseNpyHeader } from '../src/store/npy.js';
import { sha256File } from '../src/store/hash.js';
import { ensureDenseFeatures, openDenseSpace, denseItemKey, type DenseItem } from '../src/pipeline/dense-features.js';
import { padToSquare, prepareDenseInput } from '../src/image/dense-input.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

const TOL = 1e-4;

function synthetic(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 37) % 101) / 50 - 1;
  return out;
}

interface Golden { shape: number[]; sum: number; abs_sum: number; samples: Record<string, number> }

async function checkParity(dir: string, golden: Golden, t: { diagnostic(m: string): void }): Promise<void> {
  const info = await inspectDenseModel(dir);
  const enc = await DenseEncoder.open(info, 1);
  try {
    const n = golden.shape[0];
    const [h, w] = info.inputSize;
    const out = await enc.encode(synthetic(n * 3 * h * w), n);
    assert.deepEqual([n, ...out.shape], golden.shape);
    assert.deepEqual(out.shape.slice(1), info.spec.grid, 'the card grid is the map grid');
    let worst = 0;
    for (const [k, v] of Object.entries(golden.samples)) worst = Math.max(worst, Math.abs(out.data[Number(k)] - v));
    let sum = 0;
    let abs = 0;
    for (const v of out.data) { sum += v; abs += Math.abs(v); }
    t.diagnostic(`${path.basename(dir)}: max |holoclip - torch| over ${Object.keys(golden.samples).length} samples = ${worst.toExponential(2)}`);
    assert.ok(worst <= TOL, `${dir}: ${worst} > ${TOL}`);
    assert.ok(Math.abs(sum - golden.sum) <= TOL * out.data.length && Math.abs(abs - golden.abs_sum) <= TOL * out.data.length);
  } finally {
    await enc.dispose();
  }
}

test('ViT patch tokens of the exported fixture match open_clip forward_intermediates within 1e-4', async (t) => {
  const g = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'golden', 'export', 'dense', 'openclip-vit-b-32-shrunk-dense.json'), 'utf8')) as Golden;
  await checkParity(path.join(REPO_ROOT, 'models', 'exported', 'openclip-vit-b-32-shrunk-dense'), g, t);
});

test('zoo base (ViT grid) and arch-convnet (last-stage map) match their torch rebuilds within 1e-4', async (t) => {
  const g = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'golden', 'correspondence', 'zoo-dense.json'), 'utf8')) as { models: Record<string, Golden> };
  for (const name of ['base', 'arch-convnet']) await checkParity(path.join(REPO_ROOT, 'models', 'zoo', name), g.models[name], t);
});

test('a model without a dense output is an error that says how to get one', async () => {
  await assert.rejects(inspectDenseModel(path.join(REPO_ROOT, 'models', 'zoo', 'size-25pct')), /no dense output.*--dense/);
});

test('dense store: float16 chunks numpy can read, rows by key, precision recorded, torn chunks ignored', async () => {
  await withTempDir(async (dir) => {
    const store = await DenseStore.open(dir);
    const shape: [number, number, number] = [3, 2, 2];
    const space = await store.space('k1', { a: 1 }, shape, 'float16');
    const rows = Float32Array.from({ length: 24 }, (_, i) => (i - 11) / 7);
    await space.appendChunk(['x', 'y'], rows);
    assert.equal(space.size, 2);
    assert.deepEqual(space.missing(['x', 'z', 'z']), ['z']);
    const y = await space.read('y');
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(y[i] - rows[12 + i]) <= Math.abs(rows[12 + i]) * 2 ** -11 + 1e-7);
    assert.ok(space.maxAbsRoundingError > 0 && space.maxAbsRoundingError <= 2 ** -11 * 2);
    const chunks = (await readdir(path.join(space.dir, 'chunks'))).sort();
    const npy = chunks.find((f) => f.endsWith('.npy'));
    assert.ok(npy);
    const header = parseNpyHeader(readFileSync(path.join(space.chunksDir, npy)), (w) => new Error(w));
    assert.equal(header.descr, '<f2');
    assert.deepEqual(header.shape, [2, 3, 2, 2]);
    // a reopened space finds the rows; an orphan .npy (killed before its keys file) is ignored
    await copyFile(path.join(space.chunksDir, npy), path.join(space.chunksDir, `999-1-dead.npy`));
    const again = await store.space('k1', { a: 1 }, shape, 'float16');
    assert.equal(again.size, 2);
    assert.deepEqual([...(await again.read('y'))], [...y]);
    // a keys file whose .npy is short is not trusted
    await writeFile(path.join(space.chunksDir, '999-1-dead.keys.json'), JSON.stringify({ rows: 3, shape, precision: 'float16', max_abs_rounding_error: 0, keys: ['p', 'q', 'r'] }));
    assert.equal((await store.space('k1', { a: 1 }, shape, 'float16')).size, 2);
    await assert.rejects(store.space('k1', { a: 2 }, shape, 'float16'), /other inputs/);
    const f32 = await store.space('k2', { a: 1 }, shape, 'float32');
    await f32.appendChunk(['x'], rows.subarray(0, 12));
    assert.deepEqual([...(await f32.read('x'))], [...rows.subarray(0, 12)]);
  });
});

test('input preparation: crop, white padding at the bottom/right, resize to the export size', () => {
  const img = { width: 4, height: 2, channels: 3, data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) };
  const sq = padToSquare(img, null);
  assert.equal(sq.width, 4);
  assert.deepEqual([...sq.data.subarray(0, 3)], [0, 10, 20]);
  assert.deepEqual([...sq.data.subarray(2 * 4 * 3, 2 * 4 * 3 + 3)], [255, 255, 255]);
  const cropped = padToSquare(img, [1, 0, 3, 1]);
  assert.equal(cropped.width, 2);
  assert.deepEqual([...cropped.data.subarray(0, 6)], [30, 40, 50, 60, 70, 80]);
  const { pixels, paddedSide } = prepareDenseInput(img, null, { size: [4, 4], mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
  assert.equal(paddedSide, 4);
  assert.equal(pixels.length, 48);
  assert.ok(Math.abs(pixels[0] - (0 / 255 - 0.5) / 0.5) < 1e-6);
  assert.ok(Math.abs(pixels[15] - 1) < 1e-6, 'padding is white');
});

test('the pipeline computes each image once and a rerun computes nothing', async () => {
  await withTempDir(async (dir) => {
    const files: string[] = [];
    for (let i = 0; i < 5; i++) {
      const f = path.join(dir, `im${i}.png`);
      await sharp({ create: { width: 40 + i * 7, height: 30, channels: 3, background: { r: 40 * i, g: 200 - 30 * i, b: 90 } } }).png().toFile(f);
      files.push(f);
    }
    files.push(files[0]); // the same image twice: one row
    const items: DenseItem[] = await Promise.all(files.map(async (file, i) => ({ file, fileSha256: await sha256File(file), crop: i === 4 ? [0, 0, 20, 20] as const : null })));
    const info = await inspectDenseModel(path.join(REPO_ROOT, 'models', 'zoo', 'arch-convnet'));
    const enc = await DenseEncoder.open(info, 1);
    try {
      const space = await openDenseSpace(path.join(dir, 'store'), enc, 'float16');
      assert.deepEqual(await ensureDenseFeatures(space, enc, items.slice(0, 3), { batchSize: 2 }), { computed: 3, cached: 0 });
      assert.deepEqual(await ensureDenseFeatures(space, enc, items, { batchSize: 2 }), { computed: 2, cached: 3 });
      const reopened = await openDenseSpace(path.join(dir, 'store'), enc, 'float16');
      assert.deepEqual(await ensureDenseFeatures(reopened, enc, items), { computed: 0, cached: 5 });
      const map = await reopened.read(denseItemKey(items[1]));
      assert.equal(map.length, 128 * 4 * 4);
      await rm(path.join(dir, 'store'), { recursive: true });
    } finally {
      await enc.dispose();
    }
  });
});
