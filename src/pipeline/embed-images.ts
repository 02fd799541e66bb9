/**
 * Embed every image of a dataset once per (model files, dtype, preprocessing): the image
 * embedding pipeline. Cached rows are looked up by the sha256 of the image file's bytes, so a
 * rerun does no inference and a killed run resumes from its last finished batch.
 *
 * Flow for images not yet in the store: read bytes -> hash -> preprocess (sharp, a few in flight)
 * -> batch -> model -> append one store chunk per batch. The next batch is decoded while the
 * model runs the current one, so the model (the slowest stage) stays busy.
 */
import { promises as fs } from 'node:fs';
import type { DatasetItem } from '../data/index.js';
import { ImageReadError, errorMessage } from '../errors.js';
import type { ImagePreprocessor } from '../image/index.js';
import type { ClipFamilyModel } from '../models/clip-model.js';
import type { EmbeddingSpace } from '../store/embedding-store.js';
import type { FileHashIndex } from '../store/hash.js';
import { mapLimit } from '../util/concurrency.js';
import type { ProgressSink } from '../util/progress.js';

export interface ItemFailure {
  readonly index: number;
  readonly id: string;
  readonly path: string;
  readonly error: string;
}

export interface EmbedImagesOptions {
  readonly items: readonly DatasetItem[];
  readonly model: ClipFamilyModel;
  readonly preprocessor: ImagePreprocessor;
  readonly space: EmbeddingSpace;
  readonly hashIndex: FileHashIndex;
  readonly batchSize: number;
  /** Images decoded concurrently (default 4). */
  readonly decodeConcurrency?: number;
  readonly progress: ProgressSink;
  /** Seconds between saves of the file hash index during long runs (default 30). */
  readonly saveEverySeconds?: number;
}

export interface EmbedImagesResult {
  /** Items that were embedded (or found in the store), in dataset order. */
  readonly ok: DatasetItem[];
  /** Content keys of `ok`, same order. */
  readonly keys: string[];
  readonly failures: ItemFailure[];
  /** Images run through the model in this call. */
  readonly inferred: number;
  /** Items whose embedding was already in the store. */
  readonly cached: number;
  readonly seconds: { lookup: number; embed: number };
}

interface Prepared {
  item: DatasetItem;
  key: string;
}

/** Known content hash if the file is unchanged since it was hashed; undefined if it must be read. */
async function knownHash(index: FileHashIndex, item: DatasetItem): Promise<string | undefined> {
  const entry = index.peek(item.path);
  if (!entry) return undefined;
  try {
    const st = await fs.stat(item.path);
    return st.size === entry.size && st.mtimeMs === entry.mtimeMs ? entry.sha256 : undefined;
  } catch {
    return undefined;
  }
}

