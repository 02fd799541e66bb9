/**
 * Worker thread of `holoclip score ece|nll|brier`: once the labels arrive, claims blocks of rows of a float32
 * `.npy` alongside the main thread (calibration-blocks.ts), writing their terms into the shared arrays, and replies
 * when no block is left; the main thread sums every row's terms in row order (see parallel-calibration.ts).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { claimWorkerStart, scoreClaimedBlocks } from './calibration-blocks.js';
import type { CalibrationRowsReply, CalibrationRowsRequest, CalibrationRowsStart } from './calibration-rows-protocol.js';

const port = parentPort;
if (!port) throw new Error('calibration-rows-worker must run as a worker thread');
const req = workerData as CalibrationRowsRequest;
port.once('message', ({ labels }: CalibrationRowsStart) => {
  let reply: CalibrationRowsReply = { ok: true, rows: 0 };
  try {
    const rows = scoreClaimedBlocks(req.file, req.what, req.shape, labels, req.temperature, req.buffers, req.blockRows, () => claimWorkerStart(req.buffers));
    reply = { ok: true, rows };
  } catch (err) {
    reply = { ok: false, error: errorMessage(err) };
  }
  port.postMessage(reply);
});
