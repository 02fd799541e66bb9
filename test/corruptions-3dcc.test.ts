import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { THREEDCC_CORRUPTIONS } from '../src/corruptions/3dcc/index.js';
import { poissonCdf } from '../src/corruptions/3dcc/sensor.js';
import { cropResizeDepth, decodeDepthNpy, findDepthMap, readDepthMap, resizeDepth } from '../src/depth/maps.js';
import { SEVERITIES, type Corruption, type DepthMap, type RgbImage, type Severity } from '../src/corruptions/types.js';
import { HoloclipError } from '../src/errors.js';
import { createRng } from '../src/metrics/random.js';
import { encodeNpy, readNpy } from '../src/store/npy.js';
import { withTempDir } from './helpers/temp-dir.js';

const GOLDEN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'golden', 'corruptions-3dcc');
const W = 224;
const H = 224;

function byName(name: string): Corruption {
  const c = THREEDCC_CORRUPTIONS.find((x) => x.name === name);
  if (!c) throw new Error(`no corruption ${name}`);
  return c;
}

/** Smooth multi-orientation texture (wavelengths 64-150 px) with a little pixel noise: blur changes it gradually. */
function smoothTexture(width = W, height = H): RgbImage {
  const rng = createRng(7);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v =
        40 * Math.sin((2 * Math.PI * x) / 64) +
        30 * Math.sin((2 * Math.PI * (x + y)) / 97 + 1) +
        25 * Math.sin((2 * Math.PI * (x - 2 * y)) / 150 + 2) +
        20 * Math.sin((2 * Math.PI * y) / 71);
      for (let k = 0; k < 3; k++) data[(y * width + x) * 3 + k] = Math.round(120 + v + 10 * (k - 1) + 8 * (rng.next() - 0.5));
    }
  }
  return { width, height, data };
}

/** Checkerboards of 2, 5, 11 and 23 px plus noise: texture at every scale. */
function busyTexture(width = W, height = H): RgbImage {
  const rng = createRng(8);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (const [size, weight] of [[2, 20], [5, 30], [11, 40], [23, 50]] as const) {
        v += weight * ((Math.floor(x / size) + Math.floor(y / size)) & 1);
      }
      for (let k = 0; k < 3; k++) data[(y * width + x) * 3 + k] = Math.round(30 + 0.9 * v + 20 * rng.next() + 15 * k);
    }
  }
  return { width, height, data };
}

function depthMap(width: number, height: number, f: (x: number, y: number) => number): DepthMap {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { width, height, data };
}

/** Top half near (1), bottom half far (4). */
const HALVES = depthMap(W, H, (_x, y) => (y < H / 2 ? 1 : 4));
/** Depth growing smoothly from 1 (top) to 5 (bottom). */
const GRADIENT = depthMap(W, H, (_x, y) => 1 + (4 * y) / (H - 1));
/** Rows compared in the half-image measures: away from the borders and from the depth edge at H / 2. */
const NEAR_ROWS: [number, number] = [8, H / 2 - 16];
const FAR_ROWS: [number, number] = [H / 2 + 16, H - 8];

function meanAbsChange(a: RgbImage, b: RgbImage, rows: [number, number] = [0, a.height]): number {
  let s = 0;
  const from = rows[0] * a.width * 3;
  const to = rows[1] * a.width * 3;
  for (let i = from; i < to; i++) s += Math.abs(a.data[i] - b.data[i]);
  return s / (to - from);
}

function meanSignedChange(out: RgbImage, clean: RgbImage, rows: [number, number]): number {
  let s = 0;
  const from = rows[0] * out.width * 3;
  const to = rows[1] * out.width * 3;
  for (let i = from; i < to; i++) s += out.data[i] - clean.data[i];
  return s / (to - from);
}

/** Mean absolute difference between horizontal and vertical neighbours (high-frequency energy) over rows. */
function highFrequency(img: RgbImage, rows: [number, number]): number {
  const { width, data } = img;
  let s = 0;
  let n = 0;
  for (let y = rows[0]; y < rows[1] - 1; y++) {
    for (let x = 0; x < width - 1; x++) {
      const i = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        s += Math.abs(data[i + k] - data[i + k + 3]) + Math.abs(data[i + k] - data[i + k + width * 3]);
        n++;
      }
    }
  }
  return s / n;
}

/** High-frequency energy left in a half, relative to the clean image's. */
function hfKept(out: RgbImage, clean: RgbImage, rows: [number, number]): number {
  return highFrequency(out, rows) / highFrequency(clean, rows);
}

