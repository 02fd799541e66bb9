/**
 * Reads just enough of a JPEG or PNG header to tell that the file is a plain 8-bit image (JPEG: 8-bit precision with 1
 * or 3 components, i.e. greyscale or YCbCr/RGB, never CMYK; PNG: bit depth <= 8), so the Pillow-identical decoder can
 * skip libvips' separate header read (`metadata()`, one thread-pool round trip per image) for the common case.
 * `null` means "not known to be plain": the caller reads the full metadata as before. Pure.
 */

/** What the header says, for a file this module recognises as plain 8-bit. */
export interface PlainHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function plainPng(b: Uint8Array): PlainHeader | null {
  // Signature, then the IHDR chunk: length (13), "IHDR", width, height, bit depth, colour type, ...
  if (b.length < 33 || PNG_SIGNATURE.some((v, i) => b[i] !== v)) return null;
  if (b[12] !== 0x49 || b[13] !== 0x48 || b[14] !== 0x44 || b[15] !== 0x52) return null;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = b[24];
  if (width === 0 || height === 0 || depth > 8) return null;
  return { format: 'png', width, height };
}

/** Start-of-frame markers (baseline, extended, progressive, lossless, and their arithmetic-coded variants). */
function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function plainJpeg(b: Uint8Array): PlainHeader | null {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return null;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image / start of scan before a frame header
    if (marker >= 0xd0 && marker <= 0xd7) {
      i += 2;
      continue;
    }
    const length = (b[i + 2] << 8) | b[i + 3];
    if (length < 2) return null;
    if (isSof(marker)) {
      if (i + 10 > b.length) return null;
      const precision = b[i + 4];
      const height = (b[i + 5] << 8) | b[i + 6];
      const width = (b[i + 7] << 8) | b[i + 8];
      const components = b[i + 9];
      // Lossless (SOF3/7/11/15) JPEGs and anything other than 8-bit grey or 3-component colour go the full way.
      const lossless = marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf;
      if (lossless || precision !== 8 || (components !== 1 && components !== 3) || width === 0 || height === 0) return null;
      return { format: 'jpeg', width, height };
    }
    i += 2 + length;
  }
  return null;
}

/** The header of a plain 8-bit JPEG or PNG, else null. */
export function sniffPlainImage(bytes: Uint8Array): PlainHeader | null {
  return plainJpeg(bytes) ?? plainPng(bytes);
}

/**
 * Whether a JPEG has one of the layouts holoclip's TurboJPEG decoding takes (src/image/turbojpeg.ts), each covered by
 * its start-up self-test against Pillow's pixels: a baseline, extended-sequential or progressive Huffman frame
 * (SOF0/1/2), 8-bit, and either one component sampled 1x1 (greyscale) or three with the luma sampled 2x2 (4:2:0),
 * 2x1 (4:2:2) or 1x1 (4:4:4) and both chroma components 1x1, no Adobe APP14 marker and no R, G, B component ids
 * (so libjpeg decodes YCbCr, as Pillow does). Anything else (4:4:0, 4:1:1, arithmetic coding, 12-bit, CMYK, an
 * Adobe transform, a damaged header) is false: the caller decodes with sharp. Scans the markers up to the first
 * start of scan. Pure.
 */
export function turboJpegEligible(b: Uint8Array): boolean {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  let frameOk = false;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return false;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xda) return frameOk; // start of scan: every marker that decides the decoding has been seen
    if (marker === 0xd9 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) return false;
    const length = (b[i + 2] << 8) | b[i + 3];
    if (length < 2 || i + 2 + length > b.length) return false;
    // APP14 "Adobe": libjpeg then takes the colour transform from the marker (RGB, YCCK...).
    if (marker === 0xee && length >= 7 && b[i + 4] === 0x41 && b[i + 5] === 0x64 && b[i + 6] === 0x6f && b[i + 7] === 0x62 && b[i + 8] === 0x65) return false;
    if (isSof(marker)) {
      if (frameOk || (marker !== 0xc0 && marker !== 0xc1 && marker !== 0xc2)) return false;
      const n = b[i + 9];
      if (b[i + 4] !== 8 || length !== 8 + 3 * n) return false;
      const height = (b[i + 5] << 8) | b[i + 6];
      const width = (b[i + 7] << 8) | b[i + 8];
      if (width === 0 || height === 0) return false;
      const comp = (k: number) => ({ id: b[i + 10 + 3 * k], h: b[i + 11 + 3 * k] >> 4, v: b[i + 11 + 3 * k] & 15 });
      if (n === 1) {
        const g = comp(0);
        if (g.h !== 1 || g.v !== 1) return false;
      } else if (n === 3) {
        const [y, cb, cr] = [comp(0), comp(1), comp(2)];
        if (y.id === 0x52 && cb.id === 0x47 && cr.id === 0x42) return false; // 'R' 'G' 'B': stored as RGB
        const luma = `${y.h}x${y.v}`;
        if (luma !== '2x2' && luma !== '2x1' && luma !== '1x1') return false;
        if (cb.h !== 1 || cb.v !== 1 || cr.h !== 1 || cr.v !== 1) return false;
      } else {
        return false;
      }
      frameOk = true;
    }
    i += 2 + length;
  }
  return false;
}
