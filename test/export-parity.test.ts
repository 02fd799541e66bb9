/**
 * End-to-end parity with the Python pipelines on exported models of real architectures (issue 13).
 * models/exported/<name>/ were written by `holoclip-export` (tools/export) with random weights, and
 * test/golden/export/<name>.json holds what the library's own Python preprocessing + model + zero-shot head gave
 * on the photos in test/golden/export/photos/ (tools/export/make_parity_goldens.py). holoclip's built CLI must
 * pick the Python-identical preprocessing by itself (auto, from the holoclip_preprocess block) and give the same
 * top-1 and logits within 1e-4.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { expectFloat32Matrix, readNpy } from '../src/store/npy.js';

interface Golden {
  model: string;
  /** 'classifier' (timm: pixel_values -> logits, scored by class name) or 'two-tower' (zero-shot head). */
  kind?: 'classifier' | 'two-tower';
  template: string;
  classes: string[];
  images: string[];
  logits: number[][];
  top1: number[];
}

const GOLDEN_DIR = path.join(REPO_ROOT, 'test', 'golden', 'export');
const PHOTOS = path.join(GOLDEN_DIR, 'photos');
const TOLERANCE = 1e-4;
const goldens = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json')).sort();
/** A `--dense` export (<name>-dense) must give its plain model's zero-shot logits: it is checked against that golden. */
const DENSE_SUFFIX = '-dense';
const denseModels = readdirSync(path.join(REPO_ROOT, 'models', 'exported')).filter((d) => d.endsWith(DENSE_SUFFIX)).sort();

test('every exported test model has a golden and every golden a model', async () => {
  const models = (await fs.readdir(path.join(REPO_ROOT, 'models', 'exported'), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  assert.ok(models.length >= 2, `expected exported models, found ${models.join(', ')}`);
  assert.deepEqual(goldens.map((g) => g.replace(/\.json$/, '')), models.filter((m) => !m.endsWith(DENSE_SUFFIX)));
  for (const d of denseModels) assert.ok(goldens.includes(`${d.slice(0, -DENSE_SUFFIX.length)}.json`), `${d}: no golden for its plain model`);
});

const cases = [
  ...goldens.map((file) => ({ name: file.replace(/\.json$/, ''), file })),
  ...denseModels.map((name) => ({ name, file: `${name.slice(0, -DENSE_SUFFIX.length)}.json` })),
];
for (const { name, file } of cases) {
  test(`parity with Python: ${name}`, async (t) => {
    const golden = JSON.parse(await fs.readFile(path.join(GOLDEN_DIR, file), 'utf8')) as Golden;
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `holoclip-parity-${name}-`));
    try {
      const out = path.join(work, 'out');
      const run = await runCli([
        'eval', 'zeroshot', '--model', path.join(REPO_ROOT, 'models', 'exported', name), '--data', PHOTOS,
        '--templates', golden.template, '--store', path.join(work, 'store'), '--out', out, '--batch-size', '4',
      ]);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8')) as { conventions: Record<string, string>; model: { logit_scale_source: string } };
      assert.equal(result.conventions.preprocess_mode, 'python', 'auto must pick python for an exported folder');
      assert.match(result.conventions.preprocess, golden.kind === 'classifier' ? /library=timm/ : /library=open_clip|library=transformers/);
      assert.equal(result.model.logit_scale_source, golden.kind === 'classifier' ? 'classifier-logits' : 'model-card');

      const preds = (await fs.readFile(path.join(out, 'predictions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; pred: number });
      const { data, rows, cols } = expectFloat32Matrix(await readNpy(path.join(out, 'logits.npy')), 'logits.npy');
      assert.equal(rows, golden.images.length);
      assert.equal(cols, golden.classes.length);
      let worst = 0;
      preds.forEach((p, i) => {
        const g = golden.images.indexOf(p.id);
        assert.ok(g >= 0, `holoclip evaluated ${p.id}, which the golden does not have`);
        assert.equal(p.pred, golden.top1[g], `top-1 of ${p.id}`);
        for (let c = 0; c < cols; c++) worst = Math.max(worst, Math.abs(data[i * cols + c] - golden.logits[g][c]));
      });
      t.diagnostic(`max |logit - python| = ${worst.toExponential(2)}`);
      assert.ok(worst <= TOLERANCE, `max |logit - python| = ${worst} > ${TOLERANCE}`);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
}
