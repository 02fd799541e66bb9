/** Messages between the embedding pipeline and its decode worker (see decode-worker.ts). */
import type { CorruptionSpec } from '../corruptions/registry.js';
import type { DatasetItem } from '../data/index.js';
import type { PreprocessMode } from '../image/index.js';

export interface DecodeWorkerInit {
  readonly modelDir: string;
  readonly mode: PreprocessMode;
  /** Images decoded concurrently inside the worker. */
  readonly concurrency: number;
  /** Corrupt every image (ImageNet-C geometry) before the model's preprocessing. */
  readonly corruption?: CorruptionSpec;
  /** Pixels cropped from every border of each decoded image first (ObjectNet), before any corruption. */
  readonly cropBorder?: number;
  /**
   * Pillow's MAX_IMAGE_PIXELS rule, checked on the header before decoding: a warning above it, an unreadable item
   * above twice it; 0 for none (default DEFAULT_MAX_IMAGE_PIXELS).
   */
  readonly maxImagePixels?: number;
  /**
   * Pixels decoded at once in the worker, all batches in flight together (default DECODE_PIXEL_BUDGET): an image
   * waits until its pixel count fits; one larger than the budget is decoded alone.
   */
  readonly pixelBudget?: number;
}

/**
 * Default decode budget: 40 million pixels (about 120 MB of 8-bit RGB, some 170 MB with libvips' working copies),
 * ~200 ImageNet-sized images, so ordinary datasets keep their full decode concurrency.
 */
export const DECODE_PIXEL_BUDGET = 40_000_000;

export interface DecodeRequest {
  readonly batchId: number;
  /**
   * `source`: where the bytes are when not at `path` (a tar member; `path` is then a display name).
   * `depth`: the image's depth map and its content key (null if it could not be hashed), for 3D corruptions.
   */
  readonly items: ReadonlyArray<{
    readonly index: number;
    readonly path: string;
    readonly source?: DatasetItem['source'];
    readonly depth?: { readonly path: string; readonly key: string | null };
  }>;
  /**
   * A batch buffer the main thread is done with (transferred back), for this batch's pixels when it is large enough:
   * a fresh 19 MB array per batch costs the worker page faults and zeroing, the CPU the model then lacks.
   */
  readonly reuse?: ArrayBuffer;
}

/**
 * `fileKey`: sha256 of the file's bytes (recorded in the hash index); `key`: the store key of the
 * embedding (the same, or for a cropped and/or corrupted image the key derived from it). `size` and
 * `mtimeMs`: the stat the bytes were read under (for a tar member: its size and the tar's mtime).
 */
export type DecodedItem =
  | { readonly index: number; readonly ok: true; readonly key: string; readonly fileKey: string; readonly size: number; readonly mtimeMs: number; readonly row: number; readonly warning?: string }
  | { readonly index: number; readonly ok: false; readonly error: string };

export interface DecodeResponse {
  readonly batchId: number;
  readonly items: DecodedItem[];
  /** items x 3 x H x W: an ok item's pixels at its `row` (its position in the request); a failed item's row is unset. */
  readonly pixels: Float32Array;
}

/**
 * `jpegDecoder`: what decodes plain JPEGs in this worker (Pillow-identical modes): the TurboJPEG library's name, or
 * `sharp` with the reason (no library, the self-test failed, `HOLOCLIP_TURBOJPEG=off`); null in the other modes.
 */
export type WorkerMessage = { readonly type: 'ready'; readonly jpegDecoder: string | null } | { readonly type: 'batch'; readonly batch: DecodeResponse } | { readonly type: 'fatal'; readonly error: string };
