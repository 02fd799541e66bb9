/**
 * `holoclip score temperature` on a float32 `.npy`: every pass over the logits (the search's derivative
 * evaluations, then the calibration metrics before and after) is shared by this thread and a worker thread
 * (matrix-passes-worker.ts) when the matrix is large and the machine has two cores; both read the file's blocks on
 * each pass (matrix-blocks.ts). Each pass writes every row's terms into shared arrays, which this thread sums in
 * row order: every figure is bit-identical to temperatureScaling on one thread.
 *
 * Memory: a 1 MB block per thread and 41 bytes per row of shared terms, not the matrix (RSS 75 MB on 50,000 x 1,000
 * against 255 MB reading it whole). Holding the matrix in a SharedArrayBuffer instead was measured slower: faulting
 * in its 200 MB cost more than re-reading each cached block on every pass (a 1 MB copy out of the page cache); see
 * docs/performance.md.
 */
import { closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Worker } from 'node:worker_threads';
import { HoloclipError, errorMessage } from '../errors.js';
import {
  addBetaRowTerms,
  betaEvalOf,
  CalibrationAccumulator,
  checkNumBins,
  DEFAULT_NUM_BINS,
  searchTemperature,
  type BetaEval,
  type BetaRowTerms,
  type CalibrationMetrics,
  type CalibrationRowTerms,
  type TemperatureFit,
} from '../metrics/calibration.js';
import { checkNonEmpty } from '../metrics/softmax.js';
import { blockRowsFor, nonFiniteRowError, openForReading, sharedTerms, type LogitsFileShape } from './calibration-blocks.js';
import {
  BlockReader,
  closePass,
  firstBadMatrixRow,
  passClaimed,
  runPassBlocks,
  sharedBetaTerms,
  sharedMatrixBuffers,
  type MatrixPass,
  type MatrixPassesMessage,
  type MatrixPassesReply,
  type MatrixPassesRequest,
} from './matrix-blocks.js';
import { PARALLEL_MIN_VALUES } from './parallel-calibration.js';
import { startModuleWorker } from '../util/module-worker.js';

export interface MatrixPassesOptions {
  /** Threads (default: 2 when the machine has two cores). */
  readonly threads?: number;
  /** Fewest values for a second thread (default 4 million, the rule of `score ece`). */
  readonly minValues?: number;
  /** Bytes per claimed block (tests: small blocks, many claims). */
  readonly blockBytes?: number;
  /** Tests: in each pass this thread claims blocks only once the worker has claimed one, so the worker certainly scores rows. */
  readonly waitForWorker?: boolean;
  /** Tests: the worker fails in this pass (see MatrixPassesRequest). */
  readonly fault?: MatrixPassesRequest['fault'];
}

/** The worker thread and its replies, kept by pass (a reply may come before this thread asks for it). */
class WorkerLink {
  private readonly replies = new Map<number, MatrixPassesReply>();
  private waiting: { pass: number; resolve: (rows: number) => void; reject: (err: Error) => void } | null = null;
  private failure: Error | null = null;
  private closing = false;

  constructor(readonly thread: Worker) {
    thread.on('message', (reply: MatrixPassesReply) => {
      this.replies.set(reply.pass, reply);
      this.settle();
    });
    thread.on('error', (err: Error) => this.fail(new HoloclipError(`the temperature worker thread failed: ${errorMessage(err)}`)));
    thread.on('exit', (code: number) => this.fail(new HoloclipError(`the temperature worker thread stopped (exit code ${code}) before it finished its rows`)));
  }

  /** Whether the thread has failed or stopped. */
  get failed(): boolean {
    return this.failure !== null;
  }

  /** The worker's rows of a pass it joined, once it has replied; rejects when it failed or stopped first. */
  replyTo(pass: number): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.waiting = { pass, resolve, reject };
      this.settle();
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.thread.terminate();
  }

  private settle(): void {
    const w = this.waiting;
    if (w === null) return;
    const reply = this.replies.get(w.pass);
    if (reply !== undefined) {
      this.waiting = null;
      this.replies.delete(w.pass);
      if (reply.ok) w.resolve(reply.rows);
      else w.reject(new HoloclipError(reply.error));
    } else if (this.failure !== null) {
      this.waiting = null;
      w.reject(this.failure);
    }
  }

  private fail(err: Error): void {
    if (this.closing) return;
    this.failure ??= err;
    this.settle();
  }
}

