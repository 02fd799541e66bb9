/**
 * A CLIP-family model loaded from a local folder: two towers (transformers.js model classes on
 * onnxruntime-node, CPU or CUDA: see device.ts) and a tokenizer. Towers load lazily, so a run whose embeddings are all
 * cached never loads the vision model. Every embedding it returns is L2-normalised.
 */
import os from 'node:os';
import { HoloclipError, errorMessage } from '../errors.js';
import { l2NormalizeRows } from '../metrics/vector.js';
import { CPU_DEVICE, type ResolvedDevice } from './device.js';
import type { Dtype } from './dtype.js';
import type { ImageEncoder } from './image-encoder.js';
import { inspectModelFolder, type ModelFolder } from './model-folder.js';
import { loadTransformers, type Transformers } from './transformers-env.js';
import { onnxSessionOptions } from './session-options.js';

type Tensor = InstanceType<Transformers['Tensor']>;
type PretrainedModel = InstanceType<Transformers['PreTrainedModel']>;
type Tokenizer = InstanceType<Transformers['PreTrainedTokenizer']>;

export interface LoadOptions {
  dtype?: Dtype;
  /** intra-op threads for onnxruntime (default: all cores). */
  threads?: number;
  /** onnxruntime execution provider (default CPU; resolved by resolveDevice). */
  device?: ResolvedDevice;
}

export interface TowerInfo {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

export class ClipFamilyModel implements ImageEncoder {
  readonly kind = 'two-tower' as const;
  readonly folder: ModelFolder;
  readonly threads: number;
  readonly device: ResolvedDevice;
  private visionPromise: Promise<PretrainedModel> | null = null;
  private textPromise: Promise<PretrainedModel> | null = null;
  private tokenizerPromise: Promise<Tokenizer> | null = null;

  private constructor(folder: ModelFolder, threads: number, device: ResolvedDevice) {
    this.folder = folder;
    this.threads = threads;
    this.device = device;
  }

  static async open(dir: string, options: LoadOptions = {}): Promise<ClipFamilyModel> {
    return ClipFamilyModel.fromFolder(await inspectModelFolder(dir, options.dtype ?? 'fp32'), options);
  }

  /** A model from a folder already inspected (a suite inspects each folder once, at load time). */
  static fromFolder(folder: ModelFolder, options: LoadOptions = {}): ClipFamilyModel {
    return new ClipFamilyModel(folder, options.threads ?? Math.max(1, os.availableParallelism()), options.device ?? CPU_DEVICE);
  }

  get modelType(): string {
    return this.folder.family.modelType;
  }
  get dir(): string {
    return this.folder.dir;
  }
  get dtype(): string {
    return this.folder.dtype;
  }
  get imageFile(): string {
    return this.folder.files.vision;
  }

  /** onnxruntime session options shared by every session holoclip creates (also used by the benchmark). */
  sessionOptions(): Record<string, unknown> {
    return onnxSessionOptions(this.threads);
  }

  private async loadTower(kind: 'vision' | 'text'): Promise<PretrainedModel> {
    const transformers = await loadTransformers();
    const family = this.folder.family;
    const className = kind === 'vision' ? family.visionClass : family.textClass;
    const cls = transformers[className];
    const file = kind === 'vision' ? this.folder.files.vision : this.folder.files.text;
    return cls
      .from_pretrained(this.folder.dir, {
        dtype: this.folder.dtype,
        device: this.device.provider,
        local_files_only: true,
        session_options: this.sessionOptions(),
      })
      .catch((err: unknown) => {
        throw new HoloclipError(`cannot load ${file} with onnxruntime: ${firstLine(errorMessage(err))}`, { cause: err });
      });
  }

  private vision(): Promise<PretrainedModel> {
    this.visionPromise ??= this.loadTower('vision');
    return this.visionPromise;
  }

  private text(): Promise<PretrainedModel> {
    this.textPromise ??= this.loadTower('text');
    return this.textPromise;
  }

  tokenizer(): Promise<Tokenizer> {
    this.tokenizerPromise ??= loadTransformers().then((transformers) => transformers.AutoTokenizer.from_pretrained(this.folder.dir, { local_files_only: true })).catch(
      (err: unknown) => {
        throw new HoloclipError(`cannot load tokenizer ${this.folder.files.tokenizer}: ${firstLine(errorMessage(err))}`, {
          cause: err,
        });
      },
    );
    return this.tokenizerPromise;
  }

  async visionInfo(): Promise<TowerInfo> {
    return sessionInfo(await this.vision());
  }

  /** Maximum text length in tokens: the smaller of the tokenizer's and the text tower's limits. */
  async maxTextLength(): Promise<number> {
    const tok = await this.tokenizer();
    const textConfig = (this.folder.config.text_config ?? {}) as Record<string, unknown>;
    const limits: number[] = [];
    const fromTok = Number(tok.model_max_length);
    if (Number.isFinite(fromTok) && fromTok > 0 && fromTok < 1e6) limits.push(fromTok);
    const fromCfg = Number(textConfig.max_position_embeddings);
    if (Number.isFinite(fromCfg) && fromCfg > 0) limits.push(fromCfg);
    return limits.length > 0 ? Math.min(...limits) : this.folder.family.defaultMaxLength;
  }

