/**
 * Property-based tests of the metrics (fast-check): invariants every correct implementation has, checked on
 * random inputs, and brute-force definitions checked against the fast implementations. The reference goldens
 * (test/golden/) pin the exact numbers on chosen inputs; these properties cover the inputs nobody chose.
 * Each property runs a bounded number of cases with a fixed seed, so a failure is reproducible.
 */
import { test } from 'node:test';
import fc from 'fast-check';
import { averagePrecision, energyScores, mspScores, oodMetrics, rocAuc } from '../src/metrics/ood.js';
import { brierScore, expectedCalibrationError, negativeLogLikelihood, softmaxRows } from '../src/metrics/calibration.js';
import { argmaxRows, topKAccuracy } from '../src/metrics/classification.js';
import { retrievalRecall } from '../src/metrics/retrieval.js';
import { effectiveRobustness, fitBaseline, inverseTransform, transformAccuracy } from '../src/metrics/effective-robustness.js';

const RUNS = { numRuns: 150, seed: 20261202 };
const close = (a: number, b: number, tol = 1e-9): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));

/** Scores on a small integer grid, so ties happen often (the cases where implementations differ). */
const tiedScores = (min: number, max: number) => fc.array(fc.integer({ min: -6, max: 6 }), { minLength: min, maxLength: max });

/** A labelled score set with at least one positive and one negative. */
const labelledScores = fc
  .integer({ min: 2, max: 40 })
  .chain((n) => fc.tuple(fc.array(fc.integer({ min: -6, max: 6 }), { minLength: n, maxLength: n }), fc.array(fc.boolean(), { minLength: n, maxLength: n })))
  .filter(([, pos]) => pos.some((p) => p) && pos.some((p) => !p));

/** n x c logits as float32 values (what the embedding store holds). */
const logitMatrix = fc
  .record({ n: fc.integer({ min: 1, max: 12 }), c: fc.integer({ min: 2, max: 7 }) })
  .chain(({ n, c }) =>
    fc.record({
      n: fc.constant(n),
      c: fc.constant(c),
      logits: fc.array(fc.float({ min: -20, max: 20, noNaN: true, noDefaultInfinity: true }), { minLength: n * c, maxLength: n * c }),
      labels: fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }),
    }),
  );