function apply(c: Corruption, image: RgbImage, severity: Severity, seed: number, depth?: DepthMap): RgbImage {
  return c.apply({ image, severity, rng: createRng(seed), depth: c.needsDepth ? depth : undefined });
}

const fmt = (x: number): string => x.toFixed(3);

test('3dcc: the nine corruptions, in order, with their flags', () => {
  assert.deepEqual(
    THREEDCC_CORRUPTIONS.map((c) => c.name),
    ['near_focus', 'far_focus', 'fog_3d', 'flash', 'xy_motion_blur', 'z_motion_blur', 'low_light', 'iso_noise', 'color_quant'],
  );
  for (const c of THREEDCC_CORRUPTIONS) {
    assert.equal(c.family, '3dcc');
    assert.equal(c.benchmark, '3dcc');
  }
  assert.deepEqual(THREEDCC_CORRUPTIONS.filter((c) => c.needsDepth).map((c) => c.name), ['near_focus', 'far_focus', 'fog_3d', 'flash', 'xy_motion_blur', 'z_motion_blur']);
  assert.deepEqual(THREEDCC_CORRUPTIONS.filter((c) => c.random).map((c) => c.name), ['xy_motion_blur', 'z_motion_blur', 'low_light', 'iso_noise']);
  for (const c of THREEDCC_CORRUPTIONS.filter((x) => x.needsDepth)) {
    assert.ok(typeof c.deviation === 'string' && c.deviation.length > 20, `${c.name} documents its deviation`);
  }
});

test('3dcc: every corruption x severity keeps the size, is deterministic per seed, and random ones change with the seed', () => {
  const image = busyTexture(64, 48);
  const depth = depthMap(64, 48, (x, y) => 1 + y / 10 + (x % 7) / 20);
  for (const c of THREEDCC_CORRUPTIONS) {
    for (const s of SEVERITIES) {
      const a = apply(c, image, s, 1, depth);
      assert.equal(a.width, 64);
      assert.equal(a.height, 48);
      assert.ok(a.data instanceof Uint8Array, `${c.name}/${s} returns bytes`);
      assert.equal(a.data.length, 64 * 48 * 3);
      assert.notEqual(a.data, image.data, `${c.name}/${s} does not alias its input`);
      const b = apply(c, image, s, 1, depth);
      assert.deepEqual(a.data, b.data, `${c.name}/${s} is deterministic for a fixed seed`);
      const other = apply(c, image, s, 2, depth);
      if (c.random) assert.notDeepEqual(a.data, other.data, `${c.name}/${s} changes with the seed`);
      else assert.deepEqual(a.data, other.data, `${c.name}/${s} ignores the rng`);
    }
  }
});

test('3dcc: the change from the clean image grows with severity (smooth texture, depth 1..5 top to bottom)', (t) => {
  const image = smoothTexture();
  for (const c of THREEDCC_CORRUPTIONS) {
    // One seed for all severities: the reference averages longer prefixes of one camera path per image.
    const changes = SEVERITIES.map((s) => meanAbsChange(apply(c, image, s, 11, GRADIENT), image));
    t.diagnostic(`${c.name.padEnd(15)} mean |change| by severity: ${changes.map((x) => x.toFixed(2)).join(' < ')}`);
    for (let i = 1; i < changes.length; i++) assert.ok(changes[i] > changes[i - 1], `${c.name}: severity ${i + 1} changes more than ${i} (${changes.join(', ')})`);
  }
});

test('3dcc depth dependence: near_focus blurs the far half, far_focus the near half', (t) => {
  const image = busyTexture();
  for (const s of SEVERITIES) {
    const near = apply(byName('near_focus'), image, s, 0, HALVES);
    const far = apply(byName('far_focus'), image, s, 0, HALVES);
    const nf = { near: hfKept(near, image, NEAR_ROWS), far: hfKept(near, image, FAR_ROWS) };
    const ff = { near: hfKept(far, image, NEAR_ROWS), far: hfKept(far, image, FAR_ROWS) };
    t.diagnostic(`severity ${s}: high-frequency energy kept near/far half: near_focus ${fmt(nf.near)}/${fmt(nf.far)}, far_focus ${fmt(ff.near)}/${fmt(ff.far)}`);
    assert.ok(nf.near > 0.99 && nf.far < 0.5, `near_focus keeps the near half sharp and blurs the far half (${nf.near}, ${nf.far})`);
    assert.ok(ff.far > 0.99 && ff.near < 0.5, `far_focus keeps the far half sharp and blurs the near half (${ff.near}, ${ff.far})`);
  }
});

