/**
 * End to end: the robustness tasks on the fixture models, on datasets made here. Every task reads
 * the cached embeddings: a rerun infers no image.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { makeImageFolder, runCli, writeTestImage } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';

const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-tasks-'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
const readJson = async (file: string): Promise<Json> => JSON.parse(await fs.readFile(file, 'utf8')) as Json;

/** A "shifted" copy of an ImageFolder: the same images in greyscale and blurred. */
async function shiftedCopy(src: string, dst: string): Promise<void> {
  for (const cls of await fs.readdir(src)) {
    await fs.mkdir(path.join(dst, cls), { recursive: true });
    for (const f of await fs.readdir(path.join(src, cls))) {
      await sharp(path.join(src, cls, f)).greyscale().blur(2).toFile(path.join(dst, cls, f));
    }
  }
}

test('eval calibration: ECE/NLL/Brier before and after temperature scaling; rerun infers nothing', async () => {
  const work = await tmp();
  const id = path.join(work, 'id');
  await makeImageFolder(id, ['airplane', 'bird', 'car', 'cat', 'dog'], 8);
  await shiftedCopy(id, path.join(work, 'shift'));
  const store = path.join(work, 'store');
  const args = ['eval', 'calibration', '--model', fixtureDir('tiny-clip'), '--data', id, '--shift', `grey=${path.join(work, 'shift')}`, '--store', store, '--out', path.join(work, 'run'), '--bins', '10'];
  const res = await runCli(args);
  assert.equal(res.code, 0, res.stderr);
  const r = await readJson(path.join(work, 'run', 'result.json'));
  assert.equal(r.task, 'calibration');
  assert.equal(r.model.logit_scale_source, 'recovered-from-model.onnx');
  assert.ok(r.metrics.temperature > 0);
  assert.equal(r.metrics.calibration.n, 20);
  assert.ok(r.metrics.calibration.nll_after <= r.metrics.calibration.nll_before + 1e-9);
  assert.deepEqual(Object.keys(r.metrics.sets), ['id', 'grey']);
  for (const s of Object.values(r.metrics.sets) as Json[]) {
    for (const phase of [s.before, s.after]) {
      assert.ok(phase.ece >= 0 && phase.ece <= 1);
      assert.ok(phase.nll > 0 && phase.brier >= 0 && phase.brier <= 2);
    }
    assert.equal(s.before.accuracy, s.after.accuracy, 'temperature scaling does not change predictions');
  }
  assert.equal(r.metrics.sets.grey.n, 40);
  assert.match(r.conventions.ece, /10 equal-width bins/);
  const rel = await readJson(path.join(work, 'run', 'reliability.json'));
  assert.equal(rel.sets.grey.before.length, 10);
  assert.equal(rel.sets.grey.before.reduce((s: number, b: Json) => s + b.count, 0), 40);
  assert.equal(r.datasets.grey.images_inferred + r.datasets.id.images_inferred, 80);

  const again = await runCli(args);
  assert.equal(again.code, 0, again.stderr);
  const r2 = await readJson(path.join(work, 'run', 'result.json'));
  assert.equal(r2.cache.images_inferred, 0);
  assert.deepEqual(r2.metrics, r.metrics);
  assert.match(again.stdout, /all embeddings from cache/);

  // a shifted set with other classes is refused before any work
  await makeImageFolder(path.join(work, 'other'), ['x', 'y'], 1);
  const bad = await runCli([...args.slice(0, 6), '--shift', path.join(work, 'other'), '--store', store, '--out', path.join(work, 'bad')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /same class list/);
});

test('eval ood: MSP/MaxLogit/Energy/MCM against two OOD folders; ood_scores.jsonl', async () => {
  const work = await tmp();
  const id = path.join(work, 'id');
  await makeImageFolder(id, ['airplane', 'bird', 'car', 'cat', 'dog'], 4);
  for (let i = 0; i < 6; i++) {
    await writeTestImage(path.join(work, 'noise', `n${i}.png`), 500 + i, 80, 80);
    await writeTestImage(path.join(work, 'textures', 'sub', `t${i}.jpg`), 900 + i, 120, 64, 'jpeg');
  }
  const res = await runCli([
    'eval', 'ood', '--model', fixtureDir('tiny-siglip'), '--data', id, '--ood', `noise=${path.join(work, 'noise')}`, '--ood', path.join(work, 'textures'),
    '--store', path.join(work, 'store'), '--out', path.join(work, 'run'),
  ]);
  assert.equal(res.code, 0, res.stderr);
  const r = await readJson(path.join(work, 'run', 'result.json'));
  assert.equal(r.task, 'ood');
  assert.deepEqual(Object.keys(r.metrics.sets), ['noise', 'textures']);
  for (const set of Object.values(r.metrics.sets) as Json[]) {
    assert.deepEqual(Object.keys(set), ['msp', 'maxlogit', 'energy', 'mcm']);
    for (const m of Object.values(set) as Json[]) {
      assert.ok(m.auroc >= 0 && m.auroc <= 1);
      assert.ok(m.fpr_at_95_tpr >= 0 && m.fpr_at_95_tpr <= 1);
      assert.equal(m.n_id, 20);
      assert.equal(m.n_ood, 6);
      assert.equal(m.convention, 'id-positive');
    }
  }
  assert.equal(r.datasets.textures.n, 6);
  const lines = (await fs.readFile(path.join(work, 'run', 'ood_scores.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 32);
  assert.deepEqual(Object.keys(lines[0]), ['set', 'id', 'msp', 'maxlogit', 'energy', 'mcm']);
  assert.equal(lines[31].id, 'sub/t5.jpg');
  // an empty OOD folder is a one-line error
  await fs.mkdir(path.join(work, 'empty'));
  const bad = await runCli(['eval', 'ood', '--model', fixtureDir('tiny-siglip'), '--data', id, '--ood', path.join(work, 'empty'), '--store', path.join(work, 'store'), '--out', path.join(work, 'bad')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr.trim(), /^holoclip: empty dataset: image folder .*empty/);
});

test('eval retrieval: Recall@K both ways on a caption manifest', async () => {
  const work = await tmp();
  const lines: string[] = [];
  const words = ['dog', 'cat', 'car', 'bird', 'tree', 'airplane'];
  for (let i = 0; i < 6; i++) {
    await writeTestImage(path.join(work, 'img', `${i}.png`), 40 + i);
    lines.push(JSON.stringify({ path: `img/${i}.png`, captions: [`a photo of a ${words[i]}.`, `a ${words[i]} in a sketch.`] }));
  }
  await fs.writeFile(path.join(work, 'captions.jsonl'), `${lines.join('\n')}\n`);
  const res = await runCli(['eval', 'retrieval', '--model', fixtureDir('tiny-clip'), '--data', path.join(work, 'captions.jsonl'), '--store', path.join(work, 'store'), '--out', path.join(work, 'run')]);
  assert.equal(res.code, 0, res.stderr);
  const r = await readJson(path.join(work, 'run', 'result.json'));
  assert.equal(r.task, 'retrieval');
  assert.equal(r.metrics.n_images, 6);
  assert.equal(r.metrics.n_texts, 12);
  for (const dir of ['image_to_text', 'text_to_image']) {
    const m = r.metrics[dir];
    assert.ok(m['R@1'] <= m['R@5'] && m['R@5'] <= m['R@10']);
    assert.equal(m['R@10'], 1, 'with 6 images and 12 texts, K=10 finds every image; every image has a caption in the top 10 of 12');
  }
});

test('eval shape-bias: 16-way-style head over category folders and the 1000-way mapping mode; decisions re-score', async () => {
  const work = await tmp();
  const cats = ['bird', 'car', 'cat', 'dog'];
  let seed = 200;
  let same = 0;
  let total = 0;
  for (const shape of cats) {
    for (const texture of cats) {
      for (let k = 1; k <= 2; k++) {
        await writeTestImage(path.join(work, 'stimuli', shape, `${shape}${k}-${texture}${k + 1}.png`), seed++);
        total++;
        if (shape === texture) same++;
      }
    }
  }
  const store = path.join(work, 'store');
  const res = await runCli(['eval', 'shape-bias', '--model', fixtureDir('tiny-clip'), '--data', path.join(work, 'stimuli'), '--store', store, '--out', path.join(work, 'run')]);
  assert.equal(res.code, 0, res.stderr);
  const r = await readJson(path.join(work, 'run', 'result.json'));
  assert.equal(r.task, 'shape-bias');
  assert.equal(r.metrics.n_trials, total - same);
  assert.equal(r.metrics.dropped_same_category, same);
  assert.equal(r.metrics.shape_decisions + r.metrics.texture_decisions + r.metrics.other_decisions, total - same);
  assert.deepEqual(r.conventions.categories, cats);
  const rescored = await runCli(['score', 'shape-bias', '--decisions', path.join(work, 'run', 'decisions.csv'), '--json']);
  assert.equal(rescored.code, 0, rescored.stderr);
  const rs = JSON.parse(rescored.stdout) as Json;
  assert.equal(rs.metrics.n_trials, r.metrics.n_trials);
  assert.ok(Object.is(rs.metrics.shape_bias, r.metrics.shape_bias) || Math.abs(rs.metrics.shape_bias - r.metrics.shape_bias) < 1e-12);

  // 1000-way mode (here 7-way): probabilities averaged within each category's member classes
  await fs.writeFile(path.join(work, 'imagenet.txt'), 'robin\njay\nsports car\ntabby cat\nsiamese cat\nbeagle\nteapot\n');
  await fs.writeFile(path.join(work, 'mapping.json'), JSON.stringify({ bird_indices: [0, 1], car_indices: [2], cat_indices: [3, 4], dog_indices: [5] }));
  const wide = await runCli([
    'eval', 'shape-bias', '--model', fixtureDir('tiny-clip'), '--data', path.join(work, 'stimuli'), '--imagenet-classnames', path.join(work, 'imagenet.txt'),
    '--category-mapping', path.join(work, 'mapping.json'), '--store', store, '--out', path.join(work, 'wide'),
  ]);
  assert.equal(wide.code, 0, wide.stderr);
  const w = await readJson(path.join(work, 'wide', 'result.json'));
  assert.match(w.conventions.decisions, /7-way zero-shot head/);
  assert.equal(w.cache.images_inferred, 0, 'same stimuli, same store: no inference');
  assert.equal(w.metrics.n_trials, total - same);
});

test('eval factors: zero-shot predictions joined with ImageNet-X-style annotations; predictions.csv re-scores', async () => {
  const work = await tmp();
  const factorNames = ['pose', 'background', 'pattern', 'color', 'smaller', 'shape', 'partial_view', 'subcategory', 'texture', 'larger', 'darker', 'object_blocking', 'person_blocking', 'style', 'brighter', 'multiple_objects'];
  const ann: string[] = [];
  let seed = 300;
  const classes = ['car', 'cat', 'dog']; // sorted, as ImageFolder labels them
  for (const [label, cls] of classes.entries()) {
    for (let i = 0; i < 4; i++) {
      const name = `${cls}_${i}.JPEG`;
      await writeTestImage(path.join(work, 'val', cls, name), seed++, 90, 70, 'jpeg');
      if (i < 3) {
        const f: Record<string, number> = {};
        factorNames.forEach((n, j) => (f[n] = j === (i + label) % 4 ? 1 : 0));
        ann.push(JSON.stringify({ file_name: name, class: label, ...f, justification: 'x', one_word: 'y' }));
      }
    }
  }
  ann.push(JSON.stringify({ file_name: 'elsewhere.JPEG', class: 0, ...Object.fromEntries(factorNames.map((n) => [n, n === 'pose' ? 1 : 0])) }));
  await fs.writeFile(path.join(work, 'ann.jsonl'), `${ann.join('\n')}\n`);
  // Prototypical images are dropped by default (imagenetx's filter_prototypes=True): here one annotated image.
  await fs.writeFile(path.join(work, 'protos.csv'), 'file_name\ncar_0.JPEG\nnot_here.JPEG\n');
  const res = await runCli(['eval', 'factors', '--model', fixtureDir('tiny-clip'), '--data', path.join(work, 'val'), '--annotations', path.join(work, 'ann.jsonl'), '--prototypical', path.join(work, 'protos.csv'), '--store', path.join(work, 'store'), '--out', path.join(work, 'run')]);
  assert.equal(res.code, 0, res.stderr);
  const r = await readJson(path.join(work, 'run', 'result.json'));
  assert.equal(r.task, 'factors');
  assert.equal(r.metrics.n, 8);
  assert.equal(r.metrics.dropped_prototypical, 1);
  assert.equal(r.conventions.prototypes, 'drop');
  assert.match(r.conventions.prototypical, /dropped: the 2 images listed in .*protos\.csv .*filter_prototypes=True/);
  assert.equal(r.metrics.unmatched_predictions, 1, 'elsewhere.JPEG has no prediction');
  assert.equal(r.metrics.unannotated_in_predictions, 3, 'three images have no annotation');
  assert.equal(r.metrics.label_mismatches, 0);
  assert.equal(r.metrics.factors.length, 16);
  const rescored = await runCli(['score', 'factors', '--predictions', path.join(work, 'run', 'predictions.csv'), '--annotations', path.join(work, 'ann.jsonl'), '--prototypical', path.join(work, 'protos.csv'), '--json']);
  assert.equal(rescored.code, 0, rescored.stderr);
  assert.equal((JSON.parse(rescored.stdout) as Json).metrics.overall_accuracy, r.metrics.overall_accuracy);
  // Kept on request: the 9 annotated images.
  const kept = await runCli(['eval', 'factors', '--model', fixtureDir('tiny-clip'), '--data', path.join(work, 'val'), '--annotations', path.join(work, 'ann.jsonl'), '--prototypes', 'keep', '--store', path.join(work, 'store'), '--out', path.join(work, 'kept')]);
  assert.equal(kept.code, 0, kept.stderr);
  const k = await readJson(path.join(work, 'kept', 'result.json'));
  assert.equal(k.metrics.n, 9);
  assert.equal(k.metrics.dropped_prototypical, 0);
  assert.equal(k.conventions.prototypes, 'keep');
  const bad = await runCli(['score', 'factors', '--predictions', path.join(work, 'run', 'predictions.csv'), '--annotations', path.join(work, 'ann.jsonl'), '--prototypes', 'maybe']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--prototypes maybe: expected drop or keep/);
});

test('an image classifier (pixel_values -> logits + id2label) evaluates through the same CLI', async () => {
  const work = await tmp();
  const data = path.join(work, 'data');
  await makeImageFolder(data, ['cat', 'dog', 'tree'], 3);
  const model = path.resolve('models', 'fixtures', 'tiny-classifier');
  const store = path.join(work, 'store');
  const res = await runCli(['eval', 'zeroshot', '--model', model, '--data', data, '--store', store, '--out', path.join(work, 'run')]);
  assert.equal(res.code, 0, res.stderr);
  const r = await readJson(path.join(work, 'run', 'result.json'));
  assert.equal(r.model.logit_scale_source, 'classifier-logits');
  assert.equal(r.model.model_type, 'holoclip-classifier');
  assert.match(r.conventions.logits, /classifier's own logits/);
  assert.equal(r.dataset.n, 9);
  // OOD works with msp/maxlogit/energy; MCM is skipped with a warning (no cosines)
  await makeImageFolder(path.join(work, 'ood'), ['x'], 3);
  const ood = await runCli(['eval', 'ood', '--model', model, '--data', data, '--ood', `noise=${path.join(work, 'ood')}`, '--store', store, '--out', path.join(work, 'ood-run')]);
  assert.equal(ood.code, 0, ood.stderr);
  assert.match(ood.stderr, /MCM needs cosine similarities/);
  const o = await readJson(path.join(work, 'ood-run', 'result.json'));
  assert.deepEqual(Object.keys(o.metrics.sets.noise), ['msp', 'maxlogit', 'energy']);
  assert.match(o.conventions.scores.energy.computed_on, /classifier's logits/, 'a classifier has no cosines: energy on its logits');
  // a dataset class the classifier does not know is a one-line error
  await makeImageFolder(path.join(work, 'other'), ['cat', 'zebra'], 1);
  const bad = await runCli(['eval', 'zeroshot', '--model', model, '--data', path.join(work, 'other'), '--store', store, '--out', path.join(work, 'bad')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr.trim(), /^holoclip: classifier .* has no class named "zebra"/);
  // retrieval needs a text tower
  const inspect = await runCli(['model', 'inspect', model]);
  assert.match(inspect.stdout, /classes\s+6: airplane, bird/);
});
