/**
 * `eval zeroshot`: model + dataset -> cached image embeddings + cached class weights -> logits ->
 * top-1 / top-5 / mean per-class recall, written to a run directory.
 */
import { templateConventions } from '../../head/text-classifier.js';
import { classificationConventions, classificationMetrics } from '../../metrics/classification.js';
import { predictionConfidence } from '../../models/scoring.js';
import type { TaskInput } from '../definition.js';
import { writeZeroShotRun, type ZeroShotMetrics, type ZeroShotResult } from './result.js';
import { subsetMetrics } from './subsets.js';

export type { ZeroShotMetrics };

/** Zero-shot accuracy of one dataset (a suite's zero-shot task is one such unit per dataset and prompt set). */
export async function runZeroShot(input: TaskInput<unknown>): Promise<ZeroShotResult> {
  const tStart = performance.now();
  const dataset = input.data.list('datasets')[0].dataset;
  const templateSet = input.templates;
  const ctx = input.context;
  const options = { batchSize: ctx.options.batchSize };
  {
    // The class head first: a class the model cannot score is reported before any image work.
    const tOpened = performance.now();
    const classifier = await ctx.classifier(dataset.classnames, templateSet.templates);
    const tClassifier = performance.now();
    const set = await ctx.embed(dataset);
    const tEmbedded = performance.now();

    const c = dataset.classnames.length;
    const logits = ctx.logits(set, classifier);
    const targets = Int32Array.from(set.ok, (item) => item.label);
    const anyOf = set.ok.some((item) => item.labels) ? set.ok.map((item) => item.labels ?? [item.label]) : undefined;
    const { preds, ...pooled } = classificationMetrics(logits, set.n, c, targets, anyOf);
    const subsets = dataset.adapter?.subsets;
    const metrics: ZeroShotMetrics = subsets && subsets.length > 0 ? { ...pooled, subsets: subsetMetrics(subsets, set.ok, logits, c) } : pooled;
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
        ...ctx.executionConventions(),
        logits: ctx.model.kind === 'classifier' ? "the classifier's own logits for the dataset's classes, matched by name (templates unused)" : ctx.rule.kind === 'softmax' ? 'logit_scale * cosine' : 'logit_scale * cosine + logit_bias',
        confidence: ctx.rule.kind === 'softmax' ? 'max softmax probability' : 'sigmoid of the max logit',
        ...classificationConventions(c),
        ...(subsets && subsets.length > 0 ? { subsets: `metrics per subset (${subsets.map((x) => x.name).join(', ')}) as the dataset's reference scores them, and pooled over every image (top-level metrics)` } : {}),
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
        model_load_s: set.seconds.modelLoad,
        classifier_s: (tClassifier - tOpened) / 1000,
        metrics_s: (tEnd - tEmbedded) / 1000,
        images_per_s: set.inferred > 0 ? set.inferred / set.seconds.embed : null,
        batch_size: options.batchSize,
        threads: ctx.model.threads,
      },
    };
    await writeZeroShotRun(input.out, result, { items: set.ok, preds, confidence, logits, failures: set.failures });
    return result;
  }
}
