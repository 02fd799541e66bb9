/**
 * Calibration metrics over a row-major logits matrix (n x c). Pure functions; no I/O.
 *
 * Conventions:
 * - Probabilities are softmax(logits / T) in float64 (T = 1 unless given).
 * - Confidence = the largest probability; a sample is correct when argmax of the logits (first index on
 *   ties, as argmaxRows) equals its label.
 * - ECE follows Guo et al. (2017): equal-width bins over (0, 1] whose edges are numpy's
 *   `linspace(0, 1, numBins + 1)` (edge i = i * (1 / numBins), last edge exactly 1); a confidence belongs
 *   to the bin with lower < conf <= upper, and a confidence of exactly 0 to the first bin.
 *   ECE = sum_b (count_b / n) * |accuracy_b - meanConfidence_b|.
 * - NLL is the mean of -log softmax(logits / T)[label], computed as logsumexp - logit (no clipping).
 * - Brier is the multi-class Brier score (Brier 1950): the mean over samples of sum_k (p_k - onehot_k)^2,
 *   in [0, 2]. (sklearn's brier_score_loss is the binary version; this is not divided by c.)
 */
import { HoloclipError } from '../errors.js';
import {
  checkFinite,
  checkLabels,
  checkMatrix,
  checkNonEmpty,
  checkTemperature,
  scaledRowLogSumExp,
  softmaxRowsUnchecked,
  toBinary,
} from './softmax.js';
import { kernelBetaRowTerms, kernelCalibrationRowTerms, kernelChunkRows } from './wasm/calibration-kernel.js';

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean confidence of the bin's samples; NaN for an empty bin. */
  meanConfidence: number;
  /** Fraction of the bin's samples that are correct; NaN for an empty bin. */
  accuracy: number;
}

export interface CalibrationMetrics {
  n: number;
  accuracy: number;
  ece: number;
  nll: number;
  brier: number;
  bins: ReliabilityBin[];
  temperature: number;
  numBins: number;
}

export const DEFAULT_NUM_BINS = 15;
export const DEFAULT_TEMPERATURE_BOUNDS: readonly [number, number] = [0.01, 100];

/** Row-wise softmax(logits / temperature) of a row-major n x c matrix, stable, in float64. */
export function softmaxRows(logits: Float32Array, n: number, c: number, temperature = 1): Float64Array {
  checkMatrix('softmaxRows', 'logits', logits, n, c);
  checkTemperature('softmaxRows', 'temperature', temperature);
  return softmaxRowsUnchecked(logits, n, c, temperature);
}

/** Throw unless numBins is a positive integer. */
export function checkNumBins(fn: string, numBins: number): void {
  if (!Number.isInteger(numBins) || numBins < 1) throw new HoloclipError(`${fn}: numBins must be a positive integer, got ${numBins}`);
}

/** Bin edges exactly as numpy.linspace(0, 1, numBins + 1). */
function binEdges(numBins: number): Float64Array {
  const edges = new Float64Array(numBins + 1);
  const step = 1 / numBins;
  for (let i = 0; i < numBins; i++) edges[i] = i * step;
  edges[numBins] = 1;
  return edges;
}

/**
 * Expected calibration error over equal-width bins (default 15) of (0, 1]; membership is
 * lower < confidence <= upper, and a confidence of exactly 0 goes to the first bin. Returns the ECE and
 * every bin (empty bins have count 0 and NaN mean confidence / accuracy).
 */
export function expectedCalibrationError(
  confidences: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
  numBins = DEFAULT_NUM_BINS,
): { ece: number; bins: ReliabilityBin[] } {
  const fn = 'expectedCalibrationError';
  checkNumBins(fn, numBins);
  const n = confidences.length;
  const hits = toBinary(fn, 'correct', correct, n);
  checkNonEmpty(fn, 'confidences', n);
  checkFinite(fn, 'confidences', confidences);
  for (let i = 0; i < n; i++) {
    const p = confidences[i];
    if (p < 0 || p > 1) throw new HoloclipError(`${fn}: confidence out of range at index ${i}: ${p} (expected a value in [0, 1])`);
  }
  const edges = binEdges(numBins);
  const count = new Float64Array(numBins);
  const confSum = new Float64Array(numBins);
  const hitSum = new Float64Array(numBins);
  for (let i = 0; i < n; i++) {
    const p = confidences[i];
    let b = Math.min(numBins - 1, Math.max(0, Math.ceil(p * numBins) - 1));
    // Settle the bin against the exact edges (the product above can be off by one at an edge).
    while (b > 0 && p <= edges[b]) b--;
    while (b < numBins - 1 && p > edges[b + 1]) b++;
    count[b]++;
    confSum[b] += p;
    hitSum[b] += hits[i];
  }
  let ece = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < numBins; b++) {
    const k = count[b];
    if (k === 0) {
      bins.push({ lower: edges[b], upper: edges[b + 1], count: 0, meanConfidence: Number.NaN, accuracy: Number.NaN });
      continue;
    }
    const meanConfidence = confSum[b] / k;
    const accuracy = hitSum[b] / k;
    ece += (k / n) * Math.abs(accuracy - meanConfidence);
    bins.push({ lower: edges[b], upper: edges[b + 1], count: k, meanConfidence, accuracy });
  }
  return { ece, bins };
}

