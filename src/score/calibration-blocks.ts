/**
 * The rows of a float32 `.npy` of logits scored block by block by one or more threads that share the work: each
 * thread claims the next block of rows (an atomic counter in shared memory), reads it from the file and writes its
 * rows' calibration terms (calibrationRowTerms) into arrays every thread shares. Which thread scores a row changes
 * no bit of its terms; the caller then sums them in row order (CalibrationAccumulator.addRowTerms). A row holding
 * a NaN or an infinity stops every thread at the blocks after it, so the first bad row of the file is known.
 * Synchronous reads: the threads keep the cores busy, and a read of a cached block is a copy.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';
import { fastCalibrationRowTerms, type CalibrationRowTerms } from '../metrics/calibration.js';
import { kernelBlock, kernelChunkRows } from '../metrics/wasm/calibration-kernel.js';

/**
 * Rows per claimed block, the same for every thread (block k is rows k * blockRows ..): by default the kernel's chunk,
 * about 1 MB of float32 (small blocks: the threads end within one block of each other).
 */
export const blockRowsFor = kernelChunkRows;

export interface LogitsFileShape {
  readonly rows: number;
  readonly cols: number;
  readonly dataStart: number;
}

/** Control words in the shared Int32Array. */
const NEXT_BLOCK = 0;
const FIRST_BAD_ROW = 1;
/** The worker's state: see claimWorkerStart / cancelWorkerStart. */
const WORKER_STATE = 2;
const CONTROL_WORDS = 3;
const WORKER_IDLE = 0;
const WORKER_STARTED = 1;
const WORKER_CANCELLED = 2;

/** The calibration terms of every row, in memory every thread shares (plain SharedArrayBuffers, so they can be posted to a worker). */
export interface CalibrationTermBuffers {
  readonly confidences: SharedArrayBuffer;
  readonly correct: SharedArrayBuffer;
  readonly nll: SharedArrayBuffer;
  readonly brier: SharedArrayBuffer;
}

export function calibrationTermBuffers(rows: number): CalibrationTermBuffers {
  return {
    confidences: new SharedArrayBuffer(rows * 8),
    correct: new SharedArrayBuffer(rows),
    nll: new SharedArrayBuffer(rows * 8),
    brier: new SharedArrayBuffer(rows * 8),
  };
}

/** Views of the shared terms (calibrationRowTerms writes them, CalibrationAccumulator.addRowTerms sums them). */
export function sharedTerms(buffers: CalibrationTermBuffers): CalibrationRowTerms {
  return {
    confidences: new Float64Array(buffers.confidences),
    correct: new Uint8Array(buffers.correct),
    nll: new Float64Array(buffers.nll),
    brier: new Float64Array(buffers.brier),
  };
}

/** What the threads of one scoring share: the terms and the control words. */
export interface SharedCalibrationBuffers extends CalibrationTermBuffers {
  readonly control: SharedArrayBuffer;
}

export function sharedCalibrationBuffers(rows: number): SharedCalibrationBuffers {
  const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
  new Int32Array(control)[FIRST_BAD_ROW] = rows;
  return { control, ...calibrationTermBuffers(rows) };
}

/** The first row holding a non-finite value once every thread has stopped; `rows` when there is none. */
export function firstBadRow(buffers: SharedCalibrationBuffers): number {
  return Atomics.load(new Int32Array(buffers.control), FIRST_BAD_ROW);
}

/** The worker, before it claims any block: false when the caller has already finished without it. */
export function claimWorkerStart(buffers: SharedCalibrationBuffers): boolean {
  return Atomics.compareExchange(new Int32Array(buffers.control), WORKER_STATE, WORKER_IDLE, WORKER_STARTED) === WORKER_IDLE;
}

/**
 * Tests: waits (without blocking the event loop, which a worker started from tsx needs) until another thread has
 * claimed a block, or at most `limitMs`, so that the worker certainly scores rows.
 */
export async function waitForFirstClaim(buffers: SharedCalibrationBuffers, limitMs = 20_000): Promise<void> {
  const control = new Int32Array(buffers.control);
  for (let waited = 0; waited < limitMs && Atomics.load(control, NEXT_BLOCK) === 0; waited += 2) await new Promise((resolve) => setTimeout(resolve, 2));
}