test('3dcc depth dependence: fog_3d changes the far half more, flash brightens the near half more', (t) => {
  const image = busyTexture();
  for (const s of SEVERITIES) {
    const fog = apply(byName('fog_3d'), image, s, 0, HALVES);
    const fl = apply(byName('flash'), image, s, 0, HALVES);
    const fogNear = meanAbsChange(fog, image, NEAR_ROWS);
    const fogFar = meanAbsChange(fog, image, FAR_ROWS);
    const flNear = meanSignedChange(fl, image, NEAR_ROWS);
    const flFar = meanSignedChange(fl, image, FAR_ROWS);
    t.diagnostic(`severity ${s}: fog_3d mean |change| near/far ${fmt(fogNear)}/${fmt(fogFar)}; flash mean brightening near/far ${fmt(flNear)}/${fmt(flFar)}`);
    assert.ok(fogFar > fogNear + 10, 'fog is denser far away');
    assert.ok(flNear > flFar + 10 && flFar > 0, 'the flash brightens near surfaces more, far ones a little');
  }
});

test('3dcc depth dependence: xy_motion_blur and z_motion_blur move the near half more', (t) => {
  const image = smoothTexture();
  for (const name of ['xy_motion_blur', 'z_motion_blur']) {
    for (const s of SEVERITIES) {
      const out = apply(byName(name), image, s, 3, HALVES);
      const near = meanAbsChange(out, image, NEAR_ROWS);
      const far = meanAbsChange(out, image, FAR_ROWS);
      t.diagnostic(`${name} severity ${s}: mean |change| near/far ${fmt(near)}/${fmt(far)}; high-frequency kept near/far ${fmt(hfKept(out, image, NEAR_ROWS))}/${fmt(hfKept(out, image, FAR_ROWS))}`);
      assert.ok(near > 1.5 * far, `${name}/${s}: near pixels move more (${near} vs ${far})`);
    }
  }
});

test('3dcc depth dependence: z_motion_blur grows with the distance from the centre', (t) => {
  const image = smoothTexture();
  const flat = depthMap(W, H, () => 2);
  const out = apply(byName('z_motion_blur'), image, 5, 3, flat);
  let centre = 0;
  let nc = 0;
  let ring = 0;
  let nr = 0;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const r = Math.hypot(x - W / 2, y - H / 2);
      const i = (y * W + x) * 3;
      const d = Math.abs(out.data[i] - image.data[i]) + Math.abs(out.data[i + 1] - image.data[i + 1]) + Math.abs(out.data[i + 2] - image.data[i + 2]);
      if (r < 30) {
        centre += d;
        nc++;
      } else if (r > 80 && r < 105) {
        ring += d;
        nr++;
      }
    }
  }
  t.diagnostic(`z_motion_blur severity 5, constant depth: mean |change| centre ${fmt(centre / nc / 3)}, ring ${fmt(ring / nr / 3)}`);
  assert.ok(ring / nr > 1.5 * (centre / nc));
});

test('3dcc: a depth-needing corruption without depth (or with a misaligned one) throws a clear error', () => {
  const image = smoothTexture(16, 16);
  for (const c of THREEDCC_CORRUPTIONS.filter((x) => x.needsDepth)) {
    assert.throws(
      () => c.apply({ image, severity: 1, rng: createRng(0) }),
      (err: unknown) => err instanceof HoloclipError && err.message.includes(c.name) && err.message.includes('depth map') && err.message.includes('--depth-model') && err.message.includes('.depth.npy'),
    );
    assert.throws(
      () => c.apply({ image, severity: 1, rng: createRng(0), depth: depthMap(8, 8, () => 1) }),
      (err: unknown) => err instanceof HoloclipError && err.message.includes('8x8') && err.message.includes('16x16'),
    );
    assert.throws(
      () => c.apply({ image, severity: 1, rng: createRng(0), depth: depthMap(16, 16, () => 0) }),
      (err: unknown) => err instanceof HoloclipError && err.message.includes('no positive finite value'),
    );
  }
  // The others ignore depth entirely.
  for (const c of THREEDCC_CORRUPTIONS.filter((x) => !x.needsDepth)) assert.equal(c.apply({ image, severity: 1, rng: createRng(0) }).data.length, 16 * 16 * 3);
});

