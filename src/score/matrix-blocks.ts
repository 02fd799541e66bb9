/**
 * Passes over a float32 `.npy` of logits shared by two threads (`holoclip score temperature`: one per evaluation of
 * its search, 2-10 on the logits measured, and two for the metrics). Each pass has its own block counter: each
 * thread claims the next block of rows (an atomic add), reads it from the file into its own 1 MB area (the SIMD kernel's memory: scored there without a copy), computes its
 * rows' terms (the temperature fit's derivative terms at one beta, or calibrationRowTerms at one temperature) and
 * writes them into arrays every thread shares; the caller then sums them in row order, so which thread scored a row
 * changes no bit of any figure. A row holding a NaN or an infinity stops both threads at the blocks after it. A
 * thread joins a pass only through {@link joinPass}; the caller closes it with {@link closePass} once its own claims
 * run out, and then waits for the worker only when the worker joined.
 */
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { betaDerivativeRowTerms, fastCalibrationRowTerms, type BetaRowTerms } from '../metrics/calibration.js';
import { kernelBlock } from '../metrics/wasm/calibration-kernel.js';
import { calibrationTermBuffers, lowerFirstBadRow, readRows, sharedTerms, type CalibrationTermBuffers, type LogitsFileShape } from './calibration-blocks.js';

/** Passes a scoring may run: the search's evaluations (2 + at most 200) and the metrics before and after, with room. */
export const MAX_PASSES = 256;

/** Control words: the first bad row, then per pass p its next block (1 + 2p) and the worker's state (2 + 2p). */
const FIRST_BAD_ROW = 0;
const nextBlockWord = (pass: number): number => 1 + 2 * pass;
const stateWord = (pass: number): number => 2 + 2 * pass;
const PASS_OPEN = 0;
const PASS_JOINED = 1;
const PASS_CLOSED = 2;

/** What the threads share: the calibration terms, the derivative terms and the control words (plain SharedArrayBuffers, so they can be posted to a worker). */
export interface SharedMatrixBuffers extends CalibrationTermBuffers {
  readonly control: SharedArrayBuffer;
  readonly grad: SharedArrayBuffer;
  readonly hess: SharedArrayBuffer;
}

export function sharedMatrixBuffers(rows: number): SharedMatrixBuffers {
  const control = new SharedArrayBuffer((1 + 2 * MAX_PASSES) * 4);
  new Int32Array(control)[FIRST_BAD_ROW] = rows;
  return { control, ...calibrationTermBuffers(rows), grad: new SharedArrayBuffer(rows * 8), hess: new SharedArrayBuffer(rows * 8) };
}

/** One pass: the derivative terms at `beta`, or the calibration terms at `temperature`. */
export type MatrixPass = { readonly kind: 'beta'; readonly beta: number } | { readonly kind: 'metrics'; readonly temperature: number };

/** workerData of the worker thread (matrix-passes-worker.ts). */
export interface MatrixPassesRequest {
  /** The main thread's descriptor of `file`, open until the worker has stopped. */
  readonly fd: number;
  readonly file: string;
  readonly what: string;
  readonly shape: LogitsFileShape;
  readonly buffers: SharedMatrixBuffers;
  /** Rows per claimed block: the main thread's. */
  readonly blockRows: number;
  /** Tests: the worker stops itself in this pass after claiming its first block (`throw`: an error reply; `exit`: the thread exits). */
  readonly fault?: { readonly pass: number; readonly how: 'throw' | 'exit' };
}

/** Messages to the worker: the labels (once, before the first pass), then each pass in order. */
export type MatrixPassesMessage = { readonly labels: Int32Array } | { readonly pass: number; readonly job: MatrixPass };

/** The worker's reply to a pass it joined (it sends none for a pass it did not join). */
export type MatrixPassesReply = { readonly pass: number; readonly ok: true; readonly rows: number } | { readonly pass: number; readonly ok: false; readonly error: string };

export function sharedBetaTerms(buffers: SharedMatrixBuffers): BetaRowTerms {
  return { grad: new Float64Array(buffers.grad), hess: new Float64Array(buffers.hess) };
}

/** The first row found to hold a non-finite value once every thread has left a pass; `rows` when there is none. */
export function firstBadMatrixRow(buffers: SharedMatrixBuffers): number {
  return Atomics.load(new Int32Array(buffers.control), FIRST_BAD_ROW);
}

