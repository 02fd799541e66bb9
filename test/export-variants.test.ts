/**
 * Precision variants written by `holoclip-export --fp16 --int8` (tools/export/holoclip_export/variants.py) on the
 * SigLIP parity model: the built CLI with `--dtype fp16` / `--dtype q8` must load onnx/*_fp16.onnx /
 * onnx/*_quantized.onnx, record the dtype in result.json, give the fp32 golden's top-1 on every parity photo and
 * logits within the measured tolerance (docs/models.md, "Precision variants": measured max |logit - fp32 golden| is
 * 3.1e-3 for fp16 and 6.6e-2 for q8 on these photos, logits spanning about 1 unit after SigLIP's scale 12.5 and
 * bias; the bounds leave ~3x headroom for other CPUs' kernels and stay far below a broken variant).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { expectFloat32Matrix, readNpy } from '../src/store/npy.js';

const MODEL = 'hf-siglip-vit-shrunk';
const GOLDEN_DIR = path.join(REPO_ROOT, 'test', 'golden', 'export');
const TOLERANCE = { fp16: 1e-2, q8: 0.2 } as const;

interface Golden { template: string; images: string[]; classes: string[]; logits: number[][]; top1: number[] }

for (const dtype of ['fp16', 'q8'] as const) {
  test(`exported ${dtype} variant matches the fp32 golden: ${MODEL}`, async (t) => {
    const golden = JSON.parse(await fs.readFile(path.join(GOLDEN_DIR, `${MODEL}.json`), 'utf8')) as Golden;
    const work = await fs.mkdtemp(path.join(os.tmpdir(), `holoclip-variant-${dtype}-`));
    try {
      const out = path.join(work, 'out');
      const run = await runCli([
        'eval', 'zeroshot', '--model', path.join(REPO_ROOT, 'models', 'exported', MODEL), '--data', path.join(GOLDEN_DIR, 'photos'),
        '--templates', golden.template, '--store', path.join(work, 'store'), '--out', out, '--batch-size', '4', '--dtype', dtype,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8')) as { model: { dtype: string } };
      assert.equal(result.model.dtype, dtype);
      const preds = (await fs.readFile(path.join(out, 'predictions.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { id: string; pred: number });
      const { data, rows, cols } = expectFloat32Matrix(await readNpy(path.join(out, 'logits.npy')), 'logits.npy');
      assert.equal(rows, golden.images.length);
      assert.equal(cols, golden.classes.length);
      let worst = 0;
      let differs = 0;
      preds.forEach((p, i) => {
        const g = golden.images.indexOf(p.id);
        assert.ok(g >= 0, `holoclip evaluated ${p.id}, which the golden does not have`);
        assert.equal(p.pred, golden.top1[g], `${dtype} top-1 of ${p.id}`);
        for (let c = 0; c < cols; c++) {
          const d = Math.abs(data[i * cols + c] - golden.logits[g][c]);
          worst = Math.max(worst, d);
          if (d > 0) differs++;
        }
      });
      t.diagnostic(`${dtype}: max |logit - fp32 golden| = ${worst.toExponential(2)}`);
      assert.ok(differs > 0, `${dtype} logits equal the fp32 golden exactly: the fp32 files were loaded, not the variant`);
      assert.ok(worst <= TOLERANCE[dtype], `${dtype}: max |logit - fp32 golden| = ${worst} > ${TOLERANCE[dtype]}`);
    } finally {
      await fs.rm(work, { recursive: true, force: true });
    }
  });
}