function checkScored(fn: string, logits: Float32Array, n: number, c: number, labels: ArrayLike<number>, temperature: number): void {
  checkMatrix(fn, 'logits', logits, n, c);
  checkNonEmpty(fn, 'logits', n);
  checkLabels(fn, labels, n, c);
  checkTemperature(fn, 'temperature', temperature);
}

function nllUnchecked(logits: Float32Array, n: number, c: number, labels: ArrayLike<number>, temperature: number): number {
  return nllSum(logits, 0, n, c, labels, temperature, new Float64Array(c), 0) / n;
}

/** Mean negative log-likelihood -log softmax(logits / T)[label], via log-sum-exp (no probability clipping). */
export function negativeLogLikelihood(logits: Float32Array, n: number, c: number, labels: ArrayLike<number>, temperature = 1): number {
  checkScored('negativeLogLikelihood', logits, n, c, labels, temperature);
  return nllUnchecked(logits, n, c, labels, temperature);
}

function brierUnchecked(probs: Float64Array, n: number, c: number, labels: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const off = i * c;
    let s = 0;
    for (let j = 0; j < c; j++) {
      const d = probs[off + j] - (j === labels[i] ? 1 : 0);
      s += d * d;
    }
    total += s;
  }
  return total / n;
}

/**
 * Multi-class Brier score: the mean over samples of sum_k (p_k - onehot_k)^2 with p = softmax(logits / T).
 * Ranges over [0, 2]; it is not divided by the number of classes.
 */
export function brierScore(logits: Float32Array, n: number, c: number, labels: ArrayLike<number>, temperature = 1): number {
  checkScored('brierScore', logits, n, c, labels, temperature);
  return brierUnchecked(softmaxRowsUnchecked(logits, n, c, temperature), n, c, labels);
}

/**
 * Accuracy, ECE (with reliability bins), NLL and Brier score of softmax(logits / T). Confidence is the
 * largest probability; a sample is correct when the argmax of its logits (first index on ties) equals its
 * label.
 */
export function calibrationMetrics(
  logits: Float32Array,
  n: number,
  c: number,
  labels: ArrayLike<number>,
  options: { numBins?: number; temperature?: number } = {},
): CalibrationMetrics {
  const fn = 'calibrationMetrics';
  const temperature = options.temperature ?? 1;
  const numBins = options.numBins ?? DEFAULT_NUM_BINS;
  checkScored(fn, logits, n, c, labels, temperature);
  checkNumBins(fn, numBins);
  const acc = new CalibrationAccumulator(n, c, labels, temperature);
  acc.addRows(logits, 0, n);
  return acc.finish(numBins);
}

/** Rows whose terms CalibrationAccumulator keeps in scratch at a time. */
const TERM_ROWS = 1024;

/** Per-row figures of calibrationMetrics, row r of a call at index r of each array. */
export interface CalibrationRowTerms {
  /** Softmax confidence (1 / sum of exp(z - max)). */
  readonly confidences: Float64Array;
  /** 1 when the first arg-max is the label. */
  readonly correct: Uint8Array;
  /** max + log(sum) - z[label]. */
  readonly nll: Float64Array;
  /** Sum over classes of (p - onehot)^2. */
  readonly brier: Float64Array;
}

/**
 * The per-row terms of `rows` rows of logits (row-major in `block`, labels from `labels[firstRow + r]`), with one
 * row of float64 scratch (`row`, c long). The same operations in the same order as the separate functions (see
 * CalibrationAccumulator), so summing the terms in row order gives the same totals bit for bit.
 *
 * Returns `rows`, or the index (in the block) of the first row holding a NaN or an infinity: the terms of the rows
 * before it are written, its own and later ones are not. The check costs one comparison per value: a NaN makes the
 * row's sum of exponentials NaN, +Inf its maximum, -Inf its minimum; only then is the row scanned value by value
 * (finite logits whose z = v / T overflows keep the NaN figures the arithmetic gives, as before).
 *
 * Per row, three passes: the raw maximum (first index on ties: the arg-max), the minimum; then
 * exp(z - max(z)) summed, where max(z) = max(v) / T exactly (division by T > 0 is monotone and correctly rounded)
 * and each z = v / T is recomputed rather than stored (the same bits); then the Brier sum, whose one-hot term is
 * subtracted only at the label (q - 0 === q).
 */
