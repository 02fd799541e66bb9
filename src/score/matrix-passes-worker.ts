/**
 * Worker thread of `holoclip score temperature`: takes the labels, then each pass in order; joins a pass the main
 * thread has not yet closed and claims its blocks alongside it (matrix-blocks.ts), writing the rows' terms into the
 * shared arrays, and replies once no block is left. A pass it did not join gets no reply.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { errorMessage } from '../errors.js';
import { BlockReader, joinPass, runPassBlocks, type MatrixPassesMessage, type MatrixPassesReply, type MatrixPassesRequest } from './matrix-blocks.js';

const port = parentPort;
if (!port) throw new Error('matrix-passes-worker must run as a worker thread');
const req = workerData as MatrixPassesRequest;
let labels: Int32Array | null = null;
let reader: BlockReader | null = null;
port.on('message', (message: MatrixPassesMessage) => {
  if ('labels' in message) {
    labels = message.labels;
    return;
  }
  const { pass, job } = message;
  if (!joinPass(req.buffers, pass)) return;
  let reply: MatrixPassesReply;
  try {
    if (labels === null) throw new Error(`internal: pass ${pass} before the labels`);
    const fault = req.fault?.pass === pass ? req.fault.how : null;
    reader ??= new BlockReader(req.fd, req.file, req.what, req.shape);
    const rows = runPassBlocks(reader, req.buffers, req.blockRows, labels, pass, job, () => {
      if (fault === 'exit') process.exit(3);
      if (fault === 'throw') throw new Error(`test fault in pass ${pass}`);
    });
    reply = { pass, ok: true, rows };
  } catch (err) {
    reply = { pass, ok: false, error: errorMessage(err) };
  }
  port.postMessage(reply);
});
