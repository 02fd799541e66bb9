/**
 * How much the old default (transformers.js semantics, `--preprocess fast`) and the Python pipeline
 * (`--preprocess python`) differ, on natural photos (issue 12's rows "image resize", "integer size" and
 * "image decoding"). Figures for NOTES / the README:
 *   node --import tsx bench/preprocess-differences.ts [photo ...]
 * Default photos: the sample photographs Debian ships with matplotlib and scikit-image (grace_hopper, rocket,
 * coffee, chelsea, astronaut, motorcycle_left, hubble_deep_field). Each row prints mean / max absolute difference
 * in normalised units (the model's input) and in grey levels (the same pipeline without rescale / normalise).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createPreprocessor, decodeLikePillow, type ImagePreprocessor } from '../src/image/index.js';

const DEFAULT_PHOTOS = [
  '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg',
  '/usr/lib/python3/dist-packages/skimage/data/rocket.jpg',
  '/usr/lib/python3/dist-packages/skimage/data/coffee.png',
  '/usr/lib/python3/dist-packages/skimage/data/chelsea.png',
  '/usr/lib/python3/dist-packages/skimage/data/astronaut.png',
  '/usr/lib/python3/dist-packages/skimage/data/motorcycle_left.png',
  '/usr/lib/python3/dist-packages/skimage/data/hubble_deep_field.jpg',
];
const OPENAI = { image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711] };
/** OpenAI CLIP ViT-B/32's preprocessor_config.json (current form) and its legacy integer-size form. */
const CLIP = { image_processor_type: 'CLIPImageProcessor', do_resize: true, size: { shortest_edge: 224 }, resample: 3, do_center_crop: true, crop_size: { height: 224, width: 224 }, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, ...OPENAI, do_convert_rgb: true };
const LEGACY = { feature_extractor_type: 'CLIPFeatureExtractor', do_resize: true, size: 224, resample: 3, do_center_crop: true, crop_size: 224, do_normalize: true, ...OPENAI };
const OPEN_CLIP_BLOCK = { holoclip_preprocess: { pipeline: 'open_clip', image_size: 224 } };
const GREY = { do_rescale: false, do_normalize: false };

interface Diff {
  mean: number;
  max: number;
}
function diff(a: Float32Array | Uint8Array, b: Float32Array | Uint8Array): Diff {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / a.length, max };
}
const fmt = (d: Diff, digits: number) => `mean ${d.mean.toFixed(digits)} max ${d.max.toFixed(digits)}`;

async function pair(dir: string, name: string, cfg: object): Promise<[ImagePreprocessor, ImagePreprocessor]> {
  const d = path.join(dir, name);
  await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
  await writeFile(path.join(d, 'preprocessor_config.json'), JSON.stringify(cfg));
  return [await createPreprocessor(d, 'fast'), await createPreprocessor(d, 'python')];
}

/** A JPEG with `icc` embedded as an APP2 ICC_PROFILE segment, pixels untouched. */
function withIcc(jpeg: Buffer, icc: Buffer): Buffer {
  const header = Buffer.from('ICC_PROFILE\0\x01\x01', 'latin1');
  const len = Buffer.alloc(2);
  len.writeUInt16BE(2 + header.length + icc.length);
  return Buffer.concat([jpeg.subarray(0, 2), Buffer.from([0xff, 0xe2]), len, header, icc, jpeg.subarray(2)]);
}

