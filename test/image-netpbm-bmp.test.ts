/**
 * PGM/PPM/BMP files (in holoclip's image extension list, unreadable by sharp) decode byte for byte like Pillow's
 * `convert('RGB')` in every decode path: binary and plain (ASCII) P1-P6, 16-bit PGM/PPM, RLE8/RLE4, 1/4/16-bit,
 * bitfield and OS/2 BMPs. Goldens: tools/goldens/make_netpbm_bmp_goldens.py (Pillow 9.4.0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageReadError } from '../src/errors.js';
import { decodeRaw, readHeader, toRgb3 } from '../src/image/decode.js';
import { decodeLikePillow } from '../src/image/pil-decode.js';
import { decodeNetpbmBmp } from '../src/image/netpbm-bmp.js';
import { loadForCorruption } from '../src/corruptions/apply.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'preprocess', 'netpbm-bmp');
const FILES = readdirSync(DIR).filter((f) => /\.(ppm|pgm|bmp)$/.test(f)).sort();

test('netpbm/bmp goldens are present', () => {
  assert.equal(FILES.length, 32);
});

for (const name of FILES) {
  const bytes = readFileSync(path.join(DIR, name));
  const want = readFileSync(path.join(DIR, `${name}.rgb`));
  test(`${name}: fast-mode decode equals Pillow convert('RGB') byte for byte`, async () => {
    const header = await readHeader(bytes, name);
    const px = await decodeRaw(bytes, name);
    assert.equal(header.width * header.height * 3, want.length);
    assert.ok(Buffer.from(toRgb3(px, header.channels)).equals(want), `${name}: fast decode differs`);
  });
  test(`${name}: python-mode decode equals Pillow convert('RGB') byte for byte`, async () => {
    const img = await decodeLikePillow(bytes, name);
    assert.equal(img.channels, 3);
    assert.ok(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length).equals(want), `${name}: python decode differs`);
  });
}

test('corruption loader reads a BMP like Pillow', async () => {
  const bytes = readFileSync(path.join(DIR, 'rgb24.bmp'));
  const want = readFileSync(path.join(DIR, 'rgb24.bmp.rgb'));
  const { image } = await loadForCorruption(bytes, 'rgb24.bmp', 'none');
  assert.ok(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length).equals(want));
});

function bmpHeader(bpp: number, compression: number, headerSize = 40): Buffer {
  const b = Buffer.alloc(14 + headerSize + 64);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(14 + headerSize, 10);
  b.writeUInt32LE(headerSize, 14);
  b.writeInt32LE(2, 18);
  b.writeInt32LE(2, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(bpp, 28);
  b.writeUInt32LE(compression, 30);
  return b;
}

function refuses(bytes: Buffer, file: string, what: RegExp): void {
  assert.throws(
    () => decodeNetpbmBmp(bytes, file),
    (e: unknown) => e instanceof ImageReadError && e.message.includes(file) && what.test(e.message),
    `${file}: expected an error matching ${what}`,
  );
}

test('variants Pillow refuses or misreads are ImageReadErrors naming the file and the variant', async () => {
  refuses(bmpHeader(2, 0), 'a/x.bmp', /2-bit BMP is not supported/);
  refuses(bmpHeader(24, 4), 'jpeg.bmp', /BMP compression 4 \(JPEG\) is not supported/);
  refuses(bmpHeader(24, 0, 52), 'h52.bmp', /info header of 52 bytes/);
  const masks = bmpHeader(16, 3);
  masks.writeUInt32LE(0xf00, 54);
  refuses(masks, 'mask.bmp', /16-bit BMP with bitfield masks 0xf00/);
  refuses(bmpHeader(24, 1), 'rle24.bmp', /RLE8 BMP with 24-bit pixels/);
  // black-and-white palette on an RLE image: Pillow fails ("unknown raw mode"); grey palette on a 4-bit image:
  // Pillow reads it as 8-bit (see make_netpbm_bmp_goldens.py --unsupported).
  const bw = bmpHeader(8, 1);
  bw.writeUInt32LE(2, 46);
  bw.writeUInt32LE(0xffffff, 58);
  refuses(bw, 'bw.bmp', /8-bit RLE BMP with a black-and-white palette/);
  const grey4 = bmpHeader(4, 0);
  for (let i = 0; i < 16; i++) grey4.writeUInt32LE(i * 0x010101, 54 + 4 * i);
  refuses(grey4, 'grey4.bmp', /4-bit BMP with a grey palette/);
  refuses(Buffer.from('P2\n2 1\n0\n0 0\n', 'latin1'), 'm0.pgm', /maxval 0 is out of range/);
  refuses(Buffer.from('P2\n2 1\n7\n3 9\n', 'latin1'), 'big.pgm', /sample 9 is above the maxval 7/);
  refuses(Buffer.from('P3\n1 1\n255\n1 2\n', 'latin1'), 'short.ppm', /truncated plain PPM \(P3\) image \(2 of 3 samples\)/);
  refuses(Buffer.from('P1\n2 1\n0 2\n', 'latin1'), 'p1.pgm', /invalid pixel "2"/);
  refuses(Buffer.from('P5\n2 1\n65535\n\0\0\0', 'latin1'), 'p5.pgm', /truncated PGM \(P5\) image \(3 of 4 pixel bytes\)/);
  const trunc = Buffer.from('P5\n4 4\n255\nab', 'latin1');
  await assert.rejects(readHeader(trunc, 't.pgm'), (e: unknown) => e instanceof ImageReadError && /t\.pgm.*truncated PGM/.test(e.message));
});

test('plain Netpbm: a comment is removed up to its line end and joins the digits around it, as in Pillow', () => {
  // Pillow's PpmPlainDecoder._ignore_comments: "1#x\n2" -> "12".
  const px = decodeNetpbmBmp(Buffer.from('P2 2 1 255\n1#x\n2 7\n', 'latin1'), 'c.pgm');
  assert.deepEqual([...(px?.data ?? [])], [12, 7]);
});
