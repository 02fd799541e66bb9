/** Main-thread handle on the decode worker: send a list of files, get back keys + a pixel batch. */
import type { Worker } from 'node:worker_threads';
import { HoloclipError } from '../errors.js';
import type { DecodeRequest, DecodeResponse, DecodeWorkerInit, WorkerMessage } from './decode-protocol.js';
import { startModuleWorker } from '../util/module-worker.js';

export class DecodeClient {
  private readonly pending = new Map<number, { resolve: (r: DecodeResponse) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;

  /** Settles once the worker has started: rejects with its start error (the batches asked for reject with it too). */
  readonly ready: Promise<void>;
  private markReady: () => void = () => {};
  private markFailed: (e: Error) => void = () => {};
  private started = false;
  /** What decodes plain JPEGs in the worker (see WorkerMessage), once it is ready. */
  jpegDecoder: string | null = null;

  private constructor(private readonly worker: Worker) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve;
      this.markFailed = reject;
    });
    this.ready.catch(() => {}); // observed through the batches or by whoever awaits it
    worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'ready') {
        this.started = true;
        this.jpegDecoder = msg.jpegDecoder;
        this.markReady();
      } else if (msg.type === 'batch') {
        const p = this.pending.get(msg.batch.batchId);
        this.pending.delete(msg.batch.batchId);
        p?.resolve(msg.batch);
      } else if (msg.type === 'fatal') {
        this.fail(new HoloclipError(msg.error));
      }
    });
    worker.on('error', (err) =>
      this.fail(err instanceof HoloclipError ? err : new HoloclipError(`${this.started ? 'decode worker failed' : 'cannot start the decode worker'}: ${err.message}`)),
    );
    worker.on('exit', (code) => {
      if (!this.started) this.fail(new HoloclipError(`the decode worker exited (code ${code}) before it started`));
      else if (this.pending.size > 0) this.fail(new HoloclipError(`decode worker exited (code ${code}) with batches pending`));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.markFailed(err);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /**
   * Starts a worker and returns its handle at once, so that it loads its modules while the caller does something else
   * (loads the model): batches asked for before it is ready wait in its message queue. `ready` says when it started.
   */
  static launch(init: DecodeWorkerInit): DecodeClient {
    const worker = startModuleWorker(import.meta.url, 'decode-worker', init);
    return new DecodeClient(worker);
  }

  /** Starts a worker and resolves once it is ready; rejects with its start error (the worker stopped). */
  static async start(init: DecodeWorkerInit): Promise<DecodeClient> {
    const client = DecodeClient.launch(init);
    try {
      await client.ready;
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /** Decodes a batch; `reuse` (a batch buffer the caller is done with) is transferred to the worker to hold it. */
  decode(items: DecodeRequest['items'], reuse?: ArrayBuffer): Promise<DecodeResponse> {
    if (this.failure) return Promise.reject(this.failure);
    const batchId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(batchId, { resolve, reject });
      const req: DecodeRequest = reuse ? { batchId, items, reuse } : { batchId, items };
      this.worker.postMessage(req, reuse ? [reuse] : []);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
