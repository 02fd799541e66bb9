/**
 * What the image pipeline needs from any model that turns pixels into a vector per image: a CLIP
 * tower (L2-normalised embeddings) or a classifier (raw logits over its own classes).
 */
import type { ResolvedDevice } from './device.js';

export interface ImageEncoder {
  /** 'clip' / 'siglip' for two-tower models, 'classifier' for pixel -> logits models. */
  readonly kind: 'two-tower' | 'classifier';
  /** Model type recorded in cache keys and results (config.json model_type). */
  readonly modelType: string;
  readonly dir: string;
  readonly dtype: string;
  /** The ONNX file that embeds images (for messages). */
  readonly imageFile: string;
  readonly threads: number;
  /** The execution provider its sessions use. */
  readonly device: ResolvedDevice;
  /** n images (N x 3 x H x W CHW float32) -> n rows of `dim` values. */
  embedImages(pixels: Float32Array, n: number, height: number, width: number): Promise<{ data: Float32Array; dim: number }>;
  dispose(): Promise<void>;
}
