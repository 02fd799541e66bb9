/** Pixels decoded by holoclip's own decoders (Netpbm, BMP) before they are handed to sharp. */
import { ImageReadError } from '../errors.js';

/** Decoded pixels: 1 channel (grey) or 3 channels (RGB), interleaved, row-major, top row first. */
export interface PlainPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** sharp's own input limit (0x3FFF x 0x3FFF): the PNG holoclip hands it must not exceed it. */
export const SHARP_PIXEL_LIMIT = 0x3fff * 0x3fff;

/** Rejects a zero or negative size, and one sharp could not take in (checked before any pixel is allocated). */
export function checkDecodeSize(width: number, height: number, file: string): void {
  if (!(width > 0 && height > 0)) throw new ImageReadError(file, `image header gives size ${width}x${height}`);
  if (width * height > SHARP_PIXEL_LIMIT) throw new ImageReadError(file, `${width}x${height} is too large to decode (more than ${SHARP_PIXEL_LIMIT} pixels)`);
}
