/**
 * `eval retrieval`: zero-shot image<->text retrieval on a caption manifest. Similarity = cosine of
 * the L2-normalised embeddings (the logit scale does not change rankings); Recall@K in the CLIP
 * paper's convention (a query hits when any of its positives is in the top K).
 */
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { retrievalRecall, type RetrievalMetrics } from '../../metrics/retrieval.js';
import { matmulTransposed } from '../../metrics/vector.js';
import { writeNpyAtomic } from '../../store/npy.js';
import type { TaskInput } from '../definition.js';
import { writeFailures, writeResult, type ResultEnvelope } from '../result-envelope.js';

export interface RetrievalSettings {
  readonly ks: readonly number[];
}

export async function runRetrieval(input: TaskInput<RetrievalSettings>): Promise<ResultEnvelope<RetrievalMetrics>> {
  const tStart = performance.now();
  const options = { ks: input.settings.ks };
  const data = input.data.one('dataset');
  const manifest = data.captions;
  if (!manifest) throw new HoloclipError(`${data.dataset.source} is not a caption dataset; retrieval reads a caption manifest (.jsonl) or karpathy:PATH`);
  const ctx = input.context;
  {
    const set = await ctx.embed(manifest.dataset);
    // Captions of images that could not be read are dropped with them (counted in dataset.failed).
    const rowOf = new Map<number, number>();
    for (let row = 0; row < set.ok.length; row++) rowOf.set(set.ok.get(row).index, row);
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
        ...ctx.executionConventions(),
      },
      cache: { store: ctx.store.root, images_inferred: set.inferred, captions_from_cache: text.fromCache },
      timing: { total_s: (performance.now() - tStart) / 1000 },
    };
    const dir = path.resolve(input.out);
    await writeNpyAtomic(path.join(dir, 'similarity.npy'), similarity, [set.n, texts.length]);
    await writeFailures(dir, [{ name: 'data', failures: set.failures }]);
    await writeResult(dir, result);
    return result;
  }
}