/** The caller, once its own claims run out: true when the worker never started (it then never will; no reply to wait for). */
export function cancelWorkerStart(buffers: SharedCalibrationBuffers): boolean {
  return Atomics.compareExchange(new Int32Array(buffers.control), WORKER_STATE, WORKER_IDLE, WORKER_CANCELLED) === WORKER_IDLE;
}

/** Lowers the first-bad-row word at `index` of `control` to `row` (atomically; a lower row already there stays). */
export function lowerFirstBadRow(control: Int32Array, row: number, index = FIRST_BAD_ROW): void {
  let seen = Atomics.load(control, index);
  while (row < seen) {
    const was = Atomics.compareExchange(control, index, seen, row);
    if (was === seen) return;
    seen = was;
  }
}

export function openForReading(file: string, what: string): number {
  try {
    return openSync(file, 'r');
  } catch (err) {
    throw new HoloclipError(`cannot read ${what} ${file}: ${errorMessage(err)}`);
  }
}

/** Rows first .. first + count - 1 of the file into `into` (from its start); an error names the file when it ends early. */
export function readRows(fd: number, into: Buffer, shape: LogitsFileShape, first: number, count: number, what: string, file: string): void {
  const rowBytes = shape.cols * 4;
  const bytes = count * rowBytes;
  let done = 0;
  while (done < bytes) {
    const read = readSync(fd, into, done, bytes - done, shape.dataStart + first * rowBytes + done);
    if (read === 0) throw new HoloclipError(`${what} ${file} ended early (truncated while reading row ${first})`);
    done += read;
  }
}

/**
 * Claims and scores blocks until none is left (or every block left starts after a bad row). Any number of
 * threads may run it at once on the same buffers, with the same `blockRows`; `labels` are every row's labels.
 * `ready`, called once the file is open, may decline to claim anything (false: return at once). Returns the rows
 * it scored.
 */
export function scoreClaimedBlocks(
  fileArg: string,
  what: string,
  shape: LogitsFileShape,
  labels: ArrayLike<number>,
  temperature: number,
  buffers: SharedCalibrationBuffers,
  blockRows: number,
  ready: () => boolean = () => true,
): number {
  const file = path.resolve(fileArg);
  const { rows, cols } = shape;
  const control = new Int32Array(buffers.control);
  const terms = sharedTerms(buffers);
  // Read straight into the SIMD kernel's memory when it runs here (no copy); else its own ArrayBuffer at offset 0
  // (Float32Array needs 4-byte alignment).
  const inKernel = kernelBlock(Math.min(blockRows, rows), cols);
  const values = inKernel ?? new Float32Array(Math.min(blockRows, rows) * cols);
  const buffer = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const row = new Float64Array(cols);
  const fd = openForReading(file, what);
  let scoredRows = 0;
  try {
    if (!ready()) return 0;
    for (;;) {
      const first = Atomics.add(control, NEXT_BLOCK, 1) * blockRows;
      if (first >= rows || first >= Atomics.load(control, FIRST_BAD_ROW)) return scoredRows;
      const count = Math.min(blockRows, rows - first);
      readRows(fd, buffer, shape, first, count, what, file);
      const scored = fastCalibrationRowTerms(values, first, count, cols, labels, temperature, row, {
        confidences: terms.confidences.subarray(first, first + count),
        correct: terms.correct.subarray(first, first + count),
        nll: terms.nll.subarray(first, first + count),
        brier: terms.brier.subarray(first, first + count),
      });
      scoredRows += scored;
      if (scored < count) {
        lowerFirstBadRow(control, first + scored);
        return scoredRows;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/** The error for a bad row: its first non-finite column, read again from the file (the message of readMatrix). */
export function nonFiniteRowError(fileArg: string, what: string, shape: LogitsFileShape, badRow: number): HoloclipError {
  const file = path.resolve(fileArg);
  const buffer = Buffer.allocUnsafeSlow(shape.cols * 4);
  const fd = openForReading(file, what);
  try {
    readRows(fd, buffer, shape, badRow, 1, what, file);
  } finally {
    closeSync(fd);
  }
  const values = new Float32Array(buffer.buffer, 0, shape.cols);
  const column = values.findIndex((v) => !Number.isFinite(v));
  return new HoloclipError(`${what} ${file} holds a non-finite value (NaN or Inf) at row ${badRow}, column ${column}`);
}
