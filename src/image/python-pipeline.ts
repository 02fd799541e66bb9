/**
 * The Python-identical preprocessing pipeline of a model folder (`--preprocess python`): what open_clip, timm or
 * Python `transformers` (its PIL-based "slow" image processors) do to an image, resolved once into a
 * {@link PythonPipeline} that src/image/python-preprocessor.ts executes.
 *
 * A folder says which library exported it with an optional `holoclip_preprocess` block in
 * `preprocessor_config.json` (transformers.js ignores unknown keys). Its exact format (documented in docs/preprocessing.md):
 *
 *   {"pipeline": "open_clip", "image_size": 224 | [H, W], "resize_mode": "shortest" | "longest" | "squash",
 *    "interpolation": "bicubic" | "bilinear" | "random", "fill_color": 0..255, "mean": [3], "std": [3]}
 *   {"pipeline": "timm", "image_size": 224 | [H, W], "crop_pct": 0.875, "crop_mode": "center" | "squash",
 *    "interpolation": "nearest" | "bilinear" | "bicubic" | "box" | "hamming" | "lanczos", "mean": [3], "std": [3]}
 *   {"pipeline": "transformers"}   (the standard HF fields of the file, with Python transformers' semantics)
 *
 * Optional fields take the defaults of the reference function (open_clip `image_transform(is_train=False)`,
 * timm `transforms_imagenet_eval`). Without the block, the python mode applies Python transformers' semantics to
 * the standard HF fields. Every bad value is a HoloclipError naming the file and the field.
 */
import * as z from 'zod';
import { HoloclipError } from '../errors.js';
import { PIL_FILTER_BY_ID, type PilFilter } from './pil-resample.js';
import { roundHalfEven } from '../util/python-round.js';

export const OPENAI_CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const OPENAI_CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];
const IMAGENET_DEFAULT_MEAN: readonly [number, number, number] = [0.485, 0.456, 0.406];
const IMAGENET_DEFAULT_STD: readonly [number, number, number] = [0.229, 0.224, 0.225];
const IMAGENET_STANDARD: readonly [number, number, number] = [0.5, 0.5, 0.5];

export type PythonLibrary = 'open_clip' | 'timm' | 'transformers';

/**
 * How the resize target is computed from the source size:
 *  - `shortest_int`: shortest edge = size, long edge `int(size * long / short)` (torchvision `Resize(int)`,
 *    transformers `get_resize_output_image_size`);
 *  - `keep_ratio_round`: open_clip / timm `ResizeKeepRatio`: ratio = shortest- (longest = 0) or longest-edge
 *    (longest = 1) ratio, each side `round(side / ratio)` with Python's round-half-to-even;
 *  - `exact`: resize to height x width (squash).
 */
export type PythonResize =
  | { rule: 'shortest_int'; size: number; filter: PilFilter }
  | { rule: 'keep_ratio_round'; height: number; width: number; longest: 0 | 1; filter: PilFilter }
  | { rule: 'exact'; height: number; width: number; filter: PilFilter };

/**
 * Centre crop (padding with `fill` where the image is smaller than the crop):
 *  - `torchvision` (also open_clip's CenterCropOrPad): pad floor(d/2) before, then offset
 *    `int(round((size - crop) / 2))`, round half to even;
 *  - `transformers` (numpy `center_crop`): offset `(size - crop) // 2`, pad ceil(d/2) before.
 */
export interface PythonCrop {
  height: number;
  width: number;
  convention: 'torchvision' | 'transformers';
  fill: readonly [number, number, number];
}

/**
 * uint8 -> float32: `torch` = ToTensor (float32 v / 255) then Normalize in float32 (open_clip, timm);
 * `numpy` = transformers' `rescale` (float64 v * factor, cast to float32) then `normalize` in float32.
 */
export type PythonTensor =
  | { kind: 'torch'; mean: readonly [number, number, number]; std: readonly [number, number, number] }
  | { kind: 'numpy'; rescale: number | null; mean: readonly [number, number, number] | null; std: readonly [number, number, number] | null };