async function main(): Promise<void> {
  const photos = (process.argv.length > 2 ? process.argv.slice(2) : DEFAULT_PHOTOS).filter((f) => existsSync(f));
  if (photos.length === 0) throw new Error('no photos found; pass image paths as arguments');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'holoclip-diff-'));
  try {
    const rows: [string, object, object][] = [
      ['CLIP shortest_edge 224, HF semantics (transformers)', CLIP, { ...CLIP, ...GREY }],
      // open_clip's block carries its own mean/std: std 1/255 and mean 0 turn ToTensor + Normalize back into grey levels.
      ['CLIP shortest_edge 224, open_clip block (torchvision crop)', { ...CLIP, ...OPEN_CLIP_BLOCK }, { ...CLIP, ...GREY, holoclip_preprocess: { ...OPEN_CLIP_BLOCK.holoclip_preprocess, mean: [0, 0, 0], std: [1 / 255, 1 / 255, 1 / 255] } }],
      ['legacy integer size 224 (letterbox under fast)', LEGACY, { ...LEGACY, ...GREY, do_rescale: false }],
    ];
    console.log(`photos: ${photos.map((p) => path.basename(p)).join(', ')}`);
    for (const [label, cfg, greyCfg] of rows) {
      const [fast, python] = await pair(dir, `${label.length}-n`, cfg);
      const [fastG, pythonG] = await pair(dir, `${label.length}-g`, greyCfg);
      const norm: Diff[] = [];
      const grey: Diff[] = [];
      for (const f of photos) {
        const bytes = await readFile(f);
        norm.push(diff(await fast.process(bytes, f), await python.process(bytes, f)));
        grey.push(diff(await fastG.process(bytes, f), await pythonG.process(bytes, f)));
      }
      const span = (ds: Diff[], k: keyof Diff, digits: number) => `${Math.min(...ds.map((d) => d[k])).toFixed(digits)}-${Math.max(...ds.map((d) => d[k])).toFixed(digits)}`;
      console.log(`${label}:\n  normalised units: mean ${span(norm, 'mean', 3)}, max ${span(norm, 'max', 2)}\n  grey levels:      mean ${span(grey, 'mean', 2)}, max ${span(grey, 'max', 0)}`);
    }

    // Letterbox rows for a 4:3 photo (640x480), integer size 224 + crop 224 under fast semantics.
    const photo43 = await sharp(await readFile(photos[photos.length > 5 ? 5 : 0])).resize(640, 480, { fit: 'cover' }).png().toBuffer();
    const [fastL, pythonL] = await pair(dir, 'letterbox', { ...LEGACY, ...GREY, do_rescale: false });
    const a = await fastL.process(photo43, '4x3.png');
    const b = await pythonL.process(photo43, '4x3.png');
    let blackRows = 0;
    for (let y = 0; y < 224; y++) {
      let allBlack = true;
      for (let c = 0; c < 3 && allBlack; c++) for (let x = 0; x < 224; x++) if (a[c * 224 * 224 + y * 224 + x] !== 0) { allBlack = false; break; }
      if (allBlack) blackRows++;
    }
    const [fastN, pythonN] = await pair(dir, 'letterbox-n', LEGACY);
    console.log(`4:3 photo, legacy integer size 224: ${blackRows} of 224 rows are black padding under fast; ` +
      `normalised ${fmt(diff(await fastN.process(photo43, 'x'), await pythonN.process(photo43, 'x')), 3)}; grey levels ${fmt(diff(a, b), 1)}`);

    // ICC: the same photo with an Adobe RGB (1998) profile (from the decode goldens), as sharp decodes it for fast
    // mode (converted to sRGB) vs as Pillow reads it (stored values).
    const icc = (await sharp(await readFile(path.join('test', 'golden', 'preprocess', 'adobergb-icc.jpg'))).metadata()).icc;
    if (!icc) throw new Error('adobergb-icc.jpg has no ICC profile');
    const iccDiffs: Diff[] = [];
    for (const f of photos) {
      const jpeg = withIcc(await sharp(await readFile(f)).jpeg({ quality: 95 }).toBuffer(), icc);
      const pil = await decodeLikePillow(jpeg, f);
      const { data } = await sharp(jpeg).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
      iccDiffs.push(diff(new Uint8Array(data), pil.data));
    }
    console.log(`Adobe RGB ICC photo, decoded grey levels sharp (sRGB-converted) vs Pillow: mean ${Math.min(...iccDiffs.map((d) => d.mean)).toFixed(2)}-${Math.max(...iccDiffs.map((d) => d.mean)).toFixed(2)}, max ${Math.min(...iccDiffs.map((d) => d.max))}-${Math.max(...iccDiffs.map((d) => d.max))}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
