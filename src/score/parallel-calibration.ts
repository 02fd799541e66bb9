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
  blockRowsFor,
  cancelWorkerStart,
  firstBadRow,
  nonFiniteRowError,
  scoreClaimedBlocks,
  sharedCalibrationBuffers,
  sharedTerms,
  waitForFirstClaim,
  type LogitsFileShape,
} from './calibration-blocks.js';
import type { CalibrationRowsReply, CalibrationRowsRequest, CalibrationRowsStart } from './calibration-rows-protocol.js';
import { startModuleWorker } from '../util/module-worker.js';

/**
 * Below this many values one thread is as fast (a worker takes 60-70 ms to start on the 2-core development machine;
 * it joins the claiming when it is up, and is cancelled unused when this thread has finished first).
 */
export const PARALLEL_MIN_VALUES = 4_000_000;

export interface LogitsScoringOptions {
  /** Threads (default: 2 when the machine has two cores). */
  readonly threads?: number;
  /** Fewest values for a second thread (default 4 million). */
  readonly minValues?: number;
  /** Bytes per claimed block (tests: small blocks, many claims). */
  readonly blockBytes?: number;
  /** Tests: this thread claims blocks only once the worker has claimed one, so the worker certainly scores rows. */
  readonly waitForWorker?: boolean;
}

export interface ScoredLogits {
  /** Every row's terms, to be summed in row order. */
  readonly terms: CalibrationRowTerms;
  /** Rows the worker thread scored (0 without one). */
  readonly workerRows: number;
}

/** Scoring of one logits file under way: the worker (if any) starts now; `score` gives the labels and waits. */
export interface LogitsScoring {
  score(labels: Int32Array): Promise<ScoredLogits>;
  /** Stops the worker (always call it, also when `score` was never called or threw). */
  close(): Promise<void>;
}

export function startLogitsScoring(file: string, shape: LogitsFileShape, temperature: number, options: LogitsScoringOptions = {}): LogitsScoring {
  const threads = options.threads ?? Math.min(2, os.availableParallelism());
  const buffers = sharedCalibrationBuffers(shape.rows);
  const blockRows = blockRowsFor(shape.cols, options.blockBytes);
  const parallel = threads >= 2 && shape.rows >= 2 && shape.rows * shape.cols >= (options.minValues ?? PARALLEL_MIN_VALUES);
  const worker = parallel ? startWorker({ file, what: 'logits', shape: { rows: shape.rows, cols: shape.cols, dataStart: shape.dataStart }, temperature, buffers, blockRows }) : null;
  return {
    async score(labels) {
      let finished: Promise<number> | null = null;
      if (worker !== null) {
        finished = workerFinished(worker.thread);
        finished.catch(() => undefined); // awaited below, after this thread's blocks (whose errors come first)
        worker.thread.postMessage({ labels } satisfies CalibrationRowsStart);
        if (options.waitForWorker) await waitForFirstClaim(buffers);
      }
      scoreClaimedBlocks(file, 'logits', shape, labels, temperature, buffers, blockRows);
      const workerRows = finished !== null && !cancelWorkerStart(buffers) ? await finished : 0;
      const bad = firstBadRow(buffers);
      if (bad < shape.rows) throw nonFiniteRowError(file, 'logits', shape, bad);
      return { terms: sharedTerms(buffers), workerRows };
    },
    async close() {
      if (worker !== null) await worker.thread.terminate();
    },
  };
}

function startWorker(request: CalibrationRowsRequest): { thread: Worker } {
  return { thread: startModuleWorker(import.meta.url, 'calibration-rows-worker', request) };
}

function workerFinished(worker: Worker): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    worker.once('message', (reply: CalibrationRowsReply) => (reply.ok ? resolve(reply.rows) : reject(new HoloclipError(reply.error))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new HoloclipError(`the calibration worker thread stopped (exit code ${code}) before it finished its rows`)));
  });
}

/** Every row of the file into `acc` (which has seen none yet), with labels already read; the rows the worker scored. */
export async function accumulateLogitsFile(
  file: string,
  shape: LogitsFileShape,
  labels: Int32Array,
  temperature: number,
  acc: CalibrationAccumulator,
  options: LogitsScoringOptions = {},
): Promise<number> {
  const scoring = startLogitsScoring(file, shape, temperature, options);
  try {
    const { terms, workerRows } = await scoring.score(labels);
    acc.addRowTerms(0, shape.rows, terms);
    return workerRows;
  } finally {
    await scoring.close();
  }
}
