/**
 * Resolve the learned logit scale (and SigLIP logit bias) of a model. The split towers do not
 * output it, yet calibration, MSP and ECE all depend on it. Resolution order:
 *   1. the --logit-scale flag (and --logit-bias),
 *   2. the folder's holoclip.json model card,
 *   3. recovered once from onnx/model.onnx (logits_per_image against the cosine of its own
 *      embeddings, least squares) and cached in the store,
 *   4. the config's initial value, with a loud warning.
 * Every result records which source was used.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type * as ort from 'onnxruntime-node';
import { loadOnnxruntime } from '../util/heavy-modules.js';
import { HoloclipError, errorMessage } from '../errors.js';
import { readJsonIfExists, writeJsonAtomic } from '../store/json-file.js';
import { l2NormalizeRows } from '../metrics/vector.js';
import type { ClipFamilyModel } from './clip-model.js';
import { readModelCard, type ModelCard } from './model-card.js';

export type LogitScaleSource = 'flag' | 'suite' | 'model-card' | 'recovered-from-model.onnx' | 'config-init-fallback' | 'classifier-logits';

export interface LogitScale {
  /** Multiplier applied to cosine similarities (already exponentiated, e.g. 100 for OpenAI CLIP). */
  readonly scale: number;
  /** Additive bias (SigLIP); 0 for CLIP. */
  readonly bias: number;
  readonly source: LogitScaleSource;
  /** Human-readable detail: file used, fit residual, ... */
  readonly detail: string;
}

export interface ResolveOptions {
  flagScale?: number;
  flagBias?: number;
  /** Where the override came from: a command-line flag (default) or a suite file's logit_scale. */
  overrideSource?: 'flag' | 'suite';
  /** The folder's model card, already read (read here otherwise). */
  card?: ModelCard | null;
  /** Directory for the recovery cache (inside the store). */
  cacheDir: string;
  /** sha256 of a file (stat-cached by the caller). */
  hashFile: (file: string) => Promise<string>;
  warn: (message: string) => void;
}

export async function resolveLogitScale(model: ClipFamilyModel, options: ResolveOptions): Promise<LogitScale> {
  const folder = model.folder;
  const sigmoid = folder.family.scoring === 'sigmoid';
  if (options.flagScale !== undefined) {
    const suite = options.overrideSource === 'suite';
    if (!(options.flagScale > 0)) throw new HoloclipError(`${suite ? 'logit_scale' : '--logit-scale'} must be a positive number (got ${options.flagScale})`);
    return { scale: options.flagScale, bias: options.flagBias ?? 0, source: suite ? 'suite' : 'flag', detail: suite ? "the suite file's logit_scale" : '--logit-scale' };
  }
  if (folder.files.modelCard) {
    const card = options.card ?? (await readModelCard(folder.files.modelCard));
    if (card.logit_scale !== undefined) {
      if (sigmoid && card.logit_bias === undefined) {
        options.warn(`model card ${folder.files.modelCard} gives logit_scale but no logit_bias for a SigLIP model; using bias 0`);
      }
      return {
        scale: card.logit_scale,
        bias: options.flagBias ?? card.logit_bias ?? 0,
        source: 'model-card',
        detail: folder.files.modelCard,
      };
    }
  }
  if (folder.files.combined) {
    const combined = folder.files.combined;
    const hash = await options.hashFile(combined);
    const cacheFile = path.join(options.cacheDir, `${hash}.json`);
    const cached = await readJsonIfExists(cacheFile);
    if (isRecovered(cached)) {
      return { scale: cached.scale, bias: cached.bias, source: 'recovered-from-model.onnx', detail: `${combined} (cached fit, max residual ${cached.maxResidual.toExponential(2)})` };
    }
    const fit = await recoverFromCombined(model, combined);
    await writeJsonAtomic(cacheFile, { ...fit, file: combined, sha256: hash, recoveredAt: new Date().toISOString() });
    return {
      scale: fit.scale,
      bias: fit.bias,
      source: 'recovered-from-model.onnx',
      detail: `${combined} (least-squares fit over ${fit.pairs} pairs, max residual ${fit.maxResidual.toExponential(2)})`,
    };
  }
  const init = folder.family.initLogitScale(folder.config);
  options.warn(
    `WARNING: no learned logit scale for ${folder.dir}: no --logit-scale flag, no logit_scale in holoclip.json, no onnx/model.onnx. ` +
      `Falling back to ${init.detail} = ${init.scale.toFixed(4)}. Accuracy is unaffected, but calibration, MSP and ECE will be wrong: ` +
      `write {"logit_scale": <exp(learned logit_scale)>} to ${path.join(folder.dir, 'holoclip.json')}.`,
  );
  return { scale: init.scale, bias: options.flagBias ?? init.bias, source: 'config-init-fallback', detail: init.detail };
}

interface RecoveredFit {
  scale: number;
  bias: number;
  pairs: number;
  maxResidual: number;
}

function isRecovered(value: unknown): value is RecoveredFit {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.scale === 'number' && typeof v.bias === 'number' && typeof v.maxResidual === 'number';
}

