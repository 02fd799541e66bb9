/**
 * Corruptions end to end through the CLI: `eval zeroshot --corruption all` (the per-corruption table,
 * cached on rerun, mCE against a reference CSV), `holoclip corrupt` (ImageNet-C layout, deterministic
 * across processes, resumable, consistent with the on-the-fly evaluation), the contact sheet, and 3D
 * corruptions with depth maps next to the images (and a clear error without them).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { writeNpyAtomic } from '../src/store/npy.js';
import { makeImageFolder, runCli } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

let work = '';
let data = '';

before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-corruption-'));
  data = path.join(work, 'data');
  await makeImageFolder(data, ['cat', 'dog'], 2, { width: 120, height: 100 });
});

after(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

const model = () => fixtureDir('tiny-clip');

test('eval zeroshot --corruption all: the per-corruption table; a rerun uses the cache', async () => {
  const store = path.join(work, 'store');
  const ref = path.join(work, 'ref.csv');
  await fs.writeFile(ref, `corruption,severity,error\nclean,,0.4\n${['gaussian_noise', 'shot_noise'].flatMap((c) => [1, 2, 3, 4, 5].map((s) => `${c},${s},0.9`)).join('\n')}\n`);
  const args = ['eval', 'zeroshot', '--model', model(), '--data', data, '--corruption', 'all', '--store', store, '--threads', '1', '--reference-errors', ref];
  const first = await runCli([...args, '--out', path.join(work, 'run1')]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^corruption +sev 1 +sev 2 +sev 3 +sev 4 +sev 5 +mean +CE$/m);
  assert.match(first.stdout, /^mCE +[\d.]+ \(reference = 1; over 2 corruptions\)$/m);
  const r = JSON.parse(await fs.readFile(path.join(work, 'run1', 'result.json'), 'utf8')) as Json;
  assert.equal(r.task, 'corruption');
  assert.equal(r.metrics.cells.length, 19 * 5);
  assert.equal(r.metrics.corruptions.length, 19);
  for (const c of r.metrics.cells) {
    assert.equal(c.n, 4);
    assert.ok(c.top1 >= 0 && c.top1 <= 1);
  }
  assert.equal(r.metrics.clean.n, 4);
  assert.deepEqual(r.metrics.mce_corruptions, ['gaussian_noise', 'shot_noise']);
  assert.ok(r.cache.images_inferred >= 4 * 95, `${r.cache.images_inferred} inferred`);
  assert.equal(r.conventions.corruption_geometry, 'imagenet-c');
  assert.equal(r.conventions.corruption_jpeg_quality, null, 'a CSV reference: no JPEG step unless asked');
  assert.match(r.conventions.corruption_pipeline, /Resize\(256\) \(PIL BILINEAR.*CenterCrop\(224\)/);
  assert.deepEqual(r.conventions.reference_errors, { csv: ref });
  const csv = (await fs.readFile(path.join(work, 'run1', 'corruption_table.csv'), 'utf8')).trimEnd().split('\n');
  assert.equal(csv.length, 1 + 1 + 95);
  assert.equal(csv[0], 'corruption,severity,n,top1,top5,error');

  const second = await runCli([...args, '--out', path.join(work, 'run2')]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /embeddings +0 computed \(all from cache\)/);
  const r2 = JSON.parse(await fs.readFile(path.join(work, 'run2', 'result.json'), 'utf8')) as Json;
  assert.deepEqual(r2.metrics, r.metrics);
});

test('--reference-errors alexnet: the published AlexNet errors, no CSV; JPEG q85 on; recorded', async () => {
  const out = path.join(work, 'alexnet');
  const res = await runCli(['eval', 'corruption', '--model', model(), '--data', data, '--corruption', 'gaussian_noise,speckle_noise', '--store', path.join(work, 'store'), '--threads', '1', '--reference-errors', 'alexnet', '--out', out, '--quiet']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /^mCE +[\d.]+ \(reference = 1; over 1 corruptions\)$/m);
  const r = JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8')) as Json;
  assert.deepEqual(r.metrics.mce_corruptions, ['gaussian_noise']);
  const g = r.metrics.corruptions.find((c: Json) => c.corruption === 'gaussian_noise');
  assert.ok(Math.abs(g.ce - (1 - g.mean_top1) / 0.886428) < 1e-12);
  assert.equal(r.metrics.corruptions.find((c: Json) => c.corruption === 'speckle_noise').ce, null);
  assert.equal(r.conventions.corruption_protocol, 'imagenet-c+jpeg85');
  assert.equal(r.conventions.reference_errors.name, 'alexnet');
  assert.equal(r.conventions.reference_errors.source.repo, 'google-research/augmix');
  assert.equal(r.conventions.reference_errors.protocol_matches_reference, true);
  assert.match(r.conventions.reference_errors.uncovered, /speckle_noise/);
});

test('holoclip corrupt: ImageNet-C layout, same bytes in two processes, resumable, same numbers as on the fly', async () => {
  const spec = 'gaussian_noise:3,glass_blur:2,brightness:1';
  const a = path.join(work, 'corrupt-a');
  const b = path.join(work, 'corrupt-b');
  const [ra, rb] = await Promise.all([
    runCli(['corrupt', '--data', data, '--corruption', spec, '--out', a, '--quiet']),
    runCli(['corrupt', '--data', data, '--corruption', spec, '--out', b, '--quiet']),
  ]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  assert.match(ra.stdout, /written +12 files, 0 already there/);
  for (const rel of ['gaussian_noise/3/cat/img0.png', 'glass_blur/2/dog/img1.png', 'brightness/1/cat/img1.png']) {
    const bytesA = await fs.readFile(path.join(a, rel));
    assert.ok(bytesA.equals(await fs.readFile(path.join(b, rel))), `${rel}: two processes wrote different images`);
    const meta = await sharp(bytesA).metadata();
    assert.equal(meta.width, 224);
    assert.equal(meta.height, 224);
  }
  const again = await runCli(['corrupt', '--data', data, '--corruption', spec, '--out', a, '--quiet']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /written +0 files, 12 already there/);

  // Evaluating the written folder gives the numbers of the on-the-fly evaluation (same pixels).
  const store = path.join(work, 'store-c');
  const written = await runCli(['eval', 'zeroshot', '--model', model(), '--data', path.join(a, 'gaussian_noise', '3'), '--store', store, '--out', path.join(work, 'w'), '--quiet']);
  assert.equal(written.code, 0, written.stderr);
  const onTheFly = await runCli(['eval', 'zeroshot', '--model', model(), '--data', data, '--corruption', 'gaussian_noise:3', '--store', store, '--out', path.join(work, 'f'), '--quiet']);
  assert.equal(onTheFly.code, 0, onTheFly.stderr);
  const w = JSON.parse(await fs.readFile(path.join(work, 'w', 'result.json'), 'utf8')) as Json;
  const f = JSON.parse(await fs.readFile(path.join(work, 'f', 'result.json'), 'utf8')) as Json;
  assert.equal(f.metrics.cells[0].top1, w.metrics.top1);
  const logitsW = await fs.readFile(path.join(work, 'w', 'logits.npy'));
  assert.ok(logitsW.length > 0);

  // --format jpeg writes the published files' JPEG q85: evaluating them gives the logits of the on-the-fly
  // evaluation with the JPEG step on (the same pixels).
  const j = path.join(work, 'corrupt-jpeg');
  const wrote = await runCli(['corrupt', '--data', data, '--corruption', 'gaussian_noise:3', '--format', 'jpeg', '--out', j, '--quiet']);
  assert.equal(wrote.code, 0, wrote.stderr);
  const wj = await runCli(['eval', 'zeroshot', '--model', model(), '--data', path.join(j, 'gaussian_noise', '3'), '--store', store, '--out', path.join(work, 'wj'), '--quiet']);
  assert.equal(wj.code, 0, wj.stderr);
  const fj = await runCli(['eval', 'corruption', '--model', model(), '--data', data, '--corruption', 'gaussian_noise:3', '--corruption-jpeg', 'on', '--store', store, '--out', path.join(work, 'fj'), '--quiet']);
  assert.equal(fj.code, 0, fj.stderr);
  const rwj = JSON.parse(await fs.readFile(path.join(work, 'wj', 'result.json'), 'utf8')) as Json;
  const rfj = JSON.parse(await fs.readFile(path.join(work, 'fj', 'result.json'), 'utf8')) as Json;
  assert.equal(rfj.metrics.cells[0].top1, rwj.metrics.top1);
  assert.equal(rfj.conventions.corruption_protocol, 'imagenet-c+jpeg85');
});

test('holoclip corrupt --contact-sheet: every corruption x severity on one PNG; --list', async () => {
  const sheet = path.join(work, 'sheet.png');
  const res = await runCli(['corrupt', '--data', data, '--corruption', 'all', '--contact-sheet', sheet]);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /19 corruptions x 5 severities/);
  const meta = await sharp(sheet).metadata();
  assert.equal(meta.format, 'png');
  assert.equal(meta.width, 150 + 6 * 164);
  assert.equal(meta.height, 28 + 19 * 164);
  const list = await runCli(['corrupt', '--list']);
  assert.equal(list.code, 0, list.stderr);
  for (const name of ['gaussian_noise', 'frost', 'saturate', 'near_focus', 'color_quant']) assert.match(list.stdout, new RegExp(`^${name} `, 'm'));
});

test('3D corruptions: depth maps next to the images are used; without them, a clear error before any inference', async () => {
  const rgbd = path.join(work, 'rgbd');
  await makeImageFolder(rgbd, ['cat', 'dog'], 1, { width: 120, height: 100 });
  const store = path.join(work, 'store-3d');
  const bad = await runCli(['eval', 'zeroshot', '--model', model(), '--data', rgbd, '--corruption', 'near_focus:3', '--store', store, '--out', path.join(work, 'nodepth')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /near_focus needs a depth map per image; 2 of 2 images have none \(first: cat\/img0\.png\)/);
  assert.ok(!existsSync(path.join(work, 'nodepth', 'result.json')));

  // A depth map per image: near at the top, far at the bottom.
  for (const cls of ['cat', 'dog']) {
    const depth = new Float32Array(120 * 100);
    for (let y = 0; y < 100; y++) for (let x = 0; x < 120; x++) depth[y * 120 + x] = 1 + y / 10;
    await writeNpyAtomic(path.join(rgbd, cls, 'img0.depth.npy'), depth, [100, 120]);
  }
  const ok = await runCli(['eval', 'zeroshot', '--model', model(), '--data', rgbd, '--corruption', 'near_focus:3,far_focus:3,fog_3d:2', '--store', store, '--out', path.join(work, 'depth'), '--quiet']);
  assert.equal(ok.code, 0, ok.stderr);
  const r = JSON.parse(await fs.readFile(path.join(work, 'depth', 'result.json'), 'utf8')) as Json;
  assert.deepEqual(r.metrics.cells.map((c: Json) => `${c.corruption}:${c.severity}`), ['near_focus:3', 'far_focus:3', 'fog_3d:2']);
  assert.ok(r.metrics.cells.every((c: Json) => c.n === 2));
  // A changed depth map changes the cache key: the corrupted images are embedded again.
  const depth = new Float32Array(120 * 100).fill(5);
  await writeNpyAtomic(path.join(rgbd, 'cat', 'img0.depth.npy'), depth, [100, 120]);
  const changed = await runCli(['eval', 'zeroshot', '--model', model(), '--data', rgbd, '--corruption', 'near_focus:3', '--store', store, '--out', path.join(work, 'depth2'), '--quiet']);
  assert.equal(changed.code, 0, changed.stderr);
  const r2 = JSON.parse(await fs.readFile(path.join(work, 'depth2', 'result.json'), 'utf8')) as Json;
  assert.equal(r2.cache.images_inferred_by_set['near_focus:3'], 1, 'only the image whose depth map changed');
});

test('3D corruptions with --depth-model: depth maps estimated once, cached in the store, reused', async () => {
  const plain = path.join(work, 'plain');
  await makeImageFolder(plain, ['cat', 'dog'], 1, { width: 120, height: 100 });
  const store = path.join(work, 'store-dm');
  const args = ['eval', 'zeroshot', '--model', model(), '--data', plain, '--corruption', 'near_focus:2,flash:4', '--depth-model', fixtureDir('tiny-depth'), '--store', store, '--quiet'];
  const first = await runCli([...args, '--out', path.join(work, 'dm1')]);
  assert.equal(first.code, 0, first.stderr);
  const r1 = JSON.parse(await fs.readFile(path.join(work, 'dm1', 'result.json'), 'utf8')) as Json;
  assert.equal(r1.cache.depth_maps_estimated, 2);
  assert.match(r1.conventions.depth_maps, /0 from files .*2 estimated by .*tiny-depth/);
  assert.equal((await fs.readdir(path.join(store, 'depth'))).length, 1, 'one folder per depth model');
  const second = await runCli([...args, '--out', path.join(work, 'dm2')]);
  assert.equal(second.code, 0, second.stderr);
  const r2 = JSON.parse(await fs.readFile(path.join(work, 'dm2', 'result.json'), 'utf8')) as Json;
  assert.equal(r2.cache.depth_maps_estimated, 0);
  assert.equal(r2.cache.images_inferred, 0);
  assert.deepEqual(r2.metrics, r1.metrics);

  const sheet = path.join(work, 'sheet3d.png');
  const res = await runCli(['corrupt', '--data', plain, '--corruption', '3dcc', '--depth-model', fixtureDir('tiny-depth'), '--store', store, '--contact-sheet', sheet, '--tile', '64']);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /9 corruptions x 5 severities/);
});
