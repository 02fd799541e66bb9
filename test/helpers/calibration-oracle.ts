/**
 * The calibration accumulator as it was before `score ece` got its faster kernel (commit 77c4e7e,
 * src/metrics/calibration.ts: calibrationRowTerms + CalibrationAccumulator.sumTerms), kept verbatim in its
 * arithmetic as the oracle the new kernel and the parallel file path must match bit for bit.
 */
import { expectedCalibrationError } from '../../src/metrics/calibration.js';

export interface OracleFigures {
  n: number;
  accuracy: number;
  ece: number;
  nll: number;
  brier: number;
  bins: ReturnType<typeof expectedCalibrationError>['bins'];
  temperature: number;
  numBins: number;
}

/** One pass over every row, in order, with the old per-row operations and the old order of sums. */
export function oracleCalibration(block: Float32Array, n: number, c: number, labels: ArrayLike<number>, temperature: number, numBins = 15): OracleFigures {
  const row = new Float64Array(c);
  const confidences = new Float64Array(n);
  const correct = new Uint8Array(n);
  let hits = 0;
  let nllTotal = 0;
  let brierTotal = 0;
  const unit = temperature === 1;
  for (let r = 0; r < n; r++) {
    const off = r * c;
    const label = labels[r];
    let max = -Infinity;
    let best = 0;
    let bestVal = block[off];
    for (let j = 0; j < c; j++) {
      const v = block[off + j];
      const z = unit ? v : v / temperature;
      row[j] = z;
      if (z > max) max = z;
      if (v > bestVal) {
        bestVal = v;
        best = j;
      }
    }
    const zLabel = row[label];
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(row[j] - max);
      row[j] = e;
      sum += e;
    }
    confidences[r] = 1 / sum;
    const nll = max + Math.log(sum) - zLabel;
    let sq = 0;
    for (let j = 0; j < c; j++) {
      const d = row[j] / sum - (j === label ? 1 : 0);
      sq += d * d;
    }
    correct[r] = best === label ? 1 : 0;
    nllTotal += nll;
    brierTotal += sq;
    hits += correct[r];
  }
  const { ece, bins } = expectedCalibrationError(confidences, correct, numBins);
  return { n, accuracy: hits / n, ece, nll: nllTotal / n, brier: brierTotal / n, bins, temperature, numBins };
}
