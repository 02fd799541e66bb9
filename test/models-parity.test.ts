/**
 * Fixture parity: holoclip's embeddings and logits against the torch references written by
 * tools/fixtures/build_fixtures.py (same weights, same inputs). Tolerance 1e-4 on logits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ClipFamilyModel } from '../src/models/clip-model.js';
import { resolveLogitScale } from '../src/models/logit-scale.js';
import { cosineMatrix, logitsFromCosine } from '../src/models/scoring.js';
import { l2NormalizeRows } from '../src/metrics/vector.js';
import { readNpy } from '../src/store/npy.js';
import { sha256File } from '../src/store/hash.js';
import { FIXTURE_MODELS, fixtureDir, maxAbsDiff, readReference, referenceDir } from './helpers/fixtures.js';

const f32 = async (name: string, file: string) => {
  const arr = await readNpy(path.join(name, file));
  return { data: Float32Array.from(arr.data as Float32Array), shape: arr.shape };
};

for (const name of FIXTURE_MODELS) {
  test(`${name}: towers, tokenizer and logits match torch within 1e-4`, async () => {
    const ref = readReference(name);
    const refDir = referenceDir(name);
    const model = await ClipFamilyModel.open(fixtureDir(name), { threads: 1 });
    try {
      const pixels = await f32(refDir, 'pixel_values.npy');
      const [n, , h, w] = pixels.shape;
      const img = await model.imageFeatures(pixels.data, n, h, w);
      const refImg = await f32(refDir, 'image_embeds.npy');
      assert.ok(maxAbsDiff(img.data, refImg.data) < 1e-4, `image embeds differ by ${maxAbsDiff(img.data, refImg.data)}`);

      // Tokenization: identical ids to the Python reference (HF truncation for over-long prompts).
      const tokens = await model.tokenize(ref.prompts);
      const refIds = await readNpy(path.join(refDir, 'input_ids.npy'));
      assert.deepEqual(tokens.input_ids.dims, refIds.shape);
      const got = Array.from(tokens.input_ids.data as BigInt64Array, Number);
      const want = Array.from(refIds.data as BigInt64Array, Number);
      const width = refIds.shape[1];
      const hfTrunc = ref.input_ids_hf_python_truncation ?? {};
      for (let i = 0; i < ref.prompts.length; i++) {
        const expected = hfTrunc[String(i)] ?? want.slice(i * width, (i + 1) * width);
        assert.deepEqual(got.slice(i * width, (i + 1) * width), expected, `token ids of prompt ${i}: "${ref.prompts[i]}"`);
      }

      const refTxt = await f32(refDir, 'text_embeds.npy');
      const txt = await model.textFeatures(ref.prompts);
      const untouched = ref.prompts.map((_, i) => !(String(i) in hfTrunc));
      const d = txt.dim;
      for (let i = 0; i < ref.prompts.length; i++) {
        if (!untouched[i]) continue; // the torch reference embedded transformers.js's truncation for this prompt
        const diff = maxAbsDiff(txt.data.subarray(i * d, (i + 1) * d), refTxt.data.subarray(i * d, (i + 1) * d));
        assert.ok(diff < 1e-4, `text embeds of prompt ${i} differ by ${diff}`);
      }

      // Logits: normalised embeddings x recovered logit scale (+ bias) vs the full torch model.
      const scale = await resolveLogitScale(model, {
        cacheDir: await mkdtemp(path.join(os.tmpdir(), 'holoclip-scale-')),
        hashFile: sha256File,
        warn: (m) => assert.fail(m),
      });
      assert.equal(scale.source, 'recovered-from-model.onnx');
      assert.ok(Math.abs(scale.scale - ref.logit_scale) < 1e-3, `scale ${scale.scale} vs ${ref.logit_scale}`);
      assert.ok(Math.abs(scale.bias - ref.logit_bias) < 1e-3, `bias ${scale.bias} vs ${ref.logit_bias}`);
      const imgN = l2NormalizeRows(Float32Array.from(img.data), n, img.dim);
      const txtN = l2NormalizeRows(Float32Array.from(refTxt.data), ref.prompts.length, d);
      const logits = logitsFromCosine(cosineMatrix(imgN, n, txtN, ref.prompts.length, d), {
        kind: model.folder.family.scoring,
        scale: scale.scale,
        bias: scale.bias,
      });
      const refLogits = await f32(refDir, 'logits_per_image.npy');
      const diff = maxAbsDiff(logits, refLogits.data);
      assert.ok(diff < 1e-4, `logits differ by ${diff}`);
      assert.equal(model.folder.family.scoring, name === 'tiny-siglip' ? 'sigmoid' : 'softmax');
    } finally {
      await model.dispose();
    }
  });
}

test('tiny-clip fp16 and q8 variants load and stay close to fp32', async () => {
  const refDir = referenceDir('tiny-clip');
  const pixels = await f32(refDir, 'pixel_values.npy');
  const [n, , h, w] = pixels.shape;
  const ref = await f32(refDir, 'image_embeds.npy');
  const refN = l2NormalizeRows(Float32Array.from(ref.data), n, ref.shape[1]);
  for (const dtype of ['fp16', 'q8'] as const) {
    const model = await ClipFamilyModel.open(fixtureDir('tiny-clip'), { dtype, threads: 1 });
    try {
      assert.match(model.folder.files.vision, dtype === 'fp16' ? /vision_model_fp16\.onnx$/ : /vision_model_quantized\.onnx$/);
      const emb = await model.embedImages(pixels.data, n, h, w);
      for (let i = 0; i < n; i++) {
        let dot = 0;
        for (let k = 0; k < emb.dim; k++) dot += emb.data[i * emb.dim + k] * refN[i * emb.dim + k];
        assert.ok(dot > 0.99, `${dtype} image ${i}: cosine to fp32 ${dot}`);
      }
    } finally {
      await model.dispose();
    }
  }
});

test('tiny-classifier: logits match torch within 1e-4 and the class list comes from id2label', async () => {
  const { openModel } = await import('../src/models/open-model.js');
  const { ImageClassifierModel } = await import('../src/models/image-classifier.js');
  const dir = path.join(path.dirname(fixtureDir('tiny-clip')), 'tiny-classifier');
  const model = await openModel(dir, { threads: 1 });
  try {
    assert.ok(model instanceof ImageClassifierModel);
    assert.deepEqual(model.folder.labels, ['airplane', 'bird', 'car', 'cat', 'dog', 'tree']);
    const pixels = await f32(`${dir}.reference`, 'pixel_values.npy');
    const [n, , h, w] = pixels.shape;
    const out = await model.embedImages(pixels.data, n, h, w);
    const ref = await f32(`${dir}.reference`, 'logits.npy');
    assert.equal(out.dim, 6);
    assert.ok(maxAbsDiff(out.data, ref.data) < 1e-4, `classifier logits differ by ${maxAbsDiff(out.data, ref.data)}`);
  } finally {
    await model.dispose();
  }
});
