/**
 * Pure-TS decoding of the image formats holoclip lists (torchvision's IMG_EXTENSIONS) that sharp cannot read:
 * binary PGM (P5) / PPM (P6) and uncompressed BMP (8-bit palette, 24-bit, 32-bit; bottom-up and top-down).
 *
 * The pixels equal Pillow's `Image.open(f).convert('RGB')` (goldens: tools/goldens/make_netpbm_bmp_goldens.py).
 * {@link asSharpInput} turns such a file into lossless PNG bytes, so every sharp-based decode path (fast, reference,
 * python, header reader, corruption loader) handles it like any other image.
 */
import sharp from 'sharp';
import { ImageReadError } from '../errors.js';
import { roundHalfEven } from '../util/python-round.js';

/** Decoded pixels: 1 channel (PGM) or 3 channels (RGB), interleaved, row-major, top row first. */
export interface PlainPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3;
}

const MAX_PIXELS = 1 << 28;

/** Whether `bytes` starts like a binary PGM/PPM or a BMP file. */
export function isNetpbmOrBmp(bytes: Buffer): boolean {
  if (bytes.length < 2) return false;
  if (bytes[0] === 0x50 && (bytes[1] === 0x35 || bytes[1] === 0x36)) return true; // P5, P6
  return bytes[0] === 0x42 && bytes[1] === 0x4d; // BM
}

/** Decode a PGM/PPM/BMP file, or return null when `bytes` is none of them. Throws ImageReadError naming `file`. */
export function decodeNetpbmBmp(bytes: Buffer, file: string): PlainPixels | null {
  if (!isNetpbmOrBmp(bytes)) return null;
  return bytes[0] === 0x50 ? decodeNetpbm(bytes, file) : decodeBmp(bytes, file);
}

/** PNG bytes (lossless, uncompressed) for PGM/PPM/BMP input; any other input is returned unchanged. */
export async function asSharpInput(bytes: Buffer, file: string): Promise<Buffer> {
  const px = decodeNetpbmBmp(bytes, file);
  if (!px) return bytes;
  return sharp(px.data, { raw: { width: px.width, height: px.height, channels: px.channels } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

function checkSize(width: number, height: number, file: string): void {
  if (!(width > 0 && height > 0)) throw new ImageReadError(file, `image header gives size ${width}x${height}`);
  if (width * height > MAX_PIXELS) throw new ImageReadError(file, `${width}x${height} is too large to decode`);
}

function decodeNetpbm(bytes: Buffer, file: string): PlainPixels {
  const channels: 1 | 3 = bytes[1] === 0x35 ? 1 : 3;
  const kind = channels === 1 ? 'PGM' : 'PPM';
  let pos = 2;
  const tokens: number[] = [];
  while (tokens.length < 3) {
    while (pos < bytes.length && (isSpace(bytes[pos]) || bytes[pos] === 0x23)) {
      if (bytes[pos] === 0x23) while (pos < bytes.length && bytes[pos] !== 0x0a && bytes[pos] !== 0x0d) pos++;
      else pos++;
    }
    const start = pos;
    while (pos < bytes.length && bytes[pos] >= 0x30 && bytes[pos] <= 0x39) pos++;
    if (pos === start || pos >= bytes.length || !(isSpace(bytes[pos]) || bytes[pos] === 0x23)) {
      throw new ImageReadError(file, `corrupt or truncated ${kind} header`);
    }
    tokens.push(Number(bytes.subarray(start, pos).toString('latin1')));
  }
  if (bytes[pos] === 0x23) throw new ImageReadError(file, `corrupt ${kind} header (comment right after the maxval)`);
  pos++; // the single whitespace byte before the pixels
  const [width, height, maxval] = tokens;
  checkSize(width, height, file);
  if (!(maxval > 0 && maxval < 256)) {
    throw new ImageReadError(file, `${kind} maxval ${maxval} is not supported (only 8-bit samples, maxval 1..255); convert the file to 8 bits`);
  }
  const n = width * height * channels;
  if (bytes.length - pos < n) throw new ImageReadError(file, `corrupt or truncated ${kind} image (${bytes.length - pos} of ${n} pixel bytes)`);
  const data = Buffer.from(bytes.subarray(pos, pos + n));
  if (maxval !== 255) {
    // Pillow's PpmDecoder: min(255, round(value / maxval * 255)).
    for (let i = 0; i < n; i++) data[i] = Math.min(255, roundHalfEven((data[i] / maxval) * 255));
  }
  return { data, width, height, channels };
}

function decodeBmp(bytes: Buffer, file: string): PlainPixels {
  if (bytes.length < 26) throw new ImageReadError(file, 'corrupt or truncated BMP header');
  const offBits = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  if (headerSize !== 40 && headerSize !== 52 && headerSize !== 56 && headerSize !== 108 && headerSize !== 124) {
    throw new ImageReadError(file, `BMP info header of ${headerSize} bytes is not supported (only Windows BMP v3/v4/v5 headers are); convert the file to PNG`);
  }
  if (bytes.length < 14 + headerSize) throw new ImageReadError(file, 'corrupt or truncated BMP header');
  const width = bytes.readInt32LE(18);
  const rawHeight = bytes.readInt32LE(22);
  const bpp = bytes.readUInt16LE(28);
  const compression = bytes.readUInt32LE(30);
  const clrUsed = bytes.readUInt32LE(46);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  checkSize(width, height, file);
  if (compression !== 0) {
    throw new ImageReadError(file, `compressed BMP (compression ${compression}) is not supported (only uncompressed 8, 24 and 32-bit BMPs are); convert the file to PNG`);
  }
  if (bpp !== 8 && bpp !== 24 && bpp !== 32) {
    throw new ImageReadError(file, `${bpp}-bit BMP is not supported (only uncompressed 8, 24 and 32-bit BMPs are); convert the file to PNG`);
  }
  let palette: Buffer | null = null;
  if (bpp === 8) {
    const count = clrUsed === 0 ? 256 : clrUsed;
    if (count > 256) throw new ImageReadError(file, `BMP palette of ${count} colours is corrupt (at most 256)`);
    const start = 14 + headerSize;
    if (bytes.length < start + 4 * count) throw new ImageReadError(file, 'corrupt or truncated BMP palette');
    palette = Buffer.alloc(256 * 3); // indices past the palette read as black
    for (let i = 0; i < count; i++) {
      palette[i * 3] = bytes[start + i * 4 + 2];
      palette[i * 3 + 1] = bytes[start + i * 4 + 1];
      palette[i * 3 + 2] = bytes[start + i * 4];
    }
  }
  const bytesPerPixel = bpp / 8;
  const stride = Math.ceil((width * bytesPerPixel) / 4) * 4;
  if (offBits + stride * (height - 1) + width * bytesPerPixel > bytes.length) {
    throw new ImageReadError(file, `corrupt or truncated BMP image (${bytes.length} bytes, pixels need ${offBits + stride * height})`);
  }
  const out = Buffer.allocUnsafe(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = offBits + (topDown ? y : height - 1 - y) * stride;
    for (let x = 0, d = y * width * 3; x < width; x++, d += 3) {
      const s = row + x * bytesPerPixel;
      if (palette) {
        const p = bytes[s] * 3;
        out[d] = palette[p];
        out[d + 1] = palette[p + 1];
        out[d + 2] = palette[p + 2];
      } else {
        out[d] = bytes[s + 2];
        out[d + 1] = bytes[s + 1];
        out[d + 2] = bytes[s];
      }
    }
  }
  return { data: out, width, height, channels: 3 };
}
