/**
 * `eval zeroshot`: model + dataset -> cached image embeddings + cached class weights -> logits ->
 * top-1 / top-5 / mean per-class recall, written to a run directory.
 */
import path from 'node:path';
import { openDataset } from '../../data/index.js';
import { HoloclipError } from '../../errors.js';
import { createPreprocessor, type PreprocessMode } from '../../image/index.js';
import { argmaxRows, meanPerClassRecall, topKAccuracy } from '../../metrics/classification.js';
import { ClipFamilyModel } from '../../models/clip-model.js';
import type { Dtype } from '../../models/dtype.js';
import { resolveLogitScale } from '../../models/logit-scale.js';
import { identifyModel } from '../../models/model-identity.js';
import { cosineMatrix, logitsFromCosine, predictionConfidence } from '../../models/scoring.js';
import { embedImages } from '../../pipeline/embed-images.js';
import { openImageSpace } from '../../pipeline/image-space.js';
import { EmbeddingStore } from '../../store/embedding-store.js';
import { FileHashIndex } from '../../store/hash.js';
import type { ProgressSink } from '../../util/progress.js';
import { buildZeroShotClassifier, TEMPLATE_AGGREGATION } from './classifier.js';
import { writeZeroShotRun, type ZeroShotResult } from './result.js';
import { loadTemplates } from './templates.js';

export interface ZeroShotOptions {
  readonly model: string;
  readonly data: string;
  readonly classnames?: string;
  readonly templates?: string;
  readonly templatesKey?: string;
  readonly dtype: Dtype;
  readonly batchSize: number;
  readonly store: string;
  readonly out: string;
  readonly preprocess: PreprocessMode;
  readonly logitScale?: number;
  readonly logitBias?: number;
  readonly threads?: number;
  readonly progress: ProgressSink;
  readonly warn: (message: string) => void;
}

export async function runZeroShot(options: ZeroShotOptions): Promise<ZeroShotResult> {
  const tStart = performance.now();
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
    throw new HoloclipError(`--batch-size must be a positive integer (got ${options.batchSize})`);
  }
  const dataset = await openDataset({ path: options.data, classnames: options.classnames });
  const templateSet = await loadTemplates(options.templates, options.templatesKey);
  const model = await ClipFamilyModel.open(options.model, { dtype: options.dtype, threads: options.threads });
  try {
    const store = await EmbeddingStore.open(options.store);
    const hashIndex = await FileHashIndex.open(store.root);
    const identity = await identifyModel(model.folder, hashIndex);
    const preprocessor = await createPreprocessor(model.folder.dir, options.preprocess);
    const logitScale = await resolveLogitScale(model, {
      flagScale: options.logitScale,
      flagBias: options.logitBias,
      cacheDir: path.join(store.root, 'logit-scale'),
      hashFile: (f) => hashIndex.hashFile(f),
      warn: options.warn,
    });

    const space = await openImageSpace({ store, model, identity, preprocessor });
    const embedded = await embedImages({
      items: dataset.items,
      model,
      preprocessor,
      space,
      hashIndex,
      batchSize: options.batchSize,
      progress: options.progress,
    });
    if (embedded.ok.length === 0) {
      throw new HoloclipError(
        `no image of ${dataset.source} could be read (${embedded.failures.length} failed; first: ${embedded.failures[0]?.error ?? 'none'})`,
      );
    }
    const tEmbedded = performance.now();

    const classifier = await buildZeroShotClassifier({
      model,
      textFilesHash: identity.text,
      classnames: dataset.classnames,
      templates: templateSet.templates,
      store,
      progress: options.progress,
    });
    if (classifier.dim !== space.dim) {
      throw new HoloclipError(
        `text embeddings have ${classifier.dim} dimensions but image embeddings ${space.dim}: ${model.folder.dir} mixes towers from different models`,
      );
    }
    const tClassifier = performance.now();

    const n = embedded.ok.length;
    const c = dataset.classnames.length;
    const images = space.getRows(embedded.keys);
    const cos = cosineMatrix(images, n, classifier.weights, c, space.dim);
    const rule = { kind: model.folder.family.scoring, scale: logitScale.scale, bias: logitScale.bias };
    const logits = logitsFromCosine(cos, rule);
    const preds = argmaxRows(logits, n, c);
    const targets = Int32Array.from(embedded.ok, (item) => item.label);
    const confidence = predictionConfidence(logits, n, c, rule.kind);
    const metrics = {
      top1: topKAccuracy(logits, n, c, targets, 1),
      top5: c >= 5 ? topKAccuracy(logits, n, c, targets, 5) : null,
      mean_per_class_recall: meanPerClassRecall(preds, targets, c),
    };
    const tEnd = performance.now();

    const result: ZeroShotResult = {
      task: 'zeroshot',
      holoclip_version: HOLOCLIP_VERSION,
      created: new Date().toISOString(),
      model: {
        path: model.folder.dir,
        model_type: model.modelType,
        dtype: model.folder.dtype,
        logit_scale: logitScale.scale,
        logit_bias: logitScale.bias,
        logit_scale_source: logitScale.source,
        logit_scale_detail: logitScale.detail,
        scoring: rule.kind,
        files_sha256: identity.all,
      },
      dataset: {
        path: dataset.source,
        kind: dataset.kind,
        n,
        num_classes: c,
        failed: embedded.failures.length,
        failures: embedded.failures.slice(0, 50).map((f) => ({ id: f.id, error: f.error })),
        skipped: dataset.skipped,
        classnames_source: dataset.classnamesSource,
      },
      metrics,
      conventions: {
        templates: templateSet.templates,
        templates_source: templateSet.source,
        template_aggregation: TEMPLATE_AGGREGATION,
        classnames: dataset.classnames,
        preprocess: preprocessor.description,
        preprocess_mode: preprocessor.mode,
        logits: rule.kind === 'softmax' ? 'logit_scale * cosine' : 'logit_scale * cosine + logit_bias',
        confidence: rule.kind === 'softmax' ? 'max softmax probability' : 'sigmoid of the max logit',
        top5: c >= 5 ? 'target among the 5 highest logits (ties to the lower class index)' : 'not computed: fewer than 5 classes',
        mean_per_class_recall: 'mean over classes present in the targets (sklearn balanced_accuracy_score)',
      },
      cache: {
        store: store.root,
        image_space: space.key,
        images_inferred: embedded.inferred,
        images_cached: n - embedded.inferred,
        classifier_key: classifier.cacheKey,
        classifier_from_cache: classifier.fromCache,
      },
      timing: {
        total_s: (tEnd - tStart) / 1000,
        cache_lookup_s: embedded.seconds.lookup,
        embed_s: embedded.seconds.embed,
        classifier_s: (tClassifier - tEmbedded) / 1000,
        metrics_s: (tEnd - tClassifier) / 1000,
        images_per_s: embedded.inferred > 0 ? embedded.inferred / embedded.seconds.embed : null,
        batch_size: options.batchSize,
        threads: model.threads,
      },
    };
    await writeZeroShotRun(options.out, result, { items: embedded.ok, preds, confidence, logits, failures: embedded.failures });
    return result;
  } finally {
    await model.dispose();
  }
}

export const HOLOCLIP_VERSION = '0.1.0';