export interface PythonPipeline {
  library: PythonLibrary;
  /** Where the pipeline came from: the `holoclip_preprocess` block, or the HF fields alone. */
  source: 'holoclip_preprocess' | 'hf_fields';
  resize: PythonResize | null;
  crop: PythonCrop | null;
  tensor: PythonTensor;
  outputHeight: number;
  outputWidth: number;
}

const posInt = z.number().int().positive();
const size2 = z.union([posInt, z.tuple([posInt, posInt])]);
const triple = z.tuple([z.number(), z.number(), z.number()]);
const positiveTriple = z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]);

const openClipBlock = z.strictObject({
  pipeline: z.literal('open_clip'),
  image_size: size2,
  resize_mode: z.enum(['shortest', 'longest', 'squash']).optional(),
  interpolation: z.enum(['bicubic', 'bilinear', 'random']).optional(),
  fill_color: z.number().int().min(0).max(255).optional(),
  mean: triple.optional(),
  std: positiveTriple.optional(),
});
const timmBlock = z.strictObject({
  pipeline: z.literal('timm'),
  image_size: size2,
  crop_pct: z.number().positive().max(1).optional(),
  crop_mode: z.enum(['center', 'squash']).optional(),
  interpolation: z.enum(['nearest', 'bilinear', 'bicubic', 'box', 'hamming', 'lanczos']).optional(),
  mean: triple.optional(),
  std: positiveTriple.optional(),
});
const transformersBlock = z.strictObject({ pipeline: z.literal('transformers') });

export const holoclipPreprocessSchema = z.discriminatedUnion('pipeline', [openClipBlock, timmBlock, transformersBlock]);
export type HoloclipPreprocessBlock = z.infer<typeof holoclipPreprocessSchema>;

function fail(file: string, field: string, problem: string): never {
  throw new HoloclipError(`${file}: ${field} ${problem}`);
}

