/**
 * `eval calibration`: zero-shot logits of the ID set and each shifted set -> ECE / NLL / Brier and
 * reliability bins, before and after temperature scaling. T is fitted on a calibration split of the
 * ID data (or a separate calibration set) and applied unchanged to every other set.
 */
import path from 'node:path';
import type { Dataset } from '../../data/index.js';
import { HoloclipError } from '../../errors.js';
import { calibrationMetrics, fitTemperature, type CalibrationMetrics } from '../../metrics/calibration.js';
import { createRng } from '../../metrics/random.js';
import { templateConventions } from '../../head/text-classifier.js';
import { writeJsonAtomic } from '../../store/atomic.js';
import type { TaskInput } from '../definition.js';
import type { EmbeddedSet } from '../eval-context.js';
import { writeFailures, writeResult, type DatasetRecord, type ResultEnvelope } from '../result-envelope.js';

export interface CalibrationSettings {
  readonly calibration_fraction: number;
  readonly seed: number;
  readonly bins: number;
}

type SetMetrics = Omit<CalibrationMetrics, 'bins'>;
export interface CalibrationTaskMetrics {
  temperature: number;
  calibration: { n: number; nll_before: number; nll_after: number };
  sets: Record<string, { n: number; before: SetMetrics; after: SetMetrics }>;
}

function withoutBins(m: CalibrationMetrics): SetMetrics {
  const { bins: _bins, ...rest } = m;
  return rest;
}

/** A seeded permutation of 0..n-1 (Fisher-Yates on the project's seeded generator). */
function seededPermutation(n: number, seed: number): Int32Array {
  const rng = createRng(seed);
  const out = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}

function pick(logits: Float32Array, c: number, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length * c);
  for (let i = 0; i < rows.length; i++) out.set(logits.subarray(rows[i] * c, rows[i] * c + c), i * c);
  return out;
}

/**
 * The rows `rows` (ascending) of `logits` moved to its front, in order, returned as a view of them: the same values
 * {@link pick} copies out, without a second matrix. Row rows[i] >= i, so each move reads a row not yet overwritten.
 */
export function compactRows(logits: Float32Array, c: number, rows: ArrayLike<number>): Float32Array {
  for (let i = 0; i < rows.length; i++) {
    if (i > 0 && rows[i] <= rows[i - 1]) throw new RangeError('compactRows: rows must be strictly ascending');
    if (rows[i] !== i) logits.copyWithin(i * c, rows[i] * c, rows[i] * c + c);
  }
  return logits.subarray(0, rows.length * c);
}

export function sameClasses(a: Dataset, b: Dataset): void {
  const same = a.classnames.length === b.classnames.length && a.classnames.every((n, i) => n === b.classnames[i]);
  if (!same) {
    throw new HoloclipError(
      `${b.source} has classes [${b.classnames.slice(0, 4).join(', ')}...] (${b.classnames.length}) but ${a.source} has [${a.classnames.slice(0, 4).join(', ')}...] (${a.classnames.length}); shifted sets must use the same class list (give the same --classnames)`,
    );
  }
}

