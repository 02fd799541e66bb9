import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { countLabels, labelAnswer, lmmAccuracy, namesClass, type AnswerLabel } from '../src/lmm/answer-matching.js';
import { buildQuestions, distractorOf, IMAGENET_D_QUESTION, questionText, top2, trueFirst, twoWayCorrect } from '../src/lmm/questions.js';
import { REPO_ROOT } from './helpers/fixtures.js';

// Golden: tools/goldens/make_lmm_answer_goldens.py runs ImageNet-D's compute_accuracy.py itself on these answers.
interface GoldenCase {
  true: string;
  distractor: string;
  answer: string;
  label: AnswerLabel;
}
const golden = JSON.parse(readFileSync(path.join(REPO_ROOT, 'test/golden/lmm/answer-labels.json'), 'utf8')) as { counts: Record<AnswerLabel, number>; accuracy: number; cases: GoldenCase[] };

test('answer labels match ImageNet-D compute_accuracy.py on every golden answer (synonyms, both, neither, case, punctuation, overlapping pairs)', () => {
  assert.ok(golden.cases.length >= 60);
  for (const c of golden.cases) {
    assert.equal(labelAnswer(c.true, c.distractor, c.answer), c.label, `${c.true} vs ${c.distractor}: ${JSON.stringify(c.answer)}`);
  }
  const counts = countLabels(golden.cases.map((c) => labelAnswer(c.true, c.distractor, c.answer)));
  assert.deepEqual(counts, golden.counts);
  assert.equal(lmmAccuracy(counts), golden.accuracy);
  // The golden table exercises every label.
  for (const l of ['TRUE', 'FALSE', 'DOUBLE', 'TODO'] as const) assert.ok(golden.counts[l] > 0, l);
});

test('class names match as lower-cased substrings of the answer, or through a synonym', () => {
  assert.equal(namesClass('dog', 'A HOTDOG stand'), true); // substring containment, as the reference
  assert.equal(namesClass('tv', 'a Television'), true);
  assert.equal(namesClass('tv', 'a monitor'), false);
  assert.equal(namesClass('Dog', 'a dog'), true); // holoclip lower-cases names too
  assert.equal(namesClass('dog', 'a cat', {}), false);
  assert.equal(namesClass('constructor', 'x'), false); // no prototype lookups
});

test('accuracy is TRUE / (TRUE + FALSE); DOUBLE and TODO are not scored; none scorable -> null', () => {
  assert.equal(lmmAccuracy({ TRUE: 3, FALSE: 1, DOUBLE: 10, TODO: 10 }), 0.75);
  assert.equal(lmmAccuracy({ TRUE: 0, FALSE: 0, DOUBLE: 2, TODO: 1 }), null);
});

test('distractor: the surrogate top-1 when wrong, else its top-2; ties go to the lower index', () => {
  // 3 rows x 4 classes
  const logits = Float32Array.from([0.1, 0.9, 0.5, 0.2, /* */ 0.9, 0.1, 0.5, 0.2, /* */ 0.3, 0.3, 0.3, 0.1]);
  assert.deepEqual(top2(logits, 0, 4), [1, 2]);
  assert.deepEqual(distractorOf(logits, 0, 4, 0), { distractor: 1, top1: 1 }); // wrong: its top-1
  assert.deepEqual(distractorOf(logits, 0, 4, 1), { distractor: 2, top1: 1 }); // right: its top-2
  assert.deepEqual(distractorOf(logits, 1, 4, 0), { distractor: 2, top1: 0 });
  assert.deepEqual(top2(logits, 2, 4), [0, 1]);
  assert.deepEqual(distractorOf(logits, 2, 4, 0), { distractor: 1, top1: 0 });
  assert.deepEqual(distractorOf(logits, 2, 4, 2), { distractor: 0, top1: 0 });
  assert.throws(() => distractorOf(Float32Array.from([1]), 0, 1, 0), /two classes/);
});

test('question text is the reference wording; reference order puts the true class first; shuffled order is seeded and mixed', () => {
  assert.equal(questionText('pen', 'can opener'), 'What is the main object in this image? Choose from the following list: pen, can opener.');
  assert.equal(IMAGENET_D_QUESTION.includes('{a}, {b}.'), true);
  const logits = Float32Array.from([0.1, 0.9, /* */ 0.8, 0.2]);
  const ids = ['a.jpg', 'b.jpg'];
  const q = buildQuestions({ logits, classes: 2, targets: [0, 0], ids, classnames: ['dog', 'cat'], order: 'reference', seed: 0 });
  assert.deepEqual(
    q.map((x) => [x.trueName, x.distractorName, x.surrogateTop1, x.trueFirst, x.text]),
    [
      ['dog', 'cat', 1, true, questionText('dog', 'cat')],
      ['dog', 'cat', 0, true, questionText('dog', 'cat')],
    ],
  );
  const many = Array.from({ length: 200 }, (_, i) => `img${i}.jpg`);
  const firsts = many.map((id) => trueFirst('shuffled', id, 7));
  assert.deepEqual(firsts, many.map((id) => trueFirst('shuffled', id, 7)));
  const share = firsts.filter(Boolean).length / firsts.length;
  assert.ok(share > 0.35 && share < 0.65, `share of true-first ${share}`);
  assert.notDeepEqual(firsts, many.map((id) => trueFirst('shuffled', id, 8)));
  const shuffled = buildQuestions({ logits, classes: 2, targets: [0, 0], ids, classnames: ['dog', 'cat'], order: 'shuffled', seed: 7 });
  for (const x of shuffled) assert.equal(x.text, x.trueFirst ? questionText('dog', 'cat') : questionText('cat', 'dog'));
});

test('CLIP 2-way on the same two names: argmax over the pair', () => {
  const logits = Float32Array.from([0.1, 0.9, 0.5, /* */ 0.5, 0.5, 0.1]);
  assert.equal(twoWayCorrect(logits, 0, 3, 2, 1), false);
  assert.equal(twoWayCorrect(logits, 0, 3, 1, 2), true);
  assert.equal(twoWayCorrect(logits, 1, 3, 0, 1), true); // tie: lower index
  assert.equal(twoWayCorrect(logits, 1, 3, 1, 0), false);
});
