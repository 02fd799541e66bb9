/**
 * What every evaluation task shares: one model (lazy towers), one store, the logit scale and its
 * source, the preprocessing, and the cached embedding of datasets and texts. Tasks compose these;
 * none of them runs a model directly, so every task reads the same cached arrays.
 */
import os from 'node:os';
import path from 'node:path';
import { protocolLabel } from '../corruptions/protocol.js';
import { corruptionLabel, type CorruptionSpec } from '../corruptions/registry.js';
import type { Dataset } from '../data/index.js';
import type { ItemList } from '../data/item-list.js';
import { ItemStatCache } from '../data/item-bytes.js';
import { HoloclipError } from '../errors.js';
import { createPreprocessor, DEFAULT_MAX_IMAGE_PIXELS, isValidMaxImagePixels, type ImagePreprocessor, type PreprocessChoice } from '../image/index.js';
import { l2NormalizeRows } from '../metrics/vector.js';
import { ClipFamilyModel } from '../models/clip-model.js';
import { ImageClassifierModel, mapClassesToLabels } from '../models/image-classifier.js';
import { openModel, type AnyModel, type InspectedModel } from '../models/open-model.js';
import { deviceConventions, resolveDevice, type DeviceChoice } from '../models/device.js';
import type { Dtype } from '../models/dtype.js';
import { resolveLogitScale, type LogitScale } from '../models/logit-scale.js';
import { readModelCard, type ModelCard } from '../models/model-card.js';
import { identifyClassifier, identifyModel, type ModelIdentity } from '../models/model-identity.js';
import { cosineMatrix, logitsFromCosine, logitsFromCosineInPlace, type ScoringRule } from '../models/scoring.js';
import { defaultDecodeWorkers, embedImages, type EmbedImagesResult, type ItemFailure } from '../pipeline/embed-images.js';
import { locateImageSpace, openImageSpace } from '../pipeline/image-space.js';
import { canonicalKey } from '../store/canonical-json.js';
import { EmbeddingStore, type EmbeddingSpace } from '../store/embedding-store.js';
import { FileHashIndex } from '../store/hash.js';
import type { KeyList } from '../store/packed-keys.js';
import type { ProgressSink } from '../util/progress.js';
import { HOLOCLIP_VERSION } from '../util/version.js';
import type { ModelRecord, DatasetRecord } from './result-envelope.js';
import { buildZeroShotClassifier, type ClassifierWeights } from '../head/text-classifier.js';


export interface CommonEvalOptions {
  readonly model: string;
  readonly dtype: Dtype;
  readonly batchSize: number;
  readonly store: string;
  readonly preprocess: PreprocessChoice;
  readonly logitScale?: number;
  readonly logitBias?: number;
  readonly threads?: number;
  /** onnxruntime execution provider: cpu (default), cuda, or auto (CUDA when it runs here, else CPU). Provenance only. */
  readonly device?: DeviceChoice;
  /** Decode worker threads (default: from the cores, see defaultDecodeWorkers). */
  readonly decodeWorkers?: number;
  /** Pillow's MAX_IMAGE_PIXELS rule for every image decoded (default 89,478,485; 0 for none). */
  readonly maxImagePixels?: number;
  /**
   * A damaged store entry (embedding chunk, text-cache entry) is removed and recomputed, with a warning
   * (default: an error naming the file).
   */
  readonly repair?: boolean;
  /** Where logitScale / logitBias come from: a command-line flag (default) or the suite file. */
  readonly logitScaleSource?: 'flag' | 'suite';
  /** The folder as already inspected, and its model card (a suite resolves both once). */
  readonly inspected?: InspectedModel;
  readonly card?: ModelCard | null;
  /**
   * One run's shared state, so a suite's models do not redo it: the store's file hash index (read once, saved by
   * its owner) and the item stats (each image stat'ed once per run). A single `eval` opens its own.
   */
  readonly shared?: { readonly hashIndex: FileHashIndex; readonly itemStats: ItemStatCache };
  readonly progress: ProgressSink;
  readonly warn: (message: string) => void;
}

