/**
 * The protocol around the corruptions (src/corruptions/protocol.ts, apply.ts): make_imagenet_c.py's geometry
 * (Pillow decode, PIL bilinear Resize(256), CenterCrop(224)) and its JPEG quality-85 save, byte for byte against
 * Pillow (test/golden/corruptions/protocol, tools/goldens/make_corruption_goldens.py); the `none` geometry; the
 * store keys of the protocols; the shipped AlexNet errors and when the JPEG step is on.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { corruptAsMade, cropGeometry, finishCorrupted, loadForCorruption } from '../src/corruptions/apply.js';
import { DEFAULT_CORRUPTION_PROTOCOL, LEGACY_CORRUPTION_PROTOCOL, protocolLabel } from '../src/corruptions/protocol.js';
import { corruptionKey, parseCorruptions } from '../src/corruptions/registry.js';
import type { RgbImage } from '../src/corruptions/types.js';
import { summarizeCorruptions } from '../src/metrics/corruption.js';
import { itemStoreKey } from '../src/pipeline/item-key.js';
import { loadSuite } from '../src/suite/load-suite.js';
import { ALEXNET_PUBLISHED, embeddedReferenceErrors, findEmbeddedReferenceErrors } from '../src/refdata/embedded.js';
import { corruptionTask } from '../src/tasks/corruption/index.js';
import type { CorruptionSettings } from '../src/tasks/corruption/run.js';
import { fixtureDir } from './helpers/fixtures.js';

const DIR = path.join(import.meta.dirname, 'golden', 'corruptions', 'protocol');
const index = JSON.parse(readFileSync(path.join(DIR, 'index.json'), 'utf8')) as {
  geometry: Array<{ input: string; width: number; height: number; file: string }>;
  jpeg85: Array<{ input: string; file: string }>;
};

async function png(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(path.join(DIR, file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

function diffCount(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

test('imagenet-c geometry: the pixels of Pillow decode + PIL bilinear Resize(256) + CenterCrop(224), byte for byte', async () => {
  assert.equal(index.geometry.length, 8);
  for (const g of index.geometry) {
    const bytes = readFileSync(path.join(DIR, g.input));
    const { image, geometry } = await loadForCorruption(bytes, g.input, 'imagenet-c');
    const want = await png(g.file);
    assert.deepEqual([image.width, image.height], [224, 224]);
    assert.equal(diffCount(image.data, want.data), 0, `${g.input}: pixels differ from Pillow's`);
    assert.deepEqual([geometry.width, geometry.height], [224, 224]);
  }
});

test('imagenet-c geometry: torchvision sizes (int) and CenterCrop offsets (Python 3 round, halves to even)', () => {
  // 301 x 225: long side int(256 * 301 / 225) = 342; offset round(59.0) = 59.
  assert.deepEqual(cropGeometry(301, 225, 'imagenet-c'), { resizedWidth: 342, resizedHeight: 256, left: 59, top: 16, width: 224, height: 224 });
  // 257 x 256: 257 wide; (257 - 224) / 2 = 16.5 rounds to 16 (even).
  assert.deepEqual(cropGeometry(257, 256, 'imagenet-c'), { resizedWidth: 257, resizedHeight: 256, left: 16, top: 16, width: 224, height: 224 });
  // 200 x 333 portrait: int(256 * 333 / 200) = 426; (426 - 224) / 2 = 101.
  assert.deepEqual(cropGeometry(200, 333, 'imagenet-c'), { resizedWidth: 256, resizedHeight: 426, left: 16, top: 101, width: 224, height: 224 });
  // the earlier rule rounds the long side and floors the offset.
  assert.deepEqual(cropGeometry(257, 256, 'imagenet-c-lanczos3'), { resizedWidth: 257, resizedHeight: 256, left: 16, top: 16, width: 224, height: 224 });
  assert.deepEqual(cropGeometry(301, 225, 'imagenet-c-lanczos3'), { resizedWidth: 342, resizedHeight: 256, left: 59, top: 16, width: 224, height: 224 });
  assert.deepEqual(cropGeometry(512, 384, 'none'), { resizedWidth: 512, resizedHeight: 384, left: 0, top: 0, width: 512, height: 384 });
});

test('none geometry: the image at its own size, decoded as Pillow decodes; corruptions keep its size', async () => {
  const g = index.geometry.find((x) => x.input === 'geo-wide.png');
  assert.ok(g);
  const bytes = readFileSync(path.join(DIR, g.input));
  const { image } = await loadForCorruption(bytes, g.input, 'none');
  const want = await png(g.input);
  assert.deepEqual([image.width, image.height], [g.width, g.height]);
  assert.equal(diffCount(image.data, want.data), 0);
  for (const name of ['gaussian_noise', 'frost', 'fog', 'glass_blur', 'zoom_blur', 'elastic_transform']) {
    const [spec] = parseCorruptions(`${name}:3`, 0, { geometry: 'none', jpegQuality: 85 });
    const out = corruptAsMade(image, spec, 'k');
    assert.deepEqual([out.width, out.height], [g.width, g.height], name);
  }
});

test('JPEG quality-85 round trip: the pixels of PIL save(quality=85, optimize=True) decoded by PIL, byte for byte', async () => {
  assert.equal(index.jpeg85.length, 3);
  for (const j of index.jpeg85) {
    const input = await png(j.input);
    const out = finishCorrupted(input, { geometry: 'imagenet-c', jpegQuality: 85 });
    assert.equal(diffCount(out.data, (await png(j.file)).data), 0, j.file);
    assert.strictEqual(finishCorrupted(input, DEFAULT_CORRUPTION_PROTOCOL), input, 'no JPEG step: pixels as they are');
  }
});

test('protocol: part of every store and plan key; the earlier protocol keeps its old store key', () => {
  const file = 'a'.repeat(64);
  const protocols = [DEFAULT_CORRUPTION_PROTOCOL, LEGACY_CORRUPTION_PROTOCOL, { geometry: 'imagenet-c', jpegQuality: 85 }, { geometry: 'none', jpegQuality: null }] as const;
  const specs = protocols.map((p) => parseCorruptions('gaussian_noise:3', 0, p)[0]);
  const keys = specs.map((s) => itemStoreKey({ fileSha256: file, corruption: s }));
  assert.equal(new Set(keys).size, protocols.length);
  assert.equal(new Set(specs.map(corruptionKey)).size, protocols.length);
  assert.deepEqual(protocols.map(protocolLabel), ['imagenet-c', 'imagenet-c-lanczos3', 'imagenet-c+jpeg85', 'none']);
});

test('alexnet: the 15 published errors shipped (augmix ALEXNET_ERR), mCE = mean err / AlexNet mean err; the extra corruptions are left out', () => {
  assert.equal(findEmbeddedReferenceErrors('alexnet'), ALEXNET_PUBLISHED);
  const names = Object.keys(ALEXNET_PUBLISHED.meanErrors);
  assert.equal(names.length, 15);
  assert.equal(ALEXNET_PUBLISHED.meanErrors.gaussian_noise, 0.886428);
  assert.equal(ALEXNET_PUBLISHED.meanErrors.jpeg_compression, 0.6065);
  const ref = embeddedReferenceErrors(ALEXNET_PUBLISHED);
  const cells = [];
  for (const c of ['gaussian_noise', 'brightness', 'speckle_noise']) for (let s = 1; s <= 5; s++) cells.push({ corruption: c, severity: s, top1: 0.5 - 0.05 * s });
  const summary = summarizeCorruptions(cells, 0.7, ref);
  const meanErr = 1 - (0.45 + 0.4 + 0.35 + 0.3 + 0.25) / 5;
  const ce = (name: string) => summary.corruptions.find((c) => c.corruption === name)?.ce;
  assert.ok(Math.abs((ce('gaussian_noise') ?? NaN) - meanErr / 0.886428) < 1e-12);
  assert.ok(Math.abs((ce('brightness') ?? NaN) - meanErr / 0.564592) < 1e-12);
  assert.equal(ce('speckle_noise'), null);
  assert.deepEqual(summary.mce_corruptions, ['gaussian_noise', 'brightness']);
  assert.equal(summary.relative_mce, null, 'no published AlexNet clean error: no relative mCE');
});

test('corruption task: JPEG q85 on by default exactly when mCE is against the published AlexNet errors', () => {
  const resolve = (o: Record<string, unknown>) => {
    const parsed = corruptionTask.options.parse({ dataset: 'd', corruptions: 'gaussian_noise:1', ...o });
    const settings = corruptionTask.resolveSettings?.(parsed);
    assert.ok(settings);
    return settings as CorruptionSettings;
  };
  assert.deepEqual(resolve({ reference_errors: 'alexnet' }).protocol, { geometry: 'imagenet-c', jpegQuality: 85 });
  assert.deepEqual(resolve({}).protocol, { geometry: 'imagenet-c', jpegQuality: null });
  assert.deepEqual(resolve({ reference_errors: '/x/alexnet.csv' }).protocol, { geometry: 'imagenet-c', jpegQuality: null });
  assert.deepEqual(resolve({ reference_errors: 'alexnet', jpeg: 'off' }).protocol, { geometry: 'imagenet-c', jpegQuality: null });
  assert.deepEqual(resolve({ jpeg: 'on', geometry: 'none' }).protocol, { geometry: 'none', jpegQuality: 85 });
  const settings = resolve({ reference_errors: 'alexnet', geometry: 'imagenet-c-lanczos3' });
  assert.deepEqual(settings.specs[0].protocol, { geometry: 'imagenet-c-lanczos3', jpegQuality: 85 });
});

test('suite: a corrupted dataset names its geometry and JPEG step; the corruption task takes reference_errors: alexnet', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-protocol-suite-'));
  try {
    await fs.mkdir(path.join(work, 'val', 'cat'), { recursive: true });
    await fs.writeFile(
      path.join(work, 'suite.yaml'),
      `name: p
models:
  - path: ${JSON.stringify(fixtureDir('tiny-clip'))}
datasets:
  val: val
  val-noise: { path: val, corruption: "gaussian_noise:3", corruption_geometry: none, corruption_jpeg: true }
  val-plain: { path: val, corruption: "gaussian_noise:3" }
tasks:
  - type: corruption
    dataset: val
    corruptions: gaussian_noise
    reference_errors: alexnet
  - type: corruption
    dataset: val
    corruptions: gaussian_noise
    reference_errors: ref.csv
    geometry: imagenet-c-lanczos3
`,
    );
    const suite = await loadSuite(path.join(work, 'suite.yaml'));
    assert.deepEqual(suite.datasets.get('val-noise')?.corruption?.protocol, { geometry: 'none', jpegQuality: 85 });
    assert.deepEqual(suite.datasets.get('val-plain')?.corruption?.protocol, DEFAULT_CORRUPTION_PROTOCOL);
    const [a, b] = suite.tasks.map((t) => t.settings as CorruptionSettings);
    assert.equal(a.reference_errors, 'alexnet', 'a shipped name is not resolved as a path');
    assert.deepEqual(a.protocol, { geometry: 'imagenet-c', jpegQuality: 85 });
    assert.equal(b.reference_errors, path.join(work, 'ref.csv'));
    assert.deepEqual(b.protocol, { geometry: 'imagenet-c-lanczos3', jpegQuality: null });
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
