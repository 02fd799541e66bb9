/** Test images and model folders for the image preprocessing tests (generated with sharp, nothing on disk needed). */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';

/** Deterministic structured noise: gradients (so resampling matters) plus pseudo-random texture. */
export function pattern(width: number, height: number, channels: number, seed: number): Buffer {
  const buf = Buffer.alloc(width * height * channels);
  let s = seed >>> 0 || 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < channels; k++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const smooth = (x * (k + 1) * 3 + y * 5 * (2 - (k % 2))) % 256;
        let v = (smooth + ((s >>> 16) % 64)) & 255;
        // Alpha channel: partial transparency, including fully transparent and opaque regions.
        if ((channels === 4 && k === 3) || (channels === 2 && k === 1)) v = x < width / 4 ? 0 : x > (3 * width) / 4 ? 255 : v;
        buf[(y * width + x) * channels + k] = v;
      }
    }
  }
  return buf;
}

function raw(width: number, height: number, channels: 1 | 2 | 3 | 4, seed: number): Sharp {
  return sharp(pattern(width, height, channels, seed), { raw: { width, height, channels } });
}

/** One encoded image of every kind the preprocessors must handle, keyed by a descriptive name. */
export async function makeTestImages(): Promise<Record<string, Buffer>> {
  const frames = await Promise.all([0, 1].map((i) => raw(60, 44, 4, 40 + i).png().toBuffer()));
  const entries: [string, Promise<Buffer>][] = [
    ['rgb-jpeg-landscape-500x375', raw(500, 375, 3, 1).jpeg({ quality: 90 }).toBuffer()],
    ['rgb-jpeg-portrait-300x451', raw(300, 451, 3, 2).jpeg().toBuffer()],
    ['rgb-jpeg-wide-640x97', raw(640, 97, 3, 3).jpeg().toBuffer()],
    ['rgb-png-landscape-257x170', raw(257, 170, 3, 4).png().toBuffer()],
    ['rgb-png-smaller-than-crop-40x30', raw(40, 30, 3, 5).png().toBuffer()],
    ['rgb-png-tiny-7x61', raw(7, 61, 3, 6).png().toBuffer()],
    ['rgb-png-square-72x72', raw(72, 72, 3, 7).png().toBuffer()],
    ['grey-png-120x90', raw(120, 90, 1, 8).toColourspace('b-w').png().toBuffer()],
    ['grey-alpha-png-120x90', raw(120, 90, 2, 9).toColourspace('b-w').png().toBuffer()],
    ['grey-jpeg-150x100', raw(150, 100, 1, 10).toColourspace('b-w').jpeg().toBuffer()],
    ['rgba-png-partial-alpha-130x97', raw(130, 97, 4, 11).png().toBuffer()],
    ['rgb16-png-133x100', raw(133, 100, 3, 12).toColourspace('rgb16').png().toBuffer()],
    ['grey16-png-133x100', raw(133, 100, 1, 13).toColourspace('grey16').png().toBuffer()],
    ['palette-png-150x110', raw(150, 110, 3, 14).png({ palette: true }).toBuffer()],
    ['palette-alpha-png-150x110', raw(150, 110, 4, 15).png({ palette: true }).toBuffer()],
    ['cmyk-jpeg-160x120', raw(160, 120, 3, 16).toColourspace('cmyk').jpeg().toBuffer()],
    ['webp-200x150', raw(200, 150, 3, 17).webp().toBuffer()],
    ['webp-alpha-200x150', raw(200, 150, 4, 18).webp().toBuffer()],
    ['exif-orientation-6-jpeg-200x150', raw(200, 150, 3, 19).jpeg().withMetadata({ orientation: 6 }).toBuffer()],
    ['exif-orientation-3-jpeg-200x150', raw(200, 150, 3, 20).jpeg().withMetadata({ orientation: 3 }).toBuffer()],
    ['display-p3-icc-jpeg-180x140', raw(180, 140, 3, 21).jpeg().withIccProfile('p3').toBuffer()],
    ['gif-100x80', raw(100, 80, 3, 22).gif().toBuffer()],
    ['animated-gif-60x44x2', sharp(frames, { join: { animated: true } }).gif().toBuffer()],
  ];
  const out: Record<string, Buffer> = {};
  for (const [name, p] of entries) out[name] = await p;
  return out;
}

