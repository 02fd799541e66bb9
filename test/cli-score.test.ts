/**
 * `holoclip score`: metrics from predictions made elsewhere, including the published files in
 * ../shared/refdata (skipped when that folder is absent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeNpy } from '../src/store/npy.js';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { SCORE_FIXTURE_COLS, SCORE_FIXTURE_ROWS, scoreFixture } from './helpers/score-fixture.js';

const SHARED = path.resolve(REPO_ROOT, '..', 'shared', 'refdata');
const hasShared = existsSync(SHARED);
const tmp = () => fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-score-'));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

// The registered imagenet_testbed/model_types.py (effective robustness's default baseline set) comes from ../shared.
const REFDATA_ENV = { HOLOCLIP_DATA_DIR: SHARED, HOLOCLIP_OFFLINE: '1' };

async function scoreJson(args: string[]): Promise<Json> {
  const res = await runCli(['score', ...args, '--json'], { env: REFDATA_ENV });
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout) as Json;
}

async function scoreError(args: string[]): Promise<string> {
  const res = await runCli(['score', ...args], { env: REFDATA_ENV });
  assert.equal(res.code, 1, `expected failure, got ${res.code}: ${res.stdout}`);
  const lines = res.stderr.trim().split('\n');
  assert.equal(lines.length, 1, res.stderr);
  return lines[0];
}

test('score accuracy / ece / temperature / ood from text and .npy files; bad input is one line', async () => {
  const work = await tmp();
  const logits = [[2, 0, -1], [0.5, 0.4, 0.1], [-1, 3, 0], [0, 0, 0], [1, 2, 3], [3, 1, 2]];
  const labels = [0, 1, 1, 2, 2, 0];
  await fs.writeFile(path.join(work, 'logits.txt'), logits.map((r) => r.join(',')).join('\n'));
  await fs.writeFile(path.join(work, 'logits.npy'), encodeNpy(Float32Array.from(logits.flat()), [6, 3]));
  await fs.writeFile(path.join(work, 'labels.txt'), labels.join('\n'));
  const acc = await scoreJson(['accuracy', '--logits', path.join(work, 'logits.txt'), '--labels', path.join(work, 'labels.txt')]);
  assert.equal(acc.task, 'score:accuracy');
  assert.equal(acc.model, null);
  assert.equal(acc.metrics.top1, 4 / 6); // rows 2 and 4 are wrong (row 4: all zero -> class 0)
  const ece = await scoreJson(['ece', '--logits', path.join(work, 'logits.npy'), '--labels', path.join(work, 'labels.txt'), '--bins', '5']);
  assert.ok(ece.metrics.ece >= 0 && ece.metrics.ece <= 1);
  assert.equal(ece.metrics.bins.length, 5);
  const t = await scoreJson(['temperature', '--logits', path.join(work, 'logits.npy'), '--labels', path.join(work, 'labels.txt')]);
  assert.ok(t.metrics.temperature > 0 && t.metrics.nllAfter <= t.metrics.nllBefore);

  await fs.writeFile(path.join(work, 'id.txt'), '0.9\n0.8\n0.7\n0.95\n');
  await fs.writeFile(path.join(work, 'ood.txt'), '0.1\n0.75\n0.2\n');
  const ood = await scoreJson(['ood', '--id-scores', path.join(work, 'id.txt'), '--ood-scores', path.join(work, 'ood.txt')]);
  assert.equal(ood.metrics.auroc, 11 / 12);
  assert.equal(ood.metrics.n_ood, 3);
  const fromLogits = await scoreJson(['ood', '--logits', path.join(work, 'logits.npy'), '--ood-logits', path.join(work, 'logits.txt'), '--score', 'energy']);
  assert.equal(fromLogits.metrics.auroc, 0.5); // identical sets

  await fs.writeFile(path.join(work, 'nan.txt'), '1,2\nNaN,3\n');
  await fs.writeFile(path.join(work, 'two.txt'), '0\n1\n');
  assert.match(await scoreError(['ece', '--logits', path.join(work, 'nan.txt'), '--labels', path.join(work, 'two.txt')]), /non-finite value/);
  assert.match(await scoreError(['ece', '--logits', path.join(work, 'logits.txt'), '--labels', path.join(work, 'two.txt')]), /length mismatch/);
  await fs.writeFile(path.join(work, 'big.txt'), '0\n1\n2\n3\n0\n1\n');
  assert.match(await scoreError(['accuracy', '--logits', path.join(work, 'logits.txt'), '--labels', path.join(work, 'big.txt')]), /label 3 .* out of range/);
  await fs.writeFile(path.join(work, 'empty.txt'), '\n');
  assert.match(await scoreError(['ood', '--id-scores', path.join(work, 'id.txt'), '--ood-scores', path.join(work, 'empty.txt')]), /empty/);
  assert.match(await scoreError(['nonsense']), /unknown metric/);
});

test('score shape-bias of the published decisions matches an independent count', { skip: !hasShared && 'needs ../shared/refdata' }, async () => {
  const dir = path.join(SHARED, 'cue_conflict', 'raw_decisions');
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.csv')).map((f) => path.join(dir, f));
  const humanFiles = files.filter((f) => path.basename(f).includes('subject-'));
  const resnet = files.find((f) => path.basename(f) === 'style-transfer-512-nomask-experiment_resnet50_session-1.csv') as string;
  // independent computation: category = shape; texture from the image name's "<shape>N-<texture>M.png" suffix
  const independent = async (fs_: string[], prefix?: string) => {
    let shape = 0;
    let texture = 0;
    for (const f of fs_) {
      const rows = (await fs.readFile(f, 'utf8')).trim().split(/\r?\n/).slice(1).map((l) => l.split(','));
      for (const r of rows) {
        if (prefix && !r[0].startsWith(prefix)) continue;
        const tex = r[7].replace(/\.png$/, '').split('-').pop()!.replace(/\d+$/, '');
        if (tex === r[5]) continue;
        if (r[4] === r[5]) shape++;
        else if (r[4] === tex) texture++;
      }
    }
    return shape / (shape + texture);
  };
  const cnn = await scoreJson(['shape-bias', '--decisions', resnet]);
  assert.ok(Math.abs(cnn.metrics.shape_bias - (await independent([resnet]))) < 1e-12);
  if (humanFiles.length > 0) {
    const humans = await scoreJson(['shape-bias', '--decisions', ...humanFiles, '--subject-prefix', 'subject-']);
    assert.ok(Math.abs(humans.metrics.shape_bias - (await independent(humanFiles, 'subject-'))) < 1e-12);
    assert.ok(humans.metrics.shape_bias > 0.9, 'humans are strongly shape biased');
  }
  assert.ok(cnn.metrics.shape_bias < 0.5, 'ImageNet ResNet-50 is texture biased');
});

test('score factors joins imagenetx-layout predictions with ImageNet-X annotations and counts unmatched rows', { skip: !hasShared && 'needs ../shared/refdata' }, async () => {
  const work = await tmp();
  const annFile = path.join(SHARED, 'imagenetx', 'imagenet_x_train_multi_factor.jsonl');
  const ann = (await fs.readFile(annFile, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { file_name: string; class: number });
  // predictions for the first 2000 train images: correct for every third, plus 5 images nobody annotated
  const rows = ann.slice(0, 2000).map((a, i) => `${a.file_name},${i % 3 === 0 ? a.class : (a.class + 1) % 1000},0.5`);
  for (let i = 0; i < 5; i++) rows.push(`not_annotated_${i}.JPEG,1,0.5`);
  await fs.writeFile(path.join(work, 'pred.csv'), `file_name,predicted_class,predicted_probability\n${rows.join('\n')}\n`);
  // the default prototypical list comes from the reference data (none of its val images is a train image)
  const r = await scoreJson(['factors', '--predictions', path.join(work, 'pred.csv'), '--annotations', annFile, '--prototypical', path.join(SHARED, 'imagenetx', 'prototypical_paths.csv')]);
  assert.equal(r.metrics.n, 2000);
  assert.equal(r.metrics.dropped_prototypical, 0);
  assert.ok(Math.abs(r.metrics.overall_accuracy - 667 / 2000) < 1e-12);
  assert.equal(r.metrics.unannotated_in_predictions, 5);
  assert.equal(r.metrics.unmatched_predictions, ann.length - 2000);
  assert.equal(r.metrics.factors.length, 16);
  assert.ok(r.metrics.worst_factor);
  // predictions covering none of the annotations: one-line error
  await fs.writeFile(path.join(work, 'none.csv'), 'file_name,predicted_class,predicted_probability\nx.JPEG,1,0.5\n');
  assert.match(await scoreError(['factors', '--predictions', path.join(work, 'none.csv'), '--annotations', annFile, '--prototypes', 'keep']), /cover none/);
});

test('score effective-robustness against the imagenet-testbed table', { skip: !hasShared && 'needs ../shared/refdata' }, async () => {
  const table = path.join(SHARED, 'imagenet_testbed', 'robustness_top1s.csv');
  const r = await scoreJson(['effective-robustness', '--baselines', table, '--id-column', 'val', '--shift-column', 'imagenetv2-matched-frequency-format-val', '--model', 'resnet50', '--bootstrap', '200']);
  assert.ok(r.metrics.fit.a > 0.5 && r.metrics.fit.a < 1.5, `slope ${r.metrics.fit.a}`);
  assert.ok(r.metrics.fit.r2 > 0.9);
  assert.ok(Math.abs(r.metrics.effective_robustness) < 0.05, 'resnet50 lies near the ImageNet line');
  assert.ok(r.metrics.bootstrap.er_low <= r.metrics.effective_robustness && r.metrics.effective_robustness <= r.metrics.bootstrap.er_high);
  assert.equal(r.conventions.baseline_set.name, 'standard', "imagenet-testbed's standard-training models by default");
  assert.equal(r.metrics.baseline_models, 85);
  assert.equal(r.conventions.baseline_set.model_types, path.join(SHARED, 'imagenet_testbed', 'model_types.py'), 'read through the refdata registry');
  assert.equal(r.metrics.model_id_accuracy < 1, true, 'percent converted to fractions');
  // the evaluated model's accuracies from two eval zeroshot results
  const work = await tmp();
  await fs.writeFile(path.join(work, 'id.json'), JSON.stringify({ metrics: { top1: 0.7 } }));
  await fs.writeFile(path.join(work, 'shift.json'), JSON.stringify({ metrics: { top1: 0.66 } }));
  const mine = await scoreJson(['effective-robustness', '--baselines', table, '--id-column', 'val', '--shift-column', 'imagenetv2-matched-frequency-format-val', '--id-result', path.join(work, 'id.json'), '--shift-result', path.join(work, 'shift.json'), '--bootstrap', '50']);
  assert.equal(mine.metrics.model_id_accuracy, 0.7);
  assert.ok(Math.abs(mine.metrics.effective_robustness - (0.66 - mine.metrics.predicted_shift_accuracy)) < 1e-12);
  assert.match(await scoreError(['effective-robustness', '--baselines', table, '--id-column', 'val', '--shift-column', 'nope', '--id-acc', '0.5', '--shift-acc', '0.4']), /nope/);
});

test('score temperature on a float32 .npy over 4M values (two threads, the matrix in shared memory) prints what the one-thread path prints, byte for byte', { timeout: 120_000 }, async () => {
  const work = await tmp();
  try {
    // The fixture's ties, +0 / -0 maxima, constant rows and logits 1e4 apart (labelled at their arg-max here, so that the
    // fit stops inside the bracket after several Newton steps); the float64 copy holds the same float32 values and
    // takes the one-thread path (the file read whole, temperatureScaling).
    const { logits, labels } = scoreFixture();
    const c = SCORE_FIXTURE_COLS;
    for (let i = 3; i < SCORE_FIXTURE_ROWS; i += 10) {
      let best = 0;
      for (let j = 1; j < c; j++) if (logits[i * c + j] > logits[i * c + best]) best = j;
      labels[i] = best;
    }
    const shape = [SCORE_FIXTURE_ROWS, SCORE_FIXTURE_COLS];
    await fs.writeFile(path.join(work, 'labels.npy'), encodeNpy(labels, [SCORE_FIXTURE_ROWS]));
    await fs.writeFile(path.join(work, 'f32.npy'), encodeNpy(logits, shape));
    await fs.writeFile(path.join(work, 'f64.npy'), encodeNpy(Float64Array.from(logits), shape));
    const run = async (file: string, extra: string[] = []): Promise<string> => {
      const r = await runCli(['score', 'temperature', '--logits', path.join(work, file), '--labels', path.join(work, 'labels.npy'), ...extra, '--json']);
      assert.equal(r.code, 0, r.stderr);
      const parsed = JSON.parse(r.stdout) as Json;
      delete parsed.created;
      return JSON.stringify(parsed, null, 2).split(path.join(work, file)).join('<logits>');
    };
    for (const extra of [[], ['--bins', '7']]) {
      const two = await run('f32.npy', extra);
      assert.equal(two, await run('f64.npy', extra), `--json ${extra.join(' ')}`);
      const { metrics } = JSON.parse(two) as Json;
      assert.ok(metrics.evaluations >= 8 && metrics.temperature > 1 && metrics.temperature < 100, two);
    }
    // A NaN deep in the matrix: the error reading the file whole gives, on one line.
    const bad = logits.slice();
    bad[3999 * c + 17] = Number.NaN;
    await fs.writeFile(path.join(work, 'nan.npy'), encodeNpy(bad, shape));
    assert.equal(
      await scoreError(['temperature', '--logits', path.join(work, 'nan.npy'), '--labels', path.join(work, 'labels.npy')]),
      `holoclip: logits ${path.join(work, 'nan.npy')} holds a non-finite value (NaN or Inf) at row 3999, column 17`,
    );
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
});
