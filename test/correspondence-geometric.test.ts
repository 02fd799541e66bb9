/**
 * Geometric correspondence (probe3d's NAVI and ScanNet protocols): the .npz reader against numpy's own files; the
 * scannet-pairs and navi adapters on tiny synthetic datasets in their published layouts, made here; the view
 * preparation + matching + errors with features that are a function of the 3D point (known answers: exact matches
 * under a known camera translation, errors of at most one grid cell under a 90-degree roll, and large errors
 * when the pose is wrong); torch's bicubic sampling identity; and a suite run of the task with a zoo model on both
 * layouts (an identity-pose ScanNet pair: recall 1), with a warm rerun that infers nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { openNaviPairs } from '../src/data/adapters/navi.js';
import { openScanNetPairs } from '../src/data/adapters/scannet-pairs.js';
import { readNpz } from '../src/data/npz.js';
import type { GeometricPairs } from '../src/data/correspondence-pairs.js';
import type { DenseMap } from '../src/metrics/correspondence.js';
import { geometricPairErrors, mat4Inverse, quaternionToMatrix, rotationAngleDeg, sampleMap, type Mat4 } from '../src/metrics/geometric-correspondence.js';
import { loadSuite } from '../src/suite/load-suite.js';
import { runSuite } from '../src/suite/run-suite.js';
import type { SuiteResults } from '../src/results/types.js';
import { prepareView, type PreparedView } from '../src/tasks/correspondence/geometric-views.js';
import { silentProgress } from '../src/util/progress.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

const GOLDEN = path.join(REPO_ROOT, 'test', 'golden', 'correspondence');
const BASE = path.join(REPO_ROOT, 'models', 'zoo', 'base');

async function writeNoiseJpeg(file: string, w: number, h: number, seed: number): Promise<void> {
  const px = Buffer.alloc(w * h * 3);
  let s = seed >>> 0;
  for (let i = 0; i < px.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    px[i] = s >>> 24;
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(px, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toFile(file);
}

async function writePng16(file: string, w: number, h: number, value: (x: number, y: number) => number): Promise<void> {
  const d = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) d[y * w + x] = value(x, y);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await sharp(d, { raw: { width: w, height: h, channels: 1 } }).toColourspace('grey16').png().toFile(file);
}

/**
 * ScanNet layout: scene0000_00, 64x48 images, a fronto-parallel wall 2 m away (depth 2000 mm), K = [50 0 32; 0 50 24];
 * frame 0 at the origin, frame 1 moved 0.32 m along x (at 1/4 scale: exactly 2 grid cells).
 */
async function makeScanNet(root: string, pairList: 'scannet-test.npz' | 'scannet-test-identity.npz'): Promise<void> {
  await fs.mkdir(root, { recursive: true });
  await fs.copyFile(path.join(GOLDEN, pairList), path.join(root, 'test.npz'));
  await fs.copyFile(path.join(GOLDEN, 'scannet-intrinsics.npz'), path.join(root, 'intrinsics.npz'));
  const scene = path.join(root, 'scene0000_00');
  for (const [frame, tx] of [[0, 0], [1, 0.32]]) {
    await writeNoiseJpeg(path.join(scene, 'color', `${frame}.jpg`), 64, 48, 7 + frame);
    await writePng16(path.join(scene, 'depth', `${frame}.png`), 64, 48, () => 2000);
    await fs.mkdir(path.join(scene, 'pose'), { recursive: true });
    await fs.writeFile(path.join(scene, 'pose', `${frame}.txt`), `1 0 0 ${tx}\n0 1 0 0\n0 0 1 0\n0 0 0 1\n`);
  }
}

/**
 * NAVI layout: one object with a wild_set of two 64x64 views of a 32x32 px square plate ~1 m away (disparity 655),
 * focal length 256 at 64 px; view 001 is view 000's camera rolled 90 degrees about its optical axis.
 */
const NAVI_Q = [[1, 0, 0, 0], [Math.SQRT1_2, 0, 0, Math.SQRT1_2]];
async function makeNavi(root: string): Promise<void> {
  const dir = path.join(root, 'plate', 'wild_set');
  await fs.mkdir(path.join(root, 'plate', 'multiview_00'), { recursive: true });
  const ann = [];
  for (const [i, q] of NAVI_Q.entries()) {
    const id = String(i).padStart(3, '0');
    await writeNoiseJpeg(path.join(dir, 'images', `downsampled_${id}.jpg`), 64, 64, 11 + i);
    await writePng16(path.join(dir, 'depth', `downsampled_${id}.png`), 64, 64, (x, y) => (x >= 16 && x < 48 && y >= 16 && y < 48 ? 655 : 0));
    ann.push({ filename: `${id}.jpg`, camera: { q, t: [0, 0, 1000], focal_length: 256 }, image_size: [64, 64], split: 'val' });
  }
  await fs.writeFile(path.join(dir, 'annotations.json'), JSON.stringify(ann));
}

