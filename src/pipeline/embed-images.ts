/**
 * Embed every image of a dataset once per (model files, dtype, preprocessing): the image
 * embedding pipeline. Cached rows are looked up by the sha256 of the image file's bytes, so a
 * rerun does no inference and a killed run resumes from its last finished batch.
 *
 * Flow for images not yet in the store: [decode worker] read bytes (a file, or a member of a tar
 * shard) -> sha256 -> [crop border] -> [corrupt] -> preprocess (sharp, a few in flight) -> pixel
 * batch -> [main thread] model -> one store chunk per batch. The worker
 * prepares the next batches while the model runs, so the model (the slowest stage) stays busy.
 * Identical files (same sha256) are embedded once.
 */
import type { CorruptionSpec } from '../corruptions/registry.js';
import type { DatasetItem } from '../data/index.js';
import { ItemStatCache } from '../data/item-bytes.js';
import { selectItems, type ItemList } from '../data/item-list.js';
import { HoloclipError } from '../errors.js';
import type { ImagePreprocessor } from '../image/index.js';
import type { ImageEncoder } from '../models/image-encoder.js';
import type { EmbeddingSpace } from '../store/embedding-store.js';
import type { FileHashIndex } from '../store/hash.js';
import { KeyList } from '../store/packed-keys.js';
import { forEachLimit } from '../util/concurrency.js';
import { InFlight } from '../util/in-flight.js';
import type { ProgressSink } from '../util/progress.js';
import os from 'node:os';
import { DecodeClient } from './decode-client.js';
import { DECODE_PIXEL_BUDGET, type DecodeResponse } from './decode-protocol.js';
import { itemStoreKey } from './item-key.js';

/**
 * Embedding chunks being written at once. onnxruntime-node's run() blocks this thread, so a chunk's file operations
 * advance about one step per batch; a handful in flight keeps the writes off the model's path.
 */
const MAX_CHUNK_WRITES = 8;

/**
 * Decode worker threads by default. One worker (sharp with libvips' own threads, 4 images in flight) prepares some
 * 400-600 images/s on 2 cores, the CPU model 45 (ViT-B/32): on CPU the model needs the cores, one worker per 16
 * cores keeps it fed. A GPU embeds thousands of images/s, so on CUDA every core but the main thread's decodes.
 */
export function defaultDecodeWorkers(provider: 'cpu' | 'cuda', cores: number = os.availableParallelism()): number {
  return provider === 'cuda' ? Math.max(1, cores - 1) : Math.max(1, Math.floor(cores / 16));
}

export interface ItemFailure {
  readonly index: number;
  readonly id: string;
  readonly path: string;
  readonly error: string;
}

export interface EmbedImagesOptions {
  /** The items to embed (a dataset's, whose `index` is their position in it). */
  readonly items: ItemList;
  readonly model: ImageEncoder;
  readonly preprocessor: ImagePreprocessor;
  /**
   * Where the embeddings go. For a space not created yet (a new model: nothing can be cached), a function that opens
   * it, called once the decode workers have the first batches (loading the model then overlaps decoding).
   */
  readonly space: EmbeddingSpace | (() => Promise<EmbeddingSpace>);
  readonly hashIndex: FileHashIndex;
  /** Stats of the items, shared by the calls of one run (each image stat'ed once); default: this call's own. */
  readonly itemStats?: ItemStatCache;
  readonly batchSize: number;
  /** Images decoded concurrently in each decode worker (default 4). */
  readonly decodeConcurrency?: number;
  /** Decode worker threads; batches go to them in turn (default defaultDecodeWorkers('cpu')). */
  readonly decodeWorkers?: number;
  /** Progress label (default "embedding images"). */
  readonly label?: string;
  /** Batches prepared ahead of the model (default 2, at least one per decode worker). */
  readonly prefetchBatches?: number;
  readonly progress: ProgressSink;
  /** Seconds between saves of the file hash index during long runs (default 30). */
  readonly saveEverySeconds?: number;
  /**
   * Embed a corrupted version of every image (the store key extends the file's key with the
   * corruption); `depthPaths` gives each item's depth map (by item index) for 3D corruptions.
   */
  readonly corruption?: CorruptionSpec;
  readonly depthPaths?: ReadonlyMap<number, string>;
  /**
   * Pixels removed from every border before preprocessing (Dataset.cropBorder, ObjectNet: 2). It
   * changes the pixels, so the store key extends the file's key (before any corruption's).
   */
  readonly cropBorder?: number;
  /** Pillow's MAX_IMAGE_PIXELS rule (default 89,478,485; 0 for none): see src/image/pixel-limit.ts. */
  readonly maxImagePixels?: number;
  /** Where warnings about single images go (an image above the pixel limit); default: dropped. */
  readonly warn?: (message: string) => void;
}

