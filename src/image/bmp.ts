/**
 * Windows / OS/2 bitmaps decoded exactly as Pillow 9.4's BmpImagePlugin + `convert('RGB')`:
 *  - info headers of 12 (OS/2 v1), 40 (Windows v3), 64 (OS/2 v2), 108 (v4) and 124 (v5) bytes, as Pillow reads them
 *    (52 and 56-byte headers are refused, as Pillow refuses them); bottom-up or top-down;
 *  - uncompressed 1, 4 and 8-bit palette images, 16-bit (5-5-5), 24-bit and 32-bit (BGRX) pixels;
 *  - BI_BITFIELDS with the masks Pillow knows (16-bit 5-6-5 / 5-5-5, 24-bit BGR, 32-bit BGRX / XBGR / ABGR / RGBA /
 *    BGRA); alpha dropped, not composited;
 *  - RLE8 and RLE4 through Pillow's own BmpRleDecoder, quirks included (a delta escape skips two bytes before its
 *    offsets, absolute runs are padded to an even FILE offset, an RLE4 absolute run of odd length loses its last
 *    pixel, a bitmap that ends before its last pixel is an error);
 *  - palettes: a palette of only grey entries (i, i, i) is Pillow's mode "L" (the index is the grey level), black +
 *    white is mode "1"; palette indices past the stored entries read Pillow's default ramp (i, i, i).
 * Goldens: tools/goldens/make_netpbm_bmp_goldens.py. Variants Pillow fails on (JPEG / PNG inside a BMP, other masks
 * or depths), and two it decodes as garbage (a grey palette on a 1 or 4-bit image, a black-and-white palette on an
 * image of more than 1 bit), are an error naming the file and the variant.
 */
import { ImageReadError } from '../errors.js';
import { checkDecodeSize, type PlainPixels } from './plain-pixels.js';

export function isBmp(bytes: Buffer): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

const HEADER_SIZES = [12, 40, 64, 108, 124];
const FIX = 'convert the file to PNG';

type RawMode = 'P;1' | 'P;4' | 'P' | 'L' | '1' | 'BGR;15' | 'BGR;16' | 'BGR' | 'BGRX' | 'XBGR' | 'ABGR' | 'RGBA' | 'BGRA';

interface BmpHeader {
  width: number;
  height: number;
  bits: number;
  compression: number;
  topDown: boolean;
  headerSize: number;
  /** Where Pillow starts reading the pixels. */
  offset: number;
  /** Where the palette (or the 40-byte header's bitfield masks) starts. */
  afterHeader: number;
  colors: number;
  paletteEntryBytes: 3 | 4;
  masks: number[] | null;
}

function fail(file: string, what: string): never {
  throw new ImageReadError(file, what);
}

export function readBmpHeader(bytes: Buffer, file: string): BmpHeader {
  if (bytes.length < 18) fail(file, 'corrupt or truncated BMP header');
  let offset = bytes.readUInt32LE(10);
  const headerSize = bytes.readUInt32LE(14);
  if (!HEADER_SIZES.includes(headerSize)) {
    fail(file, `BMP info header of ${headerSize} bytes is not supported (Pillow reads 12, 40, 64, 108 and 124-byte headers); ${FIX}`);
  }
  if (bytes.length < 14 + headerSize) fail(file, 'corrupt or truncated BMP header');
  const hd = 18;
  let width: number;
  let height: number;
  let bits: number;
  let compression = 0;
  let colors = 0;
  let topDown = false;
  let masks: number[] | null = null;
  let afterHeader = 14 + headerSize;
  if (headerSize === 12) {
    width = bytes.readUInt16LE(hd);
    height = bytes.readUInt16LE(hd + 2);
    bits = bytes.readUInt16LE(hd + 6);
  } else {
    topDown = bytes[hd + 7] === 0xff;
    width = bytes.readUInt32LE(hd);
    height = topDown ? 2 ** 32 - bytes.readUInt32LE(hd + 4) : bytes.readUInt32LE(hd + 4);
    bits = bytes.readUInt16LE(hd + 10);
    compression = bytes.readUInt32LE(hd + 12);
    colors = bytes.readUInt32LE(hd + 28);
    if (compression === 3) {
      if (headerSize - 4 >= 52) {
        masks = [0, 1, 2, 3].map((i) => bytes.readUInt32LE(hd + 36 + i * 4));
      } else {
        if (bytes.length < afterHeader + 12) fail(file, 'corrupt or truncated BMP bitfield masks');
        masks = [0, 1, 2].map((i) => bytes.readUInt32LE(afterHeader + i * 4));
        masks.push(0);
        afterHeader += 12;
      }
    }
  }
  if (colors === 0) colors = 2 ** bits;
  if (offset === 14 + headerSize && bits <= 8) offset += 4 * colors;
  return { width, height, bits, compression, topDown, headerSize, offset, afterHeader, colors, paletteEntryBytes: headerSize === 12 ? 3 : 4, masks };
}