/** A feature map over the view's square whose cells carry an encoding of their 3D point in a common frame. */
function positionalMap(v: PreparedView, toCommon: Mat4, k: number): DenseMap {
  const { height: h, width: w, side, xyz } = v.match;
  const C = 6;
  const data = new Float32Array(C * side * side);
  const n = h * w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const p = y * w + x;
      if (!(xyz[2 * n + p] > 0)) continue;
      const c = [0, 1, 2].map((r) => toCommon[r * 4] * xyz[p] + toCommon[r * 4 + 1] * xyz[n + p] + toCommon[r * 4 + 2] * xyz[2 * n + p] + toCommon[r * 4 + 3]);
      const f = [Math.sin(k * c[0]), Math.cos(k * c[0]), Math.sin(k * c[1]), Math.cos(k * c[1]), Math.sin(k * c[2]), Math.cos(k * c[2])];
      f.forEach((v2, ch) => { data[ch * side * side + y * side + x] = v2; });
    }
  }
  return { channels: C, height: side, width: side, data };
}

function recall(errors: Float64Array, t: number): number {
  return errors.filter((e) => e < t).length / errors.length;
}

test('npz: numpy.savez (ZIP64 members) and savez_compressed archives decode to numpy\'s arrays', async () => {
  const expected = JSON.parse(await fs.readFile(path.join(GOLDEN, 'npz-expected.json'), 'utf8')) as { compressed: Record<string, { shape: number[]; data: number[] }>; scannet_names: number[][]; scannet_K: number[] };
  const c = await readNpz(path.join(GOLDEN, 'compressed.npz'));
  assert.deepEqual([...c.keys()].sort(), ['f32', 'i32', 'u8']);
  for (const [k, e] of Object.entries(expected.compressed)) {
    assert.deepEqual(c.get(k)!.shape, e.shape, k);
    const got = Array.from(c.get(k)!.data as ArrayLike<number>);
    e.data.forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-6, `${k}[${i}]`));
  }
  const names = (await readNpz(path.join(GOLDEN, 'scannet-test.npz'))).get('name')!;
  assert.equal(names.dtype, 'int64');
  assert.deepEqual(Array.from(names.data as BigInt64Array, Number), expected.scannet_names.flat());
  assert.deepEqual(Array.from((await readNpz(path.join(GOLDEN, 'scannet-intrinsics.npz'))).get('scene0000_00')!.data as Float64Array), expected.scannet_K);
  await assert.rejects(readNpz(path.join(GOLDEN, 'matching.json')), /not a readable \.npz/);
});

test('bicubic sampling at the cell centres of a map gives the cells (torch interpolate to the same size)', () => {
  const map: DenseMap = { channels: 2, height: 3, width: 4, data: Float32Array.from({ length: 24 }, (_, i) => Math.sin(i)) };
  const fx: number[] = [];
  const fy: number[] = [];
  for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) { fx.push((x + 0.5) / 4); fy.push((y + 0.5) / 3); }
  const out = sampleMap(map, fx, fy, 'bicubic');
  for (let p = 0; p < 12; p++) for (let c = 0; c < 2; c++) assert.ok(Math.abs(out[p * 2 + c] - map.data[c * 12 + p]) < 1e-6);
});

