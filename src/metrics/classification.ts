/**
 * Classification metrics over a row-major logits matrix (n x c). Pure functions; no I/O.
 * Conventions (match CLIP_benchmark): top-k counts a sample correct when the target is among the
 * k highest logits; ties are broken towards the lower class index (like argmax). Mean per-class
 * recall = sklearn's balanced_accuracy_score: the mean over classes present in the targets.
 */

/** Index of the largest value of each row (first one on ties). */
export function argmaxRows(logits: Float32Array, n: number, c: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = argmaxRow(logits, i, c);
  return out;
}

/** Index of the largest value of row `row` (first one on ties). */
function argmaxRow(logits: Float32Array, row: number, c: number): number {
  const off = row * c;
  let best = 0;
  let bestVal = logits[off];
  for (let j = 1; j < c; j++) {
    const v = logits[off + j];
    if (v > bestVal) {
      bestVal = v;
      best = j;
    }
  }
  return best;
}

/** The group of an any-of target set: its classes, sorted, joined. */
function targetSetKey(set: readonly number[]): string {
  return [...set].sort((a, b) => a - b).join(',');
}

/** 0-based rank of the target in its row: classes scored higher, plus equal-scored ones with a lower index. */
export function targetRank(logits: Float32Array, c: number, row: number, target: number): number {
  const off = row * c;
  const t = logits[off + target];
  let rank = 0;
  for (let j = 0; j < c; j++) {
    const v = logits[off + j];
    if (v > t || (v === t && j < target)) rank++;
  }
  return rank;
}

export function topKAccuracy(logits: Float32Array, n: number, c: number, targets: ArrayLike<number>, k: number): number {
  if (n === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < n; i++) if (targetRank(logits, c, i, targets[i]) < k) correct++;
  return correct / n;
}

/** Mean over classes present in `targets` of (correct predictions of that class / samples of that class). */
export function meanPerClassRecall(preds: ArrayLike<number>, targets: ArrayLike<number>, c: number): number {
  let sum = 0;
  let present = 0;
  for (const r of perClassRecall(preds, targets, c)) {
    if (!Number.isNaN(r)) {
      sum += r;
      present++;
    }
  }
  return present === 0 ? Number.NaN : sum / present;
}

/** Per-class recall (NaN for classes with no samples). */
export function perClassRecall(preds: ArrayLike<number>, targets: ArrayLike<number>, c: number): Float64Array {
  const support = new Float64Array(c);
  const hits = new Float64Array(c);
  for (let i = 0; i < targets.length; i++) {
    support[targets[i]]++;
    if (preds[i] === targets[i]) hits[targets[i]]++;
  }
  const out = new Float64Array(c);
  for (let j = 0; j < c; j++) out[j] = support[j] > 0 ? hits[j] / support[j] : Number.NaN;
  return out;
}

/**
 * Top-k accuracy with any-of targets (ObjectNet's protocol): row i is correct when any class in
 * `targetSets[i]` ranks among its k highest logits.
 */
export function topKAnyOfAccuracy(logits: Float32Array, n: number, c: number, targetSets: ReadonlyArray<readonly number[]>, k: number): number {
  if (n === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < n; i++) if (targetSets[i].some((t) => targetRank(logits, c, i, t) < k)) correct++;
  return correct / n;
}

/**
 * Mean per-class recall with any-of targets: rows are grouped by their target set (one group per
 * true class, e.g. per ObjectNet class), recall = fraction of the group's rows whose prediction is in
 * the set; the mean is over groups.
 */
export function meanPerGroupAnyOfRecall(preds: ArrayLike<number>, targetSets: ReadonlyArray<readonly number[]>): number {
  const groups = new Map<string, { hit: number; n: number }>();
  targetSets.forEach((set, i) => {
    const key = targetSetKey(set);
    const g = groups.get(key) ?? { hit: 0, n: 0 };
    g.n++;
    if (set.includes(preds[i])) g.hit++;
    groups.set(key, g);
  });
  if (groups.size === 0) return Number.NaN;
  let sum = 0;
  for (const g of groups.values()) sum += g.hit / g.n;
  return sum / groups.size;
}