export function bmpSize(bytes: Buffer, file: string): { width: number; height: number } {
  const h = readBmpHeader(bytes, file);
  return { width: h.width, height: h.height };
}

const MASK_MODES: ReadonlyArray<[number, string, RawMode]> = [
  [32, [0xff0000, 0xff00, 0xff, 0].join(), 'BGRX'],
  [32, [0xff000000, 0xff0000, 0xff00, 0].join(), 'XBGR'],
  [32, [0xff000000, 0xff0000, 0xff00, 0xff].join(), 'ABGR'],
  [32, [0xff, 0xff00, 0xff0000, 0xff000000].join(), 'RGBA'],
  [32, [0xff0000, 0xff00, 0xff, 0xff000000].join(), 'BGRA'],
  [32, [0, 0, 0, 0].join(), 'BGRA'],
  [24, [0xff0000, 0xff00, 0xff].join(), 'BGR'],
  [16, [0xf800, 0x7e0, 0x1f].join(), 'BGR;16'],
  [16, [0x7c00, 0x3e0, 0x1f].join(), 'BGR;15'],
];

const RAW_MODES: Readonly<Record<number, RawMode>> = { 1: 'P;1', 4: 'P;4', 8: 'P', 16: 'BGR;15', 24: 'BGR', 32: 'BGRX' };

/** 256 x RGB lookup for palette images: the stored entries over Pillow's default ramp. */
function paletteLookup(bytes: Buffer, h: BmpHeader, file: string): { lut: Uint8Array; mode: 'P' | 'L' | '1' } {
  const { colors, paletteEntryBytes: pad } = h;
  if (!(colors > 0 && colors <= 65536)) fail(file, `BMP palette of ${colors} colours is not supported (Pillow reads 1..65536)`);
  const stored = bytes.subarray(h.afterHeader, Math.min(bytes.length, h.afterHeader + pad * colors));
  const indices = colors === 2 ? [0, 255] : Array.from({ length: colors }, (_, i) => i);
  let grey = true;
  for (let i = 0; i < indices.length && grey; i++) {
    const at = i * pad;
    const v = indices[i] & 255;
    if (at + 3 > stored.length || stored[at] !== v || stored[at + 1] !== v || stored[at + 2] !== v) grey = false;
  }
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut[i * 3] = lut[i * 3 + 1] = lut[i * 3 + 2] = i;
  if (grey) {
    if (colors === 2) {
      lut[3] = lut[4] = lut[5] = 255; // mode "1": index 1 is white
      return { lut, mode: '1' };
    }
    return { lut, mode: 'L' };
  }
  const entries = Math.floor(stored.length / pad);
  if (entries > 256) fail(file, `BMP palette of ${colors} colours is not supported (Pillow reads at most 256)`);
  for (let i = 0; i < entries; i++) {
    lut[i * 3] = stored[i * pad + 2];
    lut[i * 3 + 1] = stored[i * pad + 1];
    lut[i * 3 + 2] = stored[i * pad];
  }
  return { lut, mode: 'P' };
}

