/**
 * The WebAssembly SIMD resampling passes (src/image/wasm/) against the JS passes, the region resize against a crop of
 * the full resize, the committed module against what its .wat compiles to, and the plain-header sniff against the
 * decoder's full metadata path. The Pillow goldens themselves (test/image-pil.test.ts) run through the default
 * (wasm) kernel.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import sharp from 'sharp';
import { cropRegion, pilResize, pilResizeRegion, type PilFilter, type Raw8 } from '../src/image/pil-resample.js';
import { KERNEL_MAX_BYTES, kernelMemoryBytes, resampleKernelAvailable } from '../src/image/wasm/resample-kernel.js';
import { sniffPlainImage } from '../src/image/header-sniff.js';
import { decodeLikePillow } from '../src/image/pil-decode.js';
// @ts-expect-error: a plain .mjs build script without type declarations
import { compileWat, modulePath, moduleSource } from '../tools/wasm/build.mjs';

const FILTERS: PilFilter[] = ['nearest', 'box', 'bilinear', 'hamming', 'bicubic', 'lanczos'];

test('the committed wasm module is what src/image/wasm/pil-resample.wat compiles to', async () => {
  const binary = (await compileWat('resample')) as Buffer;
  const committed = readFileSync(modulePath('resample') as string, 'utf8');
  assert.equal(committed, moduleSource('resample', binary), 'stale: run node tools/wasm/build.mjs');
});

test('the SIMD kernel compiles in this node', () => {
  assert.equal(resampleKernelAvailable(), true);
});

/** An image, a target size and a region inside the target. */
const resizeCase = fc
  .record({
    channels: fc.constantFrom(1, 3),
    width: fc.integer({ min: 1, max: 48 }),
    height: fc.integer({ min: 1, max: 48 }),
    tw: fc.integer({ min: 1, max: 64 }),
    th: fc.integer({ min: 1, max: 64 }),
    filter: fc.constantFrom(...FILTERS),
    seed: fc.integer(),
    rx: fc.double({ min: 0, max: 1, noNaN: true }),
    ry: fc.double({ min: 0, max: 1, noNaN: true }),
    rw: fc.double({ min: 0, max: 1, noNaN: true }),
    rh: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map((c) => {
    let s = c.seed >>> 0;
    const data = new Uint8Array(c.width * c.height * c.channels);
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      // Saturated values often: they exercise the clip at 0 and 255 after negative lobes.
      data[i] = s % 5 === 0 ? 255 : s % 7 === 0 ? 0 : s >>> 24;
    }
    const x = Math.min(c.tw - 1, Math.floor(c.rx * c.tw));
    const y = Math.min(c.th - 1, Math.floor(c.ry * c.th));
    const region = { x, y, width: 1 + Math.floor(c.rw * (c.tw - x - 1)), height: 1 + Math.floor(c.rh * (c.th - y - 1)) };
    const src: Raw8 = { width: c.width, height: c.height, channels: c.channels, data };
    return { src, tw: c.tw, th: c.th, filter: c.filter, region };
  });

test('wasm and JS passes give the same bytes (random images, sizes, filters and regions)', () => {
  fc.assert(
    fc.property(resizeCase, ({ src, tw, th, filter, region }) => {
      const js = pilResizeRegion(src, tw, th, filter, region, { kernel: 'js' });
      const wasm = pilResizeRegion(src, tw, th, filter, region, { kernel: 'wasm' });
      assert.deepEqual([wasm.width, wasm.height, wasm.channels], [js.width, js.height, js.channels]);
      assert.ok(Buffer.from(wasm.data).equals(Buffer.from(js.data)));
    }),
    { numRuns: 400 },
  );
});

test('a region of the resize equals that crop of the full resize', () => {
  fc.assert(
    fc.property(resizeCase, ({ src, tw, th, filter, region }) => {
      const full = pilResize(src, tw, th, filter, { kernel: 'js' });
      const part = pilResizeRegion(src, tw, th, filter, region);
      assert.ok(Buffer.from(part.data).equals(Buffer.from(cropRegion(full, region).data)));
    }),
    { numRuns: 300 },
  );
});

test('wasm and JS agree on a photo-sized image (500x375 -> 298x224, centre 224 crop), and the kernel memory grows', () => {
  for (const [w, h] of [[500, 375], [1600, 1200]]) {
    const data = new Uint8Array(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
    const src = { width: w, height: h, channels: 3, data };
    const tw = Math.round((224 * w) / h);
    for (const filter of ['bicubic', 'bilinear', 'lanczos'] as const) {
      const region = { x: Math.floor((tw - 224) / 2), y: 0, width: 224, height: 224 };
      const js = pilResizeRegion(src, tw, 224, filter, region, { kernel: 'js' });
      const wasm = pilResizeRegion(src, tw, 224, filter, region);
      assert.ok(Buffer.from(wasm.data).equals(Buffer.from(js.data)), `${w}x${h} ${filter}`);
    }
  }
});

test('an image larger than the kernel limit takes the JS passes (same bytes) and the kernel memory does not grow to it', () => {
  const w = 4200;
  const h = 4000; // 50.4 MB of RGB: over KERNEL_MAX_BYTES with the intermediate
  assert.ok(w * h * 3 > KERNEL_MAX_BYTES);
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i += 97) data[i] = (i * 2654435761) >>> 24;
  const src = { width: w, height: h, channels: 3, data };
  const region = { x: 9, y: 0, width: 224, height: 224 };
  const viaDefault = pilResizeRegion(src, 235, 224, 'bicubic', region);
  const viaJs = pilResizeRegion(src, 235, 224, 'bicubic', region, { kernel: 'js' });
  assert.ok(Buffer.from(viaDefault.data).equals(Buffer.from(viaJs.data)));
  assert.ok(kernelMemoryBytes() <= KERNEL_MAX_BYTES + 65536, `kernel memory ${kernelMemoryBytes()} bytes`);
});

test('pilResizeRegion rejects a region outside the result', () => {
  const src = { width: 4, height: 4, channels: 3, data: new Uint8Array(48) };
  assert.throws(() => pilResizeRegion(src, 8, 8, 'bicubic', { x: 4, y: 0, width: 5, height: 8 }), /not inside the 8x8 result/);
  assert.throws(() => pilResizeRegion(src, 8, 8, 'bicubic', { x: 0, y: 0, width: 0, height: 8 }), /not inside/);
});

test('the header sniff: plain 8-bit JPEGs and PNGs only', async () => {
  const rgb = Buffer.alloc(20 * 10 * 3, 90);
  const raw = { raw: { width: 20, height: 10, channels: 3 as const } };
  const jpeg = await sharp(rgb, raw).jpeg().toBuffer();
  assert.deepEqual(sniffPlainImage(jpeg), { format: 'jpeg', width: 20, height: 10 });
  assert.deepEqual(sniffPlainImage(await sharp(rgb, raw).jpeg({ progressive: true }).toBuffer()), { format: 'jpeg', width: 20, height: 10 });
  assert.deepEqual(sniffPlainImage(await sharp(rgb, raw).greyscale().jpeg().toBuffer()), { format: 'jpeg', width: 20, height: 10 });
  assert.equal(sniffPlainImage(await sharp(rgb, raw).toColourspace('cmyk').jpeg().toBuffer()), null, 'CMYK');
  assert.deepEqual(sniffPlainImage(await sharp(rgb, raw).png().toBuffer()), { format: 'png', width: 20, height: 10 });
  assert.deepEqual(sniffPlainImage(await sharp(rgb, raw).png({ palette: true }).toBuffer()), { format: 'png', width: 20, height: 10 });
  assert.equal(sniffPlainImage(await sharp(rgb, raw).toColourspace('rgb16').png().toBuffer()), null, '16-bit PNG');
  assert.equal(sniffPlainImage(await sharp(rgb, raw).webp().toBuffer()), null, 'WebP');
  assert.equal(sniffPlainImage(jpeg.subarray(0, 6)), null, 'truncated');
  assert.equal(sniffPlainImage(Buffer.from('not an image at all')), null);
});

test('decoding through the sniff gives what the full metadata path gives (the exifTranspose path reads metadata)', async () => {
  const rgb = Buffer.alloc(31 * 17 * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 37) & 255;
  const raw = { raw: { width: 31, height: 17, channels: 3 as const } };
  for (const bytes of [await sharp(rgb, raw).jpeg().toBuffer(), await sharp(rgb, raw).png().toBuffer(), await sharp(rgb, raw).greyscale().png().toBuffer()]) {
    assert.ok(sniffPlainImage(bytes));
    const viaSniff = await decodeLikePillow(bytes, 'x');
    const viaMetadata = await decodeLikePillow(bytes, 'x', { exifTranspose: true }); // no EXIF: orientation 1
    assert.ok(Buffer.from(viaSniff.data).equals(Buffer.from(viaMetadata.data)));
  }
});
