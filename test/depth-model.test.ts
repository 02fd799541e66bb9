/**
 * Depth maps from a local depth-estimation model (src/depth/model.ts) with the fixture built by
 * tools/fixtures/build_depth_fixture.py: its "disparity" is the box-filtered brightness + 0.1, so bright = near.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { DepthModel, depthCachePath, depthMapsFromModel, disparityToDepth } from '../src/depth/model.js';
import { readDepthMap } from '../src/depth/maps.js';
import type { DepthMap } from '../src/corruptions/types.js';
import type { DatasetItem } from '../src/data/types.js';
import { HoloclipError } from '../src/errors.js';
import { FileHashIndex, sha256 } from '../src/store/hash.js';
import { readNpy } from '../src/store/npy.js';
import { silentProgress } from '../src/util/progress.js';
import { REPO_ROOT, maxAbsDiff } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

const FIXTURE = path.join(REPO_ROOT, 'models', 'fixtures', 'tiny-depth');
const REFERENCE = `${FIXTURE}.reference`;

/** An RGB image whose brightness falls linearly from `top` (first row) to `bottom` (last row). */
function verticalGradient(width: number, height: number, top: number, bottom: number): Buffer {
  const px = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) px.fill(Math.round(top + ((bottom - top) * y) / (height - 1)), y * width * 3, (y + 1) * width * 3);
  return px;
}

const png = (px: Buffer, width: number, height: number): Promise<Buffer> => sharp(px, { raw: { width, height, channels: 3 } }).png().toBuffer();

function rowMean(d: DepthMap, y: number): number {
  let s = 0;
  for (let x = 0; x < d.width; x++) s += d.data[y * d.width + x];
  return s / d.width;
}

test('the fixture loads: absolute dir, a sha256 key, lazily loaded session', async () => {
  const model = await DepthModel.open(path.relative(process.cwd(), FIXTURE), { threads: 1 });
  try {
    assert.equal(model.dir, FIXTURE);
    assert.match(model.key, /^[0-9a-f]{64}$/);
    assert.equal(model.modelFile, path.join(FIXTURE, 'onnx', 'model.onnx'));
    const again = await DepthModel.open(FIXTURE);
    assert.equal(again.key, model.key, 'the key depends on the files only');
  } finally {
    await model.dispose();
  }
});

test('bright top, dark bottom: the top is nearer (smaller depth), depth spans [1, 20]', async () => {
  const model = await DepthModel.open(FIXTURE, { threads: 1 });
  try {
    const depth = await model.estimate(await png(verticalGradient(80, 48, 240, 20), 80, 48), 'gradient.png');
    // Model resolution (the fixture's 64 x 64), covering the whole image.
    assert.deepEqual([depth.width, depth.height], [64, 64]);
    for (let y = 1; y < depth.height; y++) assert.ok(rowMean(depth, y) >= rowMean(depth, y - 1), `row ${y} is nearer than row ${y - 1}`);
    assert.ok(rowMean(depth, 0) < 1.01 && rowMean(depth, depth.height - 1) > 19.9, `top ${rowMean(depth, 0)}, bottom ${rowMean(depth, depth.height - 1)}`);
    assert.ok(depth.data.every((v) => v >= 1 && v <= 20.0001));
  } finally {
    await model.dispose();
  }
});

