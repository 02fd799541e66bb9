/** Messages between the embedding pipeline and its decode worker (see decode-worker.ts). */
import type { PreprocessMode } from '../image/index.js';

export interface DecodeWorkerInit {
  readonly modelDir: string;
  readonly mode: PreprocessMode;
  /** Images decoded concurrently inside the worker. */
  readonly concurrency: number;
}

export interface DecodeRequest {
  readonly batchId: number;
  readonly items: ReadonlyArray<{ readonly index: number; readonly path: string }>;
}

export type DecodedItem =
  | { readonly index: number; readonly ok: true; readonly key: string; readonly size: number; readonly mtimeMs: number; readonly row: number }
  | { readonly index: number; readonly ok: false; readonly error: string };

export interface DecodeResponse {
  readonly batchId: number;
  readonly items: DecodedItem[];
  /** rows x 3 x H x W, rows in the order of the ok items' `row`. */
  readonly pixels: Float32Array;
}

export type WorkerMessage = { readonly type: 'ready' } | { readonly type: 'batch'; readonly batch: DecodeResponse } | { readonly type: 'fatal'; readonly error: string };