/** Mann-Whitney: the probability a random positive outscores a random negative, ties counting one half. */
function pairwiseAuc(scores: readonly number[], pos: readonly boolean[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < scores.length; i++) {
    if (!pos[i]) continue;
    for (let j = 0; j < scores.length; j++) {
      if (pos[j]) continue;
      pairs++;
      wins += scores[i] > scores[j] ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

/** sklearn's average precision by its definition: over distinct thresholds, (R_k - R_{k-1}) * P_k. */
function definitionAp(scores: readonly number[], pos: readonly boolean[]): number {
  const thresholds = [...new Set(scores)].sort((a, b) => b - a);
  const total = pos.filter((p) => p).length;
  let ap = 0;
  let prevRecall = 0;
  for (const t of thresholds) {
    let tp = 0;
    let k = 0;
    scores.forEach((s, i) => {
      if (s >= t) {
        k++;
        if (pos[i]) tp++;
      }
    });
    const recall = tp / total;
    ap += (recall - prevRecall) * (tp / k);
    prevRecall = recall;
  }
  return ap;
}

test('rocAuc equals the pairwise (Mann-Whitney) definition, ties included', () => {
  fc.assert(
    fc.property(labelledScores, ([scores, pos]) => close(rocAuc(scores, pos), pairwiseAuc(scores, pos))),
    RUNS,
  );
});

test('rocAuc: negating the scores or swapping the classes gives 1 - AUROC; a strictly increasing map changes nothing', () => {
  fc.assert(
    fc.property(labelledScores, ([scores, pos]) => {
      const auc = rocAuc(scores, pos);
      return (
        close(rocAuc(scores.map((s) => -s), pos), 1 - auc) &&
        close(rocAuc(scores, pos.map((p) => !p)), 1 - auc) &&
        close(rocAuc(scores.map((s) => 3 * s + 7), pos), auc)
      );
    }),
    RUNS,
  );
});

test('averagePrecision equals its definition and lies in (0, 1]', () => {
  fc.assert(
    fc.property(labelledScores, ([scores, pos]) => {
      const ap = averagePrecision(scores, pos);
      return close(ap, definitionAp(scores, pos)) && ap > 0 && ap <= 1 + 1e-12;
    }),
    RUNS,
  );
});

test('oodMetrics: metrics are fractions; swapping ID and OOD sets mirrors AUROC (both conventions)', () => {
  fc.assert(
    fc.property(tiedScores(1, 30), tiedScores(1, 30), fc.constantFrom('id-positive' as const, 'ood-positive' as const), (id, ood, convention) => {
      const m = oodMetrics(id, ood, convention);
      const swapped = oodMetrics(ood, id, convention);
      const inUnit = [m.auroc, m.aupr_in, m.aupr_out, m.fpr_at_95_tpr].every((v) => v >= 0 && v <= 1 + 1e-12);
      const ids = id.map(() => true).concat(ood.map(() => false));
      return inUnit && close(m.auroc + swapped.auroc, 1) && close(m.auroc, pairwiseAuc([...id, ...ood], ids)) && m.n_id === id.length;
    }),
    RUNS,
  );
});

test('softmax rows are distributions and ignore a constant added to a row; MSP is their maximum', () => {
  fc.assert(
    fc.property(logitMatrix, fc.float({ min: -50, max: 50, noNaN: true, noDefaultInfinity: true }), ({ n, c, logits }, shift) => {
      const x = Float32Array.from(logits);
      const p = softmaxRows(x, n, c);
      const shifted = softmaxRows(Float32Array.from(logits, (v) => v + Math.fround(shift)), n, c);
      const msp = mspScores(x, n, c);
      for (let i = 0; i < n; i++) {
        const row = Array.from(p.subarray(i * c, (i + 1) * c));
        if (!close(row.reduce((a, b) => a + b, 0), 1, 1e-12)) return false;
        if (!close(Math.max(...row), msp[i], 1e-12)) return false;
        // float32 rounding of (v + shift) moves each logit by at most one ulp of its magnitude
        for (let j = 0; j < c; j++) if (Math.abs(row[j] - shifted[i * c + j]) > 1e-4) return false;
      }
      return true;
    }),
    RUNS,
  );
});

test('energy score at T = 1 is logsumexp, between the max logit and max + log(c)', () => {
  fc.assert(
    fc.property(logitMatrix, ({ n, c, logits }) => {
      const x = Float32Array.from(logits);
      const e = energyScores(x, n, c);
      for (let i = 0; i < n; i++) {
        const max = Math.max(...x.subarray(i * c, (i + 1) * c));
        if (!(e[i] >= max - 1e-9 && e[i] <= max + Math.log(c) + 1e-9)) return false;
      }
      return true;
    }),
    RUNS,
  );
});

test('NLL >= 0, Brier in [0, 2], ECE in [0, 1] and one-bin ECE = |accuracy - mean confidence|', () => {
  fc.assert(
    fc.property(logitMatrix, ({ n, c, logits, labels }) => {
      const x = Float32Array.from(logits);
      const nll = negativeLogLikelihood(x, n, c, labels);
      const brier = brierScore(x, n, c, labels);
      const conf = mspScores(x, n, c);
      const pred = argmaxRows(x, n, c);
      const correct = labels.map((l, i) => pred[i] === l);
      const { ece, bins } = expectedCalibrationError(conf, correct);
      const one = expectedCalibrationError(conf, correct, 1).ece;
      const acc = correct.filter((v) => v).length / n;
      const meanConf = Array.from(conf).reduce((a, b) => a + b, 0) / n;
      return (
        nll >= -1e-12 &&
        brier >= 0 &&
        brier <= 2 + 1e-12 &&
        ece >= 0 &&
        ece <= 1 + 1e-12 &&
        bins.reduce((a, b) => a + b.count, 0) === n &&
        close(one, Math.abs(acc - meanConf), 1e-12)
      );
    }),
    RUNS,
  );
});

test('ECE does not depend on the order of the samples', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 20 }),
      (pairs, bins) => {
        const a = expectedCalibrationError(pairs.map((p) => p[0]), pairs.map((p) => p[1]), bins).ece;
        const rev = [...pairs].reverse();
        const b = expectedCalibrationError(rev.map((p) => p[0]), rev.map((p) => p[1]), bins).ece;
        return close(a, b, 1e-12);
      },
    ),
    RUNS,
  );
});

