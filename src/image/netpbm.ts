/**
 * Netpbm (PBM / PGM / PPM, magic P1..P6) decoded exactly as Pillow 9.4's PpmImagePlugin + `convert('RGB')`:
 *  - P4 (binary bitmap, "1;I") and P1 (plain bitmap): `1` is black, `0` white; P1 digits need no separators;
 *  - P5 / P6 with maxval 255: the bytes as stored;
 *  - other maxvals (1..65535; samples of 2 bytes, big-endian, above 255): Pillow's PpmDecoder,
 *    `min(out_max, round(v / maxval * out_max))`; a PGM with maxval > 255 is mode "I" (out_max 65535) and
 *    `convert('RGB')` clips it to 255; a PPM with maxval > 255 is scaled to 0..255 directly;
 *  - P2 / P3 (plain, ASCII): Pillow's PpmPlainDecoder, `round(v / maxval * out_max)`, a sample above maxval is an
 *    error; a `#` comment is removed up to and including its first CR or LF, which joins the digits on either side
 *    (as Pillow does).
 * Header tokens as Pillow's `_read_token`: a comment may start anywhere, even inside a number, and is skipped to its
 * line end; a token ends at the first whitespace byte; exactly one whitespace byte separates the header from the
 * pixels. Goldens: tools/goldens/make_netpbm_bmp_goldens.py.
 *
 * Not reproduced (an error naming the file): Pillow's block-wise reading of plain files over 1 MiB differs only for
 * comments that span its 1 MiB block boundary; tokens Python's int() accepts but that are not plain digits
 * (`+5`, `1_0`) are errors here.
 */
import { ImageReadError } from '../errors.js';
import { roundHalfEven } from '../util/python-round.js';
import { checkDecodeSize, type PlainPixels } from './plain-pixels.js';

/** Whether `bytes` starts with a Netpbm magic number P1..P6 followed by whitespace. */
export function isNetpbm(bytes: Buffer): boolean {
  return bytes.length >= 3 && bytes[0] === 0x50 && bytes[1] >= 0x31 && bytes[1] <= 0x36 && isSpace(bytes[2]);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;
}

interface NetpbmHeader {
  readonly kind: number; // 1..6
  readonly width: number;
  readonly height: number;
  /** 1 for bitmaps. */
  readonly maxval: number;
  /** Offset of the first pixel byte. */
  readonly dataStart: number;
}

function kindName(kind: number): string {
  const plain = kind <= 3 ? 'plain ' : '';
  const k = kind % 3;
  return `${plain}${k === 1 ? 'PBM' : k === 2 ? 'PGM' : 'PPM'} (P${kind})`;
}

/** Header of a Netpbm file (no pixel decoding). */
export function readNetpbmHeader(bytes: Buffer, file: string): NetpbmHeader {
  const kind = bytes[1] - 0x30;
  const name = kindName(kind);
  let pos = 3; // magic + the whitespace byte after it
  const count = kind === 1 || kind === 4 ? 2 : 3;
  const tokens: number[] = [];
  while (tokens.length < count) {
    let token = '';
    while (token.length <= 10) {
      if (pos >= bytes.length) break;
      const c = bytes[pos++];
      if (isSpace(c)) {
        if (token.length === 0) continue;
        break;
      }
      if (c === 0x23) {
        // "#": skip to CR / LF (consumed) or the end; the token, if any, goes on after it.
        while (pos < bytes.length) {
          const d = bytes[pos++];
          if (d === 0x0a || d === 0x0d) break;
        }
        continue;
      }
      token += String.fromCharCode(c);
    }
    if (token.length === 0) throw new ImageReadError(file, `corrupt or truncated ${name} header (end of file in the header)`);
    if (token.length > 10) throw new ImageReadError(file, `corrupt ${name} header (token too long: ${JSON.stringify(token.slice(0, 11))})`);
    if (!/^[0-9]+$/.test(token)) throw new ImageReadError(file, `corrupt ${name} header (${JSON.stringify(token)} is not a number)`);
    tokens.push(Number(token));
  }
  const [width, height] = tokens;
  const maxval = count === 3 ? tokens[2] : 1;
  if (count === 3 && !(maxval > 0 && maxval < 65536)) throw new ImageReadError(file, `${name} maxval ${maxval} is out of range (1..65535)`);
  return { kind, width, height, maxval, dataStart: pos };
}

/** Width and height of a Netpbm file from its header. */
export function netpbmSize(bytes: Buffer, file: string): { width: number; height: number } {
  const h = readNetpbmHeader(bytes, file);
  return { width: h.width, height: h.height };
}

export function decodeNetpbm(bytes: Buffer, file: string): PlainPixels {
  const h = readNetpbmHeader(bytes, file);
  const { kind, width, height } = h;
  checkDecodeSize(width, height, file);
  const name = kindName(kind);
  const channels: 1 | 3 = kind === 3 || kind === 6 ? 3 : 1;
  const n = width * height * channels;
  const data = Buffer.allocUnsafe(n);
  if (kind === 4) decodeRawBitmap(bytes, h, data, file, name);
  else if (kind === 1) decodePlainBitmap(bytes, h, data, file, name);
  else if (kind === 2 || kind === 3) decodePlainSamples(bytes, h, channels, data, file, name);
  else decodeBinarySamples(bytes, h, channels, data, file, name);
  return { data, width, height, channels };
}

