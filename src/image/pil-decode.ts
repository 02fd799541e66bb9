/**
 * Decode an image to exactly the pixels of Pillow's `Image.open(f).convert('RGB')`, which every Python pipeline
 * (open_clip, HF transformers' PIL processors, timm, CLIP_benchmark, imagenet-testbed) feeds its transforms.
 *
 * sharp decodes (it links the same libjpeg-turbo decoder family and libpng), and this module undoes what sharp
 * does differently from Pillow:
 *  - no ICC colour conversion (`ignoreIcc`): Pillow keeps the stored RGB values whatever the embedded profile;
 *  - CMYK (JPEG, TIFF): Pillow reads CMYK JPEGs as Adobe-inverted CMYK whether or not the file has an Adobe APP14 marker
 *    (so does libvips) and converts with its own formula
 *    `R = clip(255 - K - (C * (255 - K)) / 255)` with Pillow's rounded division (Convert.c `cmyk2rgb`), no ICC;
 *  - palette images (with or without transparency), greyscale (1/2/4/8-bit), grey+alpha and RGBA: alpha dropped,
 *    never composited; palette colours as stored; grey replicated to R = G = B;
 *  - 16-bit PNGs: Pillow opens 16-bit greyscale as mode "I" and `convert('RGB')` CLIPS it (every value >= 255
 *    becomes 255); 16-bit RGB, RGBA and grey+alpha keep the high byte (what sharp's 8-bit output also does);
 *  - EXIF orientation is NOT applied (Pillow's `Image.open` does not transpose, nor do the Python pipelines);
 *    `exifTranspose: true` applies it as `ImageOps.exif_transpose` does.
 * Checked byte for byte against Pillow 9.4 (Debian 12) and 12.3 by test/image-pil-decode.test.ts.
 * Also checked: lossy and lossless WebP, palette GIF. Not reproduced (documented in docs/preprocessing.md): animated GIF/WebP
 * frames other than the first, and 16-bit TIFFs.
 */
import type { Metadata, Sharp } from 'sharp';
import { loadSharp } from '../util/heavy-modules.js';
import { ImageReadError } from '../errors.js';
import { asSharpInput } from './netpbm-bmp.js';
import { toImageReadError } from './decode.js';
import type { Raw8 } from './pil-resample.js';
import { sniffPlainImage, turboJpegEligible } from './header-sniff.js';
import { turboJpegDecoder } from './turbojpeg.js';

type SharpModule = Awaited<ReturnType<typeof loadSharp>>;

export interface PillowDecodeOptions {
  /** Apply the EXIF orientation like `PIL.ImageOps.exif_transpose` (default false: Pillow's `Image.open` does not). */
  exifTranspose?: boolean;
  /**
   * `auto` (default): a plain JPEG of a layout the TurboJPEG self-test covers is decoded by the system's libjpeg-turbo
   * when one passed that test (turbojpeg.ts), every other image by sharp; `sharp`: sharp for every image. The pixels
   * are the same.
   */
  jpegDecoder?: 'auto' | 'sharp';
}

/** Pillow's MULDIV255: (a * b + 128) rounded division by 255. */
function muldiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/** Pillow's `cmyk2rgb` (Convert.c) on interleaved CMYK. */
export function pillowCmykToRgb(cmyk: Uint8Array, pixels: number): Uint8Array {
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += 4, d += 3) {
    const nk = 255 - cmyk[s + 3];
    out[d] = Math.max(0, nk - muldiv255(cmyk[s], nk));
    out[d + 1] = Math.max(0, nk - muldiv255(cmyk[s + 1], nk));
    out[d + 2] = Math.max(0, nk - muldiv255(cmyk[s + 2], nk));
  }
  return out;
}

/** The first three bands of interleaved pixels with `channels` bands (1 or 2 bands: band 0 replicated). */
function firstThree(data: Uint8Array, pixels: number, channels: number): Uint8Array {
  if (channels === 3) return data;
  const out = new Uint8Array(pixels * 3);
  for (let i = 0, s = 0, d = 0; i < pixels; i++, s += channels, d += 3) {
    if (channels >= 3) {
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    } else {
      out[d] = out[d + 1] = out[d + 2] = data[s];
    }
  }
  return out;
}

/**
 * `ImageOps.exif_transpose` for EXIF orientation 1..8 on interleaved pixels (2 mirror, 3 rotate 180, 4 flip,
 * 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90 counter-clockwise).
 */
export function exifTranspose(img: Raw8, orientation: number): Raw8 {
  if (orientation < 2 || orientation > 8) return img;
  const { width: W, height: H, channels: C, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? H : W;
  const oh = swap ? W : H;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2: sx = W - 1 - x; sy = y; break;
        case 3: sx = W - 1 - x; sy = H - 1 - y; break;
        case 4: sx = x; sy = H - 1 - y; break;
        case 5: sx = y; sy = x; break;
        case 6: sx = y; sy = H - 1 - x; break;
        case 7: sx = W - 1 - y; sy = H - 1 - x; break;
        default: sx = W - 1 - y; sy = x; break;
      }
      const s = (sy * W + sx) * C;
      const d = (y * ow + x) * C;
      for (let c = 0; c < C; c++) out[d + c] = data[s + c];
    }
  }
  return { width: ow, height: oh, channels: C, data: out };
}

