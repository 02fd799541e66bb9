/**
 * An image classifier exported to ONNX (`onnx/model{suffix}.onnx`: pixel_values -> logits) with its
 * class list in config.json `id2label`, e.g. a fine-tuned CLIP image tower from the mini zoo, or an
 * ImageNet baseline such as a transformers.js ResNet-50 export. Evaluated like any model: its
 * logits are cached per image in the store, and datasets are scored by class name.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as ort from 'onnxruntime-node';
import { HoloclipError, errorMessage } from '../errors.js';
import { checkPreprocessorDimensions } from './config-dimensions.js';
import { loadOnnxruntime } from '../util/heavy-modules.js';
import { CPU_DEVICE, type ResolvedDevice } from './device.js';
import { type Dtype, towerFileName } from './dtype.js';
import { readJsonLeniently, requireRegularFile } from './model-folder.js';
import type { ImageEncoder } from './image-encoder.js';
import { onnxSessionOptions } from './session-options.js';

export interface ClassifierFolder {
  readonly dir: string;
  readonly dtype: Dtype;
  readonly config: Readonly<Record<string, unknown>>;
  readonly labels: string[];
  readonly files: { config: string; preprocessorConfig: string; model: string; modelCard: string | null };
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/** True when a folder holds a classifier (config.json with id2label, onnx/model*.onnx, no vision tower). */
export function isClassifierConfig(config: Readonly<Record<string, unknown>>): boolean {
  return config.model_type === 'holoclip-classifier' || (typeof config.id2label === 'object' && config.id2label !== null && !('vision_config' in config));
}

export function labelsFromConfig(config: Readonly<Record<string, unknown>>, file: string): string[] {
  const id2label = config.id2label;
  if (typeof id2label !== 'object' || id2label === null) throw new HoloclipError(`classifier config ${file} has no "id2label" object`);
  const entries = Object.entries(id2label as Record<string, unknown>);
  const labels = new Array<string>(entries.length);
  for (const [k, v] of entries) {
    const i = Number(k);
    if (!Number.isInteger(i) || i < 0 || i >= entries.length || typeof v !== 'string') {
      throw new HoloclipError(`classifier config ${file}: id2label must map 0..${entries.length - 1} to names (bad entry ${JSON.stringify(k)}: ${JSON.stringify(v)})`);
    }
    labels[i] = v;
  }
  return labels;
}

export async function inspectClassifierFolder(dir: string, config: Readonly<Record<string, unknown>>, dtype: Dtype): Promise<ClassifierFolder> {
  const configFile = path.join(dir, 'config.json');
  const preprocessorConfig = path.join(dir, 'preprocessor_config.json');
  if (!(await exists(preprocessorConfig))) throw new HoloclipError(`classifier folder ${dir} is missing preprocessor_config.json`);
  const model = path.join(dir, towerFileName('model', dtype));
  if (!(await exists(model))) throw new HoloclipError(`classifier folder ${dir} has no ${towerFileName('model', dtype)} for --dtype ${dtype}`);
  await requireRegularFile(configFile, 'model config');
  await requireRegularFile(preprocessorConfig, 'image preprocessing config');
  await requireRegularFile(model, 'classifier model');
  checkPreprocessorDimensions(await readJsonLeniently(preprocessorConfig), preprocessorConfig);
  const card = path.join(dir, 'holoclip.json');
  return { dir, dtype, config, labels: labelsFromConfig(config, configFile), files: { config: configFile, preprocessorConfig, model, modelCard: (await exists(card)) ? card : null } };
}

export class ImageClassifierModel implements ImageEncoder {
  readonly kind = 'classifier' as const;
  private sessionPromise: Promise<ort.InferenceSession> | null = null;

  constructor(
    readonly folder: ClassifierFolder,
    readonly threads: number = Math.max(1, os.availableParallelism()),
    readonly device: ResolvedDevice = CPU_DEVICE,
  ) {}

  get modelType(): string {
    return typeof this.folder.config.model_type === 'string' ? this.folder.config.model_type : 'classifier';
  }
  get dir(): string {
    return this.folder.dir;
  }
  get dtype(): string {
    return this.folder.dtype;
  }
  get imageFile(): string {
    return this.folder.files.model;
  }

  private session(): Promise<ort.InferenceSession> {
    this.sessionPromise ??= loadOnnxruntime().then((onnx) => onnx.InferenceSession.create(this.folder.files.model, {
      ...onnxSessionOptions(this.threads),
      executionProviders: [this.device.provider],
    })).catch((err: unknown) => {
      throw new HoloclipError(`cannot load ${this.folder.files.model} with onnxruntime: ${errorMessage(err).split('\n')[0]}`);
    });
    return this.sessionPromise;
  }

  /** Raw logits over the classifier's own classes (not normalised). */
  async embedImages(pixels: Float32Array, n: number, height: number, width: number): Promise<{ data: Float32Array; dim: number }> {
    const session = await this.session();
    const onnx = await loadOnnxruntime();
    const input = session.inputNames[0];
    const output = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    const out = await session.run({ [input]: new onnx.Tensor('float32', pixels, [n, 3, height, width]) }).catch((err: unknown) => {
      throw new HoloclipError(`inference failed in ${this.folder.files.model}: ${errorMessage(err).split('\n')[0]}`);
    });
    const t = out[output];
    const dim = t.dims[t.dims.length - 1];
    if (dim !== this.folder.labels.length) {
      throw new HoloclipError(`${this.folder.files.model} outputs ${dim} logits but config.json id2label names ${this.folder.labels.length} classes`);
    }
    return { data: Float32Array.from(t.data as Float32Array), dim };
  }

  async dispose(): Promise<void> {
    if (this.sessionPromise) await (await this.sessionPromise.catch(() => null))?.release();
  }
}

/**
 * Columns of the classifier's logits for each dataset class, matched by name (exactly, then
 * case-insensitively). A dataset class the classifier does not know is an error.
 */
export function mapClassesToLabels(classnames: readonly string[], labels: readonly string[], modelDir: string): Int32Array {
  const exact = new Map(labels.map((l, i) => [l, i]));
  const lower = new Map(labels.map((l, i) => [l.toLowerCase(), i]));
  const missing: string[] = [];
  const cols = Int32Array.from(classnames, (name) => {
    const i = exact.get(name) ?? lower.get(name.toLowerCase());
    if (i === undefined) {
      missing.push(name);
      return -1;
    }
    return i;
  });
  if (missing.length > 0) {
    throw new HoloclipError(`classifier ${modelDir} has no class named ${missing.slice(0, 5).map((m) => JSON.stringify(m)).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''}; its classes are its config.json id2label`);
  }
  return cols;
}