/** Passes over one logits file: the worker (if any) starts now; give the labels, then run the passes in order. */
export interface MatrixPasses {
  readonly shape: LogitsFileShape;
  /** Every label (indexed by row), before the first pass. */
  setLabels(labels: Int32Array): void;
  /**
   * One pass over every row; its terms then lie in betaTerms (kind beta) or rowTerms (kind metrics) until the next.
   * A non-finite value throws the error reading the file whole gave. Returns the rows the worker scored.
   */
  run(job: MatrixPass): Promise<number>;
  readonly betaTerms: BetaRowTerms;
  readonly rowTerms: CalibrationRowTerms;
  /** Stops the worker (always call it, also after an error). */
  close(): Promise<void>;
}

export function startMatrixPasses(file: string, shape: LogitsFileShape, options: MatrixPassesOptions = {}): MatrixPasses {
  const threads = options.threads ?? Math.min(2, os.availableParallelism());
  const buffers = sharedMatrixBuffers(shape.rows);
  const fd = openForReading(path.resolve(file), 'logits');
  const reader = new BlockReader(fd, file, 'logits', shape);
  const blockRows = blockRowsFor(shape.cols, options.blockBytes);
  const parallel = threads >= 2 && shape.rows >= 2 && shape.rows * shape.cols >= (options.minValues ?? PARALLEL_MIN_VALUES);
  const request: MatrixPassesRequest = { fd, file, what: 'logits', shape: { rows: shape.rows, cols: shape.cols, dataStart: shape.dataStart }, buffers, blockRows, fault: options.fault };
  let link: WorkerLink | null = null;
  try {
    if (parallel) link = new WorkerLink(startModuleWorker(import.meta.url, 'matrix-passes-worker', request));
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  let labels: Int32Array | null = null;
  let passes = 0;
  return {
    shape,
    betaTerms: sharedBetaTerms(buffers),
    rowTerms: sharedTerms(buffers),
    setLabels(all) {
      labels = all;
      link?.thread.postMessage({ labels: all } satisfies MatrixPassesMessage);
    },
    async run(job) {
      if (labels === null) throw new HoloclipError('internal: a pass before the labels');
      const pass = passes++;
      if (link !== null) {
        link.thread.postMessage({ pass, job } satisfies MatrixPassesMessage);
        // Tests: at most 20 s (without blocking the event loop, which a worker started from tsx needs).
        for (let waited = 0; options.waitForWorker && waited < 20_000 && !passClaimed(buffers, pass) && !link.failed; waited += 2) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      runPassBlocks(reader, buffers, blockRows, labels, pass, job);
      const workerRows = link !== null && !closePass(buffers, pass) ? await link.replyTo(pass) : 0;
      const bad = firstBadMatrixRow(buffers);
      if (bad < shape.rows) throw nonFiniteRowError(file, 'logits', shape, bad);
      return workerRows;
    },
    async close() {
      try {
        await link?.close();
      } finally {
        closeSync(fd); // once the worker has stopped: it reads through this descriptor too
      }
    },
  };
}

export interface TemperatureScalingOfFile {
  fit: TemperatureFit;
  before: CalibrationMetrics;
  after: CalibrationMetrics;
  /** Rows the worker scored over all passes (0 without one). */
  workerRows: number;
}

/**
 * temperatureScaling (metrics/calibration.ts) of a float32 `.npy` of logits, bit for bit, with its passes shared by
 * two threads when the matrix is large. `readLabels` runs once the worker is starting (it must give one label per
 * row, each in [0, cols)).
 */
export async function temperatureScalingOfFile(
  file: string,
  shape: LogitsFileShape,
  readLabels: () => Promise<Int32Array>,
  numBins = DEFAULT_NUM_BINS,
  options: MatrixPassesOptions = {},
): Promise<TemperatureScalingOfFile> {
  const fn = 'temperatureScaling';
  checkNumBins(fn, numBins);
  const passes = startMatrixPasses(file, shape, options);
  try {
    const labels = await readLabels();
    checkNonEmpty(fn, 'logits', shape.rows);
    passes.setLabels(labels);
    const n = shape.rows;
    let workerRows = 0;
    const derivatives = async (beta: number): Promise<BetaEval> => {
      workerRows += await passes.run({ kind: 'beta', beta });
      const sums = { grad: 0, hess: 0 };
      addBetaRowTerms(passes.betaTerms, n, sums);
      return betaEvalOf(sums, n);
    };
    const { temperature, evaluations } = await searchTemperature(fn, {}, derivatives);
    const metricsAt = async (t: number): Promise<CalibrationMetrics> => {
      workerRows += await passes.run({ kind: 'metrics', temperature: t });
      const acc = new CalibrationAccumulator(n, shape.cols, labels, t);
      acc.addRowTerms(0, n, passes.rowTerms);
      return acc.finish(numBins);
    };
    const before = await metricsAt(1);
    const after = await metricsAt(temperature);
    return { fit: { temperature, nllBefore: before.nll, nllAfter: after.nll, evaluations: evaluations + 2 }, before, after, workerRows };
  } finally {
    await passes.close();
  }
}
