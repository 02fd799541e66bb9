/** Messages between `holoclip score ece|nll|brier` and its calibration-rows worker. */
import type { LogitsFileShape, SharedCalibrationBuffers } from './calibration-blocks.js';

/** workerData: everything but the labels, so the worker starts while the caller reads and checks them. */
export interface CalibrationRowsRequest {
  readonly file: string;
  readonly what: string;
  readonly shape: LogitsFileShape;
  readonly temperature: number;
  readonly buffers: SharedCalibrationBuffers;
  /** Rows per claimed block: the main thread's (blocks are numbered by the shared counter). */
  readonly blockRows: number;
}

/** The one message the worker waits for: every label (indexed by row number); the worker then claims blocks. */
export interface CalibrationRowsStart {
  readonly labels: Int32Array;
}

/** ok: the rows the worker scored (0 when the main thread had finished before the worker started). */
export type CalibrationRowsReply = { readonly ok: true; readonly rows: number } | { readonly ok: false; readonly error: string };