/** P4, rawmode "1;I": rows of ceil(width / 8) bytes, most significant bit first, 1 = black. */
function decodeRawBitmap(bytes: Buffer, h: NetpbmHeader, out: Buffer, file: string, name: string): void {
  const { width, height, dataStart } = h;
  const stride = Math.ceil(width / 8);
  if (bytes.length - dataStart < stride * height) {
    throw new ImageReadError(file, `corrupt or truncated ${name} image (${bytes.length - dataStart} of ${stride * height} pixel bytes)`);
  }
  for (let y = 0; y < height; y++) {
    const row = dataStart + y * stride;
    for (let x = 0; x < width; x++) out[y * width + x] = (bytes[row + (x >> 3)] >> (7 - (x & 7))) & 1 ? 0 : 255;
  }
}

/** The pixel part of a plain file with comments removed as PpmPlainDecoder._ignore_comments removes them. */
function withoutComments(bytes: Buffer, start: number): Buffer {
  const parts: Buffer[] = [];
  let pos = start;
  for (;;) {
    const hash = bytes.indexOf(0x23, pos);
    if (hash < 0) {
      parts.push(bytes.subarray(pos));
      break;
    }
    parts.push(bytes.subarray(pos, hash));
    let end = hash;
    while (end < bytes.length && bytes[end] !== 0x0a && bytes[end] !== 0x0d) end++;
    if (end >= bytes.length) break;
    pos = end + 1;
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** P1: every non-whitespace byte is one pixel, '0' (white) or '1' (black); all of them must be digits 0/1. */
function decodePlainBitmap(bytes: Buffer, h: NetpbmHeader, out: Buffer, file: string, name: string): void {
  const body = withoutComments(bytes, h.dataStart);
  const total = out.length;
  let k = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (isSpace(c)) continue;
    if (c !== 0x30 && c !== 0x31) throw new ImageReadError(file, `corrupt ${name} image (invalid pixel ${JSON.stringify(String.fromCharCode(c))}, expected 0 or 1)`);
    if (k < total) out[k++] = c === 0x30 ? 255 : 0;
  }
  if (k < total) throw new ImageReadError(file, `corrupt or truncated ${name} image (${k} of ${total} pixels)`);
}

/** P2 / P3: whitespace-separated decimal samples. */
function decodePlainSamples(bytes: Buffer, h: NetpbmHeader, channels: 1 | 3, out: Buffer, file: string, name: string): void {
  const body = withoutComments(bytes, h.dataStart);
  const { maxval } = h;
  // Pillow: a PGM with maxval > 255 is mode "I" (0..65535), clipped to 255 by convert('RGB').
  const outMax = channels === 1 && maxval > 255 ? 65535 : 255;
  const total = out.length;
  let k = 0;
  let i = 0;
  while (k < total) {
    while (i < body.length && isSpace(body[i])) i++;
    if (i >= body.length) break;
    const start = i;
    while (i < body.length && !isSpace(body[i])) i++;
    if (i - start > 10) throw new ImageReadError(file, `corrupt ${name} image (sample too long: ${JSON.stringify(body.subarray(start, start + 11).toString('latin1'))})`);
    const token = body.subarray(start, i).toString('latin1');
    if (!/^[0-9]+$/.test(token)) throw new ImageReadError(file, `corrupt ${name} image (${JSON.stringify(token)} is not a sample value)`);
    const v = Number(token);
    if (v > maxval) throw new ImageReadError(file, `corrupt ${name} image (sample ${v} is above the maxval ${maxval})`);
    const scaled = roundHalfEven((v / maxval) * outMax);
    out[k++] = scaled > 255 ? 255 : scaled;
  }
  if (k < total) throw new ImageReadError(file, `corrupt or truncated ${name} image (${k} of ${total} samples)`);
}

/** P5 / P6: 1-byte samples (maxval < 256) or 2-byte big-endian samples. */
function decodeBinarySamples(bytes: Buffer, h: NetpbmHeader, channels: 1 | 3, out: Buffer, file: string, name: string): void {
  const { maxval, dataStart } = h;
  const sampleBytes = maxval < 256 ? 1 : 2;
  const total = out.length;
  if (bytes.length - dataStart < total * sampleBytes) {
    throw new ImageReadError(file, `corrupt or truncated ${name} image (${bytes.length - dataStart} of ${total * sampleBytes} pixel bytes)`);
  }
  if (maxval === 255) {
    bytes.copy(out, 0, dataStart, dataStart + total);
    return;
  }
  if (channels === 1 && maxval === 65535) {
    // Pillow: rawmode "I;16B" (no scaling), clipped to 255 by convert('RGB').
    for (let i = 0, s = dataStart; i < total; i++, s += 2) {
      const v = bytes.readUInt16BE(s);
      out[i] = v > 255 ? 255 : v;
    }
    return;
  }
  const outMax = channels === 1 && maxval > 255 ? 65535 : 255;
  // PpmDecoder: min(out_max, round(v / maxval * out_max)); then mode "I" is clipped to 255.
  const size = sampleBytes === 1 ? 256 : 65536;
  const lut = new Uint8Array(size);
  for (let v = 0; v < size; v++) {
    const scaled = Math.min(outMax, roundHalfEven((v / maxval) * outMax));
    lut[v] = scaled > 255 ? 255 : scaled;
  }
  if (sampleBytes === 1) for (let i = 0; i < total; i++) out[i] = lut[bytes[dataStart + i]];
  else for (let i = 0, s = dataStart; i < total; i++, s += 2) out[i] = lut[bytes.readUInt16BE(s)];
}