test('top-k accuracy grows with k and reaches 1 at k = c; top-1 agrees with argmax', () => {
  fc.assert(
    fc.property(logitMatrix, ({ n, c, logits, labels }) => {
      const x = Float32Array.from(logits);
      let prev = 0;
      for (let k = 1; k <= c; k++) {
        const acc = topKAccuracy(x, n, c, labels, k);
        if (acc < prev) return false;
        prev = acc;
      }
      const pred = argmaxRows(x, n, c);
      const top1 = labels.filter((l, i) => pred[i] === l).length / n;
      return prev === 1 && close(topKAccuracy(x, n, c, labels, 1), top1, 0);
    }),
    RUNS,
  );
});

test('retrieval recall grows with K and is 1 at K = number of candidates', () => {
  const retrievalCase = fc
    .record({ nImages: fc.integer({ min: 1, max: 6 }), perImage: fc.integer({ min: 1, max: 3 }) })
    .chain(({ nImages, perImage }) => {
      const nTexts = nImages * perImage;
      return fc.record({
        nImages: fc.constant(nImages),
        nTexts: fc.constant(nTexts),
        sim: fc.array(fc.integer({ min: -3, max: 3 }), { minLength: nImages * nTexts, maxLength: nImages * nTexts }),
      });
    });
  fc.assert(
    fc.property(retrievalCase, ({ nImages, nTexts, sim }) => {
      const textImage = Array.from({ length: nTexts }, (_, t) => t % nImages);
      const ks = Array.from({ length: Math.max(nImages, nTexts) }, (_, i) => i + 1);
      const r = retrievalRecall(Float32Array.from(sim), nImages, nTexts, textImage, ks);
      for (let k = 2; k <= ks.length; k++) {
        if (r.image_to_text[`R@${k}`] < r.image_to_text[`R@${k - 1}`]) return false;
        if (r.text_to_image[`R@${k}`] < r.text_to_image[`R@${k - 1}`]) return false;
      }
      return r.image_to_text[`R@${nTexts}`] === 1 && r.text_to_image[`R@${nImages}`] === 1;
    }),
    RUNS,
  );
});

test('effective robustness: a baseline on an exact logit line is recovered, and its own models have ER 0', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 0.3, max: 2, noNaN: true }),
      fc.double({ min: -2, max: 1, noNaN: true }),
      fc.uniqueArray(fc.integer({ min: 5, max: 95 }), { minLength: 3, maxLength: 12 }),
      (a, b, idPercents) => {
        const id = idPercents.map((p) => p / 100);
        const shift = id.map((v) => inverseTransform(a * transformAccuracy(v, 'logit') + b, 'logit'));
        const fit = fitBaseline(id, shift);
        return close(fit.a, a, 1e-6) && close(fit.b, b, 1e-6) && id.every((v, i) => Math.abs(effectiveRobustness(fit, v, shift[i])) < 1e-9);
      },
    ),
    RUNS,
  );
});