test('3dcc: depth holes (NaN, Infinity) and zeros do not break the depth corruptions', () => {
  const image = busyTexture(32, 32);
  const depth = depthMap(32, 32, (x, y) => (x === 3 ? NaN : y === 5 ? Infinity : x === 7 ? 0 : 1 + y / 8));
  for (const c of THREEDCC_CORRUPTIONS.filter((x) => x.needsDepth)) {
    for (const s of SEVERITIES) assert.equal(apply(c, image, s, 1, depth).data.length, 32 * 32 * 3);
  }
  // A hole counts as the farthest valid depth (the reference's treatment of out-of-range depth).
  const halves = depthMap(32, 32, (_x, y) => (y < 16 ? 1 : 4));
  const holed = depthMap(32, 32, (x, y) => (x === 20 && y === 25 ? NaN : y < 16 ? 1 : 4));
  for (const c of THREEDCC_CORRUPTIONS.filter((x) => x.needsDepth)) {
    assert.deepEqual(apply(c, image, 3, 1, holed).data, apply(c, image, 3, 1, halves).data, `${c.name}: NaN = farthest`);
  }
});

async function golden(name: string): Promise<Uint8Array> {
  const arr = await readNpy(path.join(GOLDEN, name));
  assert.equal(arr.dtype, 'uint8');
  return arr.data as Uint8Array;
}

test('3dcc goldens: near_focus, far_focus, fog_3d and flash match a numpy transcription of the reference', async () => {
  const img = await readNpy(path.join(GOLDEN, 'image_24x32.npy'));
  const image: RgbImage = { width: 32, height: 24, data: img.data as Uint8Array };
  const depth = await readDepthMap(path.join(GOLDEN, 'depth_24x32.npy'));
  for (const name of ['near_focus', 'far_focus', 'fog_3d', 'flash']) {
    for (const s of SEVERITIES) {
      const out = apply(byName(name), image, s, 0, depth);
      const want = await golden(`${name}_${s}.npy`);
      let maxDiff = 0;
      let exact = 0;
      for (let i = 0; i < want.length; i++) {
        const d = Math.abs(out.data[i] - want[i]);
        if (d > maxDiff) maxDiff = d;
        if (d === 0) exact++;
      }
      assert.ok(maxDiff <= 1, `${name}/${s}: max byte difference ${maxDiff}`);
      assert.ok(exact / want.length > 0.99, `${name}/${s}: ${exact} of ${want.length} bytes exact`);
    }
  }
});

test('3dcc: color_quant keeps the top 6 - severity bits (PIL posterize)', () => {
  const data = new Uint8Array(256 * 3);
  for (let i = 0; i < data.length; i++) data[i] = i % 256;
  const image = { width: 256, height: 1, data };
  for (const s of SEVERITIES) {
    const out = apply(byName('color_quant'), image, s, 0);
    const bits = 6 - s;
    for (let v = 0; v < 256; v++) assert.equal(out.data[v], v - (v % 2 ** (8 - bits)));
  }
});

test('3dcc: low_light maps the darkest pixel near black and its brightest near the severity ceiling', () => {
  const image = smoothTexture(64, 64);
  for (const s of SEVERITIES) {
    const out = apply(byName('low_light'), image, s, 5);
    let max = 0;
    for (const v of out.data) if (v > max) max = v;
    const ceiling = [0.6, 0.5, 0.4, 0.3, 0.2][s - 1] * 255;
    // Shot noise (c = 120) and read noise (0.018) spread the ceiling by a few tens of levels at most.
    assert.ok(max > ceiling * 0.8 && max < ceiling * 1.5, `severity ${s}: max ${max} vs ceiling ${ceiling}`);
  }
});

test('3dcc: the exact Poisson sampler has the right mean and variance', () => {
  const rng = createRng(99);
  for (const mean of [0.3, 3, 25, 72]) {
    const cdf = poissonCdf(mean);
    const n = 40000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      let k = 0;
      while (k < cdf.length - 1 && u >= cdf[k]) k++;
      s += k;
      s2 += k * k;
    }
    const m = s / n;
    const v = s2 / n - m * m;
    assert.ok(Math.abs(m - mean) < 5 * Math.sqrt(mean / n), `mean ${m} vs ${mean}`);
    assert.ok(Math.abs(v / mean - 1) < 0.05, `variance ${v} vs ${mean}`);
  }
});

// ---------------------------------------------------------------------------------------------------------
// Depth maps

