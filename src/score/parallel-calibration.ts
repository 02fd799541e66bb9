/**
 * A float32 `.npy` of logits streamed into a CalibrationAccumulator by two threads when it is large and the machine
 * has two cores: this thread scores the first half of the rows, a worker thread the second half
 * (calibration-rows-worker.ts), and the worker's per-row terms are then summed after this thread's, in row order.
 * Every figure is bit-identical to one pass on one thread (the same operations per row, the same order of sums);
 * an error is the one the first bad row would give.
 */
import os from 'node:os';
import { HoloclipError } from '../errors.js';
import type { CalibrationAccumulator } from '../metrics/calibration.js';
import type { CalibrationRowsReply, CalibrationRowsRequest } from './calibration-rows-protocol.js';
import { streamFloat32Rows } from './inputs.js';
import { startModuleWorker } from '../util/module-worker.js';

/** Below this many values one thread is faster than starting a worker (about 20 ms). */
const PARALLEL_MIN_VALUES = 4_000_000;


export async function accumulateLogitsFile(
  file: string,
  shape: { rows: number; cols: number; dataStart: number },
  labels: Int32Array,
  temperature: number,
  acc: CalibrationAccumulator,
  options: { threads?: number; minValues?: number } = {},
): Promise<void> {
  const threads = options.threads ?? Math.min(2, os.availableParallelism());
  const addRows = (block: Float32Array, first: number, rows: number): void => acc.addRows(block, first, rows);
  if (threads < 2 || shape.rows < 2 || shape.rows * shape.cols < (options.minValues ?? PARALLEL_MIN_VALUES)) {
    await streamFloat32Rows(file, 'logits', shape, addRows);
    return;
  }
  const mid = Math.ceil(shape.rows / 2);
  const worker = startModuleWorker(import.meta.url, 'calibration-rows-worker', { file, what: 'logits', rows: shape.rows, cols: shape.cols, dataStart: shape.dataStart, first: mid, count: shape.rows - mid, labels, temperature } satisfies CalibrationRowsRequest);
  const reply = new Promise<CalibrationRowsReply>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new HoloclipError(`the calibration worker thread stopped (exit code ${code}) before sending its rows`)));
  });
  reply.catch(() => undefined); // awaited below, after this thread's rows (whose errors come first)
  try {
    await streamFloat32Rows(file, 'logits', shape, addRows, undefined, { first: 0, count: mid });
    const r = await reply;
    if (!r.ok) throw new HoloclipError(r.error);
    acc.addRowTerms(mid, shape.rows - mid, r.terms);
  } finally {
    await worker.terminate();
  }
}
