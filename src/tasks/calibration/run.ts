/**
 * `eval calibration`: zero-shot logits of the ID set and each shifted set -> ECE / NLL / Brier and
 * reliability bins, before and after temperature scaling. T is fitted on a calibration split of the
 * ID data (or a separate calibration set) and applied unchanged to every other set.
 */
import path from 'node:path';
import type { Dataset } from '../../data/index.js';
import { labelsOf } from '../../data/item-list.js';
import { HoloclipError } from '../../errors.js';
import { calibrationMetricsBlocks, fitTemperatureBlocks, type CalibrationMetrics, type LogitBlockSource } from '../../metrics/calibration.js';
import { createRng } from '../../metrics/random.js';
import { templateConventions } from '../../head/text-classifier.js';
import { writeJsonAtomic } from '../../store/atomic.js';
import type { TaskInput } from '../definition.js';
import type { EmbeddedItems } from '../eval-context.js';
import { RowSpill } from '../../store/row-spill.js';
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
export function seededPermutation(n: number, seed: number): Int32Array {
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
    let fit: { temperature: number; nllBefore: number; nllAfter: number } | null = null;
    let calibrationN = 0;
    let note = '';
    const sets: CalibrationTaskMetrics['sets'] = {};
    const reliability: Record<string, { before: CalibrationMetrics['bins']; after: CalibrationMetrics['bins'] }> = {};
    const c = idData.classnames.length;
    const classifier = await ctx.classifier(idData.classnames, templateSet.templates);
    const dir = path.resolve(input.out);
    const embedded: Array<{ name: string; set: EmbeddedItems }> = [];
    const idSet = await ctx.embedItems(idData, 'id');
    embedded.push({ name: 'id', set: idSet });
    const idLabels = labelsOf(idSet.ok);
    /** A set's logits, scored again from the store's rows block by block on each pass. */
    const storeSource = (set: EmbeddedItems): LogitBlockSource => ({
      n: set.n,
      c,
      forEachBlock: async (visit) => {
        for (const b of await ctx.logitBlocks(set, classifier)) visit(b.logits, b.start, b.count);
      },
    });
    /** Rows spilled to a temp file in the output folder (read again on each pass of the fit). */
    const spillSource = (spill: RowSpill): LogitBlockSource => ({ n: spill.rows, c, forEachBlock: (visit) => spill.forEachBlock(visit) });

    // The logits are never held whole: the calibration rows go to a temp file (the fit passes over them several
    // times), the ID test rows too when they are a split of the ID set; every other set is scored from the store.
    const calSpill = await RowSpill.create(dir, 'calibration-logits', c);
    const testSpill = calData ? null : await RowSpill.create(dir, 'id-test-logits', c);
    try {
      // Calibration split: a separate set, or a seeded fraction of the ID images (the rest is the ID test set).
      let calLabels: Int32Array;
      let testLabels = idLabels;
      let testSource: LogitBlockSource;
      let splitNote: string;
      if (calData) {
        const calSet = await ctx.embedItems(calData, 'calibration');
        embedded.push({ name: 'calibration', set: calSet });
        for (const b of await ctx.logitBlocks(calSet, classifier)) await calSpill.append(b.logits);
        calLabels = labelsOf(calSet.ok);
        testSource = storeSource(idSet);
        splitNote = `temperature fitted on the separate calibration set ${calData.source}; the whole ID set is evaluated`;
      } else {
        const perm = seededPermutation(idSet.n, options.seed);
        const nCal = Math.round(idSet.n * options.calibrationFraction);
        if (nCal < 1 || nCal >= idSet.n) {
          throw new HoloclipError(`the ID set has ${idSet.n} images: too few to split ${options.calibrationFraction} for calibration; give --calibration-data or more images`);
        }
        const calRows = Array.from(perm.subarray(0, nCal)).sort((a, b) => a - b);
        const testRows = Array.from(perm.subarray(nCal)).sort((a, b) => a - b);
        const isCal = new Uint8Array(idSet.n);
        for (const r of calRows) isCal[r] = 1;
        // Each block's rows, split in row order: the spills hold the calibration rows and the test rows, each in row order.
        // The two halves are formed in the same two arrays block after block (each append is written before the next).
        let calBuf = new Float32Array(0);
        let testBuf = new Float32Array(0);
        for (const b of await ctx.logitBlocks(idSet, classifier)) {
          let k = 0;
          for (let r = 0; r < b.count; r++) k += isCal[b.start + r];
          if (calBuf.length < b.count * c) {
            calBuf = new Float32Array(b.count * c);
            testBuf = new Float32Array(b.count * c);
          }
          const cal = calBuf.subarray(0, k * c);
          const test = testBuf.subarray(0, (b.count - k) * c);
          let ci = 0;
          let ti = 0;
          for (let r = 0; r < b.count; r++) {
            const row = b.logits.subarray(r * c, (r + 1) * c);
            if (isCal[b.start + r] === 1) cal.set(row, c * ci++);
            else test.set(row, c * ti++);
          }
          await calSpill.append(cal);
          await (testSpill as RowSpill).append(test);
        }
        calLabels = Int32Array.from(calRows, (r) => idLabels[r]);
        testLabels = Int32Array.from(testRows, (r) => idLabels[r]);
        testSource = spillSource(testSpill as RowSpill);
        splitNote = `temperature fitted on a seeded random ${options.calibrationFraction} of the ID images (seed ${options.seed}, ${nCal} images); ID metrics on the other ${idSet.n - nCal}`;
      }
      fit = await fitTemperatureBlocks(spillSource(calSpill), calLabels);
      calibrationN = calLabels.length;
      const T = fit.temperature;
      const evaluate = async (name: string, source: LogitBlockSource, labels: Int32Array): Promise<void> => {
        const [before, after] = await calibrationMetricsBlocks(source, labels, [1, T], options.bins);
        sets[name] = { n: labels.length, before: withoutBins(before), after: withoutBins(after) };
        reliability[name] = { before: before.bins, after: after.bins };
      };
      await evaluate('id', testSource, testLabels);
      await calSpill.remove();
      await testSpill?.remove();
      for (const s of shifts) {
        const set = await ctx.embedItems(s.dataset, s.name);
        embedded.push({ name: s.name, set });
        await evaluate(s.name, storeSource(set), labelsOf(set.ok));
      }
      note = splitNote;
    } finally {
      await calSpill.remove();
      await testSpill?.remove();
    }
    const T = fit.temperature;
    const metrics: CalibrationTaskMetrics = {
      temperature: T,
      calibration: { n: calibrationN, nll_before: fit.nllBefore, nll_after: fit.nllAfter },
      sets,
    };

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
        temperature: `${note}; T = argmin NLL(logits / T) (bounded 1-D minimisation), applied unchanged to every shifted set`,
        ...templateConventions(templateSet),
        classnames: idData.classnames,
        ...ctx.preprocessConventions(),
        ...ctx.executionConventions(),
      },
      cache: { store: ctx.store.root, images_inferred: embedded.reduce((s, e) => s + e.set.inferred, 0), classifier_key: classifier.cacheKey },
      timing: { total_s: (performance.now() - tStart) / 1000 },
    };
    await writeJsonAtomic(path.join(dir, 'reliability.json'), { temperature: T, bins: options.bins, sets: reliability });
    await writeFailures(dir, embedded.map((e) => ({ name: e.name, failures: e.set.failures })));
    await writeResult(dir, result);
    return result;
  }
}
