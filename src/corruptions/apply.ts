/**
 * Corrupting one image file the way ImageNet-C was made: decode (EXIF-oriented, as the model
 * preprocessing decodes), resize the shortest edge to 256 and centre-crop 224, then apply the
 * corruption to the 224 x 224 RGB pixels. The model's own preprocessing then runs on the result
 * (encoded losslessly), exactly as it runs on a clean image.
 */
import sharp from 'sharp';
import { HoloclipError } from '../errors.js';
import { decodeRaw, readHeader, toRgb3 } from '../image/decode.js';
import { corruptionRng } from './random.js';
import { findCorruption, type CorruptionSpec } from './registry.js';
import type { DepthMap, RgbImage } from './types.js';

/** The ImageNet-C geometry: resize the shortest edge to 256, centre-crop 224 (make_imagenet_c.py). */
export const CORRUPTION_GEOMETRY = { resize: 256, crop: 224 } as const;

/** Where the crop lies in the resized image, for aligning depth maps with the pixels. */
export interface CropGeometry {
  /** Size after the shortest-edge resize. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  readonly left: number;
  readonly top: number;
  readonly size: number;
}

export function cropGeometry(width: number, height: number, resize = CORRUPTION_GEOMETRY.resize, crop = CORRUPTION_GEOMETRY.crop): CropGeometry {
  const scale = resize / Math.min(width, height);
  const resizedWidth = Math.max(crop, Math.round(width * scale));
  const resizedHeight = Math.max(crop, Math.round(height * scale));
  return { resizedWidth, resizedHeight, left: Math.floor((resizedWidth - crop) / 2), top: Math.floor((resizedHeight - crop) / 2), size: crop };
}

/** Decoded, resized and cropped RGB pixels (224 x 224), ready for a corruption. */
export async function loadForCorruption(bytes: Buffer, file: string): Promise<{ image: RgbImage; geometry: CropGeometry }> {
  const header = await readHeader(bytes, file);
  const raw = await decodeRaw(bytes, file);
  const rgb = toRgb3(raw, header.channels);
  const g = cropGeometry(raw.width, raw.height);
  const data = await sharp(rgb, { raw: { width: raw.width, height: raw.height, channels: 3 } })
    .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill' })
    .extract({ left: g.left, top: g.top, width: g.size, height: g.size })
    .raw()
    .toBuffer();
  return { image: { width: g.size, height: g.size, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }, geometry: g };
}

/**
 * Applies one corruption. `imageKey` (the sha256 of the file's bytes) seeds the random ones together
 * with the spec, so the same image is corrupted identically in every run and process.
 */
export function corrupt(image: RgbImage, spec: CorruptionSpec, imageKey: string, depth?: DepthMap): RgbImage {
  const c = findCorruption(spec.name);
  if (!c) throw new HoloclipError(`unknown corruption "${spec.name}"`);
  if (c.needsDepth && !depth) {
    throw new HoloclipError(`${spec.name} needs a depth map: put <image>.depth.npy or <image>.depth.png next to the image, give a parallel folder with --depth-dir, or a depth model with --depth-model`);
  }
  const out = c.apply({ image, severity: spec.severity, rng: corruptionRng(spec.seed, imageKey, spec.name, spec.severity), depth });
  if (out.width !== image.width || out.height !== image.height || out.data.length !== image.width * image.height * 3) {
    throw new HoloclipError(`internal: ${spec.name} changed the image size`);
  }
  return out;
}

/** Lossless PNG (no compression: it is decoded again right away). */
export async function encodePng(image: RgbImage, compressionLevel = 0): Promise<Buffer> {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel })
    .toBuffer();
}