async function rawOf(pipeline: Sharp, file: string, depth?: 'ushort'): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  try {
    const { data, info } = await pipeline.raw(depth ? { depth } : undefined).toBuffer({ resolveWithObject: true });
    return { data, width: info.width, height: info.height, channels: info.channels };
  } catch (err) {
    throw toImageReadError(err, file);
  }
}

/**
 * 8-bit output of sharp: grey replicated to R = G = B, palette expanded, 16-bit reduced to the high byte. Read
 * sequentially (libvips' access hint: the same pixels, less buffering).
 */
async function plain8Bit(sharp: SharpModule, bytes: Buffer, file: string): Promise<Raw8> {
  const raw = await rawOf(sharp(bytes, { ignoreIcc: true, sequentialRead: true }), file);
  const u8 = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
  return { width: raw.width, height: raw.height, channels: 3, data: firstThree(u8, raw.width * raw.height, raw.channels) };
}

/**
 * Exactly `PIL.Image.open(f).convert('RGB')` (3 channels, interleaved). `file` is only used in messages.
 * Throws ImageReadError for unreadable input and for inputs whose Pillow decoding is not reproduced.
 */
export async function decodeLikePillow(input: Buffer, file: string, options: PillowDecodeOptions = {}): Promise<Raw8> {
  if (input.length === 0) throw new ImageReadError(file, 'empty file (0 bytes)');
  if (!options.exifTranspose && options.jpegDecoder !== 'sharp' && turboJpegEligible(input)) {
    // null: no self-tested library here, or it reported a problem with this file (sharp then decodes it as before).
    const raw = (await turboJpegDecoder())?.decode(input) ?? null;
    if (raw !== null) return raw;
  }
  const sharp = await loadSharp();
  // PGM/PPM/BMP (which sharp cannot read) as PNG: Pillow's convert('RGB') of them is the plain pixels.
  const bytes = await asSharpInput(input, file);
  // A plain 8-bit JPEG or PNG (most files) needs no separate header read: it takes the 8-bit branch below.
  const plain = options.exifTranspose ? null : sniffPlainImage(bytes);
  if (plain) return plain8Bit(sharp, bytes, file);
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (err) {
    throw toImageReadError(err, file);
  }
  if (!meta.width || !meta.height) throw new ImageReadError(file, 'image header has no size');
  const depth = meta.depth ?? 'uchar';
  let img: Raw8;
  if (meta.space === 'cmyk' && depth === 'uchar') {
    // Raw CMYK without ICC conversion. JPEG: libvips (8.18) reads every CMYK JPEG with Adobe polarity, as Pillow
    // does ("CMYK;I", with or without an APP14 marker; the cmyk-noadobe golden checks both). TIFF: both read the
    // stored values (the cmyk.tiff golden).
    const raw = await rawOf(sharp(bytes, { ignoreIcc: true }).pipelineColourspace('cmyk').toColourspace('cmyk'), file);
    if (raw.channels !== 4) throw new ImageReadError(file, `CMYK JPEG decoded to ${raw.channels} bands instead of 4`);
    const cmyk = new Uint8Array(raw.data.buffer, raw.data.byteOffset, raw.data.length);
    img = { width: raw.width, height: raw.height, channels: 3, data: pillowCmykToRgb(cmyk, raw.width * raw.height) };
  } else if (depth === 'ushort' && meta.space === 'grey16' && !meta.hasAlpha) {
    if (meta.format !== 'png') throw new ImageReadError(file, `16-bit greyscale ${meta.format} images are not decoded like Pillow (only PNG is); convert the file to 8 bits`);
    // Pillow: mode "I", and convert('RGB') clips to 0..255.
    const raw = await rawOf(sharp(bytes, { ignoreIcc: true }).toColourspace('grey16'), file, 'ushort');
    const n = raw.width * raw.height;
    const v16 = new Uint16Array(raw.data.buffer, raw.data.byteOffset, n * raw.channels);
    const out = new Uint8Array(n * 3);
    for (let i = 0, s = 0, d = 0; i < n; i++, s += raw.channels, d += 3) {
      const v = v16[s] > 255 ? 255 : v16[s];
      out[d] = out[d + 1] = out[d + 2] = v;
    }
    img = { width: raw.width, height: raw.height, channels: 3, data: out };
  } else {
    if (depth !== 'uchar' && !(depth === 'ushort' && meta.format === 'png')) {
      throw new ImageReadError(file, `${depth} ${meta.format} images are not decoded like Pillow (8-bit images and 16-bit PNGs are); convert the file to 8-bit`);
    }
    img = await plain8Bit(sharp, bytes, file);
  }
  if (options.exifTranspose) img = exifTranspose(img, meta.orientation ?? 1);
  return img;
}
