/**
 * A suite of models without holoclip.json cards (the fixtures), whose metadata comes from the suite
 * file, with an ImageNet-X factors task and corruptions: the metadata lands in results.json /
 * results.csv with its source, the factor rows equal what `holoclip eval factors` computes for the
 * same model, and a corrupted dataset gives the numbers of the corruption task.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SuiteResults } from '../src/results/types.js';
import { runCli, writeTestImage } from './helpers/cli.js';
import { fixtureDir } from './helpers/fixtures.js';

const FACTORS = ['pose', 'background', 'pattern', 'color', 'smaller', 'shape', 'partial_view', 'subcategory', 'texture', 'larger', 'darker', 'object_blocking', 'person_blocking', 'style', 'brighter', 'multiple_objects'];

test('suite: metadata from the suite file for card-less models; factors rows equal eval factors', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-suite-factors-'));
  try {
    const ann: string[] = [];
    let seed = 700;
    for (const [label, cls] of ['car', 'cat', 'dog'].entries()) {
      for (let i = 0; i < 4; i++) {
        const name = `${cls}_${i}.JPEG`;
        await writeTestImage(path.join(work, 'val', cls, name), seed++, 90, 70, 'jpeg');
        const f = Object.fromEntries(FACTORS.map((n, j) => [n, j === (i + label) % 5 ? 1 : 0]));
        ann.push(JSON.stringify({ file_name: name, class: label, ...f }));
      }
    }
    await fs.writeFile(path.join(work, 'ann.jsonl'), `${ann.join('\n')}\n`);
    const suite = path.join(work, 'suite.yaml');
    await fs.writeFile(
      suite,
      `name: fixtures
models:
  - path: ${JSON.stringify(fixtureDir('tiny-clip'))}
    architecture: vit-micro
    training_data: random-init
    training_size: 0
  - path: ${JSON.stringify(fixtureDir('tiny-siglip'))}
    name: siglip
    loss: sigmoid
    fine_tuned: false
datasets:
  val: val
  val-noise: { path: val, corruption: "gaussian_noise:3" }
tasks:
  - type: zeroshot
    datasets: [val, val-noise]
  - type: factors
    dataset: val
    annotations: ann.jsonl
    prototypes: keep
  - type: corruption
    dataset: val
    corruptions: ["gaussian_noise:3", brightness]
`,
    );
    const store = path.join(work, 'store');
    const res = await runCli(['run', suite, '--store', store, '--out', path.join(work, 'out'), '--quiet']);
    assert.equal(res.code, 0, res.stderr);
    const results = JSON.parse(await fs.readFile(path.join(work, 'out', 'results.json'), 'utf8')) as SuiteResults;
    const [clip, siglip] = results.models;
    assert.equal(clip.name, 'tiny-clip');
    assert.deepEqual(clip.metadata, { architecture: 'vit-micro', training_data: 'random-init', training_size: 0, loss: null, fine_tuned: null, dtype: 'fp32' });
    assert.deepEqual(clip.metadata_source, { dtype: 'default', architecture: 'suite', training_data: 'suite', training_size: 'suite', loss: 'unknown', fine_tuned: 'unknown' });
    assert.equal(siglip.name, 'siglip');
    assert.equal(siglip.model_type, 'siglip');
    assert.equal(siglip.metadata.loss, 'sigmoid');
    assert.equal(siglip.metadata.fine_tuned, false);
    assert.equal(results.reference_model, 'tiny-clip');

    const csv = await fs.readFile(path.join(work, 'out', 'results.csv'), 'utf8');
    assert.match(csv, /^tiny-clip,clip,vit-micro,random-init,0,,,fp32,zeroshot,zeroshot,val,default,,top1,/m);

    // The same numbers as the single-model command.
    const single = await runCli(['eval', 'factors', '--model', fixtureDir('tiny-clip'), '--data', path.join(work, 'val'), '--annotations', path.join(work, 'ann.jsonl'), '--prototypes', 'keep', '--store', store, '--out', path.join(work, 'single'), '--quiet']);
    assert.equal(single.code, 0, single.stderr);
    const r = JSON.parse(await fs.readFile(path.join(work, 'single', 'result.json'), 'utf8')) as { metrics: { overall_accuracy: number; factors: Array<{ factor: string; accuracy: number; error_ratio: number }> } };
    const rows = results.rows.filter((x) => x.model === 'tiny-clip' && x.type === 'factors');
    assert.equal(rows.find((x) => x.metric === 'overall_accuracy')?.value, r.metrics.overall_accuracy);
    for (const f of r.metrics.factors) {
      assert.equal(rows.find((x) => x.variant === f.factor && x.metric === 'accuracy')?.value, f.accuracy, f.factor);
      const er = rows.find((x) => x.variant === f.factor && x.metric === 'error_ratio')?.value;
      assert.equal(er, Number.isFinite(f.error_ratio) ? f.error_ratio : null, f.factor);
    }
    assert.ok(rows.length >= 1 + 2 * 5, `${rows.length} factor rows`);

    // A corrupted dataset in any task, and the corruption task: the same corrupted images, the same numbers.
    const noisy = results.rows.find((x) => x.model === 'tiny-clip' && x.type === 'zeroshot' && x.dataset === 'val-noise' && x.metric === 'top1');
    const cell = results.rows.find((x) => x.model === 'tiny-clip' && x.type === 'corruption' && x.variant === 'gaussian_noise:3' && x.metric === 'top1');
    assert.ok(noisy && cell);
    assert.equal(noisy.value, cell.value);
    const corruptionRows = results.rows.filter((x) => x.model === 'siglip' && x.type === 'corruption');
    assert.deepEqual(
      corruptionRows.filter((x) => x.metric === 'top1').map((x) => x.variant),
      ['gaussian_noise:3', 'brightness:1', 'brightness:2', 'brightness:3', 'brightness:4', 'brightness:5'],
    );
    assert.ok(corruptionRows.some((x) => x.metric === 'mca' && x.value !== null));
    assert.equal(corruptionRows.find((x) => x.metric === 'mce')?.value, null, 'no reference errors, no mCE');
    // The corrupted images are embedding units (shared by shards): the corruption unit itself infers nothing.
    const check = await runCli(['suite', 'check', suite]);
    assert.match(check.stdout, /units +16 embedding/, '2 models x (val, val-noise, 6 corrupted versions)');
    const index = JSON.parse(await fs.readFile(path.join(work, 'out', 'units.json'), 'utf8')) as Array<{ unit: string; dir: string }>;
    const unit = index.find((u) => u.unit === 'siglip|corruption');
    assert.ok(unit);
    const unitResult = JSON.parse(await fs.readFile(path.join(unit.dir, 'result.json'), 'utf8')) as { cache: { images_inferred: number } };
    assert.equal(unitResult.cache.images_inferred, 0);
    const html = await fs.readFile(path.join(work, 'out', 'report', 'index.html'), 'utf8');
    assert.ok(html.includes('id="section-corruption"') && html.includes('id="table-corruption'), 'the report has the corruption table');
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
