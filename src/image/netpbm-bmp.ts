/**
 * The image formats holoclip lists (torchvision's IMG_EXTENSIONS) that sharp cannot read: Netpbm (PBM / PGM / PPM,
 * P1..P6, 8 and 16-bit, binary and plain; src/image/netpbm.ts) and BMP (src/image/bmp.ts), decoded as Pillow 9.4's
 * `Image.open(f).convert('RGB')` (goldens: tools/goldens/make_netpbm_bmp_goldens.py). Like Pillow, the format is
 * recognised by the file's first bytes, not by its name.
 *
 * {@link asSharpInput} turns such a file into lossless PNG bytes, so every sharp-based decode path (fast, reference,
 * python, header reader, corruption loader) handles it like any other image.
 */
import { loadSharp } from '../util/heavy-modules.js';
import { bmpSize, decodeBmp, isBmp } from './bmp.js';
import { decodeNetpbm, isNetpbm, netpbmSize } from './netpbm.js';
import type { PlainPixels } from './plain-pixels.js';

export type { PlainPixels } from './plain-pixels.js';

/** Whether `bytes` starts like a Netpbm (P1..P6) or a BMP file. */
export function isNetpbmOrBmp(bytes: Buffer): boolean {
  return isNetpbm(bytes) || isBmp(bytes);
}

/** Decode a Netpbm/BMP file, or return null when `bytes` is neither. Throws ImageReadError naming `file`. */
export function decodeNetpbmBmp(bytes: Buffer, file: string): PlainPixels | null {
  if (isNetpbm(bytes)) return decodeNetpbm(bytes, file);
  if (isBmp(bytes)) return decodeBmp(bytes, file);
  return null;
}

/** Width and height from a Netpbm/BMP header (no pixel decoding), or null when `bytes` is neither. */
export function netpbmBmpSize(bytes: Buffer, file: string): { width: number; height: number } | null {
  if (isNetpbm(bytes)) return netpbmSize(bytes, file);
  if (isBmp(bytes)) return bmpSize(bytes, file);
  return null;
}

/** PNG bytes (lossless, uncompressed) for Netpbm/BMP input; any other input is returned unchanged. */
export async function asSharpInput(bytes: Buffer, file: string): Promise<Buffer> {
  const sharp = await loadSharp();
  const px = decodeNetpbmBmp(bytes, file);
  if (!px) return bytes;
  return sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}