const RECOVERY_PROMPTS = [
  'a photo of a dog.',
  'a sketch of a cat.',
  'a painting of a red car on a road.',
  'an origami bird.',
  'a cartoon of an airplane in the sky.',
  'a close-up photo of a tree.',
];

/** Deterministic pseudo-random pixels in the normalised range (seeded LCG). */
function syntheticPixels(n: number, h: number, w: number): Float32Array {
  const out = new Float32Array(n * 3 * h * w);
  let state = 12345;
  for (let i = 0; i < out.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const img = Math.floor(i / (3 * h * w));
    // smooth-ish content plus noise so images differ clearly
    out[i] = ((state / 4294967296) * 2 - 1) * 0.5 + Math.sin((i % w) * (img + 1) * 0.1);
  }
  return out;
}

/** Least squares logits = s * cos (+ b). Pure; exported for tests. */
export function fitScale(cos: Float64Array, logits: Float64Array, withBias: boolean): { scale: number; bias: number; maxResidual: number } {
  const n = cos.length;
  let scale: number;
  let bias = 0;
  if (withBias) {
    let sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (let i = 0; i < n; i++) {
      sx += cos[i]; sy += logits[i]; sxx += cos[i] * cos[i]; sxy += cos[i] * logits[i];
    }
    const den = n * sxx - sx * sx;
    if (Math.abs(den) < 1e-12) throw new HoloclipError('cannot recover the logit scale: the cosine similarities do not vary');
    scale = (n * sxy - sx * sy) / den;
    bias = (sy - scale * sx) / n;
  } else {
    let sxx = 0, sxy = 0;
    for (let i = 0; i < n; i++) {
      sxx += cos[i] * cos[i]; sxy += cos[i] * logits[i];
    }
    if (sxx < 1e-12) throw new HoloclipError('cannot recover the logit scale: all cosine similarities are zero');
    scale = sxy / sxx;
  }
  let maxResidual = 0;
  for (let i = 0; i < n; i++) maxResidual = Math.max(maxResidual, Math.abs(logits[i] - (scale * cos[i] + bias)));
  return { scale, bias, maxResidual };
}

async function recoverFromCombined(model: ClipFamilyModel, file: string): Promise<RecoveredFit> {
  const visionConfig = (model.folder.config.vision_config ?? {}) as Record<string, unknown>;
  const size = Number(visionConfig.image_size ?? 224);
  const nImg = 4;
  const tokens = await model.tokenize(RECOVERY_PROMPTS);
  const onnx = await loadOnnxruntime();
  let session: ort.InferenceSession;
  try {
    session = await onnx.InferenceSession.create(await fs.readFile(file), model.sessionOptions() as ort.InferenceSession.SessionOptions);
  } catch (err) {
    throw new HoloclipError(`cannot load ${file} to recover the logit scale: ${errorMessage(err).split('\n')[0]} (or give --logit-scale)`);
  }
  try {
    const available: Record<string, ort.Tensor> = {
      pixel_values: new onnx.Tensor('float32', syntheticPixels(nImg, size, size), [nImg, 3, size, size]),
      input_ids: tokens.input_ids.ort_tensor as ort.Tensor,
      attention_mask: tokens.attention_mask.ort_tensor as ort.Tensor,
    };
    const feed: Record<string, ort.Tensor> = {};
    for (const name of session.inputNames) {
      const t = available[name];
      if (!t) throw new HoloclipError(`${file} has an input "${name}" holoclip cannot fill; give --logit-scale instead`);
      feed[name] = t;
    }
    const needed = ['logits_per_image', 'image_embeds', 'text_embeds'];
    const missing = needed.filter((n) => !session.outputNames.includes(n));
    if (missing.length > 0) {
      throw new HoloclipError(`${file} lacks output(s) ${missing.join(', ')} needed to recover the logit scale; give --logit-scale instead`);
    }
    const out = await session.run(feed);
    const img = Float32Array.from(out.image_embeds.data as Float32Array);
    const txt = Float32Array.from(out.text_embeds.data as Float32Array);
    const dim = out.image_embeds.dims[1];
    const nTxt = RECOVERY_PROMPTS.length;
    l2NormalizeRows(img, nImg, dim);
    l2NormalizeRows(txt, nTxt, dim);
    const logits = out.logits_per_image.data as Float32Array;
    const cos = new Float64Array(nImg * nTxt);
    const lg = new Float64Array(nImg * nTxt);
    for (let i = 0; i < nImg; i++) {
      for (let j = 0; j < nTxt; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += img[i * dim + k] * txt[j * dim + k];
        cos[i * nTxt + j] = s;
        lg[i * nTxt + j] = logits[i * nTxt + j];
      }
    }
    const fit = fitScale(cos, lg, model.folder.family.scoring === 'sigmoid');
    const tolerance = 1e-3 * Math.max(1, fit.scale);
    if (!(fit.scale > 0) || fit.maxResidual > tolerance) {
      throw new HoloclipError(
        `${file}: logits_per_image is not a scaled cosine (fit scale ${fit.scale}, max residual ${fit.maxResidual}); give --logit-scale instead`,
      );
    }
    return { ...fit, pairs: nImg * nTxt };
  } finally {
    await session.release();
  }
}
