/**
 * The calibration terms of every row of a float32 `.npy` of logits, scored by two threads when it is large and the
 * machine has two cores: a worker thread (calibration-rows-worker.ts) is started before the labels are read, and
 * then both threads claim blocks of rows until none is left (calibration-blocks.ts), so they end together whatever
 * the worker's start-up costs. The terms are summed in row order by the caller, so every figure is bit-identical
 * to one pass on one thread; an error is the one the first bad row would give.
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import { HoloclipError } from '../errors.js';
import type { CalibrationAccumulator, CalibrationRowTerms } from '../metrics/calibration.js';
import {
  cancelWorkerStart,
  firstBadRow,
  nonFiniteRowError,
  scoreClaimedBlocks,
  sharedCalibrationBuffers,
  sharedTerms,
  type LogitsFileShape,
  type SharedCalibrationBuffers,
} from './calibration-blocks.js';
import type { CalibrationRowsReply, CalibrationRowsRequest, CalibrationRowsStart } from './calibration-rows-protocol.js';
import { startModuleWorker } from '../util/module-worker.js';

/** Below this many values one thread is faster than starting a worker (about 20 ms). */
const PARALLEL_MIN_VALUES = 4_000_000;

export interface LogitsScoringOptions {
  /** Threads (default: 2 when the machine has two cores). */
  readonly threads?: number;
  /** Fewest values for a second thread (default 4 million). */
  readonly minValues?: number;
  /** Bytes per claimed block (tests: small blocks, many claims). */
  readonly blockBytes?: number;
}

/** Scoring of one logits file under way: the worker (if any) starts now; `score` gives the labels and waits. */
export interface LogitsScoring {
  score(labels: Int32Array): Promise<CalibrationRowTerms>;
  /** Stops the worker (always call it, also when `score` was never called or threw). */
  close(): Promise<void>;
}

export function startLogitsScoring(file: string, shape: LogitsFileShape, temperature: number, options: LogitsScoringOptions = {}): LogitsScoring {
  const threads = options.threads ?? Math.min(2, os.availableParallelism());
  const buffers = sharedCalibrationBuffers(shape.rows);
  const parallel = threads >= 2 && shape.rows >= 2 && shape.rows * shape.cols >= (options.minValues ?? PARALLEL_MIN_VALUES);
  const worker = parallel ? startWorker(file, shape, temperature, buffers) : null;
  return {
    async score(labels) {
      let finished: Promise<void> | null = null;
      if (worker !== null) {
        finished = workerFinished(worker.thread);
        finished.catch(() => undefined); // awaited below, after this thread's blocks (whose errors come first)
        worker.thread.postMessage({ labels } satisfies CalibrationRowsStart);
      }
      scoreClaimedBlocks(file, 'logits', shape, labels, temperature, buffers, options.blockBytes);
      if (finished !== null && !cancelWorkerStart(buffers)) await finished;
      const bad = firstBadRow(buffers);
      if (bad < shape.rows) throw nonFiniteRowError(file, 'logits', shape, bad);
      return sharedTerms(buffers);
    },
    async close() {
      if (worker !== null) await worker.thread.terminate();
    },
  };
}

function startWorker(file: string, shape: LogitsFileShape, temperature: number, buffers: SharedCalibrationBuffers): { thread: Worker } {
  const request: CalibrationRowsRequest = { file, what: 'logits', shape: { rows: shape.rows, cols: shape.cols, dataStart: shape.dataStart }, temperature, buffers };
  return { thread: startModuleWorker(import.meta.url, 'calibration-rows-worker', request) };
}

function workerFinished(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    worker.once('message', (reply: CalibrationRowsReply) => (reply.ok ? resolve() : reject(new HoloclipError(reply.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new HoloclipError(`the calibration worker thread stopped (exit code ${code}) before it finished its rows`)));
  });
}

/** Every row of the file into `acc` (which has seen none yet), with labels already read. */
export async function accumulateLogitsFile(
  file: string,
  shape: LogitsFileShape,
  labels: Int32Array,
  temperature: number,
  acc: CalibrationAccumulator,
  options: LogitsScoringOptions = {},
): Promise<void> {
  const scoring = startLogitsScoring(file, shape, temperature, options);
  try {
    acc.addRowTerms(0, shape.rows, await scoring.score(labels));
  } finally {
    await scoring.close();
  }
}
