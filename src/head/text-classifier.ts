/**
 * The zero-shot classifier: one weight row per class = mean over templates of the L2-normalised
 * text embeddings of the filled templates, L2-normalised again (CLIP's protocol, as in
 * open_clip's zero_shot_classifier and CLIP_benchmark). Cached in the store per
 * (text tower + tokenizer files, dtype, class names, templates).
 */
import { l2NormalizeRows } from '../metrics/vector.js';
import type { ClipFamilyModel } from '../models/clip-model.js';
import { canonicalKey } from '../store/canonical-json.js';
import type { EmbeddingStore } from '../store/embedding-store.js';
import type { ProgressSink } from '../util/progress.js';
import { fillTemplate } from './templates.js';

export const TEMPLATE_AGGREGATION = 'mean of L2-normalised template embeddings, L2-normalised again';

/** How a task's text classifier was built, for result.json conventions. */
export function templateConventions(set: { templates: readonly string[]; source: string }): Record<string, unknown> {
  return { templates: [...set.templates], templates_source: set.source, template_aggregation: TEMPLATE_AGGREGATION };
}

export interface ClassifierWeights {
  /** classes x dim, rows L2-normalised. */
  readonly weights: Float32Array;
  readonly classes: number;
  readonly dim: number;
  readonly cacheKey: string;
  readonly fromCache: boolean;
}

export interface ClassifierInputs {
  readonly model: ClipFamilyModel;
  /** sha256 of the text tower file + tokenizer files, identifying the text side of the model. */
  readonly textFilesHash: Record<string, string>;
  readonly classnames: readonly string[];
  readonly templates: readonly string[];
  readonly store: EmbeddingStore;
  readonly progress: ProgressSink;
}

export async function buildZeroShotClassifier(inputs: ClassifierInputs): Promise<ClassifierWeights> {
  const { model, classnames, templates, store, progress } = inputs;
  const meta = {
    kind: 'zeroshot-classifier',
    model_type: model.modelType,
    dtype: model.folder.dtype,
    files: inputs.textFilesHash,
    classnames: [...classnames],
    templates: [...templates],
    aggregation: TEMPLATE_AGGREGATION,
  };
  const key = canonicalKey(meta);
  const hit = await store.getTextMatrix(key);
  if (hit && hit.count === classnames.length) {
    return { weights: hit.rows, classes: hit.count, dim: hit.dim, cacheKey: key, fromCache: true };
  }

  const t = templates.length;
  let weights: Float32Array | null = null;
  let dim = 0;
  progress.start('encoding class prompts', classnames.length, 'class');
  // Classes in groups so the text batch stays around 64-256 prompts whatever the template count.
  const classesPerBatch = Math.max(1, Math.floor(256 / t));
  for (let c0 = 0; c0 < classnames.length; c0 += classesPerBatch) {
    const group = classnames.slice(c0, c0 + classesPerBatch);
    const prompts = group.flatMap((name) => templates.map((tpl) => fillTemplate(tpl, name)));
    const emb = await model.embedTexts(prompts);
    dim = emb.dim;
    weights ??= new Float32Array(classnames.length * dim);
    for (let g = 0; g < group.length; g++) {
      const row = (c0 + g) * dim;
      for (let k = 0; k < t; k++) {
        const src = (g * t + k) * dim;
        for (let j = 0; j < dim; j++) weights[row + j] += emb.data[src + j];
      }
      for (let j = 0; j < dim; j++) weights[row + j] /= t;
    }
    progress.update(Math.min(classnames.length, c0 + group.length));
  }
  progress.finish();
  const out = weights ?? new Float32Array(0);
  l2NormalizeRows(out, classnames.length, dim);
  await store.putTextMatrix(key, out, [classnames.length, dim], meta);
  return { weights: out, classes: classnames.length, dim, cacheKey: key, fromCache: false };
}
