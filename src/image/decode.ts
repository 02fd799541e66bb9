/**
 * sharp-based decoding helpers shared by the fast and reference preprocessors.
 *
 * No global sharp settings are changed here (sharp.concurrency / sharp.cache / sharp.simd keep their defaults); every
 * call builds its own pipeline, so everything in this module is safe to call concurrently. sharp runs each pipeline
 * on the libuv thread pool (UV_THREADPOOL_SIZE, default 4), which bounds how many images decode at once.
 */
import type { Metadata, Sharp } from 'sharp';
import { loadSharp } from '../util/heavy-modules.js';
import { ImageReadError, errorMessage } from '../errors.js';
import { asSharpInput } from './netpbm-bmp.js';

/** Header facts needed to plan the preprocessing of one image. */
export interface ImageHeader {
  /** Size after EXIF auto-orientation (what transformers.js sees, since it decodes with `.rotate()`). */
  width: number;
  height: number;
  /**
   * Channel count sharp reports for the encoded image (`metadata().channels`): 1 grey, 2 grey+alpha, 3 RGB,
   * 4 RGBA or CMYK. transformers.js converts its decoded RawImage back to this count (see {@link toRgbMapping}).
   */
  channels: number;
  /** libvips band format of the decoded pixels: 'uchar' for 8-bit images, 'ushort' for 16-bit, ... */
  depth: string;
  /** Whether the decoded image has an alpha channel (RGBA, grey+alpha, palette with transparency, ...). */
  hasAlpha: boolean;
  /** Whether an ICC profile is embedded (sharp converts such images to sRGB while decoding). */
  hasProfile: boolean;
  format: string;
}

/** Raw interleaved pixels as sharp returns them. */
export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
}

const MAX_REASON = 160;

/** Turn a sharp/libvips error (or anything thrown while decoding) into a short, single-line reason. */
export function decodeFailureReason(err: unknown): string {
  let msg = errorMessage(err).split('\n')[0].trim();
  if (/buffer is empty/i.test(msg) || /input buffer has (a )?length of zero/i.test(msg)) return 'empty file (0 bytes)';
  if (/unsupported image format/i.test(msg)) return 'not a supported image format';
  msg = msg.replace(/^Error:\s*/, '').replace(/\s+/g, ' ').replace(/[\s:]+$/, '');
  if (/^input (buffer|file) has corrupt header$/i.test(msg)) return 'corrupt or truncated image header';
  if (/premature end|truncated|read error|unable to parse/i.test(msg)) msg = `corrupt or truncated image (${msg})`;
  if (msg.length === 0) msg = 'decoding failed';
  return msg.length > MAX_REASON ? `${msg.slice(0, MAX_REASON - 3)}...` : msg;
}

export function toImageReadError(err: unknown, file: string): ImageReadError {
  if (err instanceof ImageReadError) return err;
  return new ImageReadError(file, decodeFailureReason(err), { cause: err });
}

/** Parse the image header (no pixel decoding). Throws ImageReadError. */
export async function readHeader(bytes: Buffer, file: string): Promise<ImageHeader> {
  const sharp = await loadSharp();
  if (bytes.length === 0) throw new ImageReadError(file, 'empty file (0 bytes)');
  let meta: Metadata;
  try {
    const input = await asSharpInput(bytes, file);
    meta = await sharp(input).metadata();
  } catch (err) {
    throw toImageReadError(err, file);
  }
  const { width, height, channels } = meta;
  if (!width || !height || !channels) throw new ImageReadError(file, 'image header has no size or channel count');
  // sharp >= 0.34 reports the oriented size directly; fall back to swapping for EXIF orientations 5..8.
  const swap = (meta.orientation ?? 1) >= 5;
  const oriented = meta.autoOrient ?? (swap ? { width: height, height: width } : { width, height });
  return {
    width: oriented.width,
    height: oriented.height,
    channels,
    depth: meta.depth ?? 'uchar',
    hasAlpha: meta.hasAlpha ?? false,
    hasProfile: meta.hasProfile ?? false,
    format: meta.format ?? 'unknown',
  };
}

/** Run a sharp pipeline to raw pixels, mapping failures to ImageReadError. */
export async function toRaw(pipeline: Sharp, file: string): Promise<RawPixels> {
  try {
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (err) {
    throw toImageReadError(err, file);
  }
}

/**
 * Decode exactly like transformers.js `RawImage.fromBlob` on node (`sharp(buf).rotate().raw()`, 8 bits per sample,
 * sRGB; 16-bit input is reduced to 8 bits by sharp, CMYK converted to sRGB with sharp's built-in profile, grey
 * expanded to 3 equal channels, palette expanded to RGB/RGBA).
 */
export async function decodeRaw(input: Buffer, file: string): Promise<RawPixels> {
  const sharp = await loadSharp();
  return toRaw(sharp(await asSharpInput(input, file)).rotate(), file);
}

/**
 * How to read RGB out of a raw pixel buffer so the result equals transformers.js' `RawImage` after its channel
 * fix-up and `rgb()`:
 *  - `loadImageFunction` converts the decoded RawImage back to the header's channel count: header 1 channel ->
 *    `grayscale()` = round(0.2989 R + 0.587 G + 0.114 B) (identity for sharp's equal-channel grey expansion);
 *    header 4 (CMYK) -> `rgba()` adds opaque alpha.
 *  - `rgb()` then drops alpha WITHOUT compositing (colours under transparent pixels are kept as they are) or
 *    replicates a single grey channel.
 *  - transformers.js crashes on grey+alpha images (header 2 channels: `convert(2)` throws "Conversion failed due to
 *    unsupported number of channels"). Holoclip instead treats them like any image with alpha: drop alpha, keep the
 *    grey in R=G=B (reference mode applies the same workaround, see reference-preprocessor.ts).
 */
export type RgbMapping = 'rgb' | 'luma' | 'grey';

export function toRgbMapping(rawChannels: number, headerChannels: number): RgbMapping {
  if (rawChannels >= 3) return headerChannels === 1 ? 'luma' : 'rgb';
  return 'grey';
}

/** ITU-R 601 luma exactly as transformers.js `RawImage.grayscale()` computes it. */
export function luma(r: number, g: number, b: number): number {
  return Math.round(0.2989 * r + 0.587 * g + 0.114 * b);
}

/** Interleaved 3-channel RGB copy of `px` following {@link toRgbMapping}. */
export function toRgb3(px: RawPixels, headerChannels: number): Buffer {
  const { data, channels: c } = px;
  const n = px.width * px.height;
  const mapping = toRgbMapping(c, headerChannels);
  if (mapping === 'rgb' && c === 3) return data;
  const out = Buffer.allocUnsafe(n * 3);
  for (let i = 0, s = 0, d = 0; i < n; i++, s += c, d += 3) {
    if (mapping === 'rgb') {
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    } else {
      const v = mapping === 'luma' ? luma(data[s], data[s + 1], data[s + 2]) : data[s];
      out[d] = v;
      out[d + 1] = v;
      out[d + 2] = v;
    }
  }
  return out;
}
