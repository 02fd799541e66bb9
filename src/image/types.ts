import type { PreprocessMode } from './preprocess-spec.js';

export interface ImagePreprocessor {
  readonly mode: PreprocessMode;
  /** Size of the output tensor: 3 x outputHeight x outputWidth. */
  readonly outputHeight: number;
  readonly outputWidth: number;
  /** Stable, human-readable description of the exact pipeline; used in result files and cache keys. */
  readonly description: string;
  /**
   * Decode + preprocess one encoded image (any format sharp reads). Returns CHW float32 of length
   * 3 * outputHeight * outputWidth. Throws ImageReadError(file, reason) for corrupt/unreadable input; `file` is only
   * used in messages. Safe to call concurrently.
   */
  process(input: Buffer, file: string): Promise<Float32Array>;
  /** Same, writing into out[offset .. offset + 3*H*W) to avoid copies when building a batch. */
  processInto(input: Buffer, file: string, out: Float32Array, offset: number): Promise<void>;
}
