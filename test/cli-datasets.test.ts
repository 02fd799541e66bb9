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

test('--data imagenet-r:PATH: a 3-folder copy is an error; imagenet-r-partial: the 200-way head; imagenet-r-present: the 3-way sub-head', { skip }, async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-typed-'));
  try {
    let seed = 900;
    for (const wnid of ['n01443537', 'n01833805', 'n02007558']) for (let i = 0; i < 2; i++) await writeTestImage(path.join(work, 'imagenet-r', wnid, `${i}.jpg`), seed++, 64, 64, 'jpeg');
    const partialCopy = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `imagenet-r:${path.join(work, 'imagenet-r')}`, '--store', path.join(work, 'store'), '--out', path.join(work, 'run0'), '--quiet'], { env });
    assert.equal(partialCopy.code, 1);
    assert.match(partialCopy.stderr, /has 3 of the 200 class folders .*197 missing.*imagenet-r-partial:PATH/);
    const partial = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `imagenet-r-partial:${path.join(work, 'imagenet-r')}`, '--store', path.join(work, 'store'), '--out', path.join(work, 'run200'), '--quiet'], { env });
    assert.equal(partial.code, 0, partial.stderr);
    const r200 = JSON.parse(await fs.readFile(path.join(work, 'run200', 'result.json'), 'utf8')) as Json;
    assert.equal(r200.dataset.num_classes, 200);
    assert.equal(r200.dataset.adapter.type, 'imagenet-r-partial');
    assert.equal(r200.dataset.adapter.notes.missingClassFolders, 197);
    assert.match(r200.dataset.adapter.notes.protocol, /canonical 200 classes .*a partial copy, asked for/);

    const res = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `imagenet-r-present:${path.join(work, 'imagenet-r')}`, '--store', path.join(work, 'store'), '--out', path.join(work, 'run'), '--quiet'], { env });
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(await fs.readFile(path.join(work, 'run', 'result.json'), 'utf8')) as Json;
    assert.equal(r.dataset.n, 6);
    assert.equal(r.dataset.num_classes, 3);
    assert.deepEqual(r.conventions.classnames, ['goldfish', 'hummingbird', 'flamingo']);
    assert.deepEqual(r.dataset.adapter.class_subset, { of: 'imagenet-1k', size: 3, indices: [1, 94, 130] });
    assert.equal(r.dataset.adapter.type, 'imagenet-r-present');
    const logits = await readNpy(path.join(work, 'run', 'logits.npy'));
    assert.deepEqual(logits.shape, [6, 3], 'logits over the 3-way head');

    // CLIP_benchmark's 80 ImageNet templates, by their reference-data name.
    const t = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `imagenet-r-present:${path.join(work, 'imagenet-r')}`, '--templates', 'clip_benchmark/en_zeroshot_classification_templates.json', '--templates-key', 'imagenet1k', '--store', path.join(work, 'store'), '--out', path.join(work, 'run80'), '--quiet'], { env });
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
    [...ds.items].forEach((item, i) => {
      let best = 0;
      for (let j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + best]) best = j;
      if ((item.labels ?? [item.label]).includes(best)) correct++;
    });
    assert.equal(r.metrics.top1, correct / 4);
    assert.ok([...ds.items].find((it) => it.id.includes('alarm_clock'))?.labels?.length === 2, 'alarm clock: analog or digital clock');

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

test('ImageNet-D: 113-way head with its template and accuracy per subset, on the command line and in a suite', { skip }, async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-imagenet-d-'));
  try {
    let seed = 990;
    for (const rel of ['background/plate', 'background/mug', 'texture/plate', 'material/coffee_or_french_press']) for (let i = 0; i < 2; i++) await writeTestImage(path.join(work, 'imagenet-d', rel, `${i}.jpg`), seed++, 64, 64, 'jpeg');
    const store = path.join(work, 'store');
    const res = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', `imagenet-d:${path.join(work, 'imagenet-d')}`, '--store', store, '--out', path.join(work, 'run'), '--quiet'], { env });
    assert.equal(res.code, 0, res.stderr);
    const r = JSON.parse(await fs.readFile(path.join(work, 'run', 'result.json'), 'utf8')) as Json;
    assert.equal(r.dataset.num_classes, 113);
    assert.deepEqual(r.conventions.templates, ['A photo of a {c}']);
    assert.equal(r.conventions.classnames[19], 'coffee or french press');
    assert.deepEqual(Object.keys(r.metrics.subsets), ['background', 'texture', 'material']);
    assert.deepEqual(Object.values(r.metrics.subsets).map((m) => (m as Json).n), [4, 2, 2]);
    const pooled = Object.values(r.metrics.subsets).reduce((acc: number, m) => acc + (m as Json).top1 * (m as Json).n, 0) / 8;
    assert.ok(Math.abs(pooled - r.metrics.top1) < 1e-12, 'pooled top-1 = image-weighted subset top-1');
    assert.match(r.conventions.subsets, /per subset/);

    await fs.writeFile(
      path.join(work, 'suite.yaml'),
      `name: d\nmodels:\n  - path: ${JSON.stringify(fixtureDir('tiny-clip'))}\ndatasets:\n  imagenet-d: { type: imagenet-d, path: imagenet-d }\ntasks:\n  - type: zeroshot\n    datasets: [imagenet-d]\n`,
    );
    const suite = await runCli(['run', path.join(work, 'suite.yaml'), '--store', store, '--out', path.join(work, 'suite-out'), '--quiet'], { env });
    assert.equal(suite.code, 0, suite.stderr);
    const results = JSON.parse(await fs.readFile(path.join(work, 'suite-out', 'results.json'), 'utf8')) as Json;
    const top1 = (variant: string | null) => results.rows.find((x: Json) => x.metric === 'top1' && x.variant === variant)?.value;
    assert.equal(top1(null), r.metrics.top1, 'the suite uses the dataset\'s own template when it defines no prompt set');
    assert.equal(top1('subset:texture'), r.metrics.subsets.texture.top1);
    const report = await fs.readFile(path.join(work, 'suite-out', 'report', 'index.html'), 'utf8');
    assert.match(report, /on imagenet-d per subset/);
    assert.match(report, /data-variant="subset:texture"|>texture</);
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