export function decodeBmp(bytes: Buffer, file: string): PlainPixels {
  const h = readBmpHeader(bytes, file);
  const { width, height, bits, compression } = h;
  checkDecodeSize(width, height, file);
  let rawMode: RawMode | undefined = RAW_MODES[bits];
  if (rawMode === undefined) fail(file, `${bits}-bit BMP is not supported (Pillow reads 1, 4, 8, 16, 24 and 32-bit BMPs); ${FIX}`);
  const rle = compression === 1 || compression === 2;
  if (compression === 3) {
    const key = (bits === 32 ? h.masks! : h.masks!.slice(0, 3)).join();
    const hit = MASK_MODES.find(([b, m]) => b === bits && m === key);
    if (!hit) fail(file, `${bits}-bit BMP with bitfield masks ${h.masks!.map((m) => `0x${m.toString(16)}`).join('/')} is not supported (as in Pillow); ${FIX}`);
    rawMode = hit[2];
  } else if (rle) {
    if (bits > 8) fail(file, `${compression === 1 ? 'RLE8' : 'RLE4'} BMP with ${bits}-bit pixels is corrupt (Pillow cannot decode it); ${FIX}`);
  } else if (compression !== 0) {
    fail(file, `BMP compression ${compression}${compression === 4 ? ' (JPEG)' : compression === 5 ? ' (PNG)' : ''} is not supported (as in Pillow); ${FIX}`);
  }
  let lut: Uint8Array | null = null;
  if (bits <= 8) {
    const p = paletteLookup(bytes, h, file);
    lut = p.lut;
    if (p.mode === '1' && (rle || bits !== 1)) fail(file, `${bits}-bit${rle ? ' RLE' : ''} BMP with a black-and-white palette is not supported (Pillow misreads it as a 1-bit image); ${FIX}`);
    if (p.mode === 'L' && !rle && bits !== 8) fail(file, `${bits}-bit BMP with a grey palette is not supported (Pillow misreads it as an 8-bit image); ${FIX}`);
  }
  const out = Buffer.allocUnsafe(width * height * 3);
  if (rle) {
    const indices = decodeRle(bytes, h, compression === 2, file);
    for (let y = 0; y < height; y++) {
      const src = (h.topDown ? y : height - 1 - y) * width;
      for (let x = 0, d = y * width * 3; x < width; x++, d += 3) {
        const p = indices[src + x] * 3;
        out[d] = lut![p];
        out[d + 1] = lut![p + 1];
        out[d + 2] = lut![p + 2];
      }
    }
  } else {
    decodeUncompressed(bytes, h, rawMode, lut, out, file);
  }
  return { data: out, width, height, channels: 3 };
}