/** The worker, before it claims any block of `pass`: false when the caller has already closed the pass. */
export function joinPass(buffers: SharedMatrixBuffers, pass: number): boolean {
  return Atomics.compareExchange(new Int32Array(buffers.control), stateWord(pass), PASS_OPEN, PASS_JOINED) === PASS_OPEN;
}

/** The caller, once its own claims of `pass` run out: true when the worker never joined it (it then never will). */
export function closePass(buffers: SharedMatrixBuffers, pass: number): boolean {
  return Atomics.compareExchange(new Int32Array(buffers.control), stateWord(pass), PASS_OPEN, PASS_CLOSED) === PASS_OPEN;
}

/** Whether some thread has claimed a block of `pass` (tests: the caller waits for the worker's first claim). */
export function passClaimed(buffers: SharedMatrixBuffers, pass: number): boolean {
  return Atomics.load(new Int32Array(buffers.control), nextBlockWord(pass)) !== 0;
}

/**
 * One thread's reading of the file, through a descriptor the main thread opened (descriptors belong to the process:
 * the worker reads through the same one, by position, and the main thread closes it once the worker has stopped).
 */
export class BlockReader {
  readonly file: string;

  constructor(private readonly fd: number, fileArg: string, readonly what: string, readonly shape: LogitsFileShape) {
    this.file = path.resolve(fileArg);
  }

  /**
   * Rows first .. first + count - 1 (count <= `blockRows`) into this thread's block area: the kernel's memory when it
   * runs here (scored there without a copy), else its own array. The area is fetched again on each call (the
   * kernel's memory may have grown since).
   */
  read(first: number, count: number, blockRows: number): Float32Array {
    const { rows, cols } = this.shape;
    const capacity = Math.min(blockRows, rows);
    const area = kernelBlock(capacity, cols) ?? this.ownArea(capacity * cols);
    readRows(this.fd, Buffer.from(area.buffer, area.byteOffset, count * cols * 4), this.shape, first, count, this.what, this.file);
    return area.subarray(0, count * cols);
  }

  private own: Float32Array | null = null;
  private ownArea(values: number): Float32Array {
    if (this.own === null || this.own.length < values) this.own = new Float32Array(values);
    return this.own;
  }
}

/**
 * Claims and scores blocks of `pass` until none is left or every block left starts after a row found to hold a NaN
 * or an infinity. Both threads run it on the same buffers with the same `blockRows`; `labels` are every row's.
 * `onClaim` (tests) runs after each claim. Returns the rows it scored.
 */
export function runPassBlocks(
  reader: BlockReader,
  buffers: SharedMatrixBuffers,
  blockRows: number,
  labels: ArrayLike<number>,
  pass: number,
  job: MatrixPass,
  onClaim: () => void = () => undefined,
): number {
  if (pass < 0 || pass >= MAX_PASSES) throw new HoloclipError(`internal: pass ${pass} out of range (at most ${MAX_PASSES} passes)`);
  const { rows, cols } = reader.shape;
  const control = new Int32Array(buffers.control);
  const next = nextBlockWord(pass);
  const scratch = new Float64Array(cols);
  const rowTerms = sharedTerms(buffers);
  const betaTerms = sharedBetaTerms(buffers);
  let scoredRows = 0;
  for (;;) {
    const first = Atomics.add(control, next, 1) * blockRows;
    if (first >= rows || first >= Atomics.load(control, FIRST_BAD_ROW)) return scoredRows;
    onClaim();
    const count = Math.min(blockRows, rows - first);
    const block = reader.read(first, count, blockRows);
    let scored: number;
    if (job.kind === 'beta') {
      scored = betaDerivativeRowTerms(block, first, count, cols, labels, job.beta, scratch, {
        grad: betaTerms.grad.subarray(first, first + count),
        hess: betaTerms.hess.subarray(first, first + count),
      });
    } else {
      scored = fastCalibrationRowTerms(block, first, count, cols, labels, job.temperature, scratch, {
        confidences: rowTerms.confidences.subarray(first, first + count),
        correct: rowTerms.correct.subarray(first, first + count),
        nll: rowTerms.nll.subarray(first, first + count),
        brier: rowTerms.brier.subarray(first, first + count),
      });
    }
    scoredRows += scored;
    if (scored < count) {
      lowerFirstBadRow(control, first + scored, FIRST_BAD_ROW);
      return scoredRows;
    }
  }
}
