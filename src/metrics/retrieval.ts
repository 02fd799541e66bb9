/**
 * Image-text retrieval Recall@K. Pure functions; no I/O.
 *
 * Convention (CLIP paper / CLIP_benchmark zeroshot_retrieval): the similarity matrix is nImages x nTexts
 * (row-major) and `textImage[t]` is the image caption t describes; an image may have several captions.
 *   image -> text: an image is a hit at K when any of its captions is among its K highest-scored texts.
 *   text -> image: a caption is a hit at K when its image is among its K highest-scored images.
 * Recall@K is the fraction of hits (in [0, 1], not a percentage).
 *
 * Ties: the rank of a candidate is the number of candidates with a strictly higher score plus the number
 * with an equal score and a lower index, so equal scores are ordered by index (a stable sort on the
 * negated score). torch.topk leaves that order unspecified, so CLIP_benchmark may differ only on ties.
 */
import { HoloclipError } from '../errors.js';
import { checkMatrix } from './softmax.js';

export interface RetrievalMetrics {
  image_to_text: Record<string, number>;
  text_to_image: Record<string, number>;
  n_images: number;
  n_texts: number;
  ks: number[];
}

export const DEFAULT_RECALL_KS: readonly number[] = [1, 5, 10];

/** Image->text and text->image Recall@K (keys `R@${k}`, default k = 1, 5, 10). */
export function retrievalRecall(
  similarity: Float32Array,
  nImages: number,
  nTexts: number,
  textImage: ArrayLike<number>,
  ks: number[] = [...DEFAULT_RECALL_KS],
): RetrievalMetrics {
  const fn = 'retrievalRecall';
  if (nImages === 0) throw new HoloclipError(`${fn}: empty set: no images`);
  if (nTexts === 0) throw new HoloclipError(`${fn}: empty set: no texts`);
  checkMatrix(fn, 'similarity', similarity, nImages, nTexts);
  if (!Array.isArray(ks) || ks.length === 0) throw new HoloclipError(`${fn}: empty set: ks must list at least one K`);
  const seen = new Set<number>();
  for (const k of ks) {
    if (!Number.isInteger(k) || k < 1) throw new HoloclipError(`${fn}: each K must be a positive integer, got ${k}`);
    if (seen.has(k)) throw new HoloclipError(`${fn}: duplicate K ${k} in ks`);
    seen.add(k);
  }
  if (textImage.length !== nTexts) {
    throw new HoloclipError(`${fn}: textImage length mismatch: ${textImage.length} entries for ${nTexts} texts`);
  }
  // Best caption of each image: highest score, lowest index on ties. It has the image's lowest text rank.
  const best = new Int32Array(nImages).fill(-1);
  for (let t = 0; t < nTexts; t++) {
    const i = textImage[t];
    if (!Number.isInteger(i) || i < 0 || i >= nImages) {
      throw new HoloclipError(`${fn}: image index out of range for text ${t}: ${i} (expected an integer in [0, ${nImages}))`);
    }
    if (best[i] < 0 || similarity[i * nTexts + t] > similarity[i * nTexts + best[i]]) best[i] = t;
  }
  for (let i = 0; i < nImages; i++) {
    if (best[i] < 0) throw new HoloclipError(`${fn}: image ${i} has no caption in textImage (every image needs at least one)`);
  }

  const imageRank = new Int32Array(nImages);
  for (let i = 0; i < nImages; i++) {
    const off = i * nTexts;
    const t0 = best[i];
    const s = similarity[off + t0];
    let rank = 0;
    for (let t = 0; t < nTexts; t++) {
      const v = similarity[off + t];
      if (v > s || (v === s && t < t0)) rank++;
    }
    imageRank[i] = rank;
  }
  const textRank = new Int32Array(nTexts);
  for (let t = 0; t < nTexts; t++) {
    const i0 = textImage[t];
    const s = similarity[i0 * nTexts + t];
    let rank = 0;
    for (let i = 0; i < nImages; i++) {
      const v = similarity[i * nTexts + t];
      if (v > s || (v === s && i < i0)) rank++;
    }
    textRank[t] = rank;
  }

  const image_to_text: Record<string, number> = {};
  const text_to_image: Record<string, number> = {};
  for (const k of ks) {
    image_to_text[`R@${k}`] = fractionBelow(imageRank, k);
    text_to_image[`R@${k}`] = fractionBelow(textRank, k);
  }
  return { image_to_text, text_to_image, n_images: nImages, n_texts: nTexts, ks: [...ks] };
}

function fractionBelow(ranks: Int32Array, k: number): number {
  let hits = 0;
  for (let i = 0; i < ranks.length; i++) if (ranks[i] < k) hits++;
  return hits / ranks.length;
}