export interface EmbedImagesResult {
  /** Items that were embedded (or found in the store), in dataset order: `items` itself when all were. */
  readonly ok: ItemList;
  /** Content keys of `ok`, same order (packed: 32 bytes per image). */
  readonly keys: KeyList;
  readonly failures: ItemFailure[];
  /** Images run through the model in this call. */
  readonly inferred: number;
  /** Items whose embedding was already in the store. */
  readonly cached: number;
  /**
   * Wall seconds: the cache lookup; decoding and embedding (model loading excluded); loading a new model to probe
   * its dimension (0 when the space existed), which overlaps the first batches' decoding; `decodeWait`: of `embed`,
   * the time the model waited for decoded batches (the first included). A large share means decoding starves the
   * model (a GPU, typically): more decode workers help.
   */
  readonly seconds: { lookup: number; embed: number; modelLoad: number; decodeWait: number };
  /** What decoded plain JPEGs (decode-protocol.ts WorkerMessage); null when no image was decoded or not applicable. */
  readonly jpegDecoder: string | null;
}

/**
 * Known content hash if the item is unchanged since it was hashed; undefined if it must be read.
 * A tar member is remembered under its display path with the member's size and the tar's mtime
 * (see ItemStatCache): `item.path` itself does not exist then.
 */
async function knownHash(index: FileHashIndex, item: DatasetItem, items: ItemList, at: number, stats: ItemStatCache): Promise<string | undefined> {
  const entry = index.peek(item.path);
  if (!entry) return undefined;
  try {
    const st = await stats.stat(item, items, at);
    return st.size === entry.size && st.mtimeMs === entry.mtimeMs ? entry.sha256 : undefined;
  } catch {
    return undefined;
  }
}

