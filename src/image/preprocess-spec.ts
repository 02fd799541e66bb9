/**
 * Parse and validate a Hugging Face `preprocessor_config.json` into a {@link PreprocessSpec}.
 *
 * The semantics follow transformers.js 4.3.2 (`ImageProcessor` in
 * `@huggingface/transformers/dist/transformers.node.mjs`), which is what reference mode runs, NOT the Python
 * `transformers` defaults. The differences that matter for CLIP-family configs are documented next to the code that
 * handles them (search for "transformers.js:").
 *
 * Only configs whose behaviour we reproduce exactly are accepted; everything else is a {@link HoloclipError} naming
 * the file and the field, so a model is never silently evaluated with the wrong preprocessing.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';

/** A concrete preprocessing mode: transformers.js reproduced with sharp, transformers.js itself, or the Python pipeline. */
export type PreprocessMode = 'fast' | 'reference' | 'python';
/** What a user asks for: a mode, or `auto` = python when the folder has a `holoclip_preprocess` block, else fast. */
export type PreprocessChoice = PreprocessMode | 'auto';
export const PREPROCESS_CHOICES: readonly PreprocessChoice[] = ['auto', 'python', 'fast', 'reference'];

/** PIL resampling ids as written in HF configs: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming. */
export type PilResample = 0 | 1 | 2 | 3 | 4 | 5;

export type ResizeSpec =
  | {
      kind: 'shortest_edge';
      shortestEdge: number;
      /**
       * Optional cap on the longest edge after the shortest-edge resize (transformers.js `size.longest_edge`, or
       * `max_size ?? size` for an integer `size`, see {@link parsePreprocessSpec}). Absent = no cap.
       */
      longestEdge?: number;
    }
  | { kind: 'exact'; height: number; width: number };

export interface PreprocessSpec {
  /** null = no resize (`do_resize: false`). */
  resize: ResizeSpec | null;
  resample: PilResample;
  /** null = no center crop. */
  centerCrop: { height: number; width: number } | null;
  /** null = no rescale (`do_rescale: false`). */
  rescaleFactor: number | null;
  /** Both null = no normalisation; both set otherwise. */
  mean: [number, number, number] | null;
  std: [number, number, number] | null;
  convertRgb: boolean;
  /** Final tensor size (the tensor is 3 x outputHeight x outputWidth). */
  outputHeight: number;
  outputWidth: number;
  /** `image_processor_type` (or legacy `feature_extractor_type`) as written in the file; 'ImageProcessor' if absent. */
  processorType: string;
}

/**
 * Processor classes that, in transformers.js 4.3.2, run the base `ImageProcessor.preprocess` unchanged (their class
 * bodies are empty or only add post-processing). A trailing `Fast` is stripped first, as transformers.js does.
 * `ChineseCLIPImageProcessor` and `BlipImageProcessor` are not exported by transformers.js: it logs a warning and
 * uses the base `ImageProcessor`, which is what we reproduce.
 */
const BASE_PIPELINE_PROCESSORS: ReadonlySet<string> = new Set([
  'ImageProcessor',
  'ImageFeatureExtractor',
  'CLIPImageProcessor',
  'CLIPFeatureExtractor',
  'SiglipImageProcessor',
  'ChineseCLIPFeatureExtractor',
  'ChineseCLIPImageProcessor',
  'BlipImageProcessor',
  'ViTImageProcessor',
  'ViTFeatureExtractor',
  'DeiTImageProcessor',
  'DeiTFeatureExtractor',
  'BeitFeatureExtractor',
  'BitImageProcessor',
  'OwlViTImageProcessor',
  'OwlViTFeatureExtractor',
  'Owlv2ImageProcessor',
  'DINOv3ViTImageProcessor',
]);

export const RESAMPLE_NAMES: Readonly<Record<PilResample, string>> = {
  0: 'nearest',
  1: 'lanczos',
  2: 'bilinear',
  3: 'bicubic',
  4: 'box',
  5: 'hamming',
};

/**
 * How transformers.js (node, sharp backend) actually resamples each PIL id; used in descriptions.
 * transformers.js: nearest/bilinear/bicubic are done with `sharp.affine` (plain interpolation, no antialiasing when
 * downscaling, corner-aligned sampling), box/hamming fall back to bilinear with a warning, lanczos uses
 * `sharp.resize(kernel: lanczos3)`.
 */
