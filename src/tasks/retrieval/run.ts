/**
 * `eval retrieval`: zero-shot image<->text retrieval on a caption manifest. Similarity = cosine of
 * the L2-normalised embeddings (the logit scale does not change rankings); Recall@K in the CLIP
 * paper's convention (a query hits when any of its positives is in the top K).
 */
import path from 'node:path';
import { openCaptionManifest } from '../../data/index.js';
import { openTypedCaptions } from '../../data/typed-spec.js';
import { HoloclipError } from '../../errors.js';
import { retrievalRecall, type RetrievalMetrics } from '../../metrics/retrieval.js';
import { matmulTransposed } from '../../metrics/vector.js';
import { writeNpyAtomic } from '../../store/npy.js';
import { EvalContext, type CommonEvalOptions } from '../eval-context.js';
import { writeFailures, writeResult, type ResultEnvelope } from '../result-envelope.js';

export interface RetrievalOptions extends CommonEvalOptions {
  readonly data: string;
  readonly ks: readonly number[];
  readonly out: string;
}

export async function runRetrieval(options: RetrievalOptions): Promise<ResultEnvelope<RetrievalMetrics>> {
  const tStart = performance.now();
  const manifest = (await openTypedCaptions(options.data)) ?? (await openCaptionManifest(options.data));
  const ctx = options.context ?? (await EvalContext.open(options));
  try {
    const set = await ctx.embed(manifest.dataset);
    // Captions of images that could not be read are dropped with them (counted in dataset.failed).
    const rowOf = new Map<number, number>();
    set.ok.forEach((item, row) => rowOf.set(item.index, row));
    const texts: string[] = [];
    const textImage: number[] = [];
    manifest.captions.forEach((caption, t) => {
      const row = rowOf.get(manifest.textImage[t]);
      if (row !== undefined) {
        texts.push(caption);
        textImage.push(row);
      }
    });
    const text = await ctx.textEmbeddings(texts, 'captions');
    if (text.dim !== set.dim) throw new HoloclipError(`text embeddings have ${text.dim} dimensions but image embeddings ${set.dim}`);
    const similarity = matmulTransposed(set.embeddings, set.n, text.data, texts.length, set.dim);
    const metrics = retrievalRecall(similarity, set.n, texts.length, textImage, [...options.ks]);
    const result: ResultEnvelope<RetrievalMetrics> = {
      ...ctx.envelopeHead('retrieval'),
      dataset: { ...ctx.datasetRecord(set), num_classes: 0 },
      metrics,
      conventions: {
        similarity: 'cosine of L2-normalised image and text embeddings',
        recall: 'image->text: hit@K if any caption of the image is among its K most similar texts; text->image: hit@K if its image is among the K most similar images (CLIP paper / CLIP_benchmark)',
        ties: 'equal similarities rank the lower index first',
        captions: `${texts.length} captions for ${set.n} images`,
        ...ctx.preprocessConventions(),
      },
      cache: { store: ctx.store.root, images_inferred: set.inferred, captions_from_cache: text.fromCache },
      timing: { total_s: (performance.now() - tStart) / 1000 },
    };
    const dir = path.resolve(options.out);
    await writeNpyAtomic(path.join(dir, 'similarity.npy'), similarity, [set.n, texts.length]);
    await writeFailures(dir, [{ name: 'data', failures: set.failures }]);
    await writeResult(dir, result);
    return result;
  } finally {
    if (!options.context) await ctx.close();
  }
}