/**
 * How dataset classes are scored: a zero-shot text head (two-tower models), or the columns of a
 * classifier's own logits matched by class name.
 */
export type ClassHead =
  | (ClassifierWeights & { kind: 'text' })
  | { kind: 'label-map'; columns: Int32Array; classes: number; cacheKey: string; fromCache: boolean };

/**
 * A dataset after embedding, its rows left in the store: the images that could be read (with their store keys) and
 * what failed. {@link EvalContext.logitBlocks} reads the rows in blocks.
 */
export interface EmbeddedItems {
  readonly dataset: Dataset;
  /** The items embedded (or found), in dataset order (packed: keep positions, not items). */
  readonly ok: ItemList;
  /** The store keys of `ok`, same order (packed: {@link KeyList.slice} gives strings). */
  readonly keys: KeyList;
  readonly failures: ItemFailure[];
  readonly n: number;
  readonly dim: number;
  readonly inferred: number;
  readonly seconds: EmbedImagesResult['seconds'];
  readonly jpegDecoder: EmbedImagesResult['jpegDecoder'];
}

/** A dataset after embedding, with its L2-normalised embeddings held whole. */
export interface EmbeddedSet extends EmbeddedItems {
  /** n x dim, rows in the order of `ok`. */
  readonly embeddings: Float32Array;
}

/**
 * Rows [start, start + count) of an embedded set, scored: logits (and the cosines they came from, when asked). The
 * arrays are reused for the next block of the same {@link EvalContext.logitBlocks} call: use (or copy) them first.
 */
export interface LogitBlock {
  readonly start: number;
  readonly count: number;
  /** count x classes, row-major. */
  readonly logits: Float32Array;
  /** count x classes; null unless asked for, and always for a classifier's label-map head. */
  readonly cosines: Float32Array | null;
}

/** Rows per block of {@link EvalContext.logitBlocks}: a few thousand, fewer for very wide heads (~16 MB a matrix). */
export function logitBlockRows(classes: number, dim: number): number {
  return Math.max(64, Math.min(4096, Math.floor((1 << 22) / Math.max(1, classes, dim))));
}

export class EvalContext {
  private spacePromise: Promise<EmbeddingSpace> | null = null;
  /** Item stats, one per context (or the run's, when shared): each image is stat'ed once. */
  private itemStats: ItemStatCache | null = null;

  private constructor(
    readonly options: CommonEvalOptions,
    readonly model: AnyModel,
    readonly store: EmbeddingStore,
    readonly hashIndex: FileHashIndex,
    readonly identity: ModelIdentity,
    readonly preprocessor: ImagePreprocessor,
    readonly logitScale: LogitScale,
    readonly card: ModelCard | null,
  ) {}