export function calibrationRowTerms(
  block: Float32Array,
  firstRow: number,
  rows: number,
  c: number,
  labels: ArrayLike<number>,
  temperature: number,
  row: Float64Array,
  out: CalibrationRowTerms,
): number {
  const { confidences, correct, nll, brier } = out;
  // v / 1 === v exactly (IEEE 754), so the default temperature skips a division per value without changing a bit.
  const unit = temperature === 1;
  for (let r = 0; r < rows; r++) {
    const off = r * c;
    const end = off + c;
    const label = labels[firstRow + r];
    let bestVal = -Infinity;
    let minVal = Infinity;
    let best = 0;
    for (let i = off; i < end; i++) {
      const v = block[i];
      if (v > bestVal) {
        bestVal = v;
        best = i;
      }
      if (v < minVal) minVal = v;
    }
    best -= off;
    const max = unit ? bestVal : bestVal / temperature;
    let sum = 0;
    if (unit) {
      for (let j = 0; j < c; j++) {
        const e = Math.exp(block[off + j] - max);
        row[j] = e;
        sum += e;
      }
    } else {
      for (let j = 0; j < c; j++) {
        const e = Math.exp(block[off + j] / temperature - max);
        row[j] = e;
        sum += e;
      }
    }
    // NaN: the sum is NaN; +Inf: bestVal; -Inf: minVal. A finite row passes this test.
    if (!(sum === sum && bestVal < Infinity && minVal > -Infinity) && firstNonFiniteIn(block, off, end) >= 0) return r;
    const vLabel = block[off + label];
    const zLabel = unit ? vLabel : vLabel / temperature;
    confidences[r] = 1 / sum;
    nll[r] = max + Math.log(sum) - zLabel;
    let sq = 0;
    for (let j = 0; j < label; j++) {
      const d = row[j] / sum;
      sq += d * d;
    }
    const dLabel = row[label] / sum - 1;
    sq += dLabel * dLabel;
    for (let j = label + 1; j < c; j++) {
      const d = row[j] / sum;
      sq += d * d;
    }
    brier[r] = sq;
    correct[r] = best === label ? 1 : 0;
  }
  return rows;
}

/**
 * calibrationRowTerms in the WebAssembly SIMD kernel (wasm/calibration-kernel.ts: the same operations in the same
 * order, with a bit-exact port of Math.exp) when the engine runs it, else the JS loop: the same terms, bit for bit.
 */
export function fastCalibrationRowTerms(
  block: Float32Array,
  firstRow: number,
  rows: number,
  c: number,
  labels: ArrayLike<number>,
  temperature: number,
  row: Float64Array,
  out: CalibrationRowTerms,
): number {
  return kernelCalibrationRowTerms(block, firstRow, rows, c, labels, temperature, out) ?? calibrationRowTerms(block, firstRow, rows, c, labels, temperature, row, out);
}

/** Index of the first NaN or infinity in block[from .. to - 1], -1 if none. */
function firstNonFiniteIn(block: Float32Array, from: number, to: number): number {
  for (let i = from; i < to; i++) if (!Number.isFinite(block[i])) return i;
  return -1;
}

/**
 * calibrationMetrics in one pass over the rows, fed in order in blocks of any size (`holoclip score` streams a
 * .npy file through it), with one row of float64 scratch: no n x c probability matrix. Per row it does the same
 * operations, in the same order, as softmaxRowsUnchecked (probabilities), maxSoftmaxRows (confidence = 1 / sum),
 * scaledRowLogSumExp (NLL) and argmaxRows (first index on ties), and the sums run over the rows in order, so
 * every figure is bit-identical to computing them separately. The caller checks the labels; a non-finite value
 * throws (naming its row).
 */
export class CalibrationAccumulator {
  private readonly confidences: Float64Array;
  private readonly correct: Uint8Array;
  private readonly row: Float64Array;
  /** Scratch for the NLL and Brier terms of up to TERM_ROWS rows at a time. */
  private readonly nllTerms = new Float64Array(TERM_ROWS);
  private readonly brierTerms = new Float64Array(TERM_ROWS);
  private hits = 0;
  private nllTotal = 0;
  private brierTotal = 0;
  private seen = 0;

