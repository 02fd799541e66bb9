/**
 * Answer matching of ImageNet-D's LMM protocol (chenshuang-zhang/imagenet_d, LLaVA/compute_accuracy.py), rules
 * transcribed and checked against that script's own output (test/golden/lmm/answer-labels.json, made by
 * tools/goldens/make_lmm_answer_goldens.py):
 *
 * - the answer is lower-cased; a class name matches when it is a substring of it, or when one of its synonyms is;
 * - TRUE: only the true name matches; FALSE: only the distractor; DOUBLE: both; TODO: neither;
 * - two pairs whose names contain each other ("pen" / "can opener", "plate" / "drying rack for plates") are decided
 *   by the longer name first: when the distractor is the longer name, a match of it is FALSE even if the true name
 *   matches too; when the true name is the longer one, a match of it is TRUE.
 *
 * Accuracy = TRUE / (TRUE + FALSE); DOUBLE and TODO answers are counted, not scored.
 */

export type AnswerLabel = 'TRUE' | 'FALSE' | 'DOUBLE' | 'TODO';
export const ANSWER_LABELS: readonly AnswerLabel[] = ['TRUE', 'FALSE', 'DOUBLE', 'TODO'];

/** compute_accuracy.py's `word_mapping_dict`: other words that count as naming the class (ImageNet-D class names). */
export const IMAGENET_D_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  dishcloth: ['dishrag'],
  'weight (exercise)': ['dumbbell', 'weight'],
  'nail (fastener)': ['nail'],
  tv: ['television'],
  'iron (for clothes)': ['iron'],
  't shirt': ['t-shirt', 'shirt'],
  'laptop (open)': ['laptop'],
  'dress shoe (men)': ['dress shoe'],
  'binder (closed)': ['binder'],
  'portable heater': ['heater'],
  'computer mouse': ['mouse'],
  'still camera': ['camera'],
  lampshade: ['lamp shade'],
  'trash bin': ['trash can'],
  'winter glove': ['glove'],
  'band aid': ['band-aid', 'bandaid'],
  'toilet paper roll': ['roll of toilet paper'],
  'pill bottle': ['pill'],
  'soup bowl': ['bowl of soup'],
  'water bottle': ['bottle of water'],
  'pop can': ['can of'],
  'weight scale': ['scale'],
  sandal: ['flip flop'],
  'swimming trunks': ['swimming trunk'],
  'bread loaf': ['bread'],
  'coffee or french press': ['coffee press', 'french press', 'coffee machine', 'coffee maker'],
  'mixing or salad bowl': ['mixing bowl', 'salad bowl'],
  'alarm clock': ['clock'],
  wheel: ['bicycle wheel'],
  ladle: ['spoon'],
  matchstick: ['match'],
  cellphone: ['cell phone', 'mobile phone'],
};

/** Pairs (longer name, shorter name it overlaps) decided by the longer name first (compute_accuracy.py's special cases). */
export const IMAGENET_D_OVERLAPPING_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['can opener', 'pen'],
  ['drying rack for plates', 'plate'],
];

export interface MatchRules {
  readonly synonyms: Readonly<Record<string, readonly string[]>>;
  readonly overlapping: ReadonlyArray<readonly [string, string]>;
}

export const IMAGENET_D_RULES: MatchRules = { synonyms: IMAGENET_D_SYNONYMS, overlapping: IMAGENET_D_OVERLAPPING_PAIRS };

/**
 * Whether an answer names a class: the class name, or one of its synonyms, is a substring of the lower-cased answer.
 * Class names are compared lower-cased too (ImageNet-D's are lower case already; the reference compares them as given).
 */
export function namesClass(name: string, answer: string, synonyms: MatchRules['synonyms'] = IMAGENET_D_SYNONYMS): boolean {
  const a = answer.toLowerCase();
  const n = name.toLowerCase();
  if (a.includes(n)) return true;
  return (Object.hasOwn(synonyms, n) ? synonyms[n] : []).some((w) => a.includes(w));
}

/** The label of one answer to "true name or distractor?". */
export function labelAnswer(trueName: string, distractor: string, answer: string, rules: MatchRules = IMAGENET_D_RULES): AnswerLabel {
  const t = namesClass(trueName, answer, rules.synonyms);
  const d = namesClass(distractor, answer, rules.synonyms);
  const tn = trueName.toLowerCase();
  const dn = distractor.toLowerCase();
  for (const [longer, shorter] of rules.overlapping) {
    if (tn === shorter && dn === longer) return d ? 'FALSE' : t ? 'TRUE' : 'TODO';
    if (tn === longer && dn === shorter) return t ? 'TRUE' : d ? 'FALSE' : 'TODO';
  }
  if (t && d) return 'DOUBLE';
  if (t) return 'TRUE';
  if (d) return 'FALSE';
  return 'TODO';
}

export type LabelCounts = Record<AnswerLabel, number>;

export function countLabels(labels: Iterable<AnswerLabel>): LabelCounts {
  const c: LabelCounts = { TRUE: 0, FALSE: 0, DOUBLE: 0, TODO: 0 };
  for (const l of labels) c[l] += 1;
  return c;
}

/** TRUE / (TRUE + FALSE); null when no answer names exactly one of the two classes. */
export function lmmAccuracy(c: LabelCounts): number | null {
  const n = c.TRUE + c.FALSE;
  return n === 0 ? null : c.TRUE / n;
}
