/**
 * The questions of ImageNet-D's LMM protocol (LLaVA/llava/serve/eval_imagenet_d.py): one per image, the true class
 * and one distractor taken from a surrogate model's predictions (its top-1 when wrong, else its top-2), asked as
 *   "What is the main object in this image? Choose from the following list: {true}, {distractor}."
 */
import { createHash } from 'node:crypto';

/** The question as the reference writes it; {a} and {b} are the two options in the order they are offered. */
export const IMAGENET_D_QUESTION = 'What is the main object in this image? Choose from the following list: {a}, {b}.';

/** reference: the true class first (as eval_imagenet_d.py); shuffled: per image, by a seeded hash of its id. */
export type OptionOrder = 'reference' | 'shuffled';

export interface Question {
  /** Row of the surrogate's logits / dataset item. */
  readonly row: number;
  readonly target: number;
  readonly distractor: number;
  /** The surrogate's top-1 class (== target when it is right). */
  readonly surrogateTop1: number;
  readonly trueName: string;
  readonly distractorName: string;
  /** Whether the true class is offered first. */
  readonly trueFirst: boolean;
  readonly text: string;
}

/** The two highest columns of one row (ties: the lower index first, as a stable descending sort). */
export function top2(logits: Float32Array, row: number, classes: number): [number, number] {
  let a = -1;
  let b = -1;
  const base = row * classes;
  for (let j = 0; j < classes; j++) {
    const v = logits[base + j];
    if (a < 0 || v > logits[base + a]) {
      b = a;
      a = j;
    } else if (b < 0 || v > logits[base + b]) {
      b = j;
    }
  }
  return [a, b];
}

/** The distractor of one image: the surrogate's top-1 if wrong, else its top-2. */
export function distractorOf(logits: Float32Array, row: number, classes: number, target: number): { distractor: number; top1: number } {
  if (classes < 2) throw new RangeError('a question needs at least two classes');
  const [first, second] = top2(logits, row, classes);
  return { distractor: first !== target ? first : second, top1: first };
}

/** Whether the true class comes first in the question of an image (always under `reference`). */
export function trueFirst(order: OptionOrder, imageId: string, seed: number): boolean {
  if (order === 'reference') return true;
  return (createHash('sha256').update(`${seed}\0${imageId}`).digest()[0] & 1) === 0;
}

export function questionText(first: string, second: string, template: string = IMAGENET_D_QUESTION): string {
  return template.replace('{a}', first).replace('{b}', second);
}

/** One question per row of the surrogate's logits. */
export function buildQuestions(o: {
  logits: Float32Array;
  classes: number;
  targets: ArrayLike<number>;
  ids: readonly string[];
  classnames: readonly string[];
  order: OptionOrder;
  seed: number;
  template?: string;
}): Question[] {
  const out: Question[] = [];
  for (let i = 0; i < o.ids.length; i++) {
    const target = o.targets[i];
    const { distractor, top1 } = distractorOf(o.logits, i, o.classes, target);
    const tn = o.classnames[target];
    const dn = o.classnames[distractor];
    const tf = trueFirst(o.order, o.ids[i], o.seed);
    out.push({ row: i, target, distractor, surrogateTop1: top1, trueName: tn, distractorName: dn, trueFirst: tf, text: tf ? questionText(tn, dn, o.template) : questionText(dn, tn, o.template) });
  }
  return out;
}

/** CLIP on the same question: argmax over the two classes' logits (a tie goes to the lower class index, as argmax). */
export function twoWayCorrect(logits: Float32Array, row: number, classes: number, target: number, distractor: number): boolean {
  const t = logits[row * classes + target];
  const d = logits[row * classes + distractor];
  return t > d || (t === d && target < distractor);
}