  static async open(options: CommonEvalOptions): Promise<EvalContext> {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new HoloclipError(`--batch-size must be a positive integer (got ${options.batchSize})`);
    }
    if (options.maxImagePixels !== undefined && !isValidMaxImagePixels(options.maxImagePixels)) {
      throw new HoloclipError(`--max-image-pixels must be a non-negative integer, 0 for no limit (got ${options.maxImagePixels})`);
    }
    const device = await resolveDevice(options.device ?? 'cpu');
    const model = await openModel(options.model, { dtype: options.dtype, threads: options.threads, device, inspected: options.inspected });
    try {
      const store = await EmbeddingStore.open(options.store, { repair: options.repair === true, warn: options.warn });
      const hashIndex = options.shared?.hashIndex ?? (await FileHashIndex.open(store.root));
      const preprocessor = await createPreprocessor(model.dir, options.preprocess);
      const cardFile = model.folder.files.modelCard;
      const card = options.card !== undefined ? options.card : cardFile ? await readModelCard(cardFile) : null;
      let identity: ModelIdentity;
      let logitScale: LogitScale;
      if (model instanceof ImageClassifierModel) {
        identity = await identifyClassifier(model.folder, hashIndex);
        logitScale = { scale: 1, bias: 0, source: 'classifier-logits', detail: `${model.imageFile} outputs logits over its ${model.folder.labels.length} classes` };
      } else {
        identity = await identifyModel(model.folder, hashIndex);
        logitScale = await resolveLogitScale(model, {
          flagScale: options.logitScale,
          flagBias: options.logitBias,
          overrideSource: options.logitScaleSource,
          card,
          cacheDir: path.join(store.root, 'logit-scale'),
          hashFile: (f) => hashIndex.hashFile(f),
          warn: options.warn,
        });
      }
      return new EvalContext(options, model, store, hashIndex, identity, preprocessor, logitScale, card);
    } catch (err) {
      await model.dispose();
      throw err;
    }
  }

  get rule(): ScoringRule {
    const kind = this.model instanceof ClipFamilyModel ? this.model.folder.family.scoring : 'softmax';
    return { kind, scale: this.logitScale.scale, bias: this.logitScale.bias };
  }

  /** The two-tower model, or a clear error for tasks that need a text tower. */
  twoTower(what: string): ClipFamilyModel {
    if (this.model instanceof ClipFamilyModel) return this.model;
    throw new HoloclipError(`${what} needs a model with a text tower; ${this.model.dir} is an image classifier`);
  }

  private spaceInputs(): Parameters<typeof openImageSpace>[0] {
    return { store: this.store, model: this.model, identity: this.identity, preprocessor: this.preprocessor };
  }

  private space(): Promise<EmbeddingSpace> {
    this.spacePromise ??= openImageSpace(this.spaceInputs());
    return this.spacePromise;
  }

  private checkTowerDims(textDim: number, imageDim: number): void {
    if (textDim !== imageDim) {
      throw new HoloclipError(`text embeddings have ${textDim} dimensions but image embeddings ${imageDim}: ${this.model.folder.dir} mixes towers from different models`);
    }
  }

  /**
   * The space, or, for a model the store has never seen (its dimension must be probed by loading and running it),
   * a function that opens it: embedImages calls it once its decode workers are reading the first batches, so that
   * loading the model (which holds the main thread) and decoding overlap.
   */
  private async spaceOrOpener(): Promise<EmbeddingSpace | (() => Promise<EmbeddingSpace>)> {
    if (this.spacePromise !== null) return this.spacePromise;
    const inputs = this.spaceInputs();
    const located = await locateImageSpace(inputs);
    if (located.dim !== undefined) return (this.spacePromise ??= openImageSpace(inputs, located));
    return () => (this.spacePromise ??= openImageSpace(inputs, located));
  }

  /**
   * Embed (or read from the store) every image of a dataset, or of its corrupted version. Fails only
   * if no image can be read.
   */
  async embed(dataset: Dataset, label = 'images', transform: { corruption?: CorruptionSpec; depthPaths?: ReadonlyMap<number, string> } = {}): Promise<EmbeddedSet> {
    const items = await this.embedItems(dataset, label, transform);
    const space = await this.space();
    const embeddings = space.getRows(items.keys.slice());
    // The set holds its rows now: the chunks' copies (loaded by getRows) would double them.
    space.dropCachedRows();
    return { ...items, embeddings };
  }

  /**
   * {@link embed} without reading the rows: they stay in the store, for tasks that score them in blocks
   * ({@link logitBlocks}) so that neither the n x dim embeddings nor the n x classes logits are ever held whole.
   */
  async embedItems(dataset: Dataset, label = 'images', transform: { corruption?: CorruptionSpec; depthPaths?: ReadonlyMap<number, string> } = {}): Promise<EmbeddedItems> {
    const first = await this.spaceOrOpener();
    const run = (space: EmbeddingSpace | (() => Promise<EmbeddingSpace>)) =>
      embedImages({
        corruption: transform.corruption ?? dataset.corruption?.spec,
        depthPaths: transform.depthPaths ?? dataset.corruption?.depthPaths,
        cropBorder: dataset.cropBorder,
        items: dataset.items,
        model: this.model,
        preprocessor: this.preprocessor,
        space,
        hashIndex: this.hashIndex,
        itemStats: (this.itemStats ??= this.options.shared?.itemStats ?? new ItemStatCache()),
        batchSize: this.options.batchSize,
        progress: this.options.progress,
        label: `embedding ${label}`,
        decodeWorkers: this.decodeWorkers,
        maxImagePixels: this.maxImagePixels,
        warn: this.options.warn,
      });
    let res = await run(first);
    const space = await this.space();
    let inferred = res.inferred;
    if (this.options.repair === true) {
      // Check every chunk these rows come from; remove the damaged ones and embed their images again.
      const damaged = space.damagedAmong(res.keys);
      if (damaged.length > 0) {
        for (const d of damaged) {
          await space.removeChunk(d);
          this.options.warn(`removed the damaged embedding chunk ${d.file} (${d.problem}); its images are embedded again`);
        }
        res = await run(space);
        inferred += res.inferred;
      }
    }
    if (res.ok.length === 0) {
      throw new HoloclipError(`no image of ${dataset.source} could be read (${res.failures.length} failed; first: ${res.failures[0]?.error ?? 'none'})`);
    }
    // Rows a repair check loaded are read again when they are scored.
    space.dropCachedRows();
    return {
      dataset,
      ok: res.ok,
      keys: res.keys,
      failures: res.failures,
      n: res.ok.length,
      dim: space.dim,
      inferred,
      seconds: res.seconds,
      jpegDecoder: res.jpegDecoder,
    };
  }

  /**
   * The class head for a dataset: zero-shot class weights (template ensemble, cached in the store)
   * for two-tower models; for a classifier, its logit columns matched to the class names.
   */
  async classifier(classnames: readonly string[], templates: readonly string[]): Promise<ClassHead> {
    if (this.model instanceof ImageClassifierModel) {
      const columns = mapClassesToLabels(classnames, this.model.folder.labels, this.model.dir);
      return { kind: 'label-map', columns, classes: classnames.length, cacheKey: 'classifier-labels', fromCache: true };
    }
    const weights = await buildZeroShotClassifier({
      model: this.model,
      textFilesHash: this.identity.text,
      classnames,
      templates,
      store: this.store,
      progress: this.options.progress,
    });
    // Checked here when the image dimension is known without loading the image tower (the store has the space);
    // otherwise by scores(), once the images are embedded (a new model's image tower then loads while decoding).
    const imageDim = this.spacePromise !== null ? (await this.spacePromise).dim : (await locateImageSpace(this.spaceInputs())).dim;
    if (imageDim !== undefined) this.checkTowerDims(weights.dim, imageDim);
    return { ...weights, kind: 'text' };
  }

  /** L2-normalised embeddings of arbitrary texts (e.g. captions), cached in the store by content. */
  async textEmbeddings(texts: readonly string[], label = 'texts'): Promise<{ data: Float32Array; dim: number; key: string; fromCache: boolean }> {
    const meta = { kind: 'text-embeddings', model_type: this.model.modelType, dtype: this.model.dtype, files: this.identity.text, texts: [...texts] };
    const key = canonicalKey(meta);
    const model = this.twoTower('text retrieval');
    const hit = await this.store.getTextMatrix(key);
    if (hit && hit.count === texts.length) return { data: hit.rows, dim: hit.dim, key, fromCache: true };
    const progress = this.options.progress;
    progress.start(`encoding ${label}`, texts.length, 'text');
    const batch = 256;
    let out: Float32Array | null = null;
    let dim = 0;
    for (let i = 0; i < texts.length; i += batch) {
      const emb = await model.embedTexts(texts.slice(i, i + batch));
      dim = emb.dim;
      out ??= new Float32Array(texts.length * dim);
      out.set(emb.data, i * dim);
      progress.update(Math.min(texts.length, i + batch));
    }
    progress.finish();
    const data = out ?? new Float32Array(0);
    l2NormalizeRows(data, texts.length, dim);
    await this.store.putTextMatrix(key, data, [texts.length, dim], { ...meta, texts: texts.length });
    return { data, dim, key, fromCache: false };
  }

  /**
   * Logits of an embedded set for the head's classes, as {@link scores} gives them, for tasks that do not use the
   * cosines: scale * cos + bias is computed in place over the cosine matrix, so an n x classes matrix is held once.
   */
  logits(set: EmbeddedSet, head: ClassHead): Float32Array {
    if (head.kind === 'label-map') return this.scores(set, head).logits;
    const cosines = cosineMatrix(set.embeddings, set.n, head.weights, head.classes, set.dim);
    return logitsFromCosineInPlace(cosines, this.rule);
  }

  /**
   * Logits of an embedded set for the head's classes: scale * cos + bias for a text head (with the
   * cosines, which MCM uses), or the classifier's own logits for its matched columns (no cosines).
   */
  scores(set: EmbeddedSet, head: ClassHead): { cosines: Float32Array | null; logits: Float32Array } {
    if (head.kind === 'label-map') {
      return { cosines: null, logits: labelMapLogits(set.embeddings, set.n, set.dim, head.columns) };
    }
    this.checkTowerDims(head.dim, set.dim);
    const cosines = cosineMatrix(set.embeddings, set.n, head.weights, head.classes, set.dim);
    return { cosines, logits: logitsFromCosine(cosines, this.rule) };
  }

  /**
   * The logits of an embedded set's rows, block after block in row order, as {@link scores} gives them (bit-identical
   * rows): each block's embeddings are read from the store's chunks, scored, and dropped, so memory holds one block
   * (`blockRows` rows, default {@link logitBlockRows}) whatever the set's size. With `cosines`, a text head's blocks
   * carry their cosines too (MCM uses them). Every block is formed in the same arrays (allocated once per call: a
   * 100,000-image set made some 25 blocks of 3.4 MB each, garbage outside the heap until a full GC): a block's arrays
   * are valid until the next block is asked for.
   */
  async logitBlocks(set: EmbeddedItems, head: ClassHead, options: { cosines?: boolean; blockRows?: number } = {}): Promise<Iterable<LogitBlock>> {
    const space = await this.space();
    if (head.kind === 'text') this.checkTowerDims(head.dim, set.dim);
    const rule = this.rule;
    const blockRows = options.blockRows ?? logitBlockRows(head.classes, set.dim);
    if (!Number.isSafeInteger(blockRows) || blockRows < 1) throw new RangeError(`logitBlocks: blockRows must be a positive integer (got ${blockRows})`);
    const withCosines = options.cosines === true;
    const full = Math.min(blockRows, set.n);
    function* blocks(): Generator<LogitBlock> {
      const rowsBuf = new Float32Array(full * set.dim);
      const scoreBuf = new Float32Array(full * head.classes);
      const logitBuf = withCosines && head.kind === 'text' ? new Float32Array(full * head.classes) : null;
      for (let start = 0; start < set.n; start += blockRows) {
        const count = Math.min(blockRows, set.n - start);
        const rows = space.getRows(set.keys.slice(start, start + count), rowsBuf);
        space.dropCachedRows();
        if (head.kind === 'label-map') {
          yield { start, count, logits: labelMapLogits(rows, count, set.dim, head.columns, scoreBuf), cosines: null };
        } else {
          const cos = cosineMatrix(rows, count, head.weights, head.classes, set.dim, scoreBuf);
          if (logitBuf === null) {
            yield { start, count, logits: logitsFromCosineInPlace(cos, rule), cosines: null };
          } else {
            const logits = logitBuf.subarray(0, cos.length);
            logits.set(cos);
            yield { start, count, logits: logitsFromCosineInPlace(logits, rule), cosines: cos };
          }
        }
      }
    }
    return blocks();
  }

  /** The first fields of every task's result.json. */
  envelopeHead(task: string): { task: string; holoclip_version: string; created: string; model: ModelRecord } {
    return { task, holoclip_version: HOLOCLIP_VERSION, created: new Date().toISOString(), model: this.modelRecord() };
  }

  modelRecord(): ModelRecord {
    return {
      path: this.model.dir,
      model_type: this.model.modelType,
      dtype: this.model.dtype,
      logit_scale: this.logitScale.scale,
      logit_bias: this.logitScale.bias,
      logit_scale_source: this.logitScale.source,
      logit_scale_detail: this.logitScale.detail,
      scoring: this.rule.kind,
      files_sha256: this.identity.all,
      card: this.card,
    };
  }

  datasetRecord(set: EmbeddedItems): DatasetRecord {
    return {
      path: set.dataset.source,
      kind: set.dataset.kind,
      n: set.n,
      num_classes: set.dataset.classnames.length,
      failed: set.failures.length,
      failures: set.failures.slice(0, 50).map((f) => ({ id: f.id, error: f.error })),
      skipped: set.dataset.skipped,
      classnames_source: set.dataset.classnamesSource,
      images_inferred: set.inferred,
      ...(set.dataset.corruption ? { corruption: corruptionLabel(set.dataset.corruption.spec), corruption_seed: set.dataset.corruption.spec.seed, corruption_protocol: protocolLabel(set.dataset.corruption.spec.protocol) } : {}),
      ...(set.dataset.adapter ? { adapter: { type: set.dataset.adapter.type, ...(set.dataset.adapter.subset ? { class_subset: { of: set.dataset.adapter.subset.of, size: set.dataset.adapter.subset.indices.length, indices: [...set.dataset.adapter.subset.indices] } } : {}), ...(set.dataset.adapter.notes ? { notes: { ...set.dataset.adapter.notes } } : {}) } } : {}),
      ...(set.dataset.cropBorder ? { crop_border: set.dataset.cropBorder } : {}),
      ...(set.dataset.duplicateClasses ? { duplicate_classes: set.dataset.duplicateClasses.map((d) => ({ name: d.name, labels: [...d.labels] })) } : {}),
    };
  }

  /** Pillow's MAX_IMAGE_PIXELS in force (0: none). */
  get maxImagePixels(): number {
    return this.options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  }

  /** Decode worker threads of the image pipeline. */
  get decodeWorkers(): number {
    return this.options.decodeWorkers ?? defaultDecodeWorkers(this.model.device.provider);
  }

  /**
   * How the models ran (recorded in every result.json, part of no cache key: the numbers do not depend on it beyond
   * float rounding, and shards on GPUs share a store with an aggregation job on CPUs).
   */
  executionConventions(): Record<string, string> {
    return {
      ...deviceConventions(this.model.device),
      decode_workers: `${this.decodeWorkers} (of ${os.availableParallelism()} cores)`,
    };
  }

  preprocessConventions(): Record<string, string> {
    const limit = this.maxImagePixels;
    return {
      preprocess: this.preprocessor.description,
      preprocess_mode: this.preprocessor.mode,
      max_image_pixels: limit === 0 ? 'none' : `${limit} (a warning above it, an unreadable image above ${2 * limit}, as Pillow's MAX_IMAGE_PIXELS)`,
    };
  }

  async close(): Promise<void> {
    await this.hashIndex.save();
    await this.model.dispose();
  }
}

/** A classifier's logits for the dataset's classes: its output columns `columns` of each of the n rows. */
function labelMapLogits(outputs: Float32Array, n: number, width: number, columns: Int32Array, into?: Float32Array): Float32Array {
  const c = columns.length;
  const logits = into === undefined ? new Float32Array(n * c) : into.subarray(0, n * c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) logits[i * c + j] = outputs[i * width + columns[j]];
  return logits;
}
