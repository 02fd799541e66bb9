/**
 * Shape bias on cue-conflict stimuli (Geirhos et al., "ImageNet-trained CNNs are biased towards texture",
 * ICLR 2019), computed as bethgelab/model-vs-human's `ShapeBias` analysis does. Pure functions; no I/O.
 *
 * - A trial is one stimulus with a shape category, a texture category and the decision made (one of the
 *   16 category names; humans may answer "na").
 * - Trials whose shape and texture category are the same carry no cue conflict and are dropped
 *   (`dropped_same_category`); `n_trials` counts the trials kept.
 * - Of the kept trials, a decision equal to the shape category is a shape decision, equal to the texture
 *   category a texture decision, anything else (another category, "na") an other decision.
 * - shape_bias = shape / (shape + texture): the fraction of shape decisions among the decisions that
 *   were correct for one of the two cues. NaN when there are none.
 * - per_category groups the kept trials by shape category (model-vs-human's per-category shape-bias
 *   plot does the same: `category` there is the shape category).
 * - Category names are compared exactly (case-sensitive).
 */
import { HoloclipError } from '../errors.js';

export interface CueConflictTrial {
  image: string;
  shape: string;
  texture: string;
  /** The decision: a category name. */
  decision: string;
}

export interface ShapeBiasResult {
  shape_bias: number;
  shape_decisions: number;
  texture_decisions: number;
  other_decisions: number;
  n_trials: number;
  dropped_same_category: number;
  per_category: Record<string, { shape: number; texture: number; shape_bias: number }>;
}

export function shapeBias(trials: readonly CueConflictTrial[]): ShapeBiasResult {
  let shape = 0;
  let texture = 0;
  let other = 0;
  let dropped = 0;
  const perCategory = new Map<string, { shape: number; texture: number }>();
  for (const t of trials) {
    if (t.shape === t.texture) {
      dropped++;
      continue;
    }
    let cat = perCategory.get(t.shape);
    if (cat === undefined) {
      cat = { shape: 0, texture: 0 };
      perCategory.set(t.shape, cat);
    }
    if (t.decision === t.shape) {
      shape++;
      cat.shape++;
    } else if (t.decision === t.texture) {
      texture++;
      cat.texture++;
    } else {
      other++;
    }
  }
  const per_category: ShapeBiasResult['per_category'] = {};
  for (const name of [...perCategory.keys()].sort()) {
    const c = perCategory.get(name) as { shape: number; texture: number };
    per_category[name] = { shape: c.shape, texture: c.texture, shape_bias: ratio(c.shape, c.texture) };
  }
  return {
    shape_bias: ratio(shape, texture),
    shape_decisions: shape,
    texture_decisions: texture,
    other_decisions: other,
    n_trials: shape + texture + other,
    dropped_same_category: dropped,
    per_category,
  };
}

function ratio(shape: number, texture: number): number {
  return shape + texture > 0 ? shape / (shape + texture) : Number.NaN;
}

/**
 * Shape and texture category of a cue-conflict stimulus name: "airplane1-bicycle2.png", or a raw-decision
 * `imagename` such as "0001_s5n_dnn_0_airplane_00_airplane1-bicycle2.png" (the part after the last "_").
 * Digits are stripped from each half, as model-vs-human's `get_texture_category` does. A path is accepted
 * (its directories are ignored).
 */
export function parseCueConflictName(fileName: string): { shape: string; texture: string } {
  const base = fileName.split(/[\\/]/).pop() as string;
  const stem = (base.split('_').pop() as string).replace(/\.[^.]*$/, '');
  const m = /^([A-Za-z]+)\d*-([A-Za-z]+)\d*$/.exec(stem);
  if (m === null) {
    throw new HoloclipError(`cue-conflict stimulus name ${JSON.stringify(fileName)} is not of the form <shape><N>-<texture><M>.png (e.g. airplane1-bicycle2.png)`);
  }
  return { shape: m[1], texture: m[2] };
}

/**
 * 1000-way probabilities -> one of the 16 categories per row, as model-vs-human's
 * `ImageNetProbabilitiesTo16ClassesMapping`: each category scores the mean probability of its member
 * ImageNet classes, and the highest-scoring category is the decision. `probs` is row-major n x c and
 * should hold softmax probabilities (averaging logits gives different decisions). Ties go to the category
 * listed first (model-vs-human's flip(argsort) order on ties depends on numpy's sort; exact ties do not
 * occur in practice).
 */
export function decisionsFromProbabilities(
  probs: Float64Array,
  n: number,
  c: number,
  categories: ReadonlyArray<{ name: string; indices: number[] }>,
): string[] {
  if (!Number.isInteger(n) || !Number.isInteger(c) || n < 0 || c < 1 || probs.length !== n * c) {
    throw new HoloclipError(`probabilities hold ${probs.length} values; expected n x c = ${n} x ${c}`);
  }
  if (categories.length === 0) throw new HoloclipError('the category mapping has no categories');
  for (const cat of categories) {
    if (cat.indices.length === 0) throw new HoloclipError(`category ${cat.name} has no ImageNet class indices`);
    for (const j of cat.indices) {
      if (!Number.isInteger(j) || j < 0 || j >= c) {
        throw new HoloclipError(`category ${cat.name} lists class index ${j}, outside the ${c} classes of the probabilities`);
      }
    }
  }
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * c;
    let best = '';
    let bestScore = -Infinity;
    for (const cat of categories) {
      let s = 0;
      for (const j of cat.indices) s += probs[off + j];
      const score = s / cat.indices.length;
      if (score > bestScore || best === '') {
        bestScore = score;
        best = cat.name;
      }
    }
    out[i] = best;
  }
  return out;
}
