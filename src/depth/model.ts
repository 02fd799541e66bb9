/**
 * Depth maps for the 3D common corruptions from a local monocular depth model, for datasets that ship
 * none: a transformers.js `depth-estimation` export (config.json with a depth-estimation model_type such
 * as `depth_anything` or `dpt`, preprocessor_config.json, onnx/model{suffix}.onnx), run on onnxruntime-node
 * through `AutoModelForDepthEstimation` + `AutoImageProcessor`. Estimates are cached in the store as
 * `<store>/depth/<model key, 16 hex>/<sha256 of the image file>.npy` (float32 [H, W]), so every later run,
 * process and command reuses them and the 3D corruptions read them like any other depth file.
 *
 * Disparity -> depth. DPT / Depth Anything predict relative inverse depth (disparity: larger = nearer), known
 * only up to scale and shift. Per image, the prediction p is min-max normalised into [0.05, 1] and inverted:
 *
 *     depth = 1 / (0.05 + 0.95 * (p - min p) / (max p - min p))        (constant p: depth = 1)
 *
 * so the nearest pixel has depth 1, the farthest 20, and depth ratios (what focus, flash and camera motion
 * use) stay bounded at 20 whatever the unknown shift; fog's min-max normalisation is unaffected by the scale.
 * Non-finite predictions become NaN ("no depth", which the corruptions treat as the farthest).
 *
 * Resolution. The map is kept at the model's output resolution, covering the whole image (x and y scales may
 * differ), not resized to the image: the alignment code (`cropResizeDepth`) resamples any depth map to the
 * crop in one bilinear pass, which is more accurate than resampling twice, and the cache stays a model-sized
 * file per image (~1 MB for Depth Anything at 518 px) however large the photo. Processors that centre-crop
 * are refused (the prediction would cover only part of the image); padding added by the processor is cut off.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DepthMap } from '../corruptions/types.js';
import { hashItem, ItemStatCache, readItemBytes, TarHandles } from '../data/item-bytes.js';
import type { DatasetItem } from '../data/types.js';
import { HoloclipError, ImageReadError, errorMessage } from '../errors.js';
import { decodeRaw, readHeader, toRgb3 } from '../image/decode.js';
import { type Dtype, towerFileName } from '../models/dtype.js';
import { loadTransformers, type Transformers } from '../models/transformers-env.js';
import { isErrno } from '../store/atomic.js';
import { canonicalKey } from '../store/canonical-json.js';
import { sha256File, type FileHashIndex } from '../store/hash.js';
import { writeNpyAtomic } from '../store/npy.js';
import type { ProgressSink } from '../util/progress.js';
import { onnxSessionOptions } from '../models/session-options.js';

type PretrainedModel = InstanceType<Transformers['PreTrainedModel']>;
type RawImageT = InstanceType<Transformers['RawImage']>;
interface TensorLike {
  readonly data: unknown;
  readonly dims: number[];
}
type ProcessorFn = (image: RawImageT) => Promise<{ pixel_values: TensorLike; reshaped_input_sizes?: Array<[number, number]> }>;

/** Disparity of the farthest pixel after normalisation (the nearest gets 1): caps depth ratios at 1 / 0.05 = 20. */
export const FAR_DISPARITY = 0.05;
/** Version of the conversion above; part of {@link DepthModel.key}, so changing it invalidates cached maps. */
const DEPTH_FORMAT = 'holoclip-depth-model-v1: disparity min-max to [0.05, 1], inverted, model resolution';

/** model_types transformers.js maps to a depth-estimation class (its MODEL_FOR_DEPTH_ESTIMATION mapping). */
const DEPTH_MODEL_TYPES = ['depth_anything', 'dpt', 'glpn', 'depth_pro', 'sapiens', 'chmv2', 'metric3d', 'metric3dv2'];

export interface DepthModelOptions {
  /** intra-op threads for onnxruntime (default: all cores). */
  readonly threads?: number;
  /** Which export to load: onnx/model.onnx (fp32), model_fp16.onnx, model_quantized.onnx (q8), model_q4.onnx. */
  readonly dtype?: Dtype;
  /** Stat cache for hashing the model files (optional; without it they are hashed in full). */
  readonly hashIndex?: FileHashIndex;
}

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isFile(),
    () => false,
  );
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim().length > 0) ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