export async function embedImages(options: EmbedImagesOptions): Promise<EmbedImagesResult> {
  const { items, model, preprocessor, space, hashIndex, batchSize, progress } = options;
  const decodeConcurrency = options.decodeConcurrency ?? 4;
  const t0 = performance.now();
  const keys = new Array<string | undefined>(items.length);
  const failures: ItemFailure[] = [];
  const fail = (item: DatasetItem, err: unknown) => {
    failures.push({ index: item.index, id: item.id, path: item.path, error: errorMessage(err) });
  };

  // 1. Which items are already embedded? A stat per file, no reads.
  const hashes = await mapLimit(items, 16, (item) => knownHash(hashIndex, item));
  const todo: DatasetItem[] = [];
  let cached = 0;
  for (let i = 0; i < items.length; i++) {
    const h = hashes[i];
    if (h !== undefined && space.has(h)) {
      keys[i] = h;
      cached++;
    } else {
      todo.push(items[i]);
    }
  }
  const tLookup = performance.now();

  // 2. Embed the rest, batch by batch, decoding batch k+1 while the model runs batch k.
  const { outputHeight: h, outputWidth: w } = preprocessor.spec;
  const pixelsPerImage = 3 * h * w;
  let inferred = 0;
  let done: number;
  const pendingKeys = new Set<string>();
  let lastSave = performance.now();
  const saveEvery = (options.saveEverySeconds ?? 30) * 1000;

  progress.start('embedding images', items.length, 'img');
  progress.update(cached);

  /** Read, hash and preprocess up to batchSize new images, starting at todo[from]. */
  const prepareBatch = async (from: number): Promise<{ next: number; prepared: Prepared[]; pixels: Float32Array; skippedAsDuplicate: number }> => {
    const pixels = new Float32Array(batchSize * pixelsPerImage);
    const prepared: Prepared[] = [];
    let cursor = from;
    let skippedAsDuplicate = 0;
    // Take candidates in slices until the batch is full: duplicates and failures do not fill it.
    while (prepared.length < batchSize && cursor < todo.length) {
      const slice = todo.slice(cursor, cursor + (batchSize - prepared.length));
      cursor += slice.length;
      const results = await mapLimit(slice, decodeConcurrency, async (item) => {
        let bytes: Buffer;
        try {
          bytes = await fs.readFile(item.path);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          return { item, error: new ImageReadError(item.path, code === 'ENOENT' ? 'file not found' : errorMessage(err)) };
        }
        let key: string;
        try {
          key = await hashIndex.hashFile(item.path, bytes);
        } catch (err) {
          return { item, error: err };
        }
        if (space.has(key) || pendingKeys.has(key)) return { item, key, duplicate: true };
        pendingKeys.add(key);
        try {
          const data = await preprocessor.process(bytes, item.path);
          return { item, key, data };
        } catch (err) {
          pendingKeys.delete(key);
          return { item, error: err };
        }
      });
      for (const r of results) {
        if ('error' in r) {
          fail(r.item, r.error);
        } else if ('duplicate' in r) {
          keys[r.item.index] = r.key;
          skippedAsDuplicate++;
        } else if (r.data) {
          pixels.set(r.data, prepared.length * pixelsPerImage);
          keys[r.item.index] = r.key;
          prepared.push({ item: r.item, key: r.key });
        }
      }
    }
    return { next: cursor, prepared, pixels, skippedAsDuplicate };
  };

  let next = prepareBatch(0);
  for (;;) {
    const batch = await next;
    const hasMore = batch.next < todo.length;
    if (hasMore) next = prepareBatch(batch.next);
    const n = batch.prepared.length;
    if (n > 0) {
      const input = n === batchSize ? batch.pixels : batch.pixels.subarray(0, n * pixelsPerImage);
      const { data, dim } = await model.embedImages(input, n, h, w);
      if (dim !== space.dim) {
        throw new Error(`${model.folder.files.vision} returned ${dim}-dimensional embeddings, expected ${space.dim}`);
      }
      await space.appendChunk(batch.prepared.map((p) => p.key), data);
      for (const p of batch.prepared) pendingKeys.delete(p.key);
      inferred += n;
    }
    // Everything before the cursor is finished (embedded, duplicate of a cached image, or failed).
    done = items.length - (todo.length - batch.next);
    progress.update(done);
    if (performance.now() - lastSave > saveEvery) {
      await hashIndex.save();
      lastSave = performance.now();
    }
    if (!hasMore) break;
  }
  await hashIndex.save();
  progress.finish();
  const tEmbed = performance.now();

  const failed = new Set(failures.map((f) => f.index));
  const ok: DatasetItem[] = [];
  const okKeys: string[] = [];
  for (let i = 0; i < items.length; i++) {
    if (failed.has(i)) continue;
    const k = keys[i];
    if (k === undefined) continue;
    ok.push(items[i]);
    okKeys.push(k);
  }
  failures.sort((a, b) => a.index - b.index);
  return {
    ok,
    keys: okKeys,
    failures,
    inferred,
    cached,
    seconds: { lookup: (tLookup - t0) / 1000, embed: (tEmbed - tLookup) / 1000 },
  };
}
