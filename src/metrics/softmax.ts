/**
 * Shared numerics and input checks for the calibration, OOD and retrieval metrics. Pure; no I/O.
 * Everything is computed in float64 from float32 inputs. Softmax and log-sum-exp subtract the row
 * maximum first, so logits of any finite magnitude are safe.
 */
import { HoloclipError } from '../errors.js';

/** Throw unless n and c are non-negative integers and `matrix` holds exactly n x c finite values. */
export function checkMatrix(fn: string, what: string, matrix: Float32Array, n: number, c: number): void {
  if (!Number.isInteger(n) || n < 0) throw new HoloclipError(`${fn}: n must be a non-negative integer, got ${n}`);
  if (!Number.isInteger(c) || c < 1) throw new HoloclipError(`${fn}: c must be a positive integer, got ${c}`);
  if (matrix.length !== n * c) {
    throw new HoloclipError(`${fn}: ${what} length mismatch: ${matrix.length} values, expected n x c = ${n} x ${c} = ${n * c}`);
  }
  for (let i = 0; i < matrix.length; i++) {
    if (!Number.isFinite(matrix[i])) {
      throw new HoloclipError(`${fn}: ${what} has a non-finite value (${matrix[i]}) at row ${Math.floor(i / c)}, column ${i % c}`);
    }
  }
}

/** Throw unless there is at least one sample. */
export function checkNonEmpty(fn: string, what: string, n: number): void {
  if (n === 0) throw new HoloclipError(`${fn}: empty set: ${what} has no samples`);
}

/** Throw unless `labels` has n integer entries in [0, c). */
export function checkLabels(fn: string, labels: ArrayLike<number>, n: number, c: number): void {
  if (labels.length !== n) throw new HoloclipError(`${fn}: labels length mismatch: ${labels.length} labels for ${n} rows`);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    if (!Number.isInteger(y) || y < 0 || y >= c) {
      throw new HoloclipError(`${fn}: label out of range at index ${i}: ${y} (expected an integer in [0, ${c}))`);
    }
  }
}

/** Throw unless every value is finite. */
export function checkFinite(fn: string, what: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new HoloclipError(`${fn}: ${what} has a non-finite value (${values[i]}) at index ${i}`);
  }
}

/** Throw unless t is a finite number > 0. */
export function checkTemperature(fn: string, name: string, t: number): void {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw new HoloclipError(`${fn}: ${name} must be a finite number > 0, got ${t}`);
  }
}

/**
 * Binary flags (true/false or 1/0) as a Uint8Array of 0/1, checked against an expected length.
 */
export function toBinary(fn: string, what: string, flags: ArrayLike<number | boolean>, n: number): Uint8Array {
  if (flags.length !== n) throw new HoloclipError(`${fn}: ${what} length mismatch: ${flags.length} flags for ${n} values`);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = flags[i];
    if (v === true || v === 1) out[i] = 1;
    else if (v === false || v === 0) out[i] = 0;
    else throw new HoloclipError(`${fn}: ${what} must be true/false or 1/0, got ${String(v)} at index ${i}`);
  }
  return out;
}

/** log(sum_j exp(row_j / T)) of one row, stable; `scaled` receives row_j / T (length >= c). */
export function scaledRowLogSumExp(logits: Float32Array, offset: number, c: number, temperature: number, scaled: Float64Array): number {
  let max = -Infinity;
  for (let j = 0; j < c; j++) {
    const z = logits[offset + j] / temperature;
    scaled[j] = z;
    if (z > max) max = z;
  }
  let sum = 0;
  for (let j = 0; j < c; j++) sum += Math.exp(scaled[j] - max);
  return max + Math.log(sum);
}

/**
 * Row-wise softmax(logits / temperature) of a row-major n x c matrix, in float64. Numerically stable
 * (the row maximum is subtracted before exponentiating). No input checks; see softmaxRows in
 * calibration.ts for the checked public version.
 */
export function softmaxRowsUnchecked(logits: Float32Array, n: number, c: number, temperature: number): Float64Array {
  const out = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      const z = logits[off + j] / temperature;
      out[off + j] = z;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let j = 0; j < c; j++) {
      const e = Math.exp(out[off + j] - max);
      out[off + j] = e;
      sum += e;
    }
    for (let j = 0; j < c; j++) out[off + j] /= sum;
  }
  return out;
}

/** Max of softmax(row / temperature) for each row: 1 / sum_j exp((z_j - z_max) / T). */
export function maxSoftmaxRows(logits: Float32Array, n: number, c: number, temperature: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = i * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) {
      const z = logits[off + j] / temperature;
      if (z > max) max = z;
    }
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(logits[off + j] / temperature - max);
    out[i] = 1 / sum;
  }
  return out;
}
