/**
 * Decode worker: reads, hashes and preprocesses images off the main thread. onnxruntime-node's
 * run() blocks the main thread for the whole forward pass, so decoding there would stall; here
 * the next batch is prepared while the model runs the current one.
 */
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import { corruptAsMade, encodePng, loadForCorruption } from '../corruptions/apply.js';
import { ImageReadError, errorMessage } from '../errors.js';
import { checkImagePixels, createPreprocessor, DEFAULT_MAX_IMAGE_PIXELS, readImageSize } from '../image/index.js';
import { turboJpegStatus } from '../image/turbojpeg.js';
import { mapLimit } from '../util/concurrency.js';
import { WeightedSemaphore } from '../util/weighted-semaphore.js';
import { readItemBytes, TarHandles } from '../data/item-bytes.js';
import { loadAlignedDepth } from '../depth/alignment.js';
import { cropBorderPng } from './crop-border.js';
import { cleanItemKey, itemStoreKey } from './item-key.js';
import { DECODE_PIXEL_BUDGET, type DecodedItem, type DecodeRequest, type DecodeWorkerInit, type WorkerMessage } from './decode-protocol.js';

const port = parentPort;
if (!port) throw new Error('decode-worker.ts must run as a worker thread');
const init = workerData as DecodeWorkerInit;
const cropBorder = init.cropBorder ?? 0;
const maxImagePixels = init.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS;
// One budget for every batch in flight: several huge images are never decoded at once.
const budget = new WeightedSemaphore(init.pixelBudget ?? DECODE_PIXEL_BUDGET);
const collect = garbageCollector();
/** Images of at least this many pixels are released (a full collection) as soon as they are preprocessed. */
const RELEASE_EARLY_PIXELS = 4_000_000;

/**
 * A full garbage collection, to free a huge image's decoded pixels (buffers sharp allocated outside the JS heap)
 * before the next one is decoded, instead of whenever V8 next collects. `--expose-gc` for this thread's new
 * contexts only; null where the runtime refuses.
 */
function garbageCollector(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

const post = (msg: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

try {
  const preprocessor = await createPreprocessor(init.modelDir, init.mode);
  const { outputHeight: h, outputWidth: w } = preprocessor;
  const pixelsPerImage = 3 * h * w;
  // Pillow-identical decoding: load and self-test the TurboJPEG library now, while the model loads.
  const turbo = preprocessor.mode === 'python' ? await turboJpegStatus() : null;
  post({ type: 'ready', jpegDecoder: turbo === null ? null : turbo.available ? turbo.library : `sharp (${turbo.reason})` });

  port.on('message', (req: DecodeRequest) => {
    void (async () => {
      const length = req.items.length * pixelsPerImage;
      const pixels = req.reuse && req.reuse.byteLength >= 4 * length ? new Float32Array(req.reuse, 0, length) : new Float32Array(length);
      // One handle per tar shard for the whole batch: its members are read with positional reads.
      const tars = new TarHandles();
      let items: DecodedItem[];
      try {
        // Each image's pixels go to its position in the request, so that the batch is contiguous (one tensor with no
        // copy) unless an image fails or repeats another; decoding finishes in any order.
        items = await mapLimit(req.items, init.concurrency, async (item, row): Promise<DecodedItem> => {
          let bytes: Buffer;
          let st: { size: number; mtimeMs: number };
          try {
            ({ bytes, stat: st } = await readItemBytes(item, tars));
          } catch (err) {
            const message = err instanceof ImageReadError ? err.message : new ImageReadError(item.path, errorMessage(err)).message;
            return { index: item.index, ok: false, error: message };
          }
          const fileKey = createHash('sha256').update(bytes).digest('hex');
          try {
            // The header first (no decoding): Pillow's MAX_IMAGE_PIXELS rule, and the weight in the decode budget.
            const { width, height } = await readImageSize(bytes, item.path);
            const warning = checkImagePixels(width, height, item.path, maxImagePixels);
            const decoded = await budget.run(width * height, async (): Promise<DecodedItem> => {
              let input = bytes;
              // Crop first, then corrupt: the corruption sees the image as the dataset defines it.
              if (cropBorder > 0) input = await cropBorderPng(input, item.path, cropBorder, preprocessor.mode === 'python');
              let depthKey: string | null = null;
              if (init.corruption) {
                // The protocol's geometry, the corruption, its JPEG step, then the model's preprocessing as usual.
                // The clean image's key (cropped or not) seeds the random corruptions.
                const { image, geometry } = await loadForCorruption(input, item.path, init.corruption.protocol.geometry);
                const depth = item.depth ? await loadAlignedDepth(item.depth.path, geometry) : null;
                input = await encodePng(corruptAsMade(image, init.corruption, cleanItemKey(fileKey, cropBorder), depth?.map));
                depthKey = item.depth ? (item.depth.key ?? depth?.key ?? null) : null;
              }
              const key = itemStoreKey({ fileSha256: fileKey, cropBorder, corruption: init.corruption, depthSha256: depthKey });
              await preprocessor.processInto(input, item.path, pixels, row * pixelsPerImage);
              const result: DecodedItem = { index: item.index, ok: true, key, fileKey, size: st.size, mtimeMs: st.mtimeMs, row, ...(warning ? { warning } : {}) };
              if (collect && width * height >= RELEASE_EARLY_PIXELS) collect();
              return result;
            });
            return decoded;
          } catch (err) {
            const message = err instanceof ImageReadError ? err.message : new ImageReadError(item.path, errorMessage(err)).message;
            return { index: item.index, ok: false, error: message };
          }
        });
      } finally {
        await tars.close();
      }
      post({ type: 'batch', batch: { batchId: req.batchId, items, pixels } }, [pixels.buffer as ArrayBuffer]);
    })().catch((err: unknown) => post({ type: 'fatal', error: errorMessage(err) }));
  });
} catch (err) {
  post({ type: 'fatal', error: errorMessage(err) });
}