test('EXIF orientation is applied before estimating', async () => {
  const model = await DepthModel.open(FIXTURE, { threads: 1 });
  try {
    // Stored bright on the left; orientation 6 shows it rotated 90 degrees clockwise: bright at the top.
    const px = Buffer.alloc(40 * 30 * 3);
    for (let y = 0; y < 30; y++) for (let x = 0; x < 40; x++) px.fill(x < 20 ? 230 : 30, (y * 40 + x) * 3, (y * 40 + x + 1) * 3);
    const jpeg = await sharp(px, { raw: { width: 40, height: 30, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const depth = await model.estimate(jpeg, 'rotated.jpg');
    assert.ok(rowMean(depth, 0) < rowMean(depth, depth.height - 1), 'top (bright after rotation) must be nearer');
  } finally {
    await model.dispose();
  }
});

test('matches the numpy reference after the documented conversion (relative 1e-4)', async () => {
  const image = await readNpy(path.join(REFERENCE, 'image.npy'));
  const [h, w] = image.shape;
  const model = await DepthModel.open(FIXTURE, { threads: 1 });
  try {
    const depth = await model.estimate(await png(Buffer.from(image.data as Uint8Array), w, h), 'reference.png');
    const ref = (await readNpy(path.join(REFERENCE, 'depth.npy'))).data as Float32Array;
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(depth.data[i] - ref[i]) / ref[i]);
    assert.ok(worst < 1e-4, `relative difference ${worst}`);
    // The conversion alone, on the reference disparity.
    const disparity = (await readNpy(path.join(REFERENCE, 'predicted_depth.npy'))).data as Float32Array;
    assert.ok(maxAbsDiff(disparityToDepth(disparity), ref) < 1e-4);
  } finally {
    await model.dispose();
  }
});

test('disparityToDepth: constant input gives 1, non-finite gives NaN', () => {
  assert.deepEqual(Array.from(disparityToDepth(Float32Array.of(3, 3))), [1, 1]);
  const d = disparityToDepth(Float32Array.of(2, NaN, 1));
  assert.deepEqual([d[0], Number.isNaN(d[1]), d[2]], [1, true, 20]);
});

test('a padding processor: padding is cut off the prediction', async () => {
  await withTempDir(async (dir) => {
    await cp(FIXTURE, dir, { recursive: true });
    const preFile = path.join(dir, 'preprocessor_config.json');
    const pre = JSON.parse(await readFile(preFile, 'utf8')) as Record<string, unknown>;
    await writeFile(preFile, JSON.stringify({ ...pre, keep_aspect_ratio: true, ensure_multiple_of: 1, do_pad: true }));
    const model = await DepthModel.open(dir, { threads: 1 });
    try {
      // 32 x 16 -> 64 x 32 (aspect kept), padded to 64 x 64 at the bottom: the map keeps the top 64 x 32.
      const depth = await model.estimate(await png(verticalGradient(32, 16, 240, 20), 32, 16), 'wide.png');
      assert.deepEqual([depth.width, depth.height], [64, 32]);
      assert.ok(rowMean(depth, 0) < rowMean(depth, depth.height - 1));
    } finally {
      await model.dispose();
    }
  });
});

test('depthMapsFromModel caches by image content; a second call computes nothing', async () => {
  await withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    await mkdir(data);
    const a = await png(verticalGradient(50, 40, 240, 20), 50, 40);
    const b = await png(verticalGradient(30, 60, 20, 240), 30, 60);
    await writeFile(path.join(data, 'a.png'), a);
    await writeFile(path.join(data, 'b.png'), b);
    await writeFile(path.join(data, 'a-copy.png'), a);
    await writeFile(path.join(data, 'broken.png'), Buffer.from('not an image'));
    const items: DatasetItem[] = ['a.png', 'b.png', 'a-copy.png', 'broken.png', 'missing.png'].map((id, index) => ({ index, id, path: path.join(data, id), label: -1 }));
    const store = path.join(dir, 'store');
    const hashIndex = await FileHashIndex.open(store, { racyWindowMs: 0 });
    const model = await DepthModel.open(FIXTURE, { threads: 1 });
    try {
      const phases: string[] = [];
      const progress = { ...silentProgress, start: (label: string, total: number, unit: string) => void phases.push(`${label} ${total} ${unit}`) };
      const first = await depthMapsFromModel(items, model, store, hashIndex, progress);
      assert.deepEqual(phases, ['estimating depth 5 img']);
      assert.equal(first.computed, 2, 'a and its copy share one cache file');
      assert.deepEqual([...first.paths.keys()], [0, 1, 2]);
      assert.equal(first.paths.get(0), depthCachePath(store, model, sha256(a)));
      assert.equal(first.paths.get(2), first.paths.get(0));
      assert.equal(first.paths.get(0), path.join(store, 'depth', model.key.slice(0, 16), `${sha256(a)}.npy`));
      assert.deepEqual(first.failures.map((f) => f.id), ['broken.png', 'missing.png']);
      assert.match(first.failures[0].error, /broken\.png/);

      // The cached file is what estimate() returns, readable by the 3D corruptions' reader.
      const cached = await readDepthMap(first.paths.get(1) as string);
      const direct = await model.estimate(b, 'b.png');
      assert.deepEqual([cached.width, cached.height], [direct.width, direct.height]);
      assert.equal(maxAbsDiff(cached.data, direct.data), 0);

      const mtime = (await stat(first.paths.get(1) as string)).mtimeMs;
      const second = await depthMapsFromModel(items, model, store, hashIndex, silentProgress);
      assert.equal(second.computed, 0);
      assert.deepEqual([...second.paths], [...first.paths]);
      assert.equal((await stat(first.paths.get(1) as string)).mtimeMs, mtime, 'not rewritten');
    } finally {
      await model.dispose();
    }
  });
});

test('a folder that is not a depth model gives a HoloclipError naming it and what is missing', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(DepthModel.open(dir), (err: unknown) => {
      assert.ok(err instanceof HoloclipError);
      assert.match(err.message, new RegExp(`${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a depth model folder: missing config\\.json, preprocessor_config\\.json, onnx/model\\.onnx`));
      return true;
    });
    await assert.rejects(DepthModel.open(FIXTURE, { dtype: 'fp16' }), /missing onnx\/model_fp16\.onnx \(for --dtype fp16\)/);
    await assert.rejects(DepthModel.open(path.join(dir, 'nope')), /depth model folder .*nope does not exist/);
    // An image classifier has every file but is not a depth-estimation model_type.
    const classifier = path.join(REPO_ROOT, 'models', 'fixtures', 'tiny-classifier');
    await assert.rejects(DepthModel.open(classifier), (err: unknown) => {
      assert.ok(err instanceof HoloclipError);
      assert.match(err.message, /tiny-classifier is not a depth model folder: config\.json has model_type "holoclip-classifier"; transformers\.js estimates depth with depth_anything, dpt/);
      return true;
    });
  });
});
