/** Messages between `holoclip score ece|nll|brier` and its calibration-rows worker. */
import type { CalibrationRowTerms } from '../metrics/calibration.js';

export interface CalibrationRowsRequest {
  readonly file: string;
  readonly what: string;
  readonly rows: number;
  readonly cols: number;
  readonly dataStart: number;
  /** The rows this worker scores: first .. first + count - 1. */
  readonly first: number;
  readonly count: number;
  /** Every label (indexed by row number). */
  readonly labels: Int32Array;
  readonly temperature: number;
}

export type CalibrationRowsReply = { readonly ok: true; readonly terms: CalibrationRowTerms } | { readonly ok: false; readonly error: string };