export interface ClassificationMetrics {
  top1: number;
  top5: number | null;
  mean_per_class_recall: number;
}

/**
 * The accuracy metrics of a logits matrix, as every classification task reports them. With
 * `anyOf` (ObjectNet), a row is correct when its prediction is any class of its set.
 */
export function classificationMetrics(logits: Float32Array, n: number, c: number, targets: Int32Array, anyOf?: ReadonlyArray<readonly number[]>): ClassificationMetrics & { preds: Int32Array } {
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

/** How {@link classificationMetrics} defines top-5 and mean per-class recall, for result.json conventions. */
export function classificationConventions(c: number): Record<string, string> {
  return {
    top5: c >= 5 ? 'target among the 5 highest logits (ties to the lower class index)' : 'not computed: fewer than 5 classes',
    mean_per_class_recall: 'mean over classes present in the targets (sklearn balanced_accuracy_score)',
  };
}

/**
 * {@link classificationMetrics} fed one row at a time (rows in order, from blocks of a logits matrix that is never
 * held whole), with bit-identical results: the same counts, the same per-class (or per-group) recall sums in the same
 * order. `anyOf` says whether rows come with target sets (decided for the whole set, as classificationMetrics does).
 */
export class ClassificationAccumulator {
  private n = 0;
  private correct1 = 0;
  private correct5 = 0;
  private readonly support: Float64Array;
  private readonly hits: Float64Array;
  private readonly groups = new Map<string, { hit: number; n: number }>();

  constructor(
    private readonly c: number,
    private readonly anyOf: boolean,
  ) {
    this.support = new Float64Array(anyOf ? 0 : c);
    this.hits = new Float64Array(anyOf ? 0 : c);
  }

  /** Rows added so far. */
  get count(): number {
    return this.n;
  }

  /**
   * Adds row `row` of `logits` (a block of rows, `c` wide) with its target, or its target set when the accumulator
   * takes any-of labels; returns the row's prediction (argmax, first on ties).
   */
  add(logits: Float32Array, row: number, target: number, targetSet?: readonly number[]): number {
    const c = this.c;
    const pred = argmaxRow(logits, row, c);
    this.n++;
    if (this.anyOf) {
      const set = targetSet ?? [target];
      let rank = Infinity;
      for (const t of set) rank = Math.min(rank, targetRank(logits, c, row, t));
      if (rank < 1) this.correct1++;
      if (rank < 5) this.correct5++;
      const key = targetSetKey(set);
      const g = this.groups.get(key) ?? { hit: 0, n: 0 };
      g.n++;
      if (set.includes(pred)) g.hit++;
      this.groups.set(key, g);
    } else {
      const rank = targetRank(logits, c, row, target);
      if (rank < 1) this.correct1++;
      if (rank < 5) this.correct5++;
      this.support[target]++;
      if (pred === target) this.hits[target]++;
    }
    return pred;
  }

  result(): ClassificationMetrics {
    const n = this.n;
    const top1 = n === 0 ? Number.NaN : this.correct1 / n;
    const top5 = this.c >= 5 ? (n === 0 ? Number.NaN : this.correct5 / n) : null;
    let recall: number;
    if (this.anyOf) {
      let sum = 0;
      for (const g of this.groups.values()) sum += g.hit / g.n;
      recall = this.groups.size === 0 ? Number.NaN : sum / this.groups.size;
    } else {
      let sum = 0;
      let present = 0;
      for (let j = 0; j < this.c; j++) {
        if (this.support[j] > 0) {
          sum += this.hits[j] / this.support[j];
          present++;
        }
      }
      recall = present === 0 ? Number.NaN : sum / present;
    }
    return { top1, top5, mean_per_class_recall: recall };
  }
}