  constructor(
    readonly n: number,
    readonly c: number,
    private readonly labels: ArrayLike<number>,
    readonly temperature: number,
  ) {
    this.confidences = new Float64Array(n);
    this.correct = new Uint8Array(n);
    this.row = new Float64Array(c);
  }

  /** Rows firstRow .. firstRow + rows - 1, row-major in `block` (which may be longer). */
  addRows(block: Float32Array, firstRow: number, rows: number): void {
    this.checkNext(firstRow, rows);
    if (block.length < rows * this.c) throw new HoloclipError(`CalibrationAccumulator: a block of ${block.length} values cannot hold ${rows} rows of ${this.c}`);
    for (let done = 0; done < rows; done += TERM_ROWS) {
      const k = Math.min(TERM_ROWS, rows - done);
      const terms: CalibrationRowTerms = {
        confidences: this.confidences.subarray(firstRow + done, firstRow + done + k),
        correct: this.correct.subarray(firstRow + done, firstRow + done + k),
        nll: this.nllTerms,
        brier: this.brierTerms,
      };
      const scored = fastCalibrationRowTerms(block.subarray(done * this.c, (done + k) * this.c), firstRow + done, k, this.c, this.labels, this.temperature, this.row, terms);
      if (scored < k) throw new HoloclipError(`CalibrationAccumulator: row ${firstRow + done + scored} holds a non-finite value (NaN or Inf)`);
      this.sumTerms(terms, k);
    }
  }

  /**
   * Rows firstRow .. firstRow + rows - 1 as terms computed elsewhere by {@link calibrationRowTerms} (a worker thread
   * scoring another part of the file): summed in row order, so the totals are those addRows would give.
   */
  addRowTerms(firstRow: number, rows: number, terms: CalibrationRowTerms): void {
    this.checkNext(firstRow, rows);
    this.confidences.set(terms.confidences.subarray(0, rows), firstRow);
    this.correct.set(terms.correct.subarray(0, rows), firstRow);
    this.sumTerms(terms, rows);
  }

  private checkNext(firstRow: number, rows: number): void {
    if (firstRow !== this.seen || firstRow + rows > this.n) {
      throw new HoloclipError(`CalibrationAccumulator: rows ${firstRow}..${firstRow + rows - 1} out of order or range (next ${this.seen} of ${this.n})`);
    }
  }

  private sumTerms(terms: CalibrationRowTerms, rows: number): void {
    let { hits, nllTotal, brierTotal } = this;
    for (let r = 0; r < rows; r++) {
      nllTotal += terms.nll[r];
      brierTotal += terms.brier[r];
      hits += terms.correct[r];
    }
    this.hits = hits;
    this.nllTotal = nllTotal;
    this.brierTotal = brierTotal;
    this.seen += rows;
  }

  finish(numBins = DEFAULT_NUM_BINS): CalibrationMetrics {
    const { n } = this;
    if (this.seen !== n) throw new HoloclipError(`CalibrationAccumulator: ${this.seen} of ${n} rows given`);
    checkNumBins('calibrationMetrics', numBins);
    const { ece, bins } = expectedCalibrationError(this.confidences, this.correct, numBins);
    return { n, accuracy: this.hits / n, ece, nll: this.nllTotal / n, brier: this.brierTotal / n, bins, temperature: this.temperature, numBins };
  }
}

export interface BetaEval {
  /** dNLL/dbeta = mean_i (E_p[z_i] - z_i[label]) */
  grad: number;
  /** d2NLL/dbeta2 = mean_i Var_p[z_i] >= 0 */
  hess: number;
}

/** Running sums of {@link betaDerivativeSums} (divided by n at the end). */
export interface BetaSums {
  grad: number;
  hess: number;
}

/** Per-row terms of the derivatives of the NLL in beta, row r of a call at index r: their sums over the rows in row order are n times {@link BetaEval}. */
export interface BetaRowTerms {
  /** mean_p(z) - z[label] */
  readonly grad: Float64Array;
  /** Var_p(z) */
  readonly hess: Float64Array;
}

/**
 * The derivative terms of rows firstRow .. firstRow + rows - 1 (row-major in `block`, labels from
 * `labels[firstRow + r]`), written to `out` at index r: summed in row order (any thread may compute any row),
 * the sums of one pass over the whole matrix, bit for bit. In the WebAssembly SIMD kernel when the engine runs it
 * (the same operations in the same order: the same bits), else in JS with `w` (c float64s) as scratch.
 *
 * Returns `rows`, or the index (in the block) of the first row holding a NaN or an infinity: the terms of the rows
 * before it are written. (In JS a non-finite value makes the row's sum of exponentials or its mean NaN, which
 * finite values never do; only then is the row scanned value by value.)
 */