async function readJsonObject(file: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    value = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new HoloclipError(`depth model file ${file} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HoloclipError(`depth model file ${file} must hold a JSON object`);
  return value as Record<string, unknown>;
}

const EXPECTED = 'a transformers.js depth-estimation export: config.json (model_type e.g. depth_anything or dpt), preprocessor_config.json, onnx/model.onnx';

export class DepthModel {
  private modelPromise: Promise<PretrainedModel> | null = null;
  private processorPromise: Promise<ProcessorFn> | null = null;

  private constructor(
    /** Absolute path of the model folder. */
    readonly dir: string,
    readonly dtype: Dtype,
    readonly threads: number,
    /** The ONNX file in use. */
    readonly modelFile: string,
    /** sha256 over the model files (config, preprocessor config, ONNX) and the disparity -> depth conversion. */
    readonly key: string,
  ) {}

  /** Check the folder and hash its files; the ONNX session itself loads on the first {@link estimate}. */
  static async open(dirArg: string, options: DepthModelOptions = {}): Promise<DepthModel> {
    const dir = path.resolve(dirArg);
    const dtype = options.dtype ?? 'fp32';
    const st = await fs.stat(dir).catch(() => null);
    if (st === null || !st.isDirectory()) throw new HoloclipError(`depth model folder ${dir} ${st === null ? 'does not exist' : 'is not a folder'} (expected ${EXPECTED})`);
    const modelRel = towerFileName('model', dtype);
    const files = { config: 'config.json', preprocessor: 'preprocessor_config.json', model: modelRel };
    const missing: string[] = [];
    for (const rel of Object.values(files)) if (!(await isFile(path.join(dir, rel)))) missing.push(rel);
    if (missing.length > 0) {
      throw new HoloclipError(`${dir} is not a depth model folder: missing ${missing.join(', ')}${dtype !== 'fp32' ? ` (for --dtype ${dtype})` : ''} (expected ${EXPECTED})`);
    }
    const config = await readJsonObject(path.join(dir, files.config));
    const modelType = config.model_type;
    if (typeof modelType !== 'string' || !DEPTH_MODEL_TYPES.includes(modelType)) {
      throw new HoloclipError(
        `${dir} is not a depth model folder: config.json has model_type ${JSON.stringify(modelType ?? null)}; transformers.js estimates depth with ${DEPTH_MODEL_TYPES.join(', ')}`,
      );
    }
    const pre = await readJsonObject(path.join(dir, files.preprocessor));
    if (pre.do_center_crop === true) {
      throw new HoloclipError(`${path.join(dir, files.preprocessor)} centre-crops the image (do_center_crop), so its depth would cover only part of the image; set it to false`);
    }
    const hashes: Record<string, string> = {};
    for (const rel of Object.values(files)) {
      const abs = path.join(dir, rel);
      hashes[rel] = options.hashIndex ? await options.hashIndex.hashFile(abs) : await sha256File(abs);
    }
    const key = canonicalKey({ format: DEPTH_FORMAT, files: hashes });
    const threads = options.threads ?? Math.max(1, os.availableParallelism());
    return new DepthModel(dir, dtype, threads, path.join(dir, modelRel), key);
  }

  private model(): Promise<PretrainedModel> {
    this.modelPromise ??= loadTransformers().then((transformers) => transformers.AutoModelForDepthEstimation.from_pretrained(this.dir, {
      dtype: this.dtype,
      device: 'cpu',
      local_files_only: true,
      session_options: onnxSessionOptions(this.threads),
    })).catch((err: unknown) => {
      throw new HoloclipError(`cannot load depth model ${this.modelFile} with onnxruntime: ${firstLine(errorMessage(err))}`, { cause: err });
    });
    return this.modelPromise;
  }

  private processor(): Promise<ProcessorFn> {
    this.processorPromise ??= loadTransformers().then((transformers) => transformers.AutoImageProcessor.from_pretrained(this.dir, { local_files_only: true })).then(
      (p) => p as unknown as ProcessorFn,
      (err: unknown) => {
        throw new HoloclipError(`${path.join(this.dir, 'preprocessor_config.json')}: transformers.js could not load it: ${firstLine(errorMessage(err))}`, { cause: err });
      },
    );
    return this.processorPromise;
  }

  /**
   * Depth (larger = farther, in [1, 20]; see the module comment) of an encoded image, at the model's output
   * resolution and covering the whole (EXIF-oriented) image. Undecodable images throw ImageReadError.
   */
  async estimate(imageBytes: Buffer, file: string): Promise<DepthMap> {
    // Decoded as transformers.js' RawImage.fromBlob would (sharp, auto-orient, same channel fix-ups), minus its
    // crash on grey+alpha images; see src/image/decode.ts.
    const header = await readHeader(imageBytes, file);
    const px = await decodeRaw(imageBytes, file);
    const rgb = toRgb3(px, header.channels);
    const transformers = await loadTransformers();
    const image = new transformers.RawImage(new Uint8ClampedArray(rgb.buffer, rgb.byteOffset, rgb.length), px.width, px.height, 3);
    const [processor, model] = await Promise.all([this.processor(), this.model()]);
    let inputs: Awaited<ReturnType<ProcessorFn>>;
    try {
      inputs = await processor(image);
    } catch (err) {
      throw new ImageReadError(file, `depth model preprocessing failed: ${firstLine(errorMessage(err))}`, { cause: err });
    }
    let out: Record<string, TensorLike>;
    try {
      out = (await model.forward(inputs as unknown as Record<string, unknown>)) as Record<string, TensorLike>;
    } catch (err) {
      throw new HoloclipError(`depth inference failed in ${this.modelFile} on ${file}: ${firstLine(errorMessage(err))}`, { cause: err });
    }
    const pred = out.predicted_depth;
    if (pred === undefined) throw new HoloclipError(`${this.modelFile} returned no "predicted_depth" (outputs: ${Object.keys(out).join(', ')})`);
    const dims = pred.dims;
    const height = dims[dims.length - 2];
    const width = dims[dims.length - 1];
    if (dims.length < 2 || dims.slice(0, -2).some((d) => d !== 1) || !(pred.data instanceof Float32Array)) {
      throw new HoloclipError(`${this.modelFile}: expected a float32 predicted_depth of shape [1, H, W], got ${dims.join('x')}`);
    }
    // A padding processor pads bottom/right (transformers.js pad_image, center = false): keep the image's part.
    const [inH, inW] = inputs.pixel_values.dims.slice(-2);
    const [usedH, usedW] = inputs.reshaped_input_sizes?.[0] ?? [inH, inW];
    const keepH = Math.max(1, Math.min(height, Math.round((height * usedH) / inH)));
    const keepW = Math.max(1, Math.min(width, Math.round((width * usedW) / inW)));
    const disparity = new Float32Array(keepH * keepW);
    for (let y = 0; y < keepH; y++) disparity.set(pred.data.subarray(y * width, y * width + keepW), y * keepW);
    return { width: keepW, height: keepH, data: disparityToDepth(disparity) };
  }

  async dispose(): Promise<void> {
    const model = await this.modelPromise?.catch(() => null);
    await model?.dispose();
    this.modelPromise = null;
  }
}

/** Relative disparity -> depth in [1, 1 / FAR_DISPARITY] (formula in the module comment). A new array. */
export function disparityToDepth(disparity: Float32Array): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of disparity) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const range = hi - lo;
  const out = new Float32Array(disparity.length);
  for (let i = 0; i < out.length; i++) {
    const v = disparity[i];
    if (!Number.isFinite(v)) out[i] = NaN;
    else out[i] = range > 0 ? 1 / (FAR_DISPARITY + (1 - FAR_DISPARITY) * ((v - lo) / range)) : 1;
  }
  return out;
}

/** Where {@link depthMapsFromModel} caches a depth map. */
export function depthCachePath(cacheRoot: string, model: DepthModel, imageSha256: string): string {
  return path.join(cacheRoot, 'depth', model.key.slice(0, 16), `${imageSha256}.npy`);
}

export interface ModelDepthMaps {
  /** Item index -> cached .npy depth map, for every item that has one. */
  readonly paths: Map<number, string>;
  /** How many were estimated now (the rest came from the cache). */
  readonly computed: number;
  /** Images that could not be read or decoded (not in `paths`). */
  readonly failures: Array<{ id: string; error: string }>;
}

/**
 * Depth map of every item from `model`, cached under `cacheRoot` (the store root) by model key and image
 * content, so a renamed or copied image reuses its map and an edited one gets a new one. Unreadable images
 * are reported in `failures`; a model or inference error throws. Saves `hashIndex` before returning.
 */
export async function depthMapsFromModel(
  items: readonly DatasetItem[],
  model: DepthModel,
  cacheRoot: string,
  hashIndex: FileHashIndex,
  progress: ProgressSink,
): Promise<ModelDepthMaps> {
  const paths = new Map<number, string>();
  const failures: Array<{ id: string; error: string }> = [];
  let computed = 0;
  // Images may be plain files or WebDataset tar members (read in place).
  const stats = new ItemStatCache();
  const tars = new TarHandles();
  progress.start('estimating depth', items.length, 'img');
  try {
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      try {
        const file = depthCachePath(cacheRoot, model, await hashItem(item, hashIndex, stats));
        if (!(await isFile(file))) {
          const depth = await model.estimate((await readItemBytes(item, tars)).bytes, item.path);
          await writeNpyAtomic(file, depth.data, [depth.height, depth.width]);
          computed++;
        }
        paths.set(item.index, file);
      } catch (err) {
        // Only a bad image is skipped; anything else (model, disk) would fail every image alike.
        if (!(err instanceof ImageReadError || isErrno(err, 'ENOENT') || isErrno(err, 'EISDIR'))) throw err;
        failures.push({ id: item.id, error: errorMessage(err) });
      }
      progress.update(i + 1);
    }
  } finally {
    await tars.close();
    await hashIndex.save();
    progress.finish();
  }
  return { paths, computed, failures };
}
