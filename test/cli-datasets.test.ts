/**
 * Named dataset layouts through the CLI (`--data TYPE:PATH`) and suites (`{ type, path }`): an
 * ImageNet-R-style folder is evaluated with the sub-head of its classes (recorded in the result), and
 * ObjectNet with any-of scoring and the 2-pixel border crop. Class metadata comes from the
 * reference-data directory (HOLOCLIP_DATA_DIR = ../shared/refdata, offline).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNpy } from '../src/store/npy.js';
import { runCli, writeTestImage } from './helpers/cli.js';
import { REPO_ROOT, fixtureDir } from './helpers/fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const SHARED = path.resolve(REPO_ROOT, '..', 'shared', 'refdata');
const skip = !existsSync(SHARED) && 'needs ../shared/refdata';
const env = { HOLOCLIP_DATA_DIR: SHARED, HOLOCLIP_OFFLINE: '1' };

test('--data imagenet-r:PATH: a 3-way sub-head of the classes present, recorded in result.json', { skip }, async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-typed-'));
  try {
    let seed = 900;
    for (const wnid of ['n01443537', 'n01833805', 'n02007558']) for (let i = 0; i < 2; i++) await writeTestImage(path.join(work, 'imagenet-r', wnid, `${i}.jpg`), seed++, 64, 64, 'jpeg');
    const res = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `imagenet-r:${path.join(work, 'imagenet-r')}`, '--store', path.join(work, 'store'), '--out', path.join(work, 'run'), '--quiet'], { env });
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(await fs.readFile(path.join(work, 'run', 'result.json'), 'utf8')) as Json;
    assert.equal(r.dataset.n, 6);
    assert.equal(r.dataset.num_classes, 3);
    assert.deepEqual(r.conventions.classnames, ['goldfish', 'hummingbird', 'flamingo']);
    assert.deepEqual(r.dataset.adapter.class_subset, { of: 'imagenet-1k', size: 3, indices: [1, 94, 130] });
    assert.equal(r.dataset.adapter.type, 'imagenet-r');
    const logits = await readNpy(path.join(work, 'run', 'logits.npy'));
    assert.deepEqual(logits.shape, [6, 3], 'logits over the 3-way head');

    // CLIP_benchmark's 80 ImageNet templates, by their reference-data name.
    const t = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `imagenet-r:${path.join(work, 'imagenet-r')}`, '--templates', 'clip_benchmark/en_zeroshot_classification_templates.json', '--templates-key', 'imagenet1k', '--store', path.join(work, 'store'), '--out', path.join(work, 'run80'), '--quiet'], { env });
    assert.equal(t.code, 0, t.stderr);
    const r80 = JSON.parse(await fs.readFile(path.join(work, 'run80', 'result.json'), 'utf8')) as Json;
    assert.equal(r80.conventions.templates.length, 80);
    assert.equal(r80.conventions.templates_source, `${path.join(SHARED, 'clip_benchmark', 'en_zeroshot_classification_templates.json')}#imagenet1k`);
    assert.equal(r80.cache.images_inferred, 0, 'same images, same store');

    const bad = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `imagenet-r:${path.join(work, 'nope')}`, '--out', path.join(work, 'x')], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /nope/);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});

test('ObjectNet: any-of scoring over the mapped ImageNet classes, 2-pixel border crop; in a suite too', { skip }, async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-objectnet-'));
  try {
    let seed = 950;
    for (const folder of ['alarm_clock', 'banana', 'squeegee']) for (let i = 0; i < 2; i++) await writeTestImage(path.join(work, 'objectnet', 'images', folder, `${i}.png`), seed++, 70, 60);
    const store = path.join(work, 'store');
    const res = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `objectnet:${path.join(work, 'objectnet')}`, '--store', store, '--out', path.join(work, 'run'), '--quiet'], { env });
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(await fs.readFile(path.join(work, 'run', 'result.json'), 'utf8')) as Json;
    assert.equal(r.dataset.n, 4, 'squeegee is not an ImageNet class: skipped');
    assert.equal(r.dataset.crop_border, 2);
    assert.ok(r.dataset.num_classes > 100, `${r.dataset.num_classes}-way head of mapped ImageNet classes`);
    assert.match(r.conventions.any_of_labels, /any class mapped to the true class/);
    // top-1 by hand: correct when the argmax is any head class mapped to the image's ObjectNet class.
    const { openObjectnet } = await import('../src/data/adapters/objectnet.js');
    const ds = await openObjectnet(path.join(work, 'objectnet'), { dataDir: SHARED, offline: true });
    const logits = (await readNpy(path.join(work, 'run', 'logits.npy'))).data as Float32Array;
    const c = r.dataset.num_classes as number;
    let correct = 0;
    ds.items.forEach((item, i) => {
      let best = 0;
      for (let j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + best]) best = j;
      if ((item.labels ?? [item.label]).includes(best)) correct++;
    });
    assert.equal(r.metrics.top1, correct / 4);
    assert.ok(ds.items.find((it) => it.id.includes('alarm_clock'))?.labels?.length === 2, 'alarm clock: analog or digital clock');

    // The same data in a suite, by `{ type, path }`.
    await fs.writeFile(
      path.join(work, 'suite.yaml'),
      `name: on\nmodels:\n  - path: ${JSON.stringify(fixtureDir('tiny-clip'))}\n  - path: ${JSON.stringify(fixtureDir('tiny-siglip'))}\ndatasets:\n  objectnet: { type: objectnet, path: objectnet }\ntasks:\n  - type: zeroshot\n    datasets: [objectnet]\n`,
    );
    const suite = await runCli(['run', path.join(work, 'suite.yaml'), '--store', store, '--out', path.join(work, 'suite-out'), '--no-report', '--quiet'], { env });
    assert.equal(suite.code, 0, suite.stderr);
    const results = JSON.parse(await fs.readFile(path.join(work, 'suite-out', 'results.json'), 'utf8')) as Json;
    const row = results.rows.find((x: Json) => x.model === 'tiny-clip' && x.metric === 'top1');
    assert.equal(row.value, r.metrics.top1);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
