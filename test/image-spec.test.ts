/** preprocessor_config.json parsing, validation, descriptions and resize-size arithmetic. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { HoloclipError } from '../src/errors.js';
import {
  createPreprocessor,
  describePreprocess,
  loadPreprocessSpec,
  parsePreprocessSpec,
  resizeTarget,
} from '../src/image/index.js';
import { CLIP_SMALL, CLIP_VIT_B32, CLIP_VIT_B32_LEGACY, SIGLIP_SMALL, tempModels, type TempModels } from './helpers/image-fixtures.js';

let models: TempModels;
before(async () => {
  models = await tempModels();
});
after(() => models.cleanup());

const F = '/models/m/preprocessor_config.json';

function rejectsWith(json: unknown, field: RegExp): void {
  assert.throws(
    () => parsePreprocessSpec(json, F),
    (err: unknown) => err instanceof HoloclipError && err.message.startsWith(`${F}: `) && field.test(err.message),
  );
}

test('parses the CLIP-style config', () => {
  assert.deepEqual(parsePreprocessSpec(CLIP_SMALL, F), {
    resize: { kind: 'shortest_edge', shortestEdge: 72 },
    resample: 3,
    centerCrop: { height: 64, width: 64 },
    rescaleFactor: 0.00392156862745098,
    mean: [0.52, 0.47, 0.41],
    std: [0.23, 0.25, 0.27],
    convertRgb: true,
    outputHeight: 64,
    outputWidth: 64,
    processorType: 'CLIPImageProcessor',
  });
});

test('parses the SigLIP-style config (exact size, no crop, convert_rgb defaults to true)', () => {
  const spec = parsePreprocessSpec(SIGLIP_SMALL, F);
  assert.deepEqual(spec.resize, { kind: 'exact', height: 64, width: 64 });
  assert.equal(spec.centerCrop, null);
  assert.equal(spec.resample, 2);
  assert.equal(spec.convertRgb, true);
  assert.deepEqual([spec.outputHeight, spec.outputWidth], [64, 64]);
  assert.equal(spec.processorType, 'SiglipImageProcessor');
});

test('legacy integer size follows transformers.js: shortest edge capped by longest edge = max_size ?? size', () => {
  const spec = parsePreprocessSpec(CLIP_VIT_B32_LEGACY, F);
  assert.deepEqual(spec.resize, { kind: 'shortest_edge', shortestEdge: 224, longestEdge: 224 });
  assert.deepEqual(spec.centerCrop, { height: 224, width: 224 });
  assert.equal(spec.processorType, 'CLIPFeatureExtractor');
  assert.deepEqual(parsePreprocessSpec({ ...CLIP_VIT_B32_LEGACY, max_size: 1000 }, F).resize, {
    kind: 'shortest_edge',
    shortestEdge: 224,
    longestEdge: 1000,
  });
});

test('transformers.js defaults: absent do_normalize / do_center_crop mean off, rescale on, scalar mean broadcast', () => {
  const spec = parsePreprocessSpec({ image_processor_type: 'ViTImageProcessor', size: { height: 32, width: 48 } }, F);
  assert.equal(spec.mean, null);
  assert.equal(spec.std, null);
  assert.equal(spec.centerCrop, null);
  assert.equal(spec.rescaleFactor, 1 / 255);
  assert.equal(spec.resample, 2);
  assert.deepEqual(spec.resize, { kind: 'exact', height: 32, width: 48 });
  const s2 = parsePreprocessSpec({ ...SIGLIP_SMALL, image_mean: 0.5, image_std: 0.25, image_processor_type: 'SiglipImageProcessorFast' }, F);
  assert.deepEqual(s2.mean, [0.5, 0.5, 0.5]);
  assert.deepEqual(s2.std, [0.25, 0.25, 0.25]);
  assert.equal(s2.processorType, 'SiglipImageProcessorFast');
});

test('invalid or unsupported configs are HoloclipErrors naming the file and the field', () => {
  rejectsWith([1, 2], /top level/);
  rejectsWith({ ...CLIP_SMALL, size: { longest_edge: 224 } }, /size has an unsupported layout/);
  rejectsWith({ ...CLIP_SMALL, size: { height: 224 } }, /size has an unsupported layout/);
  rejectsWith({ ...CLIP_SMALL, size: 'big' }, /size has an unsupported layout/);
  rejectsWith({ ...CLIP_SMALL, size: { shortest_edge: -3 } }, /size\.shortest_edge must be a positive integer/);
  rejectsWith({ ...CLIP_SMALL, size: { shortest_edge: 224, longest_edge: null } }, /size\.longest_edge/);
  rejectsWith({ ...CLIP_SMALL, image_processor_type: 'Qwen2VLImageProcessor' }, /image_processor_type "Qwen2VLImageProcessor" is not supported/);
  rejectsWith({ ...CLIP_SMALL, resample: 7 }, /resample must be a PIL resampling id/);
  rejectsWith({ ...CLIP_SMALL, image_mean: [0.5, 0.5] }, /image_mean must have 3 values/);
  rejectsWith({ ...CLIP_SMALL, image_std: [0.5, 0, 0.5] }, /image_std must contain positive numbers/);
  rejectsWith({ ...CLIP_SMALL, image_mean: undefined }, /image_mean is missing/);
  rejectsWith({ ...CLIP_SMALL, do_pad: true }, /do_pad is not supported/);
  rejectsWith({ ...CLIP_SMALL, size_divisibility: 32 }, /size_divisibility is not supported/);
  rejectsWith({ ...CLIP_SMALL, crop_size: undefined }, /crop_size must be/);
  rejectsWith({ ...CLIP_SMALL, do_center_crop: false }, /fixed output size.*only crops when do_center_crop is true/);
  rejectsWith({ ...CLIP_SMALL, image_processor_type: undefined, feature_extractor_type: 'DetrFeatureExtractor' }, /feature_extractor_type "DetrFeatureExtractor" is not supported/);
  rejectsWith({ ...CLIP_SMALL, do_resize: 'yes' }, /do_resize must be true or false/);
});

test('loadPreprocessSpec: missing file and invalid JSON name the file', async () => {
  const empty = path.join(models.root, 'no-such-model');
  await assert.rejects(loadPreprocessSpec(empty), (err: unknown) => {
    return err instanceof HoloclipError && err.message.includes(path.join(empty, 'preprocessor_config.json')) && /not found/.test(err.message);
  });
  const bad = await models.add('bad-json', null, '{"size": {"shortest_edge": 224},');
  await assert.rejects(loadPreprocessSpec(bad), (err: unknown) => {
    return err instanceof HoloclipError && err.message.includes(path.join(bad, 'preprocessor_config.json')) && /invalid JSON/.test(err.message);
  });
  const layout = await models.add('bad-layout', { ...CLIP_SMALL, size: { max_height: 224, max_width: 224 } });
  await assert.rejects(createPreprocessor(layout, 'reference'), (err: unknown) => {
    return err instanceof HoloclipError && err.message.includes(path.join(layout, 'preprocessor_config.json')) && /size has an unsupported layout/.test(err.message);
  });
  await assert.rejects(createPreprocessor(layout, 'turbo' as 'fast'), HoloclipError);
});

test('describePreprocess is stable and mentions every step and the mode', () => {
  const spec = parsePreprocessSpec(CLIP_VIT_B32, F);
  assert.equal(
    describePreprocess(spec, 'fast'),
    'resize shortest_edge=224 bicubic(sharp affine bicubic); center_crop 224x224; rescale 1/255; ' +
      'normalize mean=[0.48145466,0.4578275,0.40821073] std=[0.26862954,0.26130258,0.27577711]; rgb; out 3x224x224; mode=fast',
  );
  assert.equal(
    describePreprocess(parsePreprocessSpec(SIGLIP_SMALL, F), 'reference'),
    'resize exact=64x64 bilinear(sharp affine bilinear); rescale 1/255; normalize mean=[0.5,0.5,0.5] std=[0.5,0.5,0.5]; rgb; out 3x64x64; mode=reference',
  );
});

test('resizeTarget reproduces transformers.js rounding (floor of toFixed(2))', () => {
  const se = { kind: 'shortest_edge' as const, shortestEdge: 224 };
  assert.deepEqual(resizeTarget(se, 500, 375), [298, 224]); // 298.67 -> 298
  assert.deepEqual(resizeTarget(se, 375, 500), [224, 298]);
  assert.deepEqual(resizeTarget(se, 224, 224), [224, 224]);
  assert.deepEqual(resizeTarget(se, 40, 30), [298, 224]); // upscaling
  // 107 * (224 / 107) = 223.99999999999997 in floating point; toFixed(2) makes it 224.
  assert.deepEqual(resizeTarget(se, 107, 107), [224, 224]);
  // 367 * 224 / 201 = 408.995...: toFixed(2) gives "409.00", so transformers.js rounds UP here (plain floor: 408).
  assert.deepEqual(resizeTarget(se, 367, 201), [409, 224]);
  // 280 * 224 / 207 = 302.9952 -> 303, but 500 * 224 / 375 = 298.67 -> 298.
  assert.deepEqual(resizeTarget(se, 280, 207), [303, 224]);
  assert.deepEqual(resizeTarget({ kind: 'shortest_edge', shortestEdge: 224, longestEdge: 224 }, 500, 375), [224, 168]);
  assert.deepEqual(resizeTarget({ kind: 'exact', height: 64, width: 32 }, 500, 375), [32, 64]);
});