export function betaDerivativeRowTerms(block: Float32Array, firstRow: number, rows: number, c: number, labels: ArrayLike<number>, beta: number, w: Float64Array, out: BetaRowTerms): number {
  return kernelBetaRowTerms(block, firstRow, rows, c, labels, beta, out) ?? betaDerivativeRowTermsJs(block, firstRow, rows, c, labels, beta, w, out);
}

/** Sums in row order of rows 0 .. rows - 1 of `terms`, added to `sums`. */
export function addBetaRowTerms(terms: BetaRowTerms, rows: number, sums: BetaSums): void {
  let { grad, hess } = sums;
  for (let r = 0; r < rows; r++) {
    grad += terms.grad[r];
    hess += terms.hess[r];
  }
  sums.grad = grad;
  sums.hess = hess;
}

/**
 * Adds the derivative terms of rows firstRow .. firstRow + rows - 1 (row-major in `block`, labels from
 * `labels[firstRow + r]`) to `sums`: fed every block in row order, the sums are those of one pass over the whole
 * matrix, bit for bit (betaDerivativeRowTerms a chunk at a time, summed in row order). `w` is c float64s of
 * scratch; the values must be finite.
 */
export function betaDerivativeSums(block: Float32Array, firstRow: number, rows: number, c: number, labels: ArrayLike<number>, beta: number, w: Float64Array, sums: BetaSums): void {
  const chunk = Math.min(rows, kernelChunkRows(c));
  const terms: BetaRowTerms = { grad: new Float64Array(chunk), hess: new Float64Array(chunk) };
  for (let done = 0; done < rows; done += chunk) {
    const k = Math.min(chunk, rows - done);
    const scored = betaDerivativeRowTerms(block.subarray(done * c, (done + k) * c), firstRow + done, k, c, labels, beta, w, terms);
    if (scored < k) throw new HoloclipError(`fitTemperature: row ${firstRow + done + scored} holds a non-finite value (NaN or Inf)`);
    addBetaRowTerms(terms, k, sums);
  }
}

/** Derivatives of NLL(beta) = mean_i (logsumexp(beta z_i) - beta z_i[label]) with respect to beta = 1 / T, in JS (the oracle of the kernel in the tests). */
export function betaDerivativesJs(logits: Float32Array, n: number, c: number, labels: ArrayLike<number>, beta: number, w: Float64Array): BetaEval {
  const sums = { grad: 0, hess: 0 };
  betaDerivativeSumsJs(logits, 0, n, c, labels, beta, w, sums);
  return { grad: sums.grad / n, hess: sums.hess / n };
}

/** betaDerivativeSums in JS, one value at a time (the fallback). */
function betaDerivativeSumsJs(block: Float32Array, firstRow: number, rows: number, c: number, labels: ArrayLike<number>, beta: number, w: Float64Array, sums: BetaSums): void {
  let { grad, hess } = sums;
  for (let i = 0; i < rows; i++) {
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      const s = beta * block[off + j];
      if (s > max) max = s;
    }
    let sum = 0;
    let mean = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(beta * block[off + j] - max);
      w[j] = e;
      sum += e;
      mean += e * block[off + j];
    }
    mean /= sum;
    let variance = 0;
    for (let j = 0; j < c; j++) {
      const d = block[off + j] - mean;
      variance += w[j] * d * d;
    }
    grad += mean - block[off + labels[firstRow + i]];
    hess += variance / sum;
  }
  sums.grad = grad;
  sums.hess = hess;
}

/** betaDerivativeRowTerms in JS (the fallback): betaDerivativeSumsJs's operations, each row's terms stored rather than added. */
export function betaDerivativeRowTermsJs(block: Float32Array, firstRow: number, rows: number, c: number, labels: ArrayLike<number>, beta: number, w: Float64Array, out: BetaRowTerms): number {
  for (let i = 0; i < rows; i++) {
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      const s = beta * block[off + j];
      if (s > max) max = s;
    }
    let sum = 0;
    let mean = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(beta * block[off + j] - max);
      w[j] = e;
      sum += e;
      mean += e * block[off + j];
    }
    // NaN: the sum is NaN; +Inf: max is, and exp(Inf - Inf) is NaN; -Inf: its e * v is 0 * -Inf, NaN.
    if (!(sum === sum && mean === mean) && firstNonFiniteIn(block, off, off + c) >= 0) return i;
    mean /= sum;
    let variance = 0;
    for (let j = 0; j < c; j++) {
      const d = block[off + j] - mean;
      variance += w[j] * d * d;
    }
    out.grad[i] = mean - block[off + labels[firstRow + i]];
    out.hess[i] = variance / sum;
  }
  return rows;
}

