/**
 * `holoclip-export --dense` (issue 13): models/exported/openclip-vit-b-32-shrunk-dense/ has a second vision output,
 * dense_features (B, C, H', W'), the last block's patch tokens on the patch grid. Its golden
 * (test/golden/export/dense/, tools/export/make_dense_golden.py) comes from open_clip's own forward_intermediates on
 * a synthetic input rebuilt here; onnxruntime-node must give the same shape and values within 1e-4, the folder's
 * card must describe the output, and its image_embeds must equal the plain folder's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { REPO_ROOT } from './helpers/fixtures.js';

interface DenseGolden {
  input_shape: number[];
  shape: number[];
  sum: number;
  abs_sum: number;
  samples: Record<string, number>;
}

const NAME = 'openclip-vit-b-32-shrunk-dense';
const DIR = path.join(REPO_ROOT, 'models', 'exported', NAME);
const PLAIN = path.join(REPO_ROOT, 'models', 'exported', 'openclip-vit-b-32-shrunk');
const TOLERANCE = 1e-4;

/** pixel[i] = ((i * 37) % 101) / 50 - 1 over the flat tensor, as make_dense_golden.py builds it. */
function syntheticPixels(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((i * 37) % 101) / 50 - 1;
  return out;
}

async function run(dir: string, pixels: Float32Array, dims: number[]): Promise<ort.InferenceSession.ReturnType> {
  const session = await ort.InferenceSession.create(await fs.readFile(path.join(dir, 'onnx', 'vision_model.onnx')));
  return session.run({ pixel_values: new ort.Tensor('float32', pixels, dims) });
}

test('dense_features match open_clip forward_intermediates; image_embeds unchanged', async (t) => {
  const golden = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'test', 'golden', 'export', 'dense', `${NAME}.json`), 'utf8')) as DenseGolden;
  const pixels = syntheticPixels(golden.input_shape.reduce((a, b) => a * b, 1));
  const out = await run(DIR, pixels, golden.input_shape);
  assert.deepEqual(Object.keys(out).sort(), ['dense_features', 'image_embeds']);
  const dense = out.dense_features;
  assert.deepEqual([...dense.dims], golden.shape);
  const data = dense.data as Float32Array;
  let worst = 0;
  for (const [k, v] of Object.entries(golden.samples)) worst = Math.max(worst, Math.abs(data[Number(k)] - v));
  t.diagnostic(`max |sample - torch| = ${worst.toExponential(2)}`);
  assert.ok(worst <= TOLERANCE, `dense_features differ from torch by ${worst} > ${TOLERANCE}`);
  let sum = 0;
  let absSum = 0;
  for (const v of data) { sum += v; absSum += Math.abs(v); }
  const bound = TOLERANCE * data.length;
  assert.ok(Math.abs(sum - golden.sum) <= bound, `sum ${sum} vs torch ${golden.sum}`);
  assert.ok(Math.abs(absSum - golden.abs_sum) <= bound, `sum |x| ${absSum} vs torch ${golden.abs_sum}`);

  const plain = await run(PLAIN, pixels, golden.input_shape);
  const a = out.image_embeds.data as Float32Array;
  const b = plain.image_embeds.data as Float32Array;
  assert.equal(a.length, b.length);
  let embedDiff = 0;
  for (let i = 0; i < a.length; i++) embedDiff = Math.max(embedDiff, Math.abs(a[i] - b[i]));
  assert.ok(embedDiff <= 1e-6, `image_embeds of the --dense export differ from the plain export by ${embedDiff}`);
});

test('the card and config record the dense output', async () => {
  const card = JSON.parse(await fs.readFile(path.join(DIR, 'holoclip.json'), 'utf8')) as { dense?: Record<string, unknown> };
  const config = JSON.parse(await fs.readFile(path.join(DIR, 'config.json'), 'utf8')) as { holoclip_export: { dense?: unknown } };
  assert.deepEqual(card.dense, config.holoclip_export.dense);
  assert.equal(card.dense?.output, 'dense_features');
  assert.equal(card.dense?.layout, 'NCHW');
  assert.equal(card.dense?.normalised, false);
  assert.equal(card.dense?.patch_size, 32);
  assert.deepEqual(card.dense?.grid, [7, 7]);
  assert.match(String(card.dense?.source), /resblocks\[-1\].*before ln_post/);
});
