/**
 * Worker thread of `holoclip score ece|nll|brier`: computes the calibration row terms of one range of rows of a
 * float32 `.npy` (streamed like the main thread's part) and sends them back; the main thread sums every row's terms
 * in row order, so the figures are those of one pass (see score/calibration.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { calibrationRowTerms, type CalibrationRowTerms } from '../metrics/calibration.js';
import { errorMessage } from '../errors.js';
import { streamFloat32Rows } from './inputs.js';
import type { CalibrationRowsRequest, CalibrationRowsReply } from './calibration-rows-protocol.js';

const port = parentPort;
if (!port) throw new Error('calibration-rows-worker must run as a worker thread');
const req = workerData as CalibrationRowsRequest;
const { first, count, cols } = req;
const buffers = { confidences: new ArrayBuffer(count * 8), correct: new ArrayBuffer(count), nll: new ArrayBuffer(count * 8), brier: new ArrayBuffer(count * 8) };
const terms: CalibrationRowTerms = {
  confidences: new Float64Array(buffers.confidences),
  correct: new Uint8Array(buffers.correct),
  nll: new Float64Array(buffers.nll),
  brier: new Float64Array(buffers.brier),
};
const row = new Float64Array(cols);
try {
  await streamFloat32Rows(req.file, req.what, { rows: req.rows, cols, dataStart: req.dataStart }, (block, at, n) => {
    const o = at - first;
    calibrationRowTerms(block, at, n, cols, req.labels, req.temperature, row, {
      confidences: terms.confidences.subarray(o, o + n),
      correct: terms.correct.subarray(o, o + n),
      nll: terms.nll.subarray(o, o + n),
      brier: terms.brier.subarray(o, o + n),
    });
  }, undefined, { first, count });
  const reply: CalibrationRowsReply = { ok: true, terms };
  port.postMessage(reply, [buffers.confidences, buffers.correct, buffers.nll, buffers.brier]);
} catch (err) {
  const reply: CalibrationRowsReply = { ok: false, error: errorMessage(err) };
  port.postMessage(reply);
}
