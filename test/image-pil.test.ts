/**
 * Pillow-identical decoding and resizing, byte for byte against goldens made with Debian 12's python3-pil (9.4.0)
 * by tools/goldens/make_preprocess_goldens.py (Pillow 12.3.0 gives the same bytes: `--check`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ImageReadError } from '../src/errors.js';
import { decodeLikePillow, exifTranspose, pillowCmykToRgb } from '../src/image/pil-decode.js';
import { pilResize, type PilFilter, type Raw8 } from '../src/image/pil-resample.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'preprocess');

interface Index {
  pillow: string;
  decodes: { file: string; mode: string; width: number; height: number; sha256: string }[];
  exif_transpose: { file: string; width: number; height: number; sha256: string };
  resizes: { file: string; channels: number; width: number; height: number; filter: PilFilter; sha256: string; samples: [number, number][] }[];
}
const index = JSON.parse(readFileSync(path.join(DIR, 'index.json'), 'utf8')) as Index;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function diffSummary(got: Uint8Array, want: Uint8Array): string {
  let n = 0;
  let max = 0;
  for (let i = 0; i < Math.min(got.length, want.length); i++) {
    const d = Math.abs(got[i] - want[i]);
    if (d) n++;
    if (d > max) max = d;
  }
  return `${n} of ${want.length} bytes differ (max ${max}), lengths ${got.length} vs ${want.length}`;
}

for (const e of index.decodes) {
  test(`decodeLikePillow ${e.file} (Pillow mode ${e.mode}) equals Image.open().convert('RGB')`, async () => {
    const img = await decodeLikePillow(readFileSync(path.join(DIR, e.file)), e.file);
    const want = new Uint8Array(readFileSync(path.join(DIR, `${e.file}.rgb`)));
    assert.equal(img.channels, 3);
    assert.deepEqual([img.width, img.height], [e.width, e.height]);
    assert.ok(sha(img.data) === e.sha256, diffSummary(img.data, want));
  });
}

test('exifTranspose: true equals ImageOps.exif_transpose', async () => {
  const e = index.exif_transpose;
  const img = await decodeLikePillow(readFileSync(path.join(DIR, e.file)), e.file, { exifTranspose: true });
  assert.deepEqual([img.width, img.height], [e.width, e.height]);
  assert.equal(sha(img.data), e.sha256);
});

test('exifTranspose covers the 8 orientations as compositions of mirror and rotation', () => {
  // 3x2 image with distinct pixels; orientation 6 then 8 is the identity, 2 twice is the identity, 5 is its own inverse.
  const img: Raw8 = { width: 3, height: 2, channels: 1, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
  assert.deepEqual(Array.from(exifTranspose(exifTranspose(img, 6), 8).data), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(exifTranspose(img, 2).data), [3, 2, 1, 6, 5, 4]);
  assert.deepEqual(Array.from(exifTranspose(img, 3).data), [6, 5, 4, 3, 2, 1]);
  assert.deepEqual(Array.from(exifTranspose(img, 4).data), [4, 5, 6, 1, 2, 3]);
  assert.deepEqual(Array.from(exifTranspose(img, 5).data), [1, 4, 2, 5, 3, 6]);
  assert.deepEqual(Array.from(exifTranspose(img, 6).data), [4, 1, 5, 2, 6, 3]);
  assert.deepEqual(Array.from(exifTranspose(img, 7).data), [6, 3, 5, 2, 4, 1]);
  assert.deepEqual(Array.from(exifTranspose(img, 8).data), [3, 6, 2, 5, 1, 4]);
});

test('Pillow CMYK formula', () => {
  // C=255, K=0 -> R=0; C=0, K=255 -> 0; C=128, K=64 -> 191 - round(128*191/255) = 191 - 96 = 95.
  assert.deepEqual(Array.from(pillowCmykToRgb(Uint8Array.from([255, 0, 128, 0, 0, 0, 0, 255, 128, 128, 128, 64]), 3)), [0, 255, 127, 0, 0, 0, 95, 95, 95]);
});

test('decodeLikePillow errors are ImageReadErrors naming the file', async () => {
  await assert.rejects(decodeLikePillow(Buffer.alloc(0), 'empty.jpg'), (e: unknown) => e instanceof ImageReadError && /empty\.jpg/.test(e.message));
  await assert.rejects(decodeLikePillow(Buffer.from('not an image at all'), 'notes.jpg'), (e: unknown) => e instanceof ImageReadError && /notes\.jpg/.test(e.message));
  const jpeg = readFileSync(path.join(DIR, 'photo-420.jpg'));
  await assert.rejects(decodeLikePillow(jpeg.subarray(0, 30), 'cut.jpg'), (e: unknown) => e instanceof ImageReadError && /cut\.jpg/.test(e.message));
});

const decoded = new Map<string, Raw8>();
for (const r of index.resizes) {
  test(`pilResize ${r.file} (${r.channels} ch) -> ${r.width}x${r.height} ${r.filter} equals Image.resize`, async () => {
    let src = decoded.get(r.file);
    if (!src) {
      src = await decodeLikePillow(readFileSync(path.join(DIR, r.file)), r.file);
      decoded.set(r.file, src);
    }
    if (r.channels === 1) {
      // The golden image is greyscale: R = G = B, so 'L' is any one band.
      const n = src.width * src.height;
      const l = new Uint8Array(n);
      for (let i = 0; i < n; i++) l[i] = src.data[3 * i];
      src = { width: src.width, height: src.height, channels: 1, data: l };
    }
    const out = pilResize(src, r.width, r.height, r.filter);
    assert.deepEqual([out.width, out.height, out.channels], [r.width, r.height, r.channels]);
    for (const [i, v] of r.samples) assert.equal(out.data[i], v, `byte ${i}`);
    assert.equal(sha(out.data), r.sha256);
  });
}

test('pilResize rejects bad inputs', () => {
  const img: Raw8 = { width: 2, height: 2, channels: 4, data: new Uint8Array(16) };
  assert.throws(() => pilResize(img, 1, 1, 'bicubic'), /1- and 3-channel/);
  assert.throws(() => pilResize({ ...img, channels: 3, data: new Uint8Array(12) }, 0, 1, 'bicubic'), /positive integers/);
});