export async function runCalibration(input: TaskInput<CalibrationSettings>): Promise<ResultEnvelope<CalibrationTaskMetrics>> {
  const tStart = performance.now();
  const options = { calibrationFraction: input.settings.calibration_fraction, seed: input.settings.seed, bins: input.settings.bins };
  const idData = input.data.one('dataset').dataset;
  const shifts: Array<{ name: string; dataset: Dataset }> = [];
  for (const s of input.data.list('shifts')) {
    if (s.name === 'id' || s.name === 'calibration') throw new HoloclipError(`shift set name "${s.name}" is reserved; name it differently (NAME=PATH)`);
    sameClasses(idData, s.dataset);
    shifts.push({ name: s.name, dataset: s.dataset });
  }
  const calData = input.data.maybe('calibration_dataset')?.dataset ?? null;
  if (calData) sameClasses(idData, calData);
  const templateSet = input.templates;
  const ctx = input.context;
  {
    const c = idData.classnames.length;
    const classifier = await ctx.classifier(idData.classnames, templateSet.templates);
    const embedded: Array<{ name: string; set: EmbeddedSet }> = [];
    const idSet = await ctx.embed(idData, 'id');
    embedded.push({ name: 'id', set: idSet });
    const idLogits = ctx.logits(idSet, classifier);
    const idLabels = Int32Array.from(idSet.ok, (it) => it.label);

    // Calibration split: a separate set, or a seeded fraction of the ID images (the rest is the ID test set).
    let calLogits: Float32Array;
    let calLabels: Int32Array;
    let testLogits = idLogits;
    let testLabels = idLabels;
    let splitNote: string;
    if (calData) {
      const calSet = await ctx.embed(calData, 'calibration');
      embedded.push({ name: 'calibration', set: calSet });
      calLogits = ctx.logits(calSet, classifier);
      calLabels = Int32Array.from(calSet.ok, (it) => it.label);
      splitNote = `temperature fitted on the separate calibration set ${calData.source}; the whole ID set is evaluated`;
    } else {
      const perm = seededPermutation(idSet.n, options.seed);
      const nCal = Math.round(idSet.n * options.calibrationFraction);
      if (nCal < 1 || nCal >= idSet.n) {
        throw new HoloclipError(`the ID set has ${idSet.n} images: too few to split ${options.calibrationFraction} for calibration; give --calibration-data or more images`);
      }
      const calRows = Array.from(perm.subarray(0, nCal)).sort((a, b) => a - b);
      const testRows = Array.from(perm.subarray(nCal)).sort((a, b) => a - b);
      calLogits = pick(idLogits, c, calRows);
      calLabels = Int32Array.from(calRows, (r) => idLabels[r]);
      testLogits = compactRows(idLogits, c, testRows); // the ID matrix itself, its test rows moved to the front
      testLabels = Int32Array.from(testRows, (r) => idLabels[r]);
      splitNote = `temperature fitted on a seeded random ${options.calibrationFraction} of the ID images (seed ${options.seed}, ${nCal} images); ID metrics on the other ${idSet.n - nCal}`;
    }
    const fit = fitTemperature(calLogits, calLabels.length, c, calLabels);
    const T = fit.temperature;

    const metrics: CalibrationTaskMetrics = {
      temperature: T,
      calibration: { n: calLabels.length, nll_before: fit.nllBefore, nll_after: fit.nllAfter },
      sets: {},
    };
    const reliability: Record<string, { before: CalibrationMetrics['bins']; after: CalibrationMetrics['bins'] }> = {};
    const evaluate = (name: string, logits: Float32Array, labels: Int32Array) => {
      const before = calibrationMetrics(logits, labels.length, c, labels, { numBins: options.bins });
      const after = calibrationMetrics(logits, labels.length, c, labels, { numBins: options.bins, temperature: T });
      metrics.sets[name] = { n: labels.length, before: withoutBins(before), after: withoutBins(after) };
      reliability[name] = { before: before.bins, after: after.bins };
    };
    evaluate('id', testLogits, testLabels);
    for (const s of shifts) {
      const set = await ctx.embed(s.dataset, s.name);
      embedded.push({ name: s.name, set });
      evaluate(s.name, ctx.logits(set, classifier), Int32Array.from(set.ok, (it) => it.label));
    }

    const datasets: Record<string, DatasetRecord> = {};
    for (const e of embedded) datasets[e.name] = ctx.datasetRecord(e.set);
    const result: ResultEnvelope<CalibrationTaskMetrics> = {
      ...ctx.envelopeHead('calibration'),
      datasets,
      metrics,
      conventions: {
        ece: `${options.bins} equal-width bins over (0,1], membership (lower, upper]; ECE = sum_b (n_b/n) |accuracy_b - mean confidence_b|`,
        confidence: 'top-label confidence = max softmax probability of the logits (logit_scale * cosine (+ bias, which cancels in the softmax))',
        nll: 'mean negative log softmax probability of the true class',
        brier: 'mean over samples of sum over classes (p_k - onehot_k)^2',
        temperature: `${splitNote}; T = argmin NLL(logits / T) (bounded 1-D minimisation), applied unchanged to every shifted set`,
        ...templateConventions(templateSet),
        classnames: idData.classnames,
        ...ctx.preprocessConventions(),
        ...ctx.executionConventions(),
      },
      cache: { store: ctx.store.root, images_inferred: embedded.reduce((s, e) => s + e.set.inferred, 0), classifier_key: classifier.cacheKey },
      timing: { total_s: (performance.now() - tStart) / 1000 },
    };
    const dir = path.resolve(input.out);
    await writeJsonAtomic(path.join(dir, 'reliability.json'), { temperature: T, bins: options.bins, sets: reliability });
    await writeFailures(dir, embedded.map((e) => ({ name: e.name, failures: e.set.failures })));
    await writeResult(dir, result);
    return result;
  }
}