/**
 * Adds the NLL terms (log-sum-exp of z / T minus the label's z / T) of rows firstRow .. firstRow + rows - 1 to
 * `total` and returns it: fed every block in row order, the NLL total of one pass over the whole matrix, bit for bit.
 * In the WebAssembly SIMD kernel when the engine runs it, else in JS with `scaled` (c float64s) as scratch.
 */
export function nllSum(block: Float32Array, firstRow: number, rows: number, c: number, labels: ArrayLike<number>, temperature: number, scaled: Float64Array, total: number): number {
  const fast = kernelNllSum(block, firstRow, rows, c, labels, temperature, total);
  if (fast !== null) return fast;
  for (let i = 0; i < rows; i++) {
    const lse = scaledRowLogSumExp(block, i * c, c, temperature, scaled);
    total += lse - scaled[labels[firstRow + i]];
  }
  return total;
}

/**
 * nllSum in the SIMD kernel: its NLL terms (max + log(sum) - z[label]: the log-sum-exp of scaledRowLogSumExp minus
 * z[label], the same operations in the same order) added to `total` in row order; null without the kernel.
 */
function kernelNllSum(block: Float32Array, firstRow: number, rows: number, c: number, labels: ArrayLike<number>, temperature: number, total: number): number | null {
  const chunk = Math.min(rows, kernelChunkRows(c));
  const terms: CalibrationRowTerms = { confidences: new Float64Array(chunk), correct: new Uint8Array(chunk), nll: new Float64Array(chunk), brier: new Float64Array(chunk) };
  for (let done = 0; done < rows; done += chunk) {
    const k = Math.min(chunk, rows - done);
    const scored = kernelCalibrationRowTerms(block.subarray(done * c, (done + k) * c), firstRow + done, k, c, labels, temperature, terms);
    if (scored === null) return null;
    if (scored < k) throw new HoloclipError(`negativeLogLikelihood: row ${firstRow + done + scored} holds a non-finite value (NaN or Inf)`);
    for (let r = 0; r < k; r++) total += terms.nll[r];
  }
  return total;
}

/** Derivatives of NLL(beta) = mean_i (logsumexp(beta z_i) - beta z_i[label]) with respect to beta = 1 / T. */
function betaDerivatives(logits: Float32Array, n: number, c: number, labels: ArrayLike<number>, beta: number, w: Float64Array): BetaEval {
  const sums = { grad: 0, hess: 0 };
  betaDerivativeSums(logits, 0, n, c, labels, beta, w, sums);
  return { grad: sums.grad / n, hess: sums.hess / n };
}

/**
 * The search of {@link fitTemperature}: yields each beta = 1 / T whose derivatives it needs (the caller computes
 * them over the logits, whole or block by block, and passes them back), and returns T.
 */
export function* temperatureSearch(lower: number, upper: number, tolerance: number): Generator<number, number, BetaEval> {
  let lo = 1 / upper;
  let hi = 1 / lower;
  const atLo = yield lo;
  const atHi = yield hi;
  if (atLo.grad >= 0) {
    // NLL non-decreasing in beta over the bracket: minimum at T = upper, unless it is flat (T = 1).
    return atHi.grad <= 0 ? Math.min(upper, Math.max(lower, 1)) : upper;
  }
  if (atHi.grad <= 0) return lower; // NLL still decreasing at T = lower
  let beta = 1 >= lo && 1 <= hi ? 1 : Math.sqrt(lo * hi);
  for (let iter = 0; iter < 200; iter++) {
    const { grad, hess } = yield beta;
    if (grad === 0) break;
    if (grad < 0) lo = beta;
    else hi = beta;
    let next = beta - grad / hess;
    if (!(hess > 0) || !(next > lo && next < hi)) next = Math.sqrt(lo * hi);
    const done = Math.abs(next - beta) <= tolerance * beta || hi - lo <= tolerance * lo;
    beta = next;
    if (done) break;
  }
  return Math.min(upper, Math.max(lower, 1 / beta));
}

/** The bounds and tolerance of a temperature fit, checked. */
function fitBounds(fn: string, options: TemperatureFitOptions): Required<TemperatureFitOptions> {
  const lower = options.lower ?? DEFAULT_TEMPERATURE_BOUNDS[0];
  const upper = options.upper ?? DEFAULT_TEMPERATURE_BOUNDS[1];
  const tolerance = options.tolerance ?? 1e-10;
  checkTemperature(fn, 'lower', lower);
  checkTemperature(fn, 'upper', upper);
  if (!(lower < upper)) throw new HoloclipError(`${fn}: lower (${lower}) must be below upper (${upper})`);
  if (!Number.isFinite(tolerance) || tolerance <= 0) throw new HoloclipError(`${fn}: tolerance must be a finite number > 0, got ${tolerance}`);
  return { lower, upper, tolerance };
}

