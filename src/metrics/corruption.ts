/**
 * Corruption robustness metrics (Hendrycks & Dietterich 2019, "Benchmarking Neural Network
 * Robustness to Common Corruptions and Perturbations", section 3):
 *
 *   CE_c   = sum_s E_{s,c} / sum_s E^ref_{s,c}                      (corruption error, per corruption)
 *   mCE    = mean over corruptions of CE_c
 *   rCE_c  = sum_s (E_{s,c} - E_clean) / sum_s (E^ref_{s,c} - E^ref_clean)
 *   rel. mCE = mean over corruptions of rCE_c
 *
 * with E the top-1 error (1 - accuracy) and ref the reference model (AlexNet in the paper). mCE is
 * usually printed x 100 (AlexNet = 100); holoclip reports the ratio (AlexNet = 1). Also: mean
 * accuracy over severities per corruption, and the mean corruption accuracy (mCA) over corruptions.
 * Pure functions, no I/O.
 */
import { HoloclipError } from '../errors.js';

/** One measured (corruption, severity) cell: top-1 accuracy. */
export interface CorruptionCell {
  readonly corruption: string;
  readonly severity: number;
  readonly top1: number;
}

/**
 * A reference model's errors: (corruption, severity) -> error in [0, 1]; severity 0 holds the mean over
 * severities 1-5 when only that is published. `clean`: its error on the clean data, if known.
 */
export interface ReferenceErrors {
  readonly errors: ReadonlyMap<string, number>;
  readonly clean: number | null;
  readonly source: string;
}

export const refKey = (corruption: string, severity: number): string => `${corruption}:${severity}`;

export interface CorruptionSummary {
  /** Per corruption, in first-seen order. */
  corruptions: Array<{
    corruption: string;
    severities: number[];
    mean_top1: number;
    ce: number | null;
    relative_ce: number | null;
  }>;
  /** Mean over corruptions of the mean accuracy over severities. */
  mca: number;
  /** Mean of CE over the corruptions the reference covers (`mce_corruptions`); null without a reference. */
  mce: number | null;
  relative_mce: number | null;
  /** Corruptions that count in mCE (those the reference covers at every measured severity). */
  mce_corruptions: string[];
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

export function summarizeCorruptions(cells: readonly CorruptionCell[], cleanTop1: number | null, reference: ReferenceErrors | null): CorruptionSummary {
  if (cells.length === 0) throw new HoloclipError('summarizeCorruptions: no corruption cells');
  const byName = new Map<string, CorruptionCell[]>();
  for (const c of cells) {
    if (!(c.top1 >= 0 && c.top1 <= 1)) throw new HoloclipError(`summarizeCorruptions: top-1 ${c.top1} of ${refKey(c.corruption, c.severity)} is not in [0, 1]`);
    const list = byName.get(c.corruption) ?? [];
    list.push(c);
    byName.set(c.corruption, list);
  }
  const out: CorruptionSummary['corruptions'] = [];
  const ces: number[] = [];
  const rces: number[] = [];
  const mceNames: string[] = [];
  for (const [corruption, list] of byName) {
    const sorted = [...list].sort((a, b) => a.severity - b.severity);
    const meanTop1 = mean(sorted.map((c) => c.top1));
    let ce: number | null = null;
    let rce: number | null = null;
    if (reference) {
      // Per-severity reference errors; or, when all five severities were measured, the reference's
      // mean over severities (what papers print): sum_s E / sum_s E_ref = mean E / mean E_ref.
      let refErr = sorted.map((c) => reference.errors.get(refKey(corruption, c.severity)));
      const refMean = reference.errors.get(refKey(corruption, 0));
      if (!refErr.every((e) => e !== undefined) && refMean !== undefined && sorted.map((c) => c.severity).join() === '1,2,3,4,5') {
        refErr = sorted.map(() => refMean);
      }
      if (refErr.every((e): e is number => e !== undefined)) {
        const err = sorted.map((c) => 1 - c.top1);
        const denom = refErr.reduce((a, b) => a + b, 0);
        ce = denom > 0 ? err.reduce((a, b) => a + b, 0) / denom : null;
        if (cleanTop1 !== null && reference.clean !== null) {
          const refClean = reference.clean;
          const rDenom = refErr.reduce((a, e) => a + (e - refClean), 0);
          rce = rDenom !== 0 ? err.reduce((a, e) => a + (e - (1 - cleanTop1)), 0) / rDenom : null;
        }
        if (ce !== null) {
          ces.push(ce);
          mceNames.push(corruption);
        }
        if (rce !== null) rces.push(rce);
      }
    }
    out.push({ corruption, severities: sorted.map((c) => c.severity), mean_top1: meanTop1, ce, relative_ce: rce });
  }
  return {
    corruptions: out,
    mca: mean(out.map((c) => c.mean_top1)),
    mce: ces.length > 0 ? mean(ces) : null,
    relative_mce: rces.length > 0 && rces.length === ces.length ? mean(rces) : null,
    mce_corruptions: mceNames,
  };
}