function hw(v: number | [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : v;
}

function openClipPipeline(b: z.infer<typeof openClipBlock>): PythonPipeline {
  const [h, w] = hw(b.image_size);
  // open_clip: 'random' only matters in training; eval uses BICUBIC for anything but 'bilinear'.
  const filter: PilFilter = b.interpolation === 'bilinear' ? 'bilinear' : 'bicubic';
  const mode = b.resize_mode ?? 'shortest';
  const tensor: PythonTensor = { kind: 'torch', mean: b.mean ?? OPENAI_CLIP_MEAN, std: b.std ?? OPENAI_CLIP_STD };
  const base = { library: 'open_clip' as const, source: 'holoclip_preprocess' as const, tensor, outputHeight: h, outputWidth: w };
  if (mode === 'squash') return { ...base, resize: { rule: 'exact', height: h, width: w, filter }, crop: null };
  const fillValue = b.fill_color ?? 0;
  const crop: PythonCrop = { height: h, width: w, convention: 'torchvision', fill: [fillValue, fillValue, fillValue] };
  if (mode === 'longest') return { ...base, resize: { rule: 'keep_ratio_round', height: h, width: w, longest: 1, filter }, crop };
  // shortest: torchvision Resize(int) for a square target; for a non-square one ResizeKeepRatio(image_size), which
  // open_clip builds WITHOUT passing the interpolation (its default, bicubic).
  if (h === w) return { ...base, resize: { rule: 'shortest_int', size: h, filter }, crop: { ...crop, fill: [0, 0, 0] } };
  return { ...base, resize: { rule: 'keep_ratio_round', height: h, width: w, longest: 0, filter: 'bicubic' }, crop: { ...crop, fill: [0, 0, 0] } };
}

function timmPipeline(b: z.infer<typeof timmBlock>): PythonPipeline {
  const [h, w] = hw(b.image_size);
  const pct = b.crop_pct ?? 0.875;
  const sh = Math.floor(h / pct);
  const sw = Math.floor(w / pct);
  const filter: PilFilter = b.interpolation ?? 'bilinear';
  const tensor: PythonTensor = { kind: 'torch', mean: b.mean ?? IMAGENET_DEFAULT_MEAN, std: b.std ?? IMAGENET_DEFAULT_STD };
  const crop: PythonCrop = { height: h, width: w, convention: 'torchvision', fill: [0, 0, 0] };
  const base = { library: 'timm' as const, source: 'holoclip_preprocess' as const, tensor, crop, outputHeight: h, outputWidth: w };
  if ((b.crop_mode ?? 'center') === 'squash') return { ...base, resize: { rule: 'exact', height: sh, width: sw, filter } };
  // center: Resize(int) when the scaled target is square; else timm's ResizeKeepRatio(scale_size), built WITHOUT the
  // configured interpolation (its default, bilinear).
  if (sh === sw) return { ...base, resize: { rule: 'shortest_int', size: sh, filter } };
  return { ...base, resize: { rule: 'keep_ratio_round', height: sh, width: sw, longest: 0, filter: 'bilinear' } };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Python transformers' defaults per slow image processor class (the ones whose `preprocess` we reproduce). */
interface HfDefaults {
  /** An integer `size` means shortest edge (CLIP family: get_size_dict(default_to_square=False)) or a square. */
  intSizeIsShortestEdge: boolean;
  size: Json;
  resample: number;
  doCenterCrop: boolean;
  cropSize: number;
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}
const CLIP_DEFAULTS: HfDefaults = { intSizeIsShortestEdge: true, size: { shortest_edge: 224 }, resample: 3, doCenterCrop: true, cropSize: 224, mean: OPENAI_CLIP_MEAN, std: OPENAI_CLIP_STD };
const VIT_DEFAULTS: HfDefaults = { intSizeIsShortestEdge: false, size: { height: 224, width: 224 }, resample: 2, doCenterCrop: false, cropSize: 224, mean: IMAGENET_STANDARD, std: IMAGENET_STANDARD };
const SIGLIP_DEFAULTS: HfDefaults = { ...VIT_DEFAULTS, resample: 3 };
const HF_PROCESSORS: Readonly<Record<string, HfDefaults>> = {
  CLIPImageProcessor: CLIP_DEFAULTS,
  CLIPFeatureExtractor: CLIP_DEFAULTS,
  ChineseCLIPImageProcessor: CLIP_DEFAULTS,
  ChineseCLIPFeatureExtractor: CLIP_DEFAULTS,
  BitImageProcessor: CLIP_DEFAULTS,
  ViTImageProcessor: VIT_DEFAULTS,
  ViTFeatureExtractor: VIT_DEFAULTS,
  SiglipImageProcessor: SIGLIP_DEFAULTS,
};

function intField(file: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) fail(file, field, `must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function boolField(file: string, cfg: Json, field: string, dflt: boolean): boolean {
  const v = cfg[field];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') fail(file, field, `must be true or false, got ${JSON.stringify(v)}`);
  return v;
}

function tripleField(file: string, field: string, v: unknown, positive: boolean): [number, number, number] {
  const arr = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(arr) || arr.length !== 3 || !arr.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positive || x > 0))) {
    fail(file, field, `must be a${positive ? ' positive' : ''} number or 3 ${positive ? 'positive ' : ''}numbers, got ${JSON.stringify(v)}`);
  }
  return [arr[0] as number, arr[1] as number, arr[2] as number];
}

/** Python transformers' slow processor on the standard HF fields. */
function transformersPipeline(cfg: Json, file: string, source: PythonPipeline['source']): PythonPipeline {
  const typeField = cfg.image_processor_type != null ? 'image_processor_type' : 'feature_extractor_type';
  const rawType = cfg[typeField] ?? 'CLIPImageProcessor';
  if (typeof rawType !== 'string') fail(file, typeField, `must be a string, got ${JSON.stringify(rawType)}`);
  const type = rawType.replace(/Fast$/, '');
  const d = HF_PROCESSORS[type];
  if (!d) {
    fail(file, typeField, `"${rawType}" is not reproduced by --preprocess python (supported: ${Object.keys(HF_PROCESSORS).join(', ')}); add a "holoclip_preprocess" block naming the pipeline, or use --preprocess fast`);
  }
  for (const flag of ['do_pad', 'do_crop_margin', 'do_thumbnail', 'size_divisor']) {
    const v = cfg[flag];
    if (v !== undefined && v !== null && v !== false) fail(file, flag, `is not reproduced by --preprocess python; got ${JSON.stringify(v)}`);
  }
  const resampleRaw = cfg.resample ?? d.resample;
  if (typeof resampleRaw !== 'number' || !Number.isInteger(resampleRaw) || resampleRaw < 0 || resampleRaw > 5) {
    fail(file, 'resample', `must be a PIL resampling id 0..5, got ${JSON.stringify(resampleRaw)}`);
  }
  const filter = PIL_FILTER_BY_ID[resampleRaw];

  let resize: PythonResize | null = null;
  if (boolField(file, cfg, 'do_resize', true)) {
    const size = cfg.size ?? d.size;
    if (typeof size === 'number') {
      const s = intField(file, 'size', size);
      resize = d.intSizeIsShortestEdge ? { rule: 'shortest_int', size: s, filter } : { rule: 'exact', height: s, width: s, filter };
    } else if (isObject(size)) {
      const keys = Object.keys(size).filter((k) => size[k] !== undefined && size[k] !== null).sort().join(',');
      if (keys === 'shortest_edge') resize = { rule: 'shortest_int', size: intField(file, 'size.shortest_edge', size.shortest_edge), filter };
      else if (keys === 'height,width') resize = { rule: 'exact', height: intField(file, 'size.height', size.height), width: intField(file, 'size.width', size.width), filter };
      else fail(file, 'size', `has a layout --preprocess python does not reproduce: ${JSON.stringify(size)} (expected an integer, {"shortest_edge": N} or {"height": H, "width": W})`);
    } else {
      fail(file, 'size', `must be an integer or an object, got ${JSON.stringify(size)}`);
    }
  }

  let crop: PythonCrop | null = null;
  if (boolField(file, cfg, 'do_center_crop', d.doCenterCrop)) {
    const cs = cfg.crop_size ?? d.cropSize;
    if (typeof cs === 'number') {
      const n = intField(file, 'crop_size', cs);
      crop = { height: n, width: n, convention: 'transformers', fill: [0, 0, 0] };
    } else if (isObject(cs)) {
      crop = { height: intField(file, 'crop_size.height', cs.height), width: intField(file, 'crop_size.width', cs.width), convention: 'transformers', fill: [0, 0, 0] };
    } else {
      fail(file, 'crop_size', `must be an integer or {"height": H, "width": W}, got ${JSON.stringify(cs)}`);
    }
  }

  let rescale: number | null = null;
  if (boolField(file, cfg, 'do_rescale', true)) {
    const rf = cfg.rescale_factor ?? 1 / 255;
    if (typeof rf !== 'number' || !Number.isFinite(rf) || rf <= 0) fail(file, 'rescale_factor', `must be a positive number, got ${JSON.stringify(rf)}`);
    rescale = rf;
  }
  let mean: [number, number, number] | null = null;
  let std: [number, number, number] | null = null;
  if (boolField(file, cfg, 'do_normalize', true)) {
    mean = tripleField(file, 'image_mean', cfg.image_mean ?? cfg.mean ?? d.mean, false);
    std = tripleField(file, 'image_std', cfg.image_std ?? cfg.std ?? d.std, true);
  }
  if (!boolField(file, cfg, 'do_convert_rgb', true)) {
    fail(file, 'do_convert_rgb', 'false is not reproduced by --preprocess python (images are always converted to RGB as Pillow does)');
  }
  let outputHeight: number;
  let outputWidth: number;
  if (crop) {
    outputHeight = crop.height;
    outputWidth = crop.width;
  } else if (resize?.rule === 'exact') {
    outputHeight = resize.height;
    outputWidth = resize.width;
  } else {
    fail(file, 'do_center_crop/crop_size', 'must give a fixed output size: without a center crop the resize must be {"height": H, "width": W}');
  }
  return { library: 'transformers', source, resize, crop, tensor: { kind: 'numpy', rescale, mean, std }, outputHeight, outputWidth };
}

/** Whether a parsed preprocessor_config.json has a `holoclip_preprocess` block (what makes `auto` pick python). */
export function hasPythonBlock(json: unknown): boolean {
  return isObject(json) && json.holoclip_preprocess !== undefined && json.holoclip_preprocess !== null;
}

/** Resolve the python pipeline of a parsed `preprocessor_config.json` (`file` is used in messages). */
export function parsePythonPipeline(json: unknown, file: string): PythonPipeline {
  if (!isObject(json)) fail(file, 'top level', 'must be a JSON object');
  if (!hasPythonBlock(json)) return transformersPipeline(json, file, 'hf_fields');
  const parsed = holoclipPreprocessSchema.safeParse(json.holoclip_preprocess);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = ['holoclip_preprocess', ...issue.path.map(String)].join('.');
    fail(file, where, `is invalid: ${issue.message} (see docs/preprocessing.md, "The holoclip_preprocess block", for the block's format)`);
  }
  const b = parsed.data;
  if (b.pipeline === 'open_clip') return openClipPipeline(b);
  if (b.pipeline === 'timm') return timmPipeline(b);
  return transformersPipeline(json, file, 'holoclip_preprocess');
}

/** Resize target (width, height) for a source of srcWidth x srcHeight, as the Python library computes it. */
export function pythonResizeTarget(resize: PythonResize, srcWidth: number, srcHeight: number): [number, number] {
  if (resize.rule === 'exact') return [resize.width, resize.height];
  if (resize.rule === 'shortest_int') {
    const s = resize.size;
    // int(size * long / short), evaluated left to right in double precision as Python does.
    if (srcWidth <= srcHeight) return [s, Math.trunc((s * srcHeight) / srcWidth)];
    return [Math.trunc((s * srcWidth) / srcHeight), s];
  }
  const rh = srcHeight / resize.height;
  const rw = srcWidth / resize.width;
  const ratio = Math.max(rh, rw) * resize.longest + Math.min(rh, rw) * (1 - resize.longest);
  return [roundHalfEven(srcWidth / ratio), roundHalfEven(srcHeight / ratio)];
}

function fmtTriple(t: readonly number[]): string {
  return `[${t.join(',')}]`;
}

/** Stable one-line description of the pipeline (result files, cache keys, `model inspect`). */
export function describePythonPipeline(p: PythonPipeline): string {
  const parts: string[] = [`library=${p.library} (${p.source === 'holoclip_preprocess' ? 'holoclip_preprocess block' : 'HF fields, Python transformers semantics'})`];
  parts.push('decode pillow convert(RGB), no ICC, no EXIF transpose');
  const r = p.resize;
  if (!r) parts.push('no resize');
  else if (r.rule === 'exact') parts.push(`resize exact=${r.height}x${r.width} pil-${r.filter}`);
  else if (r.rule === 'shortest_int') parts.push(`resize shortest_edge=${r.size} long=int(size*long/short) pil-${r.filter}`);
  else parts.push(`resize keep_ratio ${r.longest ? 'longest' : 'shortest'} to ${r.height}x${r.width} round-half-even pil-${r.filter}`);
  if (p.crop) {
    const c = p.crop;
    const rule = c.convention === 'torchvision' ? 'offset int(round((size-crop)/2)) half-even, pad floor(d/2) before' : 'offset (size-crop)//2, pad ceil(d/2) before';
    parts.push(`center_crop ${c.height}x${c.width} ${c.convention} ${rule}${c.fill.some((v) => v !== 0) ? ` fill=${fmtTriple(c.fill)}` : ''}`);
  }
  const t = p.tensor;
  if (t.kind === 'torch') parts.push(`to_tensor float32 v/255; normalize float32 mean=${fmtTriple(t.mean)} std=${fmtTriple(t.std)}`);
  else {
    parts.push(t.rescale !== null ? `rescale float64 v*${t.rescale} -> float32` : 'no rescale');
    if (t.mean && t.std) parts.push(`normalize float32 mean=${fmtTriple(t.mean)} std=${fmtTriple(t.std)}`);
  }
  parts.push(`out 3x${p.outputHeight}x${p.outputWidth}`);
  parts.push('mode=python');
  return parts.join('; ');
}
