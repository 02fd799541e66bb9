/** The LMM's score on a set of questions next to CLIP's on the same images (pure). */
import { countLabels, lmmAccuracy, type AnswerLabel } from './answer-matching.js';

export interface ScoredQuestion {
  readonly label: AnswerLabel;
  /** The surrogate's 2-way choice between the same two classes was the true one. */
  readonly clipTwoWay: boolean;
  /** The surrogate's full zero-shot top-1 was the true class. */
  readonly clipTop1: boolean;
}

export interface LmmScores {
  n: number;
  /** TRUE / (TRUE + FALSE); null when no answer names exactly one class. */
  lmm_accuracy: number | null;
  true: number;
  false: number;
  double: number;
  todo: number;
  /** CLIP on the same question: 2-way accuracy over every question. */
  clip_two_way: number | null;
  /** CLIP's full zero-shot top-1 on the same images. */
  clip_top1: number | null;
}

export function scoreQuestions(qs: readonly ScoredQuestion[]): LmmScores {
  const c = countLabels(qs.map((q) => q.label));
  const n = qs.length;
  const frac = (k: number) => (n === 0 ? null : k / n);
  return {
    n,
    lmm_accuracy: lmmAccuracy(c),
    true: c.TRUE,
    false: c.FALSE,
    double: c.DOUBLE,
    todo: c.TODO,
    clip_two_way: frac(qs.filter((q) => q.clipTwoWay).length),
    clip_top1: frac(qs.filter((q) => q.clipTop1).length),
  };
}
