/**
 * ImageNet-X factor metrics (Idrissi et al., "ImageNet-X: Understanding Model Mistakes with Factor of
 * Variation Annotations", ICLR 2023). Pure functions; no I/O.
 *
 * Semantics follow facebookresearch/imagenetx (`augment_model_predictions`, `_compute_factor_accuracies`,
 * `error_ratio`):
 * - Annotations whose file is in `options.exclude` are dropped first (imagenetx drops its prototypical
 *   images, `prototypical_paths.csv`, by default).
 * - The remaining annotations are inner-joined with the predictions on file name: only images that are
 *   both annotated and predicted count. `n` is the number of such images.
 * - overall_accuracy = correct / n over those annotated, predicted images (imagenetx's "average"), not
 *   over every image the model saw.
 * - For each factor: count = joined images with the factor set, correct = those predicted correctly,
 *   accuracy = correct / count, error_ratio = (1 - accuracy) / (1 - overall_accuracy).
 * - NaN cases (as pandas gives them): accuracy is NaN for a factor no joined image has (0/0), and
 *   error_ratio is NaN then too; when overall accuracy is 1 every factor accuracy is 1 and error_ratio
 *   is 0/0 = NaN. overall_accuracy is NaN when n = 0. Serialise NaN as null.
 * - worst_factor: the factor with the lowest accuracy, NaN skipped (pandas' min skips NaN), first in
 *   factor order on ties; null when no factor has an image. (imagenetx stores the minimum accuracy;
 *   it is `factors.find(f => f.factor === worst_factor).accuracy` here.)
 * - Factor order: the order in which factor names first appear in the annotations.
 * - Counters: dropped_prototypical = annotations removed by `exclude`; unmatched_predictions = kept
 *   annotations with no prediction (the join leaves them out); unannotated_in_predictions =
 *   predictions for files with no annotation (e.g. the ~38k ImageNet val images ImageNet-X does not
 *   annotate), also left out by the join. Predictions for excluded files are counted in neither.
 */
import { HoloclipError } from '../errors.js';

/** The 16 ImageNet-X factors, in imagenetx's `FACTORS` order. */
export const IMAGENET_X_FACTORS: readonly string[] = [
  'pose',
  'background',
  'pattern',
  'color',
  'smaller',
  'shape',
  'partial_view',
  'subcategory',
  'texture',
  'larger',
  'darker',
  'object_blocking',
  'person_blocking',
  'style',
  'brighter',
  'multiple_objects',
];

/** One annotated image: file name, true class index, factor name -> 0/1. */
export interface FactorAnnotation {
  file_name: string;
  label: number;
  factors: Record<string, number>;
}

export interface FactorRow {
  factor: string;
  count: number;
  correct: number;
  accuracy: number;
  error_ratio: number;
}

export interface FactorMetrics {
  overall_accuracy: number;
  n: number;
  factors: FactorRow[];
  worst_factor: string | null;
  unmatched_predictions: number;
  unannotated_in_predictions: number;
  dropped_prototypical: number;
}

/** Per-factor accuracy and error ratio of one model. See the module comment for the exact semantics. */
export function factorMetrics(
  annotations: readonly FactorAnnotation[],
  correctByFile: ReadonlyMap<string, boolean>,
  options: { exclude?: ReadonlySet<string> } = {},
): FactorMetrics {
  const exclude = options.exclude;
  const names: string[] = [];
  const index = new Map<string, number>();
  for (const ann of annotations) {
    for (const [f, v] of Object.entries(ann.factors)) {
      if (v !== 0 && v !== 1) {
        throw new HoloclipError(`ImageNet-X annotation of ${ann.file_name}: factor ${f} is ${v}; factors must be 0 or 1`);
      }
      if (!index.has(f)) {
        index.set(f, names.length);
        names.push(f);
      }
    }
  }
  const count = new Float64Array(names.length);
  const correct = new Float64Array(names.length);
  const annotated = new Set<string>();
  let dropped = 0;
  let unmatched = 0;
  let n = 0;
  let nCorrect = 0;
  for (const ann of annotations) {
    if (annotated.has(ann.file_name)) {
      throw new HoloclipError(`ImageNet-X annotations list ${ann.file_name} more than once; each image must be annotated once`);
    }
    annotated.add(ann.file_name);
    if (exclude?.has(ann.file_name)) {
      dropped++;
      continue;
    }
    const isCorrect = correctByFile.get(ann.file_name);
    if (isCorrect === undefined) {
      unmatched++;
      continue;
    }
    n++;
    if (isCorrect) nCorrect++;
    for (const [f, v] of Object.entries(ann.factors)) {
      if (v === 1) {
        const j = index.get(f) as number;
        count[j]++;
        if (isCorrect) correct[j]++;
      }
    }
  }
  let unannotated = 0;
  for (const file of correctByFile.keys()) {
    if (!annotated.has(file)) unannotated++;
  }
  const overall = n > 0 ? nCorrect / n : Number.NaN;
  const rows: FactorRow[] = names.map((factor, j) => {
    const accuracy = count[j] > 0 ? correct[j] / count[j] : Number.NaN;
    const error_ratio = count[j] > 0 && overall < 1 ? (1 - accuracy) / (1 - overall) : Number.NaN;
    return { factor, count: count[j], correct: correct[j], accuracy, error_ratio };
  });
  let worst: FactorRow | null = null;
  for (const row of rows) {
    if (!Number.isNaN(row.accuracy) && (worst === null || row.accuracy < worst.accuracy)) worst = row;
  }
  return {
    overall_accuracy: overall,
    n,
    factors: rows,
    worst_factor: worst === null ? null : worst.factor,
    unmatched_predictions: unmatched,
    unannotated_in_predictions: unannotated,
    dropped_prototypical: dropped,
  };
}

/**
 * Correctness per predicted file, judged against the annotations' labels (imagenetx's `is_correct`:
 * predicted class === annotated class). Predicted files without an annotation map to false: factorMetrics
 * never reads their value, it only counts them as `unannotated_in_predictions`.
 */
export function correctnessFromPredictions(annotations: readonly FactorAnnotation[], predicted: ReadonlyMap<string, number>): Map<string, boolean> {
  const labels = new Map<string, number>();
  for (const a of annotations) labels.set(a.file_name, a.label);
  const out = new Map<string, boolean>();
  for (const [file, cls] of predicted) out.set(file, labels.get(file) === cls);
  return out;
}
