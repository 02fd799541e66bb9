/**
 * `eval zeroshot`: model + dataset -> cached image embeddings + cached class weights -> logits ->
 * top-1 / top-5 / mean per-class recall, written to a run directory.
 */
import { openDataRef, type DataRef } from '../../data/open-dataset.js';
import { argmaxRows, meanPerClassRecall, meanPerGroupAnyOfRecall, topKAccuracy, topKAnyOfAccuracy } from '../../metrics/classification.js';
import { predictionConfidence } from '../../models/scoring.js';
import { EvalContext, type CommonEvalOptions } from '../eval-context.js';
import { templateConventions } from './classifier.js';
import { writeZeroShotRun, type ZeroShotResult } from './result.js';
import { loadTemplates } from './templates.js';

export interface ZeroShotOptions extends CommonEvalOptions {
  readonly data: DataRef;
  readonly classnames?: string;
  readonly templates?: string;
  readonly templatesKey?: string;
  readonly out: string;
}

export interface ZeroShotMetrics {
  top1: number;
  top5: number | null;
  mean_per_class_recall: number;
}

/**
 * The accuracy metrics of a logits matrix, as every classification task reports them. With
 * `anyOf` (ObjectNet), a row is correct when its prediction is any class of its set.
 */
export function classificationMetrics(logits: Float32Array, n: number, c: number, targets: Int32Array, anyOf?: ReadonlyArray<readonly number[]>): ZeroShotMetrics & { preds: Int32Array } {
  const preds = argmaxRows(logits, n, c);
  if (anyOf) {
    return {
      top1: topKAnyOfAccuracy(logits, n, c, anyOf, 1),
      top5: c >= 5 ? topKAnyOfAccuracy(logits, n, c, anyOf, 5) : null,
      mean_per_class_recall: meanPerGroupAnyOfRecall(preds, anyOf),
      preds,
    };
  }
  return {
    top1: topKAccuracy(logits, n, c, targets, 1),
    top5: c >= 5 ? topKAccuracy(logits, n, c, targets, 5) : null,
    mean_per_class_recall: meanPerClassRecall(preds, targets, c),
    preds,
  };
}

export function classificationConventions(c: number): Record<string, string> {
  return {
    top5: c >= 5 ? 'target among the 5 highest logits (ties to the lower class index)' : 'not computed: fewer than 5 classes',
    mean_per_class_recall: 'mean over classes present in the targets (sklearn balanced_accuracy_score)',
  };
}

export async function runZeroShot(options: ZeroShotOptions): Promise<ZeroShotResult> {
  const tStart = performance.now();
  const dataset = await openDataRef(options.data, options.classnames);
  const shipped = dataset.adapter?.templates;
  const templateSet =
    options.templateSet ??
    (options.templates === undefined && shipped && shipped.length > 0 ? { templates: [...shipped], source: `the dataset's own templates (${dataset.adapter?.type ?? 'dataset'})` } : await loadTemplates(options.templates, options.templatesKey));
  const ctx = options.context ?? (await EvalContext.open(options));
  try {
    // The class head first: a class the model cannot score is reported before any image work.
    const tOpened = performance.now();
    const classifier = await ctx.classifier(dataset.classnames, templateSet.templates);
    const tClassifier = performance.now();
    const set = await ctx.embed(dataset);
    const tEmbedded = performance.now();

    const c = dataset.classnames.length;
    const { logits } = ctx.scores(set, classifier);
    const targets = Int32Array.from(set.ok, (item) => item.label);
    const anyOf = set.ok.some((item) => item.labels) ? set.ok.map((item) => item.labels ?? [item.label]) : undefined;
    const { preds, ...metrics } = classificationMetrics(logits, set.n, c, targets, anyOf);
    const confidence = predictionConfidence(logits, set.n, c, ctx.rule.kind);
    const tEnd = performance.now();

    const result: ZeroShotResult = {
      ...ctx.envelopeHead('zeroshot'),
      dataset: ctx.datasetRecord(set),
      metrics,
      conventions: {
        ...templateConventions(templateSet),
        classnames: dataset.classnames,
        ...ctx.preprocessConventions(),
        logits: ctx.model.kind === 'classifier' ? "the classifier's own logits for the dataset's classes, matched by name (templates unused)" : ctx.rule.kind === 'softmax' ? 'logit_scale * cosine' : 'logit_scale * cosine + logit_bias',
        confidence: ctx.rule.kind === 'softmax' ? 'max softmax probability' : 'sigmoid of the max logit',
        ...classificationConventions(c),
        ...(anyOf ? { any_of_labels: 'a prediction is correct when it is any class mapped to the true class (ObjectNet protocol); mean per-class recall groups images by their set of correct classes' } : {}),
      },
      cache: {
        store: ctx.store.root,
        images_inferred: set.inferred,
        images_cached: set.n - set.inferred,
        classifier_key: classifier.cacheKey,
        classifier_from_cache: classifier.fromCache,
      },
      timing: {
        total_s: (tEnd - tStart) / 1000,
        cache_lookup_s: set.seconds.lookup,
        embed_s: set.seconds.embed,
        classifier_s: (tClassifier - tOpened) / 1000,
        metrics_s: (tEnd - tEmbedded) / 1000,
        images_per_s: set.inferred > 0 ? set.inferred / set.seconds.embed : null,
        batch_size: options.batchSize,
        threads: ctx.model.threads,
      },
    };
    await writeZeroShotRun(options.out, result, { items: set.ok, preds, confidence, logits, failures: set.failures });
    return result;
  } finally {
    if (!options.context) await ctx.close();
  }
}