const RESAMPLE_IMPL: Readonly<Record<PilResample, string>> = {
  0: 'sharp affine nearest',
  1: 'sharp resize lanczos3',
  2: 'sharp affine bilinear',
  3: 'sharp affine bicubic',
  4: 'sharp affine bilinear, transformers.js fallback',
  5: 'sharp affine bilinear, transformers.js fallback',
};

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(file: string, field: string, problem: string): never {
  throw new HoloclipError(`${file}: ${field} ${problem}`);
}

function positiveInt(file: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    fail(file, field, `must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

/** transformers.js reads most flags with `config.x ?? default`, so JSON null behaves like an absent field. */
function optBool(file: string, cfg: Json, field: string): boolean | undefined {
  const v = cfg[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') fail(file, field, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function triple(file: string, field: string, v: unknown, positive: boolean): [number, number, number] {
  let arr: unknown[];
  if (typeof v === 'number') {
    // transformers.js: a scalar mean/std is broadcast to every channel.
    arr = [v, v, v];
  } else if (Array.isArray(v)) {
    arr = v;
  } else {
    fail(file, field, `must be a number or an array of 3 numbers, got ${JSON.stringify(v)}`);
  }
  if (arr.length !== 3) fail(file, field, `must have 3 values (one per RGB channel), got ${arr.length}`);
  const out = arr.map((x) => {
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(file, field, `must contain finite numbers, got ${JSON.stringify(v)}`);
    if (positive && x <= 0) fail(file, field, `must contain positive numbers, got ${JSON.stringify(v)}`);
    return x;
  });
  return [out[0], out[1], out[2]];
}

/** Fields of the base transformers.js ImageProcessor that change the output and that we do not reproduce. */
function rejectUnsupported(file: string, cfg: Json): void {
  for (const flag of ['do_thumbnail', 'do_crop_margin', 'do_pad', 'do_flip_channel_order']) {
    const v = cfg[flag];
    if (v !== undefined && v !== null && v !== false) {
      fail(file, flag, `is not supported by holoclip (only resize / center crop / rescale / normalize pipelines are); got ${JSON.stringify(v)}`);
    }
  }
  for (const field of ['size_divisibility', 'size_divisor']) {
    const v = cfg[field];
    if (v !== undefined && v !== null) fail(file, field, `is not supported by holoclip; got ${JSON.stringify(v)}`);
  }
  if (cfg.keep_aspect_ratio && cfg.ensure_multiple_of) {
    fail(file, 'keep_aspect_ratio/ensure_multiple_of', 'are not supported by holoclip');
  }
}

/**
 * Parse a `preprocessor_config.json` object. `file` is only used in error messages.
 * Throws {@link HoloclipError} (`<file>: <field> <problem>`) for anything unsupported or invalid.
 */
export function parsePreprocessSpec(json: unknown, file: string): PreprocessSpec {
  if (!isObject(json)) fail(file, 'top level', 'must be a JSON object');
  const cfg = json;

  // transformers.js AutoImageProcessor: `image_processor_type ?? feature_extractor_type`, trailing "Fast" stripped.
  const typeField = cfg.image_processor_type !== undefined && cfg.image_processor_type !== null ? 'image_processor_type' : 'feature_extractor_type';
  const rawType = cfg[typeField];
  let processorType = 'ImageProcessor';
  if (rawType !== undefined && rawType !== null) {
    if (typeof rawType !== 'string') fail(file, typeField, `must be a string, got ${JSON.stringify(rawType)}`);
    processorType = rawType;
  }
  const baseType = processorType.replace(/Fast$/, '');
  if (!BASE_PIPELINE_PROCESSORS.has(baseType)) {
    fail(
      file,
      typeField,
      `"${processorType}" is not supported (supported: ${[...BASE_PIPELINE_PROCESSORS].join(', ')})`,
    );
  }
  rejectUnsupported(file, cfg);

  // resample: transformers.js `config.resample ?? 2`.
  const resampleRaw = cfg.resample ?? 2;
  if (typeof resampleRaw !== 'number' || !Number.isInteger(resampleRaw) || resampleRaw < 0 || resampleRaw > 5) {
    fail(file, 'resample', `must be a PIL resampling id 0..5, got ${JSON.stringify(resampleRaw)}`);
  }
  const resample = resampleRaw as PilResample;

  // size: transformers.js `config.size ?? config.image_size`; do_resize defaults to "size is present".
  const sizeField = cfg.size !== undefined && cfg.size !== null ? 'size' : 'image_size';
  const size = cfg.size ?? cfg.image_size;
  const doResize = optBool(file, cfg, 'do_resize') ?? size !== undefined;
  let resize: ResizeSpec | null = null;
  if (doResize) {
    if (size === undefined || size === null) fail(file, 'size', 'is missing but do_resize is true');
    if (typeof size === 'number') {
      // transformers.js: an integer `size` means shortest_edge = size AND longest_edge = `max_size ?? size`, i.e. the
      // image is scaled to FIT INSIDE size x size (a following center crop then pads with black). Python transformers
      // instead treats it as shortest_edge only. We reproduce transformers.js; describePreprocess shows the cap.
      const se = positiveInt(file, sizeField, size);
      const maxSize = cfg.max_size;
      const le = maxSize === undefined || maxSize === null ? se : positiveInt(file, 'max_size', maxSize);
      resize = { kind: 'shortest_edge', shortestEdge: se, longestEdge: le };
    } else if (isObject(size)) {
      const keys = Object.keys(size).filter((k) => size[k] !== undefined).sort();
      const k = keys.join(',');
      if (k === 'shortest_edge') {
        resize = { kind: 'shortest_edge', shortestEdge: positiveInt(file, `${sizeField}.shortest_edge`, size.shortest_edge) };
      } else if (k === 'longest_edge,shortest_edge') {
        resize = {
          kind: 'shortest_edge',
          shortestEdge: positiveInt(file, `${sizeField}.shortest_edge`, size.shortest_edge),
          longestEdge: positiveInt(file, `${sizeField}.longest_edge`, size.longest_edge),
        };
      } else if (k === 'height,width') {
        resize = {
          kind: 'exact',
          height: positiveInt(file, `${sizeField}.height`, size.height),
          width: positiveInt(file, `${sizeField}.width`, size.width),
        };
      } else {
        fail(
          file,
          sizeField,
          `has an unsupported layout ${JSON.stringify(size)} (expected {"shortest_edge": N}, {"height": H, "width": W} or an integer)`,
        );
      }
    } else {
      fail(file, sizeField, `has an unsupported layout ${JSON.stringify(size)} (expected an object or an integer)`);
    }
  }

  // transformers.js: `this.do_center_crop = config.do_center_crop` (absent = no crop; Python CLIP defaults to true).
  let centerCrop: PreprocessSpec['centerCrop'] = null;
  if (optBool(file, cfg, 'do_center_crop')) {
    const cs = cfg.crop_size;
    if (typeof cs === 'number') {
      const n = positiveInt(file, 'crop_size', cs);
      centerCrop = { height: n, width: n };
    } else if (isObject(cs)) {
      centerCrop = { height: positiveInt(file, 'crop_size.height', cs.height), width: positiveInt(file, 'crop_size.width', cs.width) };
    } else {
      fail(file, 'crop_size', `must be an integer or {"height": H, "width": W} when do_center_crop is true, got ${JSON.stringify(cs)}`);
    }
  }

  // transformers.js: do_rescale defaults to true, rescale_factor to 1/255.
  let rescaleFactor: number | null = null;
  if (optBool(file, cfg, 'do_rescale') ?? true) {
    const rf = cfg.rescale_factor ?? 1 / 255;
    if (typeof rf !== 'number' || !Number.isFinite(rf) || rf <= 0) fail(file, 'rescale_factor', `must be a positive number, got ${JSON.stringify(rf)}`);
    rescaleFactor = rf;
  }

  // transformers.js: `this.do_normalize = config.do_normalize` (absent = NO normalisation; Python CLIP defaults to
  // true), mean/std from `image_mean ?? mean` / `image_std ?? std`.
  let mean: PreprocessSpec['mean'] = null;
  let std: PreprocessSpec['std'] = null;
  if (optBool(file, cfg, 'do_normalize')) {
    const m = cfg.image_mean ?? cfg.mean;
    const s = cfg.image_std ?? cfg.std;
    if (m === undefined || m === null) fail(file, 'image_mean', 'is missing but do_normalize is true');
    if (s === undefined || s === null) fail(file, 'image_std', 'is missing but do_normalize is true');
    mean = triple(file, 'image_mean', m, false);
    std = triple(file, 'image_std', s, true);
  }

  const convertRgb = optBool(file, cfg, 'do_convert_rgb') ?? true;

  let outputHeight: number;
  let outputWidth: number;
  if (centerCrop) {
    outputHeight = centerCrop.height;
    outputWidth = centerCrop.width;
  } else if (resize?.kind === 'exact') {
    outputHeight = resize.height;
    outputWidth = resize.width;
  } else {
    const hint =
      cfg.crop_size !== undefined && cfg.crop_size !== null
        ? ' (crop_size is set, but transformers.js only crops when do_center_crop is true)'
        : '';
    fail(
      file,
      'do_center_crop/crop_size',
      `must give a fixed output size: without a center crop the resize must be {"height": H, "width": W}${hint}`,
    );
  }

  return { resize, resample, centerCrop, rescaleFactor, mean, std, convertRgb, outputHeight, outputWidth, processorType };
}

/** Reads `<modelDir>/preprocessor_config.json` as JSON (errors name the file). */
export async function readPreprocessorConfig(modelDir: string): Promise<{ file: string; json: unknown }> {
  const file = path.join(modelDir, 'preprocessor_config.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new HoloclipError(`${file}: not found (a model folder must contain preprocessor_config.json)`, { cause: err });
    }
    throw new HoloclipError(`${file}: cannot read: ${errorMessage(err)}`, { cause: err });
  }
  try {
    return { file, json: JSON.parse(text) as unknown };
  } catch (err) {
    throw new HoloclipError(`${file}: invalid JSON: ${errorMessage(err)}`, { cause: err });
  }
}

/** Reads and parses `<modelDir>/preprocessor_config.json`. */
export async function loadPreprocessSpec(modelDir: string): Promise<PreprocessSpec> {
  const { file, json } = await readPreprocessorConfig(modelDir);
  return parsePreprocessSpec(json, file);
}

/**
 * Target (width, height) of the resize step for an (EXIF-oriented) source of srcWidth x srcHeight, computed exactly
 * as transformers.js `ImageProcessor.get_resize_output_image_size` does.
 */
export function resizeTarget(resize: ResizeSpec, srcWidth: number, srcHeight: number): [number, number] {
  if (resize.kind === 'exact') return [resize.width, resize.height];
  const se = resize.shortestEdge;
  const le = resize.longestEdge;
  const shortFactor = Math.max(se / srcWidth, se / srcHeight);
  const newWidth = srcWidth * shortFactor;
  const newHeight = srcHeight * shortFactor;
  const longFactor = le === undefined ? 1 : Math.min(le / newWidth, le / newHeight);
  // transformers.js: floor(Number(x.toFixed(2))), so e.g. 298.996 becomes 299 (rounds up within 0.005 of an
  // integer) while 298.99 becomes 298. Reproduced verbatim. The result can be 0 for extreme aspect ratios; sharp
  // then rejects the resize and the image is reported unreadable (reference mode fails the same way).
  const finalWidth = Math.floor(Number((newWidth * longFactor).toFixed(2)));
  const finalHeight = Math.floor(Number((newHeight * longFactor).toFixed(2)));
  return [finalWidth, finalHeight];
}

function fmt(n: number): string {
  return String(n);
}

function describeRescale(f: number): string {
  if (Math.abs(f * 255 - 1) < 1e-12) return '1/255';
  if (Math.abs(f * 127.5 - 1) < 1e-12) return '1/127.5';
  return fmt(f);
}

/**
 * Stable, human-readable description of what the preprocessing does (used in result files and cache keys), e.g.
 * `resize shortest_edge=224 bicubic(sharp affine bicubic); center_crop 224x224; rescale 1/255;
 * normalize mean=[0.48145466,0.4578275,0.40821073] std=[0.26862954,0.26130258,0.27577711]; rgb; out 3x224x224; mode=fast`.
 */
export function describePreprocess(spec: PreprocessSpec, mode: Exclude<PreprocessMode, 'python'>): string {
  const parts: string[] = [];
  if (spec.resize) {
    const how = `${RESAMPLE_NAMES[spec.resample]}(${RESAMPLE_IMPL[spec.resample]})`;
    if (spec.resize.kind === 'exact') {
      parts.push(`resize exact=${spec.resize.height}x${spec.resize.width} ${how}`);
    } else {
      const le = spec.resize.longestEdge !== undefined ? ` longest_edge=${spec.resize.longestEdge}` : '';
      parts.push(`resize shortest_edge=${spec.resize.shortestEdge}${le} ${how}`);
    }
  } else {
    parts.push('no resize');
  }
  if (spec.centerCrop) parts.push(`center_crop ${spec.centerCrop.height}x${spec.centerCrop.width}`);
  if (spec.rescaleFactor !== null) parts.push(`rescale ${describeRescale(spec.rescaleFactor)}`);
  if (spec.mean && spec.std) parts.push(`normalize mean=[${spec.mean.map(fmt).join(',')}] std=[${spec.std.map(fmt).join(',')}]`);
  parts.push(spec.convertRgb ? 'rgb' : 'no rgb conversion');
  parts.push(`out 3x${spec.outputHeight}x${spec.outputWidth}`);
  parts.push(`mode=${mode}`);
  return parts.join('; ');
}