/** Small CLIP-style config (fast to run): shortest edge 72, bicubic, crop 64. */
export const CLIP_SMALL = {
  image_processor_type: 'CLIPImageProcessor',
  do_resize: true,
  size: { shortest_edge: 72 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 64, width: 64 },
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [0.52, 0.47, 0.41],
  image_std: [0.23, 0.25, 0.27],
  do_convert_rgb: true,
};

/** SigLIP-style config: squash to 64x64, bilinear, no crop, convert_rgb left at its default. */
export const SIGLIP_SMALL = {
  image_processor_type: 'SiglipImageProcessor',
  do_resize: true,
  size: { height: 64, width: 64 },
  resample: 2,
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
};

/** The real openai/clip-vit-base-patch32 values in the current dict layout. */
export const CLIP_VIT_B32 = {
  image_processor_type: 'CLIPImageProcessor',
  do_resize: true,
  size: { shortest_edge: 224 },
  resample: 3,
  do_center_crop: true,
  crop_size: { height: 224, width: 224 },
  do_rescale: true,
  rescale_factor: 0.00392156862745098,
  do_normalize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  do_convert_rgb: true,
};

/** Legacy layout (integer size / crop_size, feature_extractor_type) as in older exports of CLIP ViT-B/32. */
export const CLIP_VIT_B32_LEGACY = {
  feature_extractor_type: 'CLIPFeatureExtractor',
  crop_size: 224,
  do_center_crop: true,
  do_normalize: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  size: 224,
};

/** Exercises the lanczos (sharp.resize) path, scalar mean/std and integer crop_size. */
export const LANCZOS_SMALL = {
  image_processor_type: 'CLIPImageProcessor',
  size: { shortest_edge: 72 },
  resample: 1,
  do_center_crop: true,
  crop_size: 64,
  do_normalize: true,
  image_mean: 0.5,
  image_std: 0.5,
};

/** Box resampling (transformers.js falls back to bilinear with a warning). */
export const BOX_SMALL = {
  image_processor_type: 'ViTImageProcessor',
  size: { shortest_edge: 50 },
  resample: 4,
  do_center_crop: true,
  crop_size: { height: 48, width: 48 },
  do_normalize: true,
  image_mean: [0.4, 0.5, 0.6],
  image_std: [0.2, 0.3, 0.4],
};

/** Nearest-neighbour squash to 56x80, then crop 48x64. */
export const NEAREST_SMALL = {
  image_processor_type: 'CLIPImageProcessor',
  size: { height: 56, width: 80 },
  resample: 0,
  do_center_crop: true,
  crop_size: { height: 48, width: 64 },
  do_normalize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711],
};

/** No resize, crop only, no normalisation: output = cropped/padded pixels / 255. */
export const CROP_ONLY = {
  image_processor_type: 'ViTImageProcessor',
  do_resize: false,
  do_center_crop: true,
  crop_size: { height: 96, width: 80 },
};

export interface TempModels {
  root: string;
  /** Writes <root>/<name>/preprocessor_config.json (+ a minimal config.json, as real model folders have). */
  add(name: string, preprocessorConfig: unknown, raw?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function tempModels(): Promise<TempModels> {
  const root = await mkdtemp(path.join(tmpdir(), 'holoclip-image-test-'));
  return {
    root,
    async add(name, preprocessorConfig, rawText) {
      const dir = path.join(root, name);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'clip' }));
      await writeFile(path.join(dir, 'preprocessor_config.json'), rawText ?? JSON.stringify(preprocessorConfig, null, 2));
      return dir;
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): { max: number; mean: number; differing: number } {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let max = 0;
  let sum = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Infinity : d;
    sum += d;
    if (d !== 0) differing++;
  }
  return { max, mean: sum / a.length, differing };
}
