/**
 * The one place that decides the cache key of image embeddings: the files that shape them
 * (vision tower, config, preprocessor config), the dtype, and the preprocessing description
 * (which includes the fast/reference mode). Later transforms (corruptions) extend the item key,
 * not the space.
 */
import path from 'node:path';
import { decoderIdentity } from './decoder-identity.js';
import type { ImagePreprocessor } from '../image/index.js';
import type { ImageEncoder } from '../models/image-encoder.js';
import type { ModelIdentity } from '../models/model-identity.js';
import { canonicalKey } from '../store/canonical-json.js';
import type { EmbeddingSpace, EmbeddingStore } from '../store/embedding-store.js';
import { readJsonIfExists } from '../store/json-file.js';

export interface ImageSpaceInputs {
  readonly store: EmbeddingStore;
  readonly model: ImageEncoder;
  readonly identity: ModelIdentity;
  readonly preprocessor: ImagePreprocessor;
}

export async function imageSpaceMeta(inputs: Omit<ImageSpaceInputs, 'store'>, storeRoot: string): Promise<Record<string, unknown>> {
  const decoder = await decoderIdentity(storeRoot);
  return {
    kind: 'image-embeddings',
    model_type: inputs.model.modelType,
    dtype: inputs.model.dtype,
    files: inputs.identity.vision,
    preprocess: inputs.preprocessor.description,
    // sharp/libvips decode and resample the pixels: an upgrade may change them, so it starts a new space.
    decoder,
    normalised: inputs.model.kind === 'classifier' ? 'no (classifier logits)' : 'L2',
  };
}

/** The space's key and metadata, and its dimension when the store already holds it (undefined for a new space). */
export async function locateImageSpace(inputs: ImageSpaceInputs): Promise<{ key: string; meta: Record<string, unknown>; dim: number | undefined }> {
  const meta = await imageSpaceMeta(inputs, inputs.store.root);
  const key = canonicalKey(meta);
  const existing = await readJsonIfExists(path.join(inputs.store.root, 'embeddings', key, 'meta.json'));
  const dim = typeof existing === 'object' && existing !== null ? (existing as { dim?: unknown }).dim : undefined;
  return { key, meta, dim: typeof dim === 'number' ? dim : undefined };
}

/** Open (or create) the embedding space; the dimension comes from an existing space or one probe inference. */
export async function openImageSpace(inputs: ImageSpaceInputs, located?: Awaited<ReturnType<typeof locateImageSpace>>): Promise<EmbeddingSpace> {
  const { key, meta, dim: known } = located ?? (await locateImageSpace(inputs));
  let dim = known;
  if (dim === undefined) {
    const { outputHeight: h, outputWidth: w } = inputs.preprocessor;
    const probe = await inputs.model.embedImages(new Float32Array(3 * h * w), 1, h, w);
    dim = probe.dim;
  }
  return inputs.store.space(key, meta, dim);
}
