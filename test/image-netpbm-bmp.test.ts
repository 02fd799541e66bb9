/**
 * PGM/PPM/BMP files (in holoclip's image extension list, unreadable by sharp) decode byte for byte like Pillow's
 * `convert('RGB')` in every decode path. Goldens: tools/goldens/make_netpbm_bmp_goldens.py (Pillow 9.4.0).
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
  assert.equal(FILES.length, 10);
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

function bmpHeader(bpp: number, compression: number): Buffer {
  const b = Buffer.alloc(14 + 40 + 64);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(b.length, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(2, 18);
  b.writeInt32LE(2, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(bpp, 28);
  b.writeUInt32LE(compression, 30);
  return b;
}

test('unsupported BMP and PPM variants are ImageReadErrors naming the file and what is unsupported', async () => {
  assert.throws(() => decodeNetpbmBmp(bmpHeader(16, 0), 'a/x.bmp'), (e: unknown) => e instanceof ImageReadError && /a\/x\.bmp/.test(e.message) && /16-bit BMP/.test(e.message));
  assert.throws(() => decodeNetpbmBmp(bmpHeader(8, 1), 'y.bmp'), (e: unknown) => e instanceof ImageReadError && /y\.bmp.*compressed BMP/.test(e.message));
  const p16 = Buffer.concat([Buffer.from('P6\n1 1\n65535\n', 'latin1'), Buffer.alloc(6)]);
  await assert.rejects(decodeLikePillow(p16, 'z.ppm'), (e: unknown) => e instanceof ImageReadError && /z\.ppm.*maxval 65535/.test(e.message));
  const trunc = Buffer.from('P5\n4 4\n255\nab', 'latin1');
  await assert.rejects(readHeader(trunc, 't.pgm'), (e: unknown) => e instanceof ImageReadError && /t\.pgm.*truncated PGM/.test(e.message));
});