function decodeUncompressed(bytes: Buffer, h: BmpHeader, mode: RawMode, lut: Uint8Array | null, out: Buffer, file: string): void {
  const { width, height, bits, offset } = h;
  const stride = Math.floor((width * bits + 31) / 32) * 4;
  const rowBytes = Math.ceil((width * bits) / 8);
  if (offset + stride * (height - 1) + rowBytes > bytes.length) {
    fail(file, `corrupt or truncated BMP image (${bytes.length} bytes, pixels need ${offset + stride * (height - 1) + rowBytes})`);
  }
  for (let y = 0; y < height; y++) {
    const row = offset + (h.topDown ? y : height - 1 - y) * stride;
    for (let x = 0, d = y * width * 3; x < width; x++, d += 3) {
      let r: number;
      let g: number;
      let b: number;
      if (lut) {
        const idx = bits === 8 ? bytes[row + x] : bits === 4 ? (bytes[row + (x >> 1)] >> ((x & 1) === 0 ? 4 : 0)) & 15 : (bytes[row + (x >> 3)] >> (7 - (x & 7))) & 1;
        r = lut[idx * 3];
        g = lut[idx * 3 + 1];
        b = lut[idx * 3 + 2];
      } else if (bits === 16) {
        const px = bytes[row + 2 * x] | (bytes[row + 2 * x + 1] << 8);
        b = Math.floor(((px & 31) * 255) / 31);
        if (mode === 'BGR;16') {
          g = Math.floor((((px >> 5) & 63) * 255) / 63);
          r = Math.floor((((px >> 11) & 31) * 255) / 31);
        } else {
          g = Math.floor((((px >> 5) & 31) * 255) / 31);
          r = Math.floor((((px >> 10) & 31) * 255) / 31);
        }
      } else {
        const s = row + x * (bits / 8);
        if (mode === 'BGR' || mode === 'BGRX' || mode === 'BGRA') {
          b = bytes[s];
          g = bytes[s + 1];
          r = bytes[s + 2];
        } else if (mode === 'XBGR' || mode === 'ABGR') {
          b = bytes[s + 1];
          g = bytes[s + 2];
          r = bytes[s + 3];
        } else {
          r = bytes[s];
          g = bytes[s + 1];
          b = bytes[s + 2];
        }
      }
      out[d] = r;
      out[d + 1] = g;
      out[d + 2] = b;
    }
  }
}

/** Pillow 9.4's BmpRleDecoder: palette indices, rows in file order (bottom row first unless top-down). */
function decodeRle(bytes: Buffer, h: BmpHeader, rle4: boolean, file: string): Uint8Array {
  const { width: w, height } = h;
  const total = w * height;
  let data = new Uint8Array(total + 256);
  let len = 0;
  const ensure = (extra: number) => {
    if (len + extra <= data.length) return;
    const bigger = new Uint8Array(Math.max(data.length * 2, len + extra));
    bigger.set(data.subarray(0, len));
    data = bigger;
  };
  let pos = h.offset;
  let x = 0;
  while (len < total) {
    if (pos + 2 > bytes.length) break;
    const count = bytes[pos];
    const b = bytes[pos + 1];
    pos += 2;
    if (count !== 0) {
      const n = x + count > w ? Math.max(0, w - x) : count;
      ensure(n);
      if (rle4) for (let i = 0; i < n; i++) data[len++] = i % 2 === 0 ? b >> 4 : b & 15;
      else data.fill(b, len, (len += n));
      x += n;
    } else if (b === 0) {
      const pad = (w - (len % w)) % w;
      ensure(pad);
      data.fill(0, len, (len += pad));
      x = 0;
    } else if (b === 1) {
      break;
    } else if (b === 2) {
      if (pos + 2 > bytes.length) break;
      pos += 2; // Pillow 9.4 reads two bytes it does not use, then the offsets
      if (pos + 2 > bytes.length) fail(file, 'corrupt or truncated BMP RLE data (delta escape at the end of the file)');
      const skip = bytes[pos] + bytes[pos + 1] * w;
      pos += 2;
      ensure(skip);
      data.fill(0, len, (len += skip));
      x = len % w;
    } else {
      const byteCount = rle4 ? b >> 1 : b;
      const avail = Math.min(byteCount, bytes.length - pos);
      ensure(rle4 ? 2 * avail : avail);
      for (let i = 0; i < avail; i++) {
        const v = bytes[pos + i];
        if (rle4) {
          data[len++] = v >> 4;
          data[len++] = v & 15;
        } else {
          data[len++] = v;
        }
      }
      pos += avail;
      if (avail < byteCount) break;
      x += b;
      if (pos % 2 !== 0) pos++;
    }
  }
  if (len < total) fail(file, `corrupt or truncated BMP RLE data (${Math.min(len, total)} of ${total} pixels)`);
  return data;
}
