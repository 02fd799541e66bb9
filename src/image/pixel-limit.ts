/**
 * The decompression-bomb limit of the reference: Pillow's `Image.MAX_IMAGE_PIXELS` (89,478,485 pixels, i.e.
 * 1 GiB / 4 / 3), which `Image.open` checks on the header before decoding (open_clip, CLIP_benchmark and every
 * Python pipeline holoclip reproduces open images with it): above it a `DecompressionBombWarning`, above twice it a
 * `DecompressionBombError`. holoclip applies the same rule, before decoding, in every preprocessing mode; the limit
 * is `--max-image-pixels N` (suites: `max_image_pixels`), 0 for none.
 */
import { loadSharp } from '../util/heavy-modules.js';
import { ImageReadError } from '../errors.js';
import { toImageReadError } from './decode.js';
import { sniffPlainImage } from './header-sniff.js';
import { netpbmBmpSize } from './netpbm-bmp.js';

export { DEFAULT_MAX_IMAGE_PIXELS } from './pixel-limit-default.js';

/** The option that changes the limit, as error messages name it. */
export const MAX_IMAGE_PIXELS_OPTION = '--max-image-pixels N (suites: max_image_pixels; 0 for no limit)';

function grouped(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Pillow's `_decompression_bomb_check`: throws an ImageReadError naming the file and the option above
 * 2 x `maxPixels`; returns a warning naming the file above `maxPixels`; null otherwise (always null for 0).
 */
export function checkImagePixels(width: number, height: number, file: string, maxPixels: number): string | null {
  if (maxPixels === 0) return null;
  const pixels = width * height;
  if (pixels > 2 * maxPixels) {
    throw new ImageReadError(
      file,
      `${width}x${height} = ${grouped(pixels)} pixels is more than twice the image pixel limit (2 x ${grouped(maxPixels)}; Pillow's DecompressionBombError); raise the limit with ${MAX_IMAGE_PIXELS_OPTION}`,
    );
  }
  if (pixels > maxPixels) {
    return `${file}: ${width}x${height} = ${grouped(pixels)} pixels is above the image pixel limit of ${grouped(maxPixels)} (Pillow's DecompressionBombWarning); decoded anyway (an error above ${grouped(2 * maxPixels)}; ${MAX_IMAGE_PIXELS_OPTION})`;
  }
  return null;
}

/**
 * Width x height from the file's header, no decoding: a plain 8-bit JPEG's frame header or PNG's IHDR read here (the
 * numbers libvips reads, without its thread-pool round trip: a tenth of the decode worker's CPU per image), holoclip's
 * Netpbm/BMP header reader, else sharp's metadata.
 */
export async function readImageSize(bytes: Buffer, file: string): Promise<{ width: number; height: number }> {
  if (bytes.length === 0) throw new ImageReadError(file, 'empty file (0 bytes)');
  const plain = sniffPlainImage(bytes);
  if (plain) return { width: plain.width, height: plain.height };
  const own = netpbmBmpSize(bytes, file);
  if (own) return own;
  const sharp = await loadSharp();
  try {
    const meta = await sharp(bytes).metadata();
    if (!meta.width || !meta.height) throw new ImageReadError(file, 'image header has no size');
    return { width: meta.width, height: meta.height };
  } catch (err) {
    throw toImageReadError(err, file);
  }
}

/** Validates a limit given by a user: a non-negative integer. */
export function isValidMaxImagePixels(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}
