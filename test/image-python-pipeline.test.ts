/**
 * `--preprocess python` against the Python pipelines themselves (open_clip `image_transform`, timm
 * `transforms_imagenet_eval`, transformers' PIL processors), goldens from tools/goldens/make_python_pipeline_goldens.py:
 * uint8 pixels after resize + crop byte for byte, float tensor within 1e-6. Plus the block's validation.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HoloclipError } from '../src/errors.js';
import { createPreprocessor, parsePythonPipeline, pythonResizeTarget, resolvePreprocessMode } from '../src/image/index.js';
import { cropShift, pythonPixels } from '../src/image/python-preprocessor.js';
import { roundHalfEven } from '../src/util/python-round.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'preprocess');

interface Case { file: string; pixels_height: number; pixels_width: number; pixels_sha256: string; shape: number[]; sum: number; sample_step: number; samples: number[] }
interface Config { name: string; preprocessor_config: Record<string, unknown>; cases: Case[] }
const index = JSON.parse(await readFile(path.join(DIR, 'pipelines.json'), 'utf8')) as { versions: Record<string, string>; configs: Config[] };

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'holoclip-python-pre-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

async function folder(name: string, cfg: unknown): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'preprocessor_config.json'), JSON.stringify(cfg));
  return dir;
}

describe(`python mode equals the Python pipelines (${Object.entries(index.versions).map(([k, v]) => `${k} ${v}`).join(', ')})`, () => {
  for (const cfg of index.configs) {
    test(cfg.name, async () => {
      const dir = await folder(cfg.name, cfg.preprocessor_config);
      const hasBlock = 'holoclip_preprocess' in cfg.preprocessor_config;
      assert.equal(await resolvePreprocessMode(dir, 'auto'), hasBlock ? 'python' : 'fast');
      const p = await createPreprocessor(dir, 'python');
      assert.equal(p.mode, 'python');
      const pipeline = parsePythonPipeline(cfg.preprocessor_config, 'preprocessor_config.json');
      for (const c of cfg.cases) {
        const bytes = await readFile(path.join(DIR, c.file));
        const px = await pythonPixels(pipeline, bytes, c.file);
        assert.deepEqual([px.height, px.width], [c.pixels_height, c.pixels_width], `${c.file}: pixel size`);
        assert.equal(createHash('sha256').update(px.data).digest('hex'), c.pixels_sha256, `${c.file}: uint8 pixels after resize + crop`);
        const t = await p.process(bytes, c.file);
        assert.deepEqual([3, p.outputHeight, p.outputWidth], c.shape);
        let sum = 0;
        for (const v of t) sum += v;
        assert.ok(Math.abs(sum - c.sum) <= 1e-6 * t.length, `${c.file}: tensor sum ${sum} vs ${c.sum}`);
        c.samples.forEach((want, k) => {
          const i = k * c.sample_step;
          assert.ok(Math.abs(t[i] - want) <= 1e-6, `${c.file}: value ${i}: ${t[i]} vs ${want}`);
        });
      }
    });
  }
});

test('Python rounding rules: round half to even, int() truncation, crop offsets', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 16.5, 17.5, 2.4999].map(roundHalfEven), [0, 2, 2, 16, 18, 2]);
  // torchvision Resize(224) of 640x480: int(224 * 640 / 480) = int(298.67) = 298.
  assert.deepEqual(pythonResizeTarget({ rule: 'shortest_int', size: 224, filter: 'bicubic' }, 640, 480), [298, 224]);
  assert.deepEqual(pythonResizeTarget({ rule: 'shortest_int', size: 224, filter: 'bicubic' }, 480, 640), [224, 298]);
  // open_clip ResizeKeepRatio longest: 640x480 into 224 -> ratio 640/224, sides round(224), round(168).
  assert.deepEqual(pythonResizeTarget({ rule: 'keep_ratio_round', height: 224, width: 224, longest: 1, filter: 'bicubic' }, 640, 480), [224, 168]);
  // crop 224 of 257: torchvision round(16.5) = 16, transformers 33 // 2 = 16; of 259: 18 vs 17.
  assert.equal(cropShift(257, 224, 'torchvision'), 16);
  assert.equal(cropShift(259, 224, 'torchvision'), 18);
  assert.equal(cropShift(259, 224, 'transformers'), 17);
  // padding 3 px: torchvision floor(3/2) = 1 before, transformers ceil(3/2) = 2 before.
  assert.equal(cropShift(221, 224, 'torchvision'), -1);
  assert.equal(cropShift(221, 224, 'transformers'), -2);
});

test('HF fields under Python semantics: an integer size is the shortest edge, not transformers.js letterbox', () => {
  const p = parsePythonPipeline({ feature_extractor_type: 'CLIPFeatureExtractor', size: 224, crop_size: 224, do_center_crop: true, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] }, 'f.json');
  assert.deepEqual(p.resize, { rule: 'shortest_int', size: 224, filter: 'bicubic' });
  // Python CLIPImageProcessor defaults fill what the file leaves out: bicubic, crop 224, OpenAI mean/std.
  const d = parsePythonPipeline({ image_processor_type: 'CLIPImageProcessor' }, 'f.json');
  assert.equal(d.resize?.filter, 'bicubic');
  assert.deepEqual([d.outputHeight, d.outputWidth], [224, 224]);
  assert.equal(d.tensor.kind, 'numpy');
});

test('holoclip_preprocess errors name the file and the field', () => {
  const bad: [unknown, RegExp][] = [
    [{ holoclip_preprocess: { pipeline: 'keras' } }, /f\.json: holoclip_preprocess\.pipeline is invalid/],
    [{ holoclip_preprocess: { pipeline: 'open_clip' } }, /f\.json: holoclip_preprocess\.image_size is invalid/],
    [{ holoclip_preprocess: { pipeline: 'open_clip', image_size: 224, resize_mode: 'fit' } }, /holoclip_preprocess\.resize_mode is invalid/],
    [{ holoclip_preprocess: { pipeline: 'open_clip', image_size: 224, interpolation: 'lanczos' } }, /holoclip_preprocess\.interpolation is invalid/],
    [{ holoclip_preprocess: { pipeline: 'timm', image_size: 224, crop_pct: 1.5 } }, /holoclip_preprocess\.crop_pct is invalid/],
    [{ holoclip_preprocess: { pipeline: 'timm', image_size: 224, crop_mode: 'border' } }, /holoclip_preprocess\.crop_mode is invalid/],
    [{ holoclip_preprocess: { pipeline: 'timm', image_size: 224, std: [1, 0, 1] } }, /holoclip_preprocess\.std\.1 is invalid/],
    [{ holoclip_preprocess: { pipeline: 'open_clip', image_size: 224, crop_pct: 0.9 } }, /holoclip_preprocess is invalid: .*crop_pct/],
    [{ image_processor_type: 'DPTImageProcessor' }, /f\.json: image_processor_type "DPTImageProcessor" is not reproduced by --preprocess python/],
    [{ image_processor_type: 'CLIPImageProcessor', size: { longest_edge: 3 } }, /f\.json: size has a layout/],
  ];
  for (const [json, re] of bad) {
    assert.throws(() => parsePythonPipeline(json, 'f.json'), (e: unknown) => e instanceof HoloclipError && re.test(e.message), JSON.stringify(json));
  }
});

test('model inspect: the pipeline of every mode, and the letterbox warning for an integer size with a crop', async () => {
  const { describePreprocessModes } = await import('../src/cli/commands/model-inspect.js');
  const legacy = await folder('legacy-int-size', { feature_extractor_type: 'CLIPFeatureExtractor', size: 224, resample: 3, do_center_crop: true, crop_size: 224, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] });
  const text = (await describePreprocessModes(legacy)).join('\n');
  assert.match(text, /auto = fast/);
  assert.match(text, /fast {7}resize shortest_edge=224 longest_edge=224/);
  assert.match(text, /python {5}library=transformers .*resize shortest_edge=224 long=int\(size\*long\/short\) pil-bicubic/);
  assert.match(text, /warning: .*640x480\) is resized to 224x168 and 56 of 224 rows .* black padding.*640x480 -> 298x224/);
  const block = await folder('open-clip-block', { image_processor_type: 'CLIPImageProcessor', size: { shortest_edge: 224 }, do_center_crop: true, crop_size: 224, holoclip_preprocess: { pipeline: 'open_clip', image_size: 224 } });
  const text2 = (await describePreprocessModes(block)).join('\n');
  assert.match(text2, /auto = python/);
  assert.match(text2, /library=open_clip .*center_crop 224x224 torchvision offset int\(round/);
  // The test machine has libjpeg-turbo (tools/test-env/setup.sh): the line says it decodes plain JPEGs.
  assert.match(text2, /\n {2}jpeg {7}plain JPEGs decoded by libturbojpeg\.so\.0 \(libjpeg-turbo, self-tested against Pillow's pixels\)/);
  assert.doesNotMatch(text2, /warning/);
});

test('suite files take preprocess: auto | python | fast | reference, and nothing else', async () => {
  const { suiteSchema } = await import('../src/suite/schema.js');
  const field = suiteSchema.shape.preprocess;
  for (const v of ['auto', 'python', 'fast', 'reference']) assert.equal(field.safeParse(v).success, true, v);
  assert.equal(field.safeParse('pillow').success, false);
  assert.equal(field.safeParse(undefined).success, true);
});

test('createPreprocessor: auto resolves per folder; an unknown mode is an error listing the modes', async () => {
  const plain = await folder('plain-clip', { image_processor_type: 'CLIPImageProcessor', size: { shortest_edge: 72 }, do_center_crop: true, crop_size: 64, do_normalize: true, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] });
  const p = await createPreprocessor(plain, 'auto');
  assert.equal(p.mode, 'fast');
  assert.match(p.description, /mode=fast$/);
  assert.equal((await createPreprocessor(plain, 'python')).mode, 'python');
  await assert.rejects(createPreprocessor(plain, 'pillow' as 'auto'), (e: unknown) => e instanceof HoloclipError && /auto, python, fast, reference/.test(e.message));
});

test('ObjectNet border crop in python mode: Pillow decode (ICC kept, no EXIF transpose), then the crop', async () => {
  const { cropBorderPng } = await import('../src/pipeline/crop-border.js');
  const { decodeLikePillow } = await import('../src/image/pil-decode.js');
  for (const f of ['adobergb-icc.jpg', 'exif-rot6.jpg', 'cmyk-adobe.jpg']) {
    const bytes = await readFile(path.join(DIR, f));
    const full = await decodeLikePillow(bytes, f);
    const cropped = await decodeLikePillow(await cropBorderPng(bytes, f, 2, true), f);
    assert.deepEqual([cropped.width, cropped.height], [full.width - 4, full.height - 4]);
    const want = new Uint8Array(cropped.data.length);
    for (let y = 0; y < cropped.height; y++) want.set(full.data.subarray(((y + 2) * full.width + 2) * 3, ((y + 2) * full.width + 2 + cropped.width) * 3), y * cropped.width * 3);
    assert.deepEqual(cropped.data, want, f);
  }
});