/** CRC-32 (PNG chunk checksum). */
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A 16-bit grayscale PNG encoded by hand (filter 0, big-endian samples): independent of sharp's writer. */
function handmadePng16(width: number, height: number, values: Uint16Array): Buffer {
  const chunk = (type: string, body: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type, 'latin1'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(tb));
    return Buffer.concat([len, tb, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16; // bit depth
  ihdr[9] = 0; // grayscale
  const raw = Buffer.alloc(height * (1 + width * 2));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.writeUInt16BE(values[y * width + x], y * (1 + width * 2) + 1 + x * 2);
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

test('depth maps: 16-bit PNGs (sharp-written and hand-encoded) read back exactly, 8-bit too', async () => {
  await withTempDir(async (dir) => {
    const width = 7;
    const height = 5;
    const values = new Uint16Array(width * height);
    for (let i = 0; i < values.length; i++) values[i] = (i * 1873 + 11) % 65536;
    values[0] = 0;
    values[1] = 65535;
    values[2] = 8000;
    // sharp writes 16-bit grayscale PNG from raw ushort input (a Uint16Array) when asked for grey16.
    const bySharp = path.join(dir, 'sharp16.png');
    await sharp(values, { raw: { width, height, channels: 1 } }).toColourspace('grey16').png().toFile(bySharp);
    const meta = await sharp(bySharp).metadata();
    assert.equal(meta.depth, 'ushort');
    const byHand = path.join(dir, 'hand16.png');
    await writeFile(byHand, handmadePng16(width, height, values));
    for (const file of [bySharp, byHand]) {
      const d = await readDepthMap(file);
      assert.equal(d.width, width);
      assert.equal(d.height, height);
      // Every value exactly, except Taskonomy's 65535 "no depth", which becomes NaN.
      assert.deepEqual(Array.from(d.data), Array.from(values, (v) => (v === 65535 ? NaN : v)), file);
    }
    const eight = path.join(dir, 'eight.png');
    const bytes = Uint8Array.from([0, 10, 200, 255, 7, 8]);
    await sharp(bytes, { raw: { width: 3, height: 2, channels: 1 } }).png().toFile(eight);
    const d8 = await readDepthMap(eight);
    assert.deepEqual([d8.width, d8.height, ...d8.data], [3, 2, 0, 10, 200, 255, 7, 8]);
  });
});

test('depth maps: .npy float32 / float64 / uint16 (numpy-written) read back exactly; bad inputs are clear errors', async () => {
  await withTempDir(async (dir) => {
    const values = Float32Array.from([0.5, 1.25, 3, 1e-3, 7.5, 42]);
    const f32 = path.join(dir, 'd.npy');
    await writeFile(f32, encodeNpy(values, [2, 3]));
    const d = await readDepthMap(f32);
    assert.deepEqual([d.width, d.height, ...d.data], [3, 2, ...values]);

    const u16 = await readDepthMap(path.join(GOLDEN, 'depth_u16_3x4.npy'));
    assert.deepEqual([u16.width, u16.height, ...u16.data], [4, 3, 0, 1, 512, 8000, 65535, 2, 3, 4, 10, 20, 30, 40]);
    const f64 = await readDepthMap(path.join(GOLDEN, 'depth_f64_2x3.npy'));
    assert.deepEqual([f64.width, f64.height, ...f64.data], [3, 2, ...Float32Array.from([0.5, 1.25, 3.0, 7.5, 1e-3, 42.0])]);
    const f3d = await readDepthMap(path.join(GOLDEN, 'depth_f32_2x3x1.npy'));
    assert.deepEqual([f3d.width, f3d.height, ...f3d.data], [3, 2, 0, 0.5, 1, 1.5, 2, 2.5]);

    assert.throws(() => decodeDepthNpy(encodeNpy(new Float32Array(8), [2, 2, 2]), 'cube.npy'), (e: unknown) => e instanceof HoloclipError && e.message.includes('cube.npy') && e.message.includes('2-D'));
    await assert.rejects(readDepthMap(path.join(dir, 'd.exr')), (e: unknown) => e instanceof HoloclipError && e.message.includes('.exr'));
    await assert.rejects(readDepthMap(path.join(dir, 'missing.npy')), (e: unknown) => e instanceof HoloclipError && e.message.includes('missing.npy'));
    await writeFile(path.join(dir, 'junk.png'), 'not a png');
    await assert.rejects(readDepthMap(path.join(dir, 'junk.png')), (e: unknown) => e instanceof HoloclipError && e.message.includes('junk.png'));
  });
});

test('depth maps: findDepthMap finds maps next to the image and in a parallel folder', async () => {
  await withTempDir(async (dir) => {
    const root = path.join(dir, 'data');
    await mkdir(path.join(root, 'cat'), { recursive: true });
    const touch = async (p: string): Promise<void> => {
      await mkdir(path.dirname(p), { recursive: true });
      await writeFile(p, '');
    };
    const a = path.join(root, 'cat', 'a.jpg');
    const b = path.join(root, 'cat', 'b.png');
    const c = path.join(root, 'cat', 'c.jpeg');
    const e = path.join(root, 'cat', 'e.jpg');
    const f = path.join(root, 'cat', 'f.jpg');
    for (const img of [a, b, c, e, f]) await touch(img);
    await touch(path.join(root, 'cat', 'a.depth.npy'));
    await touch(path.join(root, 'cat', 'b_depth.png'));
    await touch(path.join(root, 'cat', 'c.npy'));
    await touch(path.join(root, 'cat', 'e.jpg.depth.png'));
    assert.equal(await findDepthMap(a), path.join(root, 'cat', 'a.depth.npy'));
    assert.equal(await findDepthMap(b), path.join(root, 'cat', 'b_depth.png'));
    assert.equal(await findDepthMap(c), path.join(root, 'cat', 'c.npy'));
    assert.equal(await findDepthMap(e), path.join(root, 'cat', 'e.jpg.depth.png'));
    assert.equal(await findDepthMap(f), null);

    // A parallel folder at the same relative path wins over a map next to the image.
    const depthDir = path.join(dir, 'depth');
    await touch(path.join(depthDir, 'cat', 'a.png'));
    await touch(path.join(depthDir, 'cat', 'f.npy'));
    assert.equal(await findDepthMap(a, { depthDir, datasetRoot: root }), path.join(depthDir, 'cat', 'a.png'));
    assert.equal(await findDepthMap(f, { depthDir, datasetRoot: root }), path.join(depthDir, 'cat', 'f.npy'));
    assert.equal(await findDepthMap(f), null);
    // An image that is itself a .png in the depth folder's place is never returned as its own depth map.
    assert.equal(await findDepthMap(b, { depthDir: root, datasetRoot: root }), path.join(root, 'cat', 'b_depth.png'));

    // Taskonomy naming: ..._domain_rgb.png -> ..._domain_depth_euclidean.png in the parallel folder.
    const tk = path.join(root, 'rgb', 'point_0_view_0_domain_rgb.png');
    await touch(tk);
    await touch(path.join(dir, 'tdepth', 'rgb', 'point_0_view_0_domain_depth_euclidean.png'));
    assert.equal(await findDepthMap(tk, { depthDir: path.join(dir, 'tdepth'), datasetRoot: root }), path.join(dir, 'tdepth', 'rgb', 'point_0_view_0_domain_depth_euclidean.png'));
  });
});

test('depth maps: resizeDepth and cropResizeDepth are bilinear and stay aligned with a resize + centre crop', () => {
  // A linear ramp resampled with half-pixel centres stays the same ramp in the interior.
  const ramp = depthMap(40, 30, (x, y) => 2 * x + 3 * y);
  const up = resizeDepth(ramp, 80, 60);
  for (let y = 2; y < 58; y++) {
    for (let x = 2; x < 78; x++) assert.ok(Math.abs(up.data[y * 80 + x] - (2 * ((x + 0.5) / 2 - 0.5) + 3 * ((y + 0.5) / 2 - 0.5))) < 1e-4);
  }
  assert.deepEqual(resizeDepth(ramp, 40, 30).data, ramp.data);
  const constant = resizeDepth(depthMap(13, 7, () => 4.5), 224, 224);
  assert.ok(constant.data.every((v) => Math.abs(v - 4.5) < 1e-6));

  // cropResizeDepth = resize to (resizedWidth x resizedHeight) then take the crop.
  const src = depthMap(300, 200, (x, y) => Math.sin(x / 17) + Math.cos(y / 11) + 3);
  const g = { resizedWidth: 384, resizedHeight: 256, left: 80, top: 16, width: 224, height: 224 };
  const full = resizeDepth(src, g.resizedWidth, g.resizedHeight);
  const crop = cropResizeDepth(src, g);
  assert.equal(crop.width, 224);
  assert.equal(crop.height, 224);
  for (let y = 0; y < 224; y += 7) {
    for (let x = 0; x < 224; x += 5) assert.ok(Math.abs(crop.data[y * 224 + x] - full.data[(y + g.top) * g.resizedWidth + x + g.left]) < 1e-5);
  }
});