/**
 * Temperature scaling (Guo et al. 2017): T = argmin over [lower, upper] (default [0.01, 100]) of
 * NLL(logits / T).
 *
 * NLL is a convex function of beta = 1 / T (a mean of log-sum-exps of functions linear in beta, minus a
 * linear term), so it has a single minimum over the bracket and its derivative in beta is monotone.
 * The minimiser is a safeguarded Newton iteration on that derivative in beta (exact first and second
 * derivatives; a step that leaves the current bracket is replaced by geometric bisection), stopped when
 * the relative change in T is at most `tolerance` (default 1e-10). When the derivative does not change
 * sign over the bracket the minimum is at the corresponding bound. When the NLL does not depend on T at
 * all (e.g. every row constant) T = 1, clamped into the bracket. `evaluations` counts passes over the
 * logits, including the NLL before and after. Agrees with scipy.optimize.minimize_scalar(method='bounded')
 * on T to well within 1e-4.
 */
export function fitTemperature(
  logits: Float32Array,
  n: number,
  c: number,
  labels: ArrayLike<number>,
  options: TemperatureFitOptions = {},
): TemperatureFit {
  const { temperature, evaluations } = fitTemperatureOnly('fitTemperature', logits, n, c, labels, options);
  const nllBefore = nllUnchecked(logits, n, c, labels, 1);
  const nllAfter = nllUnchecked(logits, n, c, labels, temperature);
  return { temperature, nllBefore, nllAfter, evaluations: evaluations + 2 };
}

export interface TemperatureFitOptions {
  lower?: number;
  upper?: number;
  tolerance?: number;
}

export interface TemperatureFit {
  temperature: number;
  nllBefore: number;
  nllAfter: number;
  /** Passes over the logits, the NLL before and after included. */
  evaluations: number;
}

/**
 * fitTemperature and calibrationMetrics before (T = 1) and after (the fitted T), with one pass for each of the
 * latter: their NLL is fitTemperature's nllBefore / nllAfter bit for bit (the same per-row terms summed in row
 * order), so `holoclip score temperature` reads the logits 2 times fewer than calling both.
 */
export function temperatureScaling(
  logits: Float32Array,
  n: number,
  c: number,
  labels: ArrayLike<number>,
  options: TemperatureFitOptions & { numBins?: number } = {},
): { fit: TemperatureFit; before: CalibrationMetrics; after: CalibrationMetrics } {
  const numBins = options.numBins ?? DEFAULT_NUM_BINS;
  checkNumBins('temperatureScaling', numBins);
  const { temperature, evaluations } = fitTemperatureOnly('temperatureScaling', logits, n, c, labels, options);
  const metricsAt = (t: number): CalibrationMetrics => {
    const acc = new CalibrationAccumulator(n, c, labels, t);
    acc.addRows(logits, 0, n);
    return acc.finish(numBins);
  };
  const before = metricsAt(1);
  const after = metricsAt(temperature);
  return { fit: { temperature, nllBefore: before.nll, nllAfter: after.nll, evaluations: evaluations + 2 }, before, after };
}

/**
 * The minimisation of {@link fitTemperature} with the derivatives at each beta = 1 / T computed by `derivatives`
 * (over logits read block by block, or scored by several threads; the caller has checked the logits and labels):
 * the same T and number of evaluations, bit for bit, when it gives the same sums divided by n
 * ({@link betaEvalOf}). Without the NLL before and after.
 */
export async function searchTemperature(
  fn: string,
  options: TemperatureFitOptions,
  derivatives: (beta: number) => Promise<BetaEval>,
): Promise<{ temperature: number; evaluations: number }> {
  const { lower, upper, tolerance } = fitBounds(fn, options);
  let evaluations = 0;
  const search = temperatureSearch(lower, upper, tolerance);
  let step = search.next();
  while (!step.done) {
    evaluations++;
    step = search.next(await derivatives(step.value));
  }
  return { temperature: step.value, evaluations };
}

/** The derivatives of the NLL from the sums over n rows (as betaDerivatives divides them). */
export function betaEvalOf(sums: BetaSums, n: number): BetaEval {
  return { grad: sums.grad / n, hess: sums.hess / n };
}

