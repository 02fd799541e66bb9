/**
 * Corrupting one image file the way its protocol says (protocol.ts): decode and bring it to the geometry
 * the corruption works at (ImageNet-C's Resize(256) + CenterCrop(224) as make_imagenet_c.py does it, the old
 * sharp lanczos3 variant, or the image's own size), apply the corruption, and (when the protocol says so)
 * round-trip the result through JPEG as the published ImageNet-C files were saved. The model's own
 * preprocessing then runs on the result (encoded losslessly), exactly as it runs on a clean image.
 */
import { loadSharp } from '../util/heavy-modules.js';
import { HoloclipError } from '../errors.js';
import { decodeRaw, readHeader, toRgb3 } from '../image/decode.js';
import { decodeLikePillow } from '../image/pil-decode.js';
import { pilResize } from '../image/pil-resample.js';
import { jpegRoundTrip } from './imagenet-c/jpeg-codec.js';
import { IMAGENET_C_SIZES, type CorruptionGeometry, type CorruptionProtocol } from './protocol.js';
import { corruptionRng } from './random.js';
import { findCorruption, type CorruptionSpec } from './registry.js';
import type { DepthMap, RgbImage } from './types.js';
import { roundHalfEven } from '../util/python-round.js';

/** Where the corrupted pixels lie in the resized image, for aligning depth maps with them. */
export interface CropGeometry {
  /** Size after the resize (the decoded size when nothing is resized). */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  readonly left: number;
  readonly top: number;
  /** Size of the crop the corruption sees. */
  readonly width: number;
  readonly height: number;
}

/**
 * The geometry of an image of this (decoded) size:
 *   imagenet-c           torchvision Resize(256): the short side 256, the long side int(256 * long / short);
 *                        CenterCrop(224): offsets int(round((size - 224) / 2.0)) (Python 3 rounding)
 *   imagenet-c-lanczos3  holoclip's earlier rule: both sides rounded, offsets floored
 *   none                 no resize, no crop
 */
export function cropGeometry(width: number, height: number, geometry: CorruptionGeometry): CropGeometry {
  if (geometry === 'none') return { resizedWidth: width, resizedHeight: height, left: 0, top: 0, width, height };
  const { resize, crop } = IMAGENET_C_SIZES;
  if (geometry === 'imagenet-c') {
    const short = Math.min(width, height);
    const long = Math.max(width, height);
    const newLong = Math.trunc((resize * long) / short);
    const resizedWidth = width <= height ? resize : newLong;
    const resizedHeight = width <= height ? newLong : resize;
    return { resizedWidth, resizedHeight, left: roundHalfEven((resizedWidth - crop) / 2), top: roundHalfEven((resizedHeight - crop) / 2), width: crop, height: crop };
  }
  const scale = resize / Math.min(width, height);
  const resizedWidth = Math.max(crop, Math.round(width * scale));
  const resizedHeight = Math.max(crop, Math.round(height * scale));
  return { resizedWidth, resizedHeight, left: Math.floor((resizedWidth - crop) / 2), top: Math.floor((resizedHeight - crop) / 2), width: crop, height: crop };
}

/** A crop of an interleaved RGB image. */
function cropRgb(src: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  if (left === 0 && top === 0 && width === src.width && height === src.height) return src;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) data.set(src.data.subarray(((top + y) * src.width + left) * 3, ((top + y) * src.width + left + width) * 3), y * width * 3);
  return { width, height, data };
}

/** The pixels the corruption sees (decoded, resized and cropped as the geometry says) and where they lie. */
export async function loadForCorruption(bytes: Buffer, file: string, geometry: CorruptionGeometry): Promise<{ image: RgbImage; geometry: CropGeometry }> {
  const sharp = await loadSharp();
  if (geometry === 'imagenet-c-lanczos3') {
    const header = await readHeader(bytes, file);
    const raw = await decodeRaw(bytes, file);
    const rgb = toRgb3(raw, header.channels);
    const g = cropGeometry(raw.width, raw.height, geometry);
    const data = await sharp(rgb, { raw: { width: raw.width, height: raw.height, channels: 3 } })
      .resize(g.resizedWidth, g.resizedHeight, { fit: 'fill' })
      .extract({ left: g.left, top: g.top, width: g.width, height: g.height })
      .raw()
      .toBuffer();
    return { image: { width: g.width, height: g.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) }, geometry: g };
  }
  const decoded = await decodeLikePillow(bytes, file);
  if (decoded.channels !== 3) throw new HoloclipError(`internal: decodeLikePillow gave ${decoded.channels} channels for ${file}, expected 3`);
  const g = cropGeometry(decoded.width, decoded.height, geometry);
  const resized =
    g.resizedWidth === decoded.width && g.resizedHeight === decoded.height ? decoded : pilResize(decoded, g.resizedWidth, g.resizedHeight, 'bilinear');
  return { image: cropRgb({ width: resized.width, height: resized.height, data: resized.data }, g.left, g.top, g.width, g.height), geometry: g };
}

/**
 * Applies one corruption (without the protocol's JPEG step: see {@link corruptAsMade}). `imageKey` (the
 * sha256 of the file's bytes) seeds the random ones together with the spec, so the same image is corrupted
 * identically in every run and process.
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

/** The protocol's last step: the JPEG round trip (PIL quality q, decoded again) or nothing. */
export function finishCorrupted(image: RgbImage, protocol: CorruptionProtocol): RgbImage {
  return protocol.jpegQuality === null ? image : jpegRoundTrip(image, protocol.jpegQuality);
}

/** {@link corrupt}, then the protocol's JPEG round trip: the pixels a reader of the saved files would see. */
export function corruptAsMade(image: RgbImage, spec: CorruptionSpec, imageKey: string, depth?: DepthMap): RgbImage {
  return finishCorrupted(corrupt(image, spec, imageKey, depth), spec.protocol);
}

/** Lossless PNG (no compression: it is decoded again right away). */
export async function encodePng(image: RgbImage, compressionLevel = 0): Promise<Buffer> {
  const sharp = await loadSharp();
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), { raw: { width: image.width, height: image.height, channels: 3 } })
    .png({ compressionLevel })
    .toBuffer();
}
