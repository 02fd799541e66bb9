/**
 * `eval zeroshot`: model + dataset -> cached image embeddings + cached class weights -> logits ->
 * top-1 / top-5 / mean per-class recall, written to a run directory.
 */
import { someItem } from '../../data/item-list.js';
import { templateConventions } from '../../head/text-classifier.js';
import path from 'node:path';
import { classificationConventions } from '../../metrics/classification.js';
import type { TaskInput } from '../definition.js';
import { writeFailures, writeResult } from '../result-envelope.js';
import type { ZeroShotMetrics, ZeroShotResult } from './result.js';
import { streamZeroShot } from './stream.js';

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
    const set = await ctx.embedItems(dataset);
    const tEmbedded = performance.now();

    const c = dataset.classnames.length;
    const anyOf = someItem(set.ok, (item) => item.labels !== undefined);
    const subsets = dataset.adapter?.subsets;
    // The logits are scored block by block from the store's rows, and logits.npy / predictions.jsonl written as they
    // come: neither the n x dim embeddings nor the n x classes logits are ever held whole.
    const metrics = await streamZeroShot(await ctx.logitBlocks(set, classifier), set.ok, c, ctx.rule.kind, subsets, input.out);
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
        // What decoded the JPEGs this run embedded (the pixels are Pillow's either way): src/image/turbojpeg.ts.
        ...(set.jpegDecoder !== null ? { jpeg_decoder: set.jpegDecoder } : {}),
      },
      timing: {
        total_s: (tEnd - tStart) / 1000,
        cache_lookup_s: set.seconds.lookup,
        embed_s: set.seconds.embed,
        model_load_s: set.seconds.modelLoad,
        classifier_s: (tClassifier - tOpened) / 1000,
        metrics_s: (tEnd - tEmbedded) / 1000,
        images_per_s: set.inferred > 0 ? set.inferred / set.seconds.embed : null,
        // Of embed_s, the time the model waited for decoded images (src/pipeline/embed-images.ts).
        decode_wait_s: set.seconds.decodeWait,
        batch_size: options.batchSize,
        threads: ctx.model.threads,
      },
    };
    const dir = path.resolve(input.out);
    await writeFailures(dir, [{ name: 'data', failures: set.failures }]);
    await writeResult(dir, result);
    return result;
  }
}
