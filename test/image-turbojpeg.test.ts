/**
 * Pillow-identical JPEG decoding through the system's libjpeg-turbo (src/image/turbojpeg.ts): the library the test
 * environment installs (Debian's libturbojpeg0, tools/test-env/setup.sh) passes the start-up self-test against
 * Pillow's pixels, decodes every eligible layout to exactly sharp's (and so Pillow's) pixels, hands anything it
 * complains about to sharp, and the layouts it is not trusted with never reach it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import sharp from 'sharp';
import { turboJpegEligible } from '../src/image/header-sniff.js';
import { decodeLikePillow } from '../src/image/pil-decode.js';
import { selfTestFailure, turboJpegDecoder, turboJpegStatus } from '../src/image/turbojpeg.js';
import { TURBOJPEG_SELF_TEST } from '../src/image/turbojpeg-selftest.js';
import { makeImageFolder, runCli } from './helpers/cli.js';
import { fixtureDir, REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'preprocess');

test('the test machine has a libjpeg-turbo that passes the self-test (tools/test-env/setup.sh installs libturbojpeg0)', async () => {
  const status = await turboJpegStatus();
  assert.ok(status.available, `TurboJPEG decoding is not available: ${status.available ? '' : status.reason}; apt-get install libturbojpeg0`);
  assert.ok((await turboJpegDecoder()) !== null);
});

test('the self-test: the real library passes; one wrong byte, a wrong size or a refusal fails it, naming the file', async () => {
  const turbo = await turboJpegDecoder();
  assert.ok(turbo);
  assert.equal(selfTestFailure((b) => turbo.decode(b)), null);
  const last = TURBOJPEG_SELF_TEST[TURBOJPEG_SELF_TEST.length - 1].name;
  const flipLast = (b: Uint8Array) => {
    const raw = turbo.decode(b);
    if (raw && raw.width * raw.height === TURBOJPEG_SELF_TEST[TURBOJPEG_SELF_TEST.length - 1].width * TURBOJPEG_SELF_TEST[TURBOJPEG_SELF_TEST.length - 1].height) raw.data[raw.data.length - 1] ^= 1;
    return raw;
  };
  assert.equal(selfTestFailure(flipLast), `${last}: pixels differ from Pillow's`);
  assert.equal(selfTestFailure(() => null), `${TURBOJPEG_SELF_TEST[0].name}: not decoded`);
  assert.match(selfTestFailure((b) => {
    const raw = turbo.decode(b);
    return raw && { ...raw, width: raw.width + 1 };
  }) ?? '', /: \d+x\d+, Pillow \d+x\d+$/);
  // Every self-test file is of a layout the fast path takes.
  for (const c of TURBOJPEG_SELF_TEST) assert.ok(turboJpegEligible(Buffer.from(c.jpeg, 'base64')), c.name);
});

test('Pillow goldens: the eligible JPEGs decode through TurboJPEG to Pillow\'s pixels; CMYK, Adobe and EXIF-rotated files are not taken', async () => {
  const turbo = await turboJpegDecoder();
  assert.ok(turbo);
  const jpegs = (await fs.readdir(GOLDEN)).filter((f) => f.endsWith('.jpg')).sort();
  const taken: string[] = [];
  for (const f of jpegs) {
    const bytes = readFileSync(path.join(GOLDEN, f));
    if (!turboJpegEligible(bytes) || !existsSync(path.join(GOLDEN, `${f}.rgb`))) continue;
    taken.push(f);
    const raw = turbo.decode(bytes);
    assert.ok(raw, f);
    assert.ok(Buffer.from(raw.data).equals(readFileSync(path.join(GOLDEN, `${f}.rgb`))), `${f}: TurboJPEG's pixels differ from Pillow's`);
  }
  for (const f of ['photo-420.jpg', 'photo-444.jpg', 'grey.jpg']) assert.ok(taken.includes(f), `${f} takes the fast path (${taken.join(', ')})`);
  for (const f of ['cmyk-adobe.jpg', 'cmyk-noadobe.jpg']) assert.ok(!taken.includes(f), `${f} is left to sharp`);
});

test('turboJpegEligible: only the self-tested layouts (4:4:0, 4:1:1, Adobe APP14, RGB ids, 12-bit, arithmetic, truncated headers are not)', async () => {
  const base = await sharp({ create: { width: 24, height: 16, channels: 3, background: { r: 200, g: 30, b: 90 } } }).jpeg({ quality: 90, chromaSubsampling: '4:2:0' }).toBuffer();
  assert.ok(turboJpegEligible(base));
  // Find the SOF0 frame header and rewrite fields of a copy.
  const sof = base.indexOf(Buffer.from([0xff, 0xc0]));
  assert.ok(sof > 0);
  const variant = (edit: (b: Buffer) => void) => {
    const b = Buffer.from(base);
    edit(b);
    return b;
  };
  const lumaSampling = sof + 11; // marker(2) length(2) precision(1) height(2) width(2) count(1) -> first component id at +10
  assert.ok(!turboJpegEligible(variant((b) => (b[lumaSampling] = 0x12))), '4:4:0 (luma 1x2)');
  assert.ok(!turboJpegEligible(variant((b) => (b[lumaSampling] = 0x41))), '4:1:1 (luma 4x1)');
  assert.ok(turboJpegEligible(variant((b) => (b[lumaSampling] = 0x21))), '4:2:2 (luma 2x1)');
  assert.ok(!turboJpegEligible(variant((b) => (b[sof + 14] = 0x21))), 'chroma subsampled differently');
  assert.ok(!turboJpegEligible(variant((b) => (b[sof + 4] = 12))), '12-bit');
  assert.ok(!turboJpegEligible(variant((b) => (b[sof + 1] = 0xc9))), 'arithmetic coding (SOF9)');
  assert.ok(!turboJpegEligible(variant((b) => (b[sof + 1] = 0xc3))), 'lossless (SOF3)');
  assert.ok(!turboJpegEligible(variant((b) => ((b[sof + 10] = 0x52), (b[sof + 13] = 0x47), (b[sof + 16] = 0x42)))), 'component ids R G B');
  assert.ok(!turboJpegEligible(base.subarray(0, sof + 6)), 'truncated frame header');
  assert.ok(!turboJpegEligible(Buffer.from('not a jpeg')));
  // An Adobe APP14 marker right after SOI.
  const adobe = Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0, 0, 0, 0, 1]), base.subarray(2)]);
  assert.ok(!turboJpegEligible(adobe));
  const cmyk = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).toColourspace('cmyk').jpeg().toBuffer();
  assert.ok(!turboJpegEligible(cmyk), 'CMYK');
});

test('decodeLikePillow: TurboJPEG and sharp give the same pixels on JPEGs of every encoder setting (fast-check)', async () => {
  assert.ok(await turboJpegDecoder());
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        width: fc.integer({ min: 1, max: 70 }),
        height: fc.integer({ min: 1, max: 50 }),
        seed: fc.integer({ min: 0, max: 1 << 30 }),
        quality: fc.integer({ min: 5, max: 100 }),
        chromaSubsampling: fc.constantFrom('4:2:0', '4:4:4'),
        progressive: fc.boolean(),
        optimiseCoding: fc.boolean(),
        mozjpeg: fc.boolean(),
        grey: fc.boolean(),
      }),
      async ({ width, height, seed, grey, ...jpeg }) => {
        const raw = Buffer.alloc(width * height * 3);
        let s = seed;
        for (let i = 0; i < raw.length; i++) {
          s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
          raw[i] = ((i % (width * 3)) * 5 + (s >>> 26)) & 255;
        }
        let img = sharp(raw, { raw: { width, height, channels: 3 } });
        if (grey) img = img.greyscale();
        const bytes = await img.jpeg(jpeg).toBuffer();
        if (!turboJpegEligible(bytes)) return; // a layout left to sharp: nothing to compare
        const viaTurbo = await decodeLikePillow(bytes, 'x.jpg');
        const viaSharp = await decodeLikePillow(bytes, 'x.jpg', { jpegDecoder: 'sharp' });
        assert.equal(viaTurbo.width, viaSharp.width);
        assert.equal(viaTurbo.height, viaSharp.height);
        assert.ok(Buffer.from(viaTurbo.data).equals(Buffer.from(viaSharp.data)), `pixels differ: ${JSON.stringify({ width, height, grey, ...jpeg })}`);
      },
    ),
    { numRuns: 120, seed: 18 },
  );
});

test('a damaged JPEG the library complains about is decoded by sharp, exactly as with sharp alone', async () => {
  const turbo = await turboJpegDecoder();
  assert.ok(turbo);
  const good = readFileSync(path.join(GOLDEN, 'photo-420.jpg'));
  assert.ok(turboJpegEligible(good));
  // Truncated scan data: libjpeg warns (premature end), so TurboJPEG returns non-zero.
  const truncated = good.subarray(0, Math.floor(good.length * 0.6));
  assert.equal(turbo.decode(truncated), null);
  const viaAuto = await decodeLikePillow(truncated, 'cut.jpg').then((r) => ({ ok: true as const, data: Buffer.from(r.data) }), (e: Error) => ({ ok: false as const, message: e.message }));
  const viaSharp = await decodeLikePillow(truncated, 'cut.jpg', { jpegDecoder: 'sharp' }).then((r) => ({ ok: true as const, data: Buffer.from(r.data) }), (e: Error) => ({ ok: false as const, message: e.message }));
  assert.deepEqual(viaAuto, viaSharp);
});

test('HOLOCLIP_TURBOJPEG: off, or a library that cannot be loaded, means sharp, with the reason', () => {
  const script = "import('./src/image/turbojpeg.ts').then(async (m) => console.log(JSON.stringify(await m.turboJpegStatus())))";
  for (const [value, pattern] of [
    ['off', /"reason":"HOLOCLIP_TURBOJPEG=off"/],
    ['/nonexistent/libturbojpeg.so', /"available":false,"reason":"no libturbojpeg \(\/nonexistent\/libturbojpeg\.so: /],
  ] as const) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: REPO_ROOT, env: { ...process.env, HOLOCLIP_TURBOJPEG: value }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, pattern);
  }
});

test('eval zeroshot (built CLI) on JPEGs: the same logits with TurboJPEG and with sharp; result.json names the decoder', () =>
  withTempDir(async (dir) => {
    const data = path.join(dir, 'data');
    await makeImageFolder(data, ['cat', 'dog', 'car'], 3);
    // JPEG copies of the PNG fixtures (4:2:0 and 4:4:4, one progressive).
    let k = 0;
    for (const cls of await fs.readdir(data)) {
      for (const f of await fs.readdir(path.join(data, cls))) {
        const src = path.join(data, cls, f);
        await sharp(src).jpeg({ quality: 85, chromaSubsampling: k % 2 ? '4:4:4' : '4:2:0', progressive: k % 3 === 0 }).toFile(src.replace(/\.png$/, '.jpg'));
        await fs.rm(src);
        k++;
      }
    }
    const run = async (name: string, env: NodeJS.ProcessEnv) => {
      const out = path.join(dir, name);
      const r = await runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--store', path.join(dir, `store-${name}`), '--out', out, '--preprocess', 'python', '--quiet'], { env: { ...process.env, ...env } });
      assert.equal(r.code, 0, r.stderr);
      return { out, result: JSON.parse(await fs.readFile(path.join(out, 'result.json'), 'utf8')) as { cache: Record<string, unknown>; metrics: unknown } };
    };
    const turbo = await run('turbo', {});
    const plain = await run('sharp', { HOLOCLIP_TURBOJPEG: 'off' });
    assert.equal(turbo.result.cache.jpeg_decoder, 'libturbojpeg.so.0');
    assert.equal(plain.result.cache.jpeg_decoder, 'sharp (HOLOCLIP_TURBOJPEG=off)');
    assert.deepEqual(turbo.result.metrics, plain.result.metrics);
    assert.ok((await fs.readFile(path.join(turbo.out, 'logits.npy'))).equals(await fs.readFile(path.join(plain.out, 'logits.npy'))));
  }));