export async function embedImages(options: EmbedImagesOptions): Promise<EmbedImagesResult> {
  const { items, model, preprocessor, hashIndex, batchSize, progress } = options;
  // A space not created yet (a new model) holds nothing: it is opened (the model loaded and probed, which holds the
  // main thread) only once the decode workers are reading the first batches, so that the two overlap.
  const openSpace = typeof options.space === 'function' ? options.space : null;
  let ready: EmbeddingSpace | null = typeof options.space === 'function' ? null : options.space;
  const decodeConcurrency = options.decodeConcurrency ?? 4;
  const t0 = performance.now();
  // Every item's store key once known, packed (a string per image would be some 90 bytes each, held to the end).
  const keys = new KeyList(items.length);
  const failures: ItemFailure[] = [];
  /** Positions in `items` of the failures. */
  const failed = new Set<number>();

  // 1. Which items are already embedded? A stat per file (and depth map), no reads.
  const corruption = options.corruption;
  const cropBorder = options.cropBorder ?? 0;
  if (!Number.isInteger(cropBorder) || cropBorder < 0) throw new HoloclipError(`cropBorder must be a non-negative integer (got ${cropBorder})`);
  const stats = options.itemStats ?? new ItemStatCache();
  // The decode worker keys the items it reads with the same function (itemStoreKey).
  const storeKey = async (item: DatasetItem, at: number): Promise<string | undefined> => {
    const fileSha256 = await knownHash(hashIndex, item, items, at, stats);
    if (fileSha256 === undefined) return undefined;
    const depthPath = corruption ? options.depthPaths?.get(item.index) : undefined;
    const depthSha256 = depthPath === undefined ? null : await depthKey(depthPath);
    if (depthSha256 === undefined) return undefined;
    return itemStoreKey({ fileSha256, cropBorder, corruption, depthSha256 });
  };
  // Depth maps are hashed here (once; then by stat) and their keys sent to the worker with the path.
  const depthKeys = new Map<string, string>();
  const depthKey = async (file: string): Promise<string | undefined> => {
    let k = depthKeys.get(file);
    if (k === undefined) {
      try {
        k = await hashIndex.hashFile(file);
      } catch {
        return undefined; // unreadable: the worker reports it as the item's failure
      }
      depthKeys.set(file, k);
    }
    return k;
  };
  const known = new Uint8Array(items.length);
  await forEachLimit(items, 16, async (item, i) => {
    const h = await storeKey(item, i);
    if (h !== undefined && ready !== null && ready.has(h)) {
      keys.set(i, h);
      known[i] = 1;
    }
  });
  let cached = 0;
  for (let i = 0; i < items.length; i++) cached += known[i];
  // Positions of the items to embed (each built from the list when its batch is requested).
  const todo = new Uint32Array(items.length - cached);
  for (let i = 0, t = 0; i < items.length; i++) if (known[i] === 0) todo[t++] = i;
  const tLookup = performance.now();
  /** Time spent opening a new space (loading the model and probing its dimension) while the first batches decode. */
  let modelLoadMs = 0;

  // 2. Embed the rest. A worker thread reads, hashes and preprocesses up to `prefetch` batches
  //    ahead while the model runs (onnxruntime-node blocks the main thread during a forward pass).
  const { outputHeight: h, outputWidth: w } = preprocessor;
  const pixelsPerImage = 3 * h * w;
  let inferred = 0;
  let decodeWaitMs = 0;
  let jpegDecoder: string | null = null;
  const pendingKeys = new Set<string>();
  let lastSave = performance.now();
  const saveEvery = (options.saveEverySeconds ?? 30) * 1000;
  const workers = Math.max(1, Math.min(options.decodeWorkers ?? defaultDecodeWorkers('cpu'), Math.ceil(todo.length / batchSize)));
  const prefetch = Math.max(workers, options.prefetchBatches ?? 2);

  progress.start(options.label ?? 'embedding images', items.length, 'img');
  progress.update(cached);
  if (todo.length > 0) {
    // The decode memory budget is shared out: more workers decode in parallel, not more pixels at once.
    const init = { modelDir: model.dir, mode: preprocessor.mode, concurrency: decodeConcurrency, corruption, cropBorder, maxImagePixels: options.maxImagePixels, pixelBudget: Math.ceil(DECODE_PIXEL_BUDGET / workers) };
    // The workers load their modules while this thread loads the model (a new space): the first batches wait in
    // their queues meanwhile. A worker that fails to start rejects `ready` and every batch sent to it.
    const decoders = Array.from({ length: workers }, () => DecodeClient.launch(init));
    const started = async (): Promise<void> => {
      const outcomes = await Promise.allSettled(decoders.map((d) => d.ready));
      const failure = outcomes.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failure) throw failure.reason;
    };
    let nextDecoder = 0;
    // Batch buffers the model is done with, handed back to the workers with the next requests.
    const spare: ArrayBuffer[] = [];
    const writes = new InFlight(MAX_CHUNK_WRITES);
    const closeAll = async (): Promise<void> => {
      await Promise.all(decoders.map((d) => d.close()));
    };
    let closing: Promise<void> | null = null;
    try {
      const requests: Array<Promise<DecodeResponse>> = [];
      let cursor = 0;
      const request = () => {
        const slice = todo.subarray(cursor, cursor + batchSize);
        cursor += slice.length;
        const decoder = decoders[nextDecoder++ % decoders.length];
        requests.push(
          decoder.decode(
            Array.from(slice, (at) => {
              const it = items.get(at);
              const depthPath = options.depthPaths?.get(it.index);
              const key = depthPath === undefined ? undefined : depthKeys.get(depthPath);
              return {
                index: at,
                path: it.path,
                source: it.source,
                depth: depthPath === undefined ? undefined : { path: depthPath, key: key ?? null },
              };
            }),
            spare.pop(),
          ),
        );
      };
      while (requests.length < prefetch && cursor < todo.length) request();
      if (ready === null) {
        const tOpen = performance.now();
        try {
          ready = await (openSpace as () => Promise<EmbeddingSpace>)();
        } catch (err) {
          await started(); // a worker's start error (a bad preprocessor config) is the one to report
          throw err;
        }
        modelLoadMs = performance.now() - tOpen;
      }
      await started();
      jpegDecoder = decoders[0].jpegDecoder;
      const space = ready;
      let processed = 0;
      while (requests.length > 0) {
        const tWait = performance.now();
        const batch = await (requests.shift() as Promise<DecodeResponse>);
        decodeWaitMs += performance.now() - tWait;
        if (cursor < todo.length) request();
        // The last batch is here: the workers wind down while the model runs it.
        else if (requests.length === 0 && closing === null) {
          closing = closeAll();
          closing.catch(() => {}); // awaited below
        }
        const rows: number[] = [];
        const newKeys: string[] = [];
        for (const r of batch.items) {
          const item = items.get(r.index);
          if (!r.ok) {
            failures.push({ index: item.index, id: item.id, path: item.path, error: r.error });
            failed.add(r.index);
            continue;
          }
          if (r.warning) options.warn?.(r.warning);
          hashIndex.record(item.path, r, r.fileKey);
          keys.set(r.index, r.key);
          if (space.has(r.key) || pendingKeys.has(r.key)) continue; // same bytes as an image already embedded
          pendingKeys.add(r.key);
          rows.push(r.row);
          newKeys.push(r.key);
        }
        processed += batch.items.length;
        const n = rows.length;
        if (n > 0) {
          const contiguous = rows.every((row, i) => row === i);
          let input: Float32Array;
          if (contiguous) {
            input = batch.pixels.subarray(0, n * pixelsPerImage);
          } else {
            input = new Float32Array(n * pixelsPerImage);
            rows.forEach((row, i) => input.set(batch.pixels.subarray(row * pixelsPerImage, (row + 1) * pixelsPerImage), i * pixelsPerImage));
          }
          const { data, dim } = await model.embedImages(input, n, h, w);
          if (dim !== space.dim) {
            throw new HoloclipError(`${model.imageFile} returned ${dim}-dimensional embeddings, expected ${space.dim}`);
          }
          // The chunk's file operations (write, fsync, rename) run in the thread pool while the next batch runs
          // through the model; its keys count as embedded (pendingKeys) until it is in the space.
          await writes.add(space.appendChunk(newKeys, data).then(() => {
            for (const k of newKeys) pendingKeys.delete(k);
          }));
          inferred += n;
        }
        spare.push(batch.pixels.buffer as ArrayBuffer);
        progress.update(cached + processed);
        if (performance.now() - lastSave > saveEvery) {
          await hashIndex.save();
          lastSave = performance.now();
        }
      }
      await writes.drain();
    } finally {
      await writes.settle();
      await (closing ?? closeAll());
    }
  }
  await hashIndex.save();
  progress.finish();
  const tEmbed = performance.now();

  let okCount = 0;
  for (let i = 0; i < items.length; i++) if (!failed.has(i) && keys.has(i)) okCount++;
  const okAt = new Uint32Array(okCount);
  for (let i = 0, j = 0; i < items.length; i++) if (!failed.has(i) && keys.has(i)) okAt[j++] = i;
  failures.sort((a, b) => a.index - b.index);
  return {
    ok: okCount === items.length ? items : selectItems(items, okAt),
    keys: okCount === items.length ? keys : keys.select(okAt),
    failures,
    inferred,
    cached,
    seconds: { lookup: (tLookup - t0) / 1000, embed: (tEmbed - tLookup - modelLoadMs) / 1000, modelLoad: modelLoadMs / 1000, decodeWait: decodeWaitMs / 1000 },
    jpegDecoder,
  };
}