  /**
   * Token ids exactly as the text tower receives them. Truncation follows Hugging Face's Python
   * tokenizers (and open_clip): a text longer than the limit keeps its first tokens and still ends
   * with the EOS token, which CLIP and SigLIP pool from. (transformers.js would append EOS and then
   * cut, dropping it.) CLIP pads to the longest text, SigLIP to the maximum length.
   */
  async tokenize(texts: readonly string[]): Promise<{ input_ids: Tensor; attention_mask: Tensor; truncated: number }> {
    const tok = await this.tokenizer();
    const transformers = await loadTransformers();
    const maxLength = await this.maxTextLength();
    const eos = tok.eos_token_id;
    const pad = tok.pad_token_id ?? eos;
    if (typeof pad !== 'number') {
      throw new HoloclipError(`tokenizer ${this.folder.files.tokenizer} defines neither a pad nor an EOS token`);
    }
    let truncated = 0;
    const seqs = texts.map((text) => {
      const ids = tok.encode(text);
      if (ids.length <= maxLength) return ids;
      truncated++;
      const endsWithEos = typeof eos === 'number' && ids[ids.length - 1] === eos;
      return endsWithEos ? [...ids.slice(0, maxLength - 1), eos] : ids.slice(0, maxLength);
    });
    const width = this.folder.family.textPadding === 'max_length' ? maxLength : Math.max(1, ...seqs.map((s) => s.length));
    const ids = new BigInt64Array(texts.length * width);
    const mask = new BigInt64Array(texts.length * width);
    seqs.forEach((seq, i) => {
      for (let j = 0; j < width; j++) {
        ids[i * width + j] = BigInt(j < seq.length ? seq[j] : pad);
        mask[i * width + j] = j < seq.length ? 1n : 0n;
      }
    });
    return {
      input_ids: new transformers.Tensor('int64', ids, [texts.length, width]),
      attention_mask: new transformers.Tensor('int64', mask, [texts.length, width]),
      truncated,
    };
  }

  /**
   * Raw tower outputs for a batch of preprocessed images (N x 3 x H x W, CHW float32).
   * Returns the unnormalised embeddings; `embedImages` normalises them.
   */
  async imageFeatures(pixels: Float32Array, n: number, height: number, width: number): Promise<{ data: Float32Array; dim: number }> {
    const model = await this.vision();
    const transformers = await loadTransformers();
    const input = new transformers.Tensor('float32', pixels, [n, 3, height, width]);
    const out = await runTower(model, { pixel_values: input }, this.folder.family.imageEmbedOutput, this.folder.files.vision);
    return out;
  }

  async embedImages(pixels: Float32Array, n: number, height: number, width: number): Promise<{ data: Float32Array; dim: number }> {
    const { data, dim } = await this.imageFeatures(pixels, n, height, width);
    l2NormalizeRows(data, n, dim);
    return { data, dim };
  }

  /** Raw text tower outputs for token ids (unnormalised). */
  async textFeatures(texts: readonly string[]): Promise<{ data: Float32Array; dim: number }> {
    const model = await this.text();
    const tokens = await this.tokenize(texts);
    return runTower(model, { input_ids: tokens.input_ids, attention_mask: tokens.attention_mask }, this.folder.family.textEmbedOutput, this.folder.files.text);
  }

  /** L2-normalised text embeddings, batched so any number of texts fits in memory. */
  async embedTexts(texts: readonly string[], batchSize = 64): Promise<{ data: Float32Array; dim: number }> {
    let result: Float32Array | null = null;
    let dim = 0;
    for (let start = 0; start < texts.length; start += batchSize) {
      const chunk = texts.slice(start, start + batchSize);
      const feats = await this.textFeatures(chunk);
      dim = feats.dim;
      l2NormalizeRows(feats.data, chunk.length, dim);
      result ??= new Float32Array(texts.length * dim);
      result.set(feats.data, start * dim);
    }
    return { data: result ?? new Float32Array(0), dim };
  }

  async dispose(): Promise<void> {
    const towers = [this.visionPromise, this.textPromise].filter((p): p is Promise<PretrainedModel> => p !== null);
    for (const p of towers) {
      try {
        await (await p).dispose();
      } catch {
        // already failed to load: nothing to release
      }
    }
  }
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim().length > 0) ?? text;
  return line.length > 300 ? `${line.slice(0, 300)}...` : line;
}

function sessionInfo(model: PretrainedModel): TowerInfo {
  const session = Object.values(model.sessions)[0] as { inputNames: string[]; outputNames: string[] };
  return { inputNames: session.inputNames, outputNames: session.outputNames };
}

async function runTower(
  model: PretrainedModel,
  inputs: Record<string, Tensor>,
  outputName: string,
  file: string,
): Promise<{ data: Float32Array; dim: number }> {
  const info = sessionInfo(model);
  const feed: Record<string, Tensor> = {};
  for (const name of info.inputNames) {
    const tensor = inputs[name];
    if (!tensor) {
      throw new HoloclipError(`${file} expects an input named "${name}"; holoclip provides ${Object.keys(inputs).join(', ')}`);
    }
    feed[name] = tensor;
  }
  if (!info.outputNames.includes(outputName)) {
    throw new HoloclipError(
      `${file} has no output "${outputName}" (outputs: ${info.outputNames.join(', ')}); is this the right model_type?`,
    );
  }
  let out: Record<string, Tensor>;
  try {
    out = (await model.forward(feed)) as Record<string, Tensor>;
  } catch (err) {
    throw new HoloclipError(`inference failed in ${file}: ${firstLine(errorMessage(err))}`, { cause: err });
  }
  const tensor = out[outputName];
  if (!tensor) throw new HoloclipError(`${file} returned no "${outputName}"`);
  const dims = tensor.dims;
  const dim = dims[dims.length - 1] ?? 0;
  const raw = tensor.data;
  const data = raw instanceof Float32Array ? raw : Float32Array.from(raw as ArrayLike<number>);
  return { data, dim };
}