/** The minimisation of fitTemperature (inputs checked), without the NLL before and after. */
function fitTemperatureOnly(
  fn: string,
  logits: Float32Array,
  n: number,
  c: number,
  labels: ArrayLike<number>,
  options: TemperatureFitOptions,
): { temperature: number; evaluations: number } {
  checkScored(fn, logits, n, c, labels, 1);
  const { lower, upper, tolerance } = fitBounds(fn, options);
  const w = new Float64Array(c);
  let evaluations = 0;
  const search = temperatureSearch(lower, upper, tolerance);
  let step = search.next();
  while (!step.done) {
    evaluations++;
    step = search.next(betaDerivatives(logits, n, c, labels, step.value, w));
  }
  return { temperature: step.value, evaluations };
}

/**
 * Rows of an n x c logits matrix that is not held whole, read again block by block (in row order) on each pass: a
 * file of logits, or a store's embeddings scored again.
 */
export interface LogitBlockSource {
  readonly n: number;
  readonly c: number;
  /** Calls `visit` on consecutive blocks covering rows 0 .. n - 1 (each block row-major, `rows` x c). */
  forEachBlock(visit: BlockVisitor): Promise<void>;
}

/**
 * {@link fitTemperature} over logits read block by block (one pass per evaluation), with the same result bit for
 * bit: the same search, over sums accumulated in row order. Non-finite values are refused as fitTemperature does.
 */
export async function fitTemperatureBlocks(
  source: LogitBlockSource,
  labels: ArrayLike<number>,
  options: TemperatureFitOptions = {},
): Promise<TemperatureFit> {
  const fn = 'fitTemperature';
  const { n, c } = source;
  checkNonEmpty(fn, 'logits', n);
  checkLabels(fn, labels, n, c);
  const w = new Float64Array(c);
  let checked = false;
  const pass = async (visit: BlockVisitor): Promise<void> => {
    await forEachBlockInOrder(fn, source, !checked, visit); // finite values, checked on the first pass
    checked = true;
  };
  const derivatives = async (beta: number): Promise<BetaEval> => {
    const sums = { grad: 0, hess: 0 };
    await pass((block, firstRow, rows) => betaDerivativeSums(block, firstRow, rows, c, labels, beta, w, sums));
    return betaEvalOf(sums, n);
  };
  const nll = async (temperature: number): Promise<number> => {
    let total = 0;
    await pass((block, firstRow, rows) => {
      total = nllSum(block, firstRow, rows, c, labels, temperature, w, total);
    });
    return total / n;
  };
  const { temperature, evaluations } = await searchTemperature(fn, options, derivatives);
  const nllBefore = await nll(1);
  const nllAfter = await nll(temperature);
  return { temperature, nllBefore, nllAfter, evaluations: evaluations + 2 };
}

/**
 * {@link calibrationMetrics} of logits read block by block, at each of `temperatures` in one pass (before and after
 * temperature scaling), bit-identical to calibrationMetrics of the whole matrix at each temperature.
 */
export async function calibrationMetricsBlocks(
  source: LogitBlockSource,
  labels: ArrayLike<number>,
  temperatures: readonly number[],
  numBins = DEFAULT_NUM_BINS,
): Promise<CalibrationMetrics[]> {
  const fn = 'calibrationMetrics';
  const { n, c } = source;
  checkNonEmpty(fn, 'logits', n);
  checkLabels(fn, labels, n, c);
  for (const t of temperatures) checkTemperature(fn, 'temperature', t);
  checkNumBins(fn, numBins);
  const accs = temperatures.map((t) => new CalibrationAccumulator(n, c, labels, t));
  await forEachBlockInOrder(fn, source, true, (block, firstRow, rows) => {
    for (const acc of accs) acc.addRows(block, firstRow, rows);
  });
  return accs.map((acc) => acc.finish(numBins));
}

type BlockVisitor = (block: Float32Array, firstRow: number, rows: number) => void;

/**
 * One pass over `source`: each block checked to follow the previous one and to be rows x c (and its values finite
 * when `checkValues`), then visited; the blocks must cover all n rows.
 */
async function forEachBlockInOrder(fn: string, source: LogitBlockSource, checkValues: boolean, visit: BlockVisitor): Promise<void> {
  const { n, c } = source;
  let next = 0;
  await source.forEachBlock((block, firstRow, rows) => {
    if (firstRow !== next || block.length !== rows * c) throw new HoloclipError(`${fn}: block of rows ${firstRow}..${firstRow + rows - 1} out of order (next ${next}) or not ${rows} x ${c}`);
    if (checkValues) checkMatrix(fn, 'logits', block, rows, c);
    visit(block, firstRow, rows);
    next += rows;
  });
  if (next !== n) throw new HoloclipError(`${fn}: the blocks held ${next} rows, expected ${n}`);
}