test('scannet-pairs: the layout read as probe3d does; features of the 3D point match exactly under the known translation', async () => {
  await withTempDir(async (work) => {
    const root = path.join(work, 'scannet_test_1500');
    await makeScanNet(root, 'scannet-test.npz');
    const data = await openScanNetPairs(root);
    assert.equal(data.protocol, 'scannet');
    assert.deepEqual(data.pairs.map((p) => [p.view0, p.view1]), [['scene0000_00/0', 'scene0000_00/0'], ['scene0000_00/0', 'scene0000_00/1']]);
    // Rt_01 = inverse(Rt_1) @ Rt_0: the wall moves 0.32 m to the left in camera 1.
    assert.deepEqual(data.pairs[1].rt01.map((v) => Math.round(v * 1e9) / 1e9), [1, 0, 0, -0.32, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    assert.equal(data.dataset.items.length, 2);
    assert.ok(data.annotationFiles.some((f) => f.endsWith(path.join('pose', '1.txt'))));

    const worldPose = (key: string) => (key.endsWith('/1') ? [1, 0, 0, 0.32, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] : [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    for (const [i, pair] of data.pairs.entries()) {
      const v0 = await prepareView('scannet', data.views.get(pair.view0)!, 0.25);
      const v1 = await prepareView('scannet', data.views.get(pair.view1)!, 0.25);
      assert.deepEqual([v0.match.height, v0.match.width, v0.match.side], [12, 16, 16]);
      assert.deepEqual(v0.K, [12.5, 0, 8, 0, 12.5, 6, 0, 0, 1]);
      const f0 = positionalMap(v0, worldPose(pair.view0), 1);
      const f1 = positionalMap(v1, worldPose(pair.view1), 1);
      // 192 points; the translation pair shares 14 of 16 columns (168 points): the top 100 are all exact.
      const r = geometricPairErrors(f0, f1, v0.match, v1.match, pair.rt01, v1.K, i === 0 ? 1000 : 100, 'bilinear');
      assert.equal(r.err2d.length, i === 0 ? 192 : 100);
      assert.ok(Math.max(...r.err2d) < 1e-6 && Math.max(...r.err3d) < 1e-9, `pair ${i}: exact matches`);
      assert.equal(rotationAngleDeg(pair.rt01), 0);
      if (i === 1) {
        // The wrong pose (identity) puts every match 2 cells (2 px of the 1/4 frame, 0.32 m) off.
        const wrong = geometricPairErrors(f0, f1, v0.match, v1.match, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], v1.K, 100, 'bilinear');
        for (const e of wrong.err2d) assert.ok(Math.abs(e - 2) < 1e-6);
        for (const e of wrong.err3d) assert.ok(Math.abs(e - 0.32) < 1e-9);
      }
    }
    await fs.rm(path.join(root, 'scene0000_00', 'pose', '1.txt'));
    await assert.rejects(openScanNetPairs(root), /pose.*1\.txt/);
  });
});

test('navi: the layout read as probe3d does; features of the object point match within the grid spacing under a 90-degree roll', async () => {
  await withTempDir(async (work) => {
    const root = path.join(work, 'navi_v1');
    await makeNavi(root);
    // An object without another collection is skipped, as probe3d does.
    await fs.mkdir(path.join(root, 'lonely', 'wild_set', 'images'), { recursive: true });
    await fs.writeFile(path.join(root, 'lonely', 'wild_set', 'annotations.json'), '[]');
    const data: GeometricPairs = await openNaviPairs(root);
    assert.equal(data.protocol, 'navi');
    assert.deepEqual(data.pairs.map((p) => [p.view0, p.view1]), [['plate/000', 'plate/001']]);
    const pair = data.pairs[0];
    assert.ok(Math.abs(rotationAngleDeg(pair.rt01) - 90) < 1e-9);
    const v0 = await prepareView('navi', data.views.get(pair.view0)!, 1 / 16);
    const v1 = await prepareView('navi', data.views.get(pair.view1)!, 1 / 16);
    // The plate (rows/cols 16..47 of 64) is 128..383 at 512; bbox_crop side 255 from 128; in the image: 16..48.
    assert.deepEqual(v0.crop, [16, 16, 48, 48]);
    assert.deepEqual([v0.match.height, v0.match.width, v0.match.side], [32, 32, 32]);
    const fx512 = (256 * 512) / 64;
    assert.ok(Math.abs(v0.K[0] - (fx512 * 512) / 255) < 1e-9 && v0.K[2] === 0, 'probe3d final intrinsics: diag(fx\', fx\', 1)');
    // Object frame: p_obj = R^T (p_cam - t).
    const objectFrom = (q: number[]) => mat4Inverse([...quaternionToMatrix(q).slice(0, 3), 0, ...quaternionToMatrix(q).slice(4, 7), 0, ...quaternionToMatrix(q).slice(8, 11), 1, 0, 0, 0, 1]);
    const f0 = positionalMap(v0, objectFrom(NAVI_Q[0]), 10);
    const f1 = positionalMap(v1, objectFrom(NAVI_Q[1]), 10);
    const r = geometricPairErrors(f0, f1, v0.match, v1.match, pair.rt01, v1.K, 1000, 'bicubic');
    assert.equal(r.err3d.length, 1000);
    // Grid spacing: the plate is 256 px of the 512 frame at fx 2048 and depth ~1.0005 m: 0.125 m / 32 = 3.9 mm.
    const spacing = (256 / fx512) * (655.35 / 655) / 32;
    // Both grids sample the same plate (a view's cells are nearly the other's, rolled): every match is at most one
    // cell off (at the border), nearly all much less.
    assert.ok(Math.max(...r.err3d) <= spacing * (1 + 1e-6), `max 3D error ${Math.max(...r.err3d)} vs spacing ${spacing}`);
    // (Interior matches are 1/8 cell off: probe3d's nearest resizes sample the 255 px crop asymmetrically.)
    assert.ok(recall(r.err3d, spacing / 4) > 0.9, `within a quarter cell: ${recall(r.err3d, spacing / 4)}`);
    for (const t of [0.01, 0.02, 0.05]) assert.equal(recall(r.err3d, t), 1);
    for (const t of [25, 50]) assert.equal(recall(r.err2d, t), 1);
    // The wrong pose (no roll) puts most matches far off.
    const wrong = geometricPairErrors(f0, f1, v0.match, v1.match, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], v1.K, 1000, 'bicubic');
    assert.ok(recall(wrong.err3d, 0.01) < 0.2, `wrong pose recall ${recall(wrong.err3d, 0.01)}`);
  });
});

const skip = !existsSync(path.join(BASE, 'holoclip.json')) && 'the mini zoo is not built';

test('suite: correspondence on scannet-pairs and navi with a zoo model; an identity ScanNet pair has recall 1; warm rerun', { skip }, async () => {
  await withTempDir(async (work) => {
    await makeScanNet(path.join(work, 'scannet'), 'scannet-test-identity.npz');
    await makeNavi(path.join(work, 'navi'));
    const suiteFile = path.join(work, 'suite.yaml');
    await fs.writeFile(suiteFile, `name: geo
description: geometric correspondence on tiny synthetic layouts
reference: base
models:
  - path: ${JSON.stringify(BASE)}
datasets:
  scannet: ${JSON.stringify(`scannet-pairs:${path.join(work, 'scannet')}`)}
  navi: ${JSON.stringify(`navi:${path.join(work, 'navi')}`)}
tasks:
  - type: correspondence
    id: corr-scannet
    dataset: scannet
  - type: correspondence
    id: corr-navi
    dataset: navi
    scale_factor: 0.0625
`);
    const opts = { store: path.join(work, 'store'), out: path.join(work, 'out') };
    const run = { threads: 1, progress: silentProgress, warn: (m: string) => assert.fail(`unexpected warning: ${m}`) };
    const first = await runSuite(await loadSuite(suiteFile, opts), run);
    assert.deepEqual(first.metricUnits, { total: 2, computed: 2, cached: 0 });
    const text = await fs.readFile(path.join(work, 'out', 'results.json'), 'utf8');
    const rows = (JSON.parse(text) as SuiteResults).rows;
    const value = (task: string, variant: string, metric: string) => rows.find((r) => r.task === task && r.variant === variant && r.metric === metric)?.value;
    for (const t of [5, 10, 20]) assert.equal(value('corr-scannet', 'all', `recall-2d@${t}px`), 1);
    assert.equal(value('corr-scannet', 'rotation-0-15', 'recall-2d@10px'), 1);
    assert.equal(value('corr-scannet', 'rotation-15-30', 'recall-2d@10px'), null);
    for (const m of ['recall-3d@0.01m', 'recall-3d@0.02m', 'recall-3d@0.05m', 'recall-2d@5px', 'recall-2d@25px', 'recall-2d@50px']) {
      const v = value('corr-navi', 'all', m);
      assert.ok(typeof v === 'number' && v >= 0 && v <= 1, `${m} = ${v}`);
    }
    assert.ok(rows.some((r) => r.task === 'corr-navi' && r.variant === 'rotation-90-120' && r.metric === 'recall-3d@0.02m' && r.value !== null));
    const index = JSON.parse(await fs.readFile(path.join(work, 'out', 'units.json'), 'utf8')) as Array<{ unit: string; dir: string }>;
    const navi = JSON.parse(await fs.readFile(path.join(index.find((u) => u.unit === 'base|corr-navi')!.dir, 'result.json'), 'utf8')) as { metrics: { pairs: number; correspondences: number }; cache: { images_inferred: number } };
    assert.deepEqual([navi.metrics.pairs, navi.metrics.correspondences, navi.cache.images_inferred], [1, 1000, 2]);

    const again = await runSuite(await loadSuite(suiteFile, opts), run);
    assert.deepEqual(again.metricUnits, { total: 2, computed: 0, cached: 2 });
    assert.equal(await fs.readFile(path.join(work, 'out', 'results.json'), 'utf8'), text);
  });
});
