/**
 * `holoclip bench build emoji-correspondence`: an embedded dense-correspondence benchmark (issue 16), written in
 * SPair-71k's release layout so the `spair-71k` adapter and probe3d's protocol read it unchanged:
 *
 *   JPEGImages/<category>/<image>.png        160 x 160 RGB (PNG: lossless; the adapter reads the annotated filename)
 *   ImageAnnotation/<category>/<image>.json  { filename, image_width, image_height, category, bndbox, kps: {"0": [x, y] | null, ...} }
 *   PairAnnotation/test/<pair>.json          { filename: "<id>-<src>-<trg>:<category>", src_imname, trg_imname, category,
 *                                              src_imsize, trg_imsize, src_bndbox, trg_bndbox, viewpoint_variation (= warp
 *                                              level 0/1/2), holoclip_warp: { kind, level, params, mean_displacement } }
 *   manifest.json, ATTRIBUTION.txt
 *
 * Categories are emoji (Noto art from the npm package emoji-shift renders). Each source image is one emoji on white;
 * each target is that image warped by one seeded transform (homography, thin-plate-spline bend, rotation, scale,
 * background change) at three strengths. Keypoints are picked on the source (high-gradient object pixels, integer
 * positions); their target positions are the exact forward warp (null when warped outside the image). Deterministic:
 * the same seed and art package give the same bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../../errors.js';
import { isErrno, moveAside, tempPathFor } from '../../store/atomic.js';
import { silentProgress, type ProgressSink } from '../../util/progress.js';
import { EMOJI_SHIFT_CLASSES, removeStaleBuilds, slug } from '../emoji-shift/build.js';
import { damagedFiles, describeDamage } from '../build-integrity.js';
import { encodePng, prepareSprite, proceduralTexture, rngFor, TEXTURE_KINDS, type Canvas, type PreparedSprite } from '../emoji-shift/render.js';
import { EmojiSources, packageVersion, STYLE_PACKAGES } from '../emoji-shift/sources.js';
import { drawWarp, WARP_KINDS, WARP_LEVELS, type Point, type Warp, type WarpKind } from './warps.js';
import { EMOJI_CORRESPONDENCE_VERSION } from '../versions.js';

export { EMOJI_CORRESPONDENCE_VERSION };
export const CORRESPONDENCE_IMAGE_SIZE = 160;
export const CORRESPONDENCE_EMOJI = 24;
export const KEYPOINTS_PER_IMAGE = 10;
const OBJECT_BOX = 0.6;
const STYLE = 'noto' as const;

export interface CorrespondenceManifest {
  benchmark: 'emoji-correspondence';
  version: string;
  seed: number;
  image_size: number;
  emoji: number;
  pairs: number;
  keypoints_per_image: number;
  warp_kinds: readonly WarpKind[];
  warp_levels: readonly number[];
  style: string;
  packages: Record<string, string>;
  files_sha256: Record<string, string>;
}

export interface BuildCorrespondenceOptions {
  out: string;
  seed?: number;
  force?: boolean;
  progress?: ProgressSink;
  /** Emoji (categories) to use (default 24); pairs = emoji x 5 kinds x 3 levels. */
  emoji?: number;
}

export interface BuildCorrespondenceResult {
  manifest: CorrespondenceManifest;
  built: boolean;
  /** Files of the previous build that did not match its manifest (missing, changed or added): why it was rebuilt. */
  damaged: string[];
  seconds: number;
  out: string;
}

/** An RGBA layer, premultiplied, 0..255 floats, size x size. */
interface Layer {
  data: Float32Array;
  size: number;
}

function layerOf(sprite: PreparedSprite, size: number): Layer {
  const data = new Float32Array(size * size * 4);
  const left = Math.floor((size - sprite.width) / 2);
  const top = Math.floor((size - sprite.height) / 2);
  for (let y = 0; y < sprite.height; y++) {
    for (let x = 0; x < sprite.width; x++) {
      const cx = x + left;
      const cy = y + top;
      if (cx < 0 || cy < 0 || cx >= size || cy >= size) continue;
      data.set(sprite.data.subarray((y * sprite.width + x) * 4, (y * sprite.width + x) * 4 + 4), (cy * size + cx) * 4);
    }
  }
  return { data, size };
}

/** Bilinear sample of a premultiplied layer at a continuous point (pixel centres at integers); transparent outside. */
function sampleLayer(layer: Layer, [x, y]: Point, out: Float32Array): void {
  out.fill(0);
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const tx = x - x0;
  const ty = y - y0;
  const n = layer.size;
  const corners: Array<[number, number, number]> = [[x0, y0, (1 - tx) * (1 - ty)], [x0 + 1, y0, tx * (1 - ty)], [x0, y0 + 1, (1 - tx) * ty], [x0 + 1, y0 + 1, tx * ty]];
  for (const [cx, cy, w] of corners) {
    if (w === 0 || cx < 0 || cy < 0 || cx >= n || cy >= n) continue;
    const o = (cy * n + cx) * 4;
    for (let c = 0; c < 4; c++) out[c] += w * layer.data[o + c];
  }
}

function warpLayer(layer: Layer, warp: Warp): Layer {
  const n = layer.size;
  const data = new Float32Array(n * n * 4);
  const px = new Float32Array(4);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      sampleLayer(layer, warp.backward([x, y]), px);
      data.set(px, (y * n + x) * 4);
    }
  }
  return { data, size: n };
}

function composite(layer: Layer, background: Canvas): Canvas {
  const n = layer.size;
  const out = Buffer.alloc(n * n * 3);
  for (let p = 0; p < n * n; p++) {
    const keep = 1 - layer.data[p * 4 + 3] / 255;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.max(0, Math.min(255, Math.round(layer.data[p * 4 + c] + background.data[p * 3 + c] * keep)));
  }
  return { data: out, size: n };
}

/** [xmin, ymin, xmax, ymax] of the pixels with alpha > 127. */
function bbox(layer: Layer): [number, number, number, number] {
  const n = layer.size;
  let l = n;
  let u = n;
  let r = -1;
  let d = -1;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      if (layer.data[(y * n + x) * 4 + 3] <= 127) continue;
      l = Math.min(l, x);
      u = Math.min(u, y);
      r = Math.max(r, x);
      d = Math.max(d, y);
    }
  }
  return r < 0 ? [0, 0, n - 1, n - 1] : [l, u, r, d];
}

/** Keypoints: object pixels (alpha > 200) among the 40% with the strongest luminance gradient, seeded, >= 10 px apart. */
function pickKeypoints(layer: Layer, image: Canvas, k: number, key: string): Point[] {
  const n = layer.size;
  const lum = (x: number, y: number): number => {
    const o = (y * n + x) * 3;
    return 0.299 * image.data[o] + 0.587 * image.data[o + 1] + 0.114 * image.data[o + 2];
  };
  const cands: Array<{ x: number; y: number; g: number }> = [];
  for (let y = 1; y < n - 1; y++) {
    for (let x = 1; x < n - 1; x++) {
      if (layer.data[(y * n + x) * 4 + 3] <= 200) continue;
      const gx = lum(x + 1, y - 1) + 2 * lum(x + 1, y) + lum(x + 1, y + 1) - lum(x - 1, y - 1) - 2 * lum(x - 1, y) - lum(x - 1, y + 1);
      const gy = lum(x - 1, y + 1) + 2 * lum(x, y + 1) + lum(x + 1, y + 1) - lum(x - 1, y - 1) - 2 * lum(x, y - 1) - lum(x + 1, y - 1);
      cands.push({ x, y, g: Math.hypot(gx, gy) });
    }
  }
  cands.sort((a, b) => b.g - a.g || a.y - b.y || a.x - b.x);
  const pool = cands.slice(0, Math.max(k, Math.ceil(cands.length * 0.4)));
  const rng = rngFor(key);
  const out: Point[] = [];
  while (out.length < k && pool.length > 0) {
    const c = pool.splice(rng.nextInt(pool.length), 1)[0];
    if (out.every(([x, y]) => Math.hypot(x - c.x, y - c.y) >= 10)) out.push([c.x, c.y]);
  }
  if (out.length < k) throw new HoloclipError(`emoji-correspondence: only ${out.length} keypoints found for ${key}`);
  return out;
}

function background(kind: WarpKind, level: number, size: number, key: string): Canvas {
  if (kind !== 'background') return { data: Buffer.alloc(size * size * 3, 255), size };
  const rng = rngFor(`${key}|background`);
  if (level === 0) {
    const c = [160 + rng.nextInt(96), 160 + rng.nextInt(96), 160 + rng.nextInt(96)];
    const data = Buffer.alloc(size * size * 3);
    for (let p = 0; p < size * size; p++) data.set(c, p * 3);
    return { data, size };
  }
  const kinds = level === 1 ? TEXTURE_KINDS.slice(0, 2) : TEXTURE_KINDS.slice(2);
  return proceduralTexture(kinds[rng.nextInt(kinds.length)], size, rng);
}

function sha(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

async function readManifest(file: string): Promise<CorrespondenceManifest | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as CorrespondenceManifest;
  } catch {
    return null;
  }
}

export async function buildEmojiCorrespondence(options: BuildCorrespondenceOptions): Promise<BuildCorrespondenceResult> {
  const t0 = performance.now();
  const out = path.resolve(options.out);
  const seed = options.seed ?? 0;
  const emoji = options.emoji ?? CORRESPONDENCE_EMOJI;
  if (!Number.isInteger(seed) || seed < 0) throw new HoloclipError(`emoji-correspondence seed must be a non-negative integer, got ${seed}`);
  if (!Number.isInteger(emoji) || emoji < 1 || emoji > EMOJI_SHIFT_CLASSES.length) throw new HoloclipError(`emoji-correspondence: emoji must be 1..${EMOJI_SHIFT_CLASSES.length}, got ${emoji}`);
  const packages = { [STYLE_PACKAGES[STYLE]]: await packageVersion(STYLE_PACKAGES[STYLE]) };
  const existing = await readManifest(path.join(out, 'manifest.json'));
  const upToDate = (m: CorrespondenceManifest | null): m is CorrespondenceManifest =>
    m !== null && m.benchmark === 'emoji-correspondence' && m.version === EMOJI_CORRESPONDENCE_VERSION && m.seed === seed && m.emoji === emoji &&
    JSON.stringify(m.packages) === JSON.stringify(packages);
  // An up-to-date manifest is not enough: every file it lists must still have its hash, and no image may have appeared.
  let damaged: string[] = [];
  if (!options.force && upToDate(existing)) {
    damaged = await damagedFiles(out, existing.files_sha256);
    if (damaged.length === 0) return { manifest: existing, built: false, damaged, seconds: (performance.now() - t0) / 1000, out };
    (options.progress ?? silentProgress).log(`${out} does not match its manifest.json (${describeDamage(damaged)}); rebuilding it`);
  }
  if (existing === null || existing.benchmark !== 'emoji-correspondence') {
    const entries = await import('node:fs/promises').then((fs) => fs.readdir(out)).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return [] as string[];
      throw err;
    });
    if (entries.length > 0) throw new HoloclipError(`--out ${out} is not empty and holds no emoji-correspondence manifest.json; choose a new folder (it is replaced on every rebuild)`);
  }
  await mkdir(path.dirname(out), { recursive: true });
  await removeStaleBuilds(out);
  const tmp = tempPathFor(out);
  try {
    const manifest = await buildInto(tmp, seed, emoji, packages, options.progress ?? silentProgress);
    const old = await moveAside(out);
    await rename(tmp, out);
    if (old) await rm(old, { recursive: true, force: true });
    return { manifest, built: true, damaged, seconds: (performance.now() - t0) / 1000, out };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    if (err instanceof HoloclipError) throw err;
    throw new HoloclipError(`building emoji-correspondence into ${out} failed: ${errorMessage(err)}`, { cause: err });
  }
}

async function buildInto(root: string, seed: number, emoji: number, packages: Record<string, string>, progress: ProgressSink): Promise<CorrespondenceManifest> {
  const sources = await EmojiSources.open();
  const size = CORRESPONDENCE_IMAGE_SIZE;
  const step = Math.floor(EMOJI_SHIFT_CLASSES.length / emoji);
  const classes = EMOJI_SHIFT_CLASSES.filter((_, i) => i % step === 0).slice(0, emoji);
  const files: Record<string, string> = {};
  const put = async (rel: string, data: Buffer | string): Promise<void> => {
    const file = path.join(root, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, data);
    files[rel] = sha(data);
  };
  const json = (v: unknown): string => `${JSON.stringify(v, null, 1)}\n`;
  const kpsDict = (pts: ReadonlyArray<Point | null>): Record<string, number[] | null> => Object.fromEntries(pts.map((p, i) => [String(i), p ? [p[0], p[1]] : null]));
  const total = classes.length * (1 + WARP_KINDS.length * WARP_LEVELS.length);
  progress.start('emoji-correspondence', total, 'images');
  let done = 0;
  let pairId = 0;
  for (const [e, c] of classes.entries()) {
    const category = slug(c.name);
    const sprite = prepareSprite(await sources.render(STYLE, c.codepoint), Math.round(size * OBJECT_BOX));
    const layer = layerOf(sprite, size);
    const white: Canvas = { data: Buffer.alloc(size * size * 3, 255), size };
    const srcImage = composite(layer, white);
    const srcName = `s${String(e).padStart(3, '0')}`;
    const kps = pickKeypoints(layer, srcImage, KEYPOINTS_PER_IMAGE, `${seed}|kps|${c.codepoint}`);
    const srcBox = bbox(layer);
    await put(`JPEGImages/${category}/${srcName}.png`, await encodePng(srcImage));
    await put(`ImageAnnotation/${category}/${srcName}.json`, json({ filename: `${srcName}.png`, image_width: size, image_height: size, category, bndbox: srcBox, kps: kpsDict(kps) }));
    progress.update(++done);
    for (const [k, kind] of WARP_KINDS.entries()) {
      for (const level of WARP_LEVELS) {
        const key = `${seed}|warp|${c.codepoint}|${kind}|${level}`;
        const warp = drawWarp(kind, level, size, rngFor(key));
        const warped = warpLayer(layer, warp);
        const trgImage = composite(warped, background(kind, level, size, key));
        const trgName = `t${String(e).padStart(3, '0')}k${k}l${level}`;
        const trgKps = kps.map((p) => {
          const q = warp.forward(p);
          return q && q[0] >= 0 && q[1] >= 0 && q[0] <= size - 1 && q[1] <= size - 1 ? q : null;
        });
        const moved = kps.flatMap((p, i) => (trgKps[i] ? [Math.hypot(trgKps[i]![0] - p[0], trgKps[i]![1] - p[1]) / size] : []));
        const trgBox = bbox(warped);
        await put(`JPEGImages/${category}/${trgName}.png`, await encodePng(trgImage));
        await put(`ImageAnnotation/${category}/${trgName}.json`, json({ filename: `${trgName}.png`, image_width: size, image_height: size, category, bndbox: trgBox, kps: kpsDict(trgKps) }));
        const id = String(pairId++).padStart(6, '0');
        await put(`PairAnnotation/test/${id}-${srcName}-${trgName}:${category}.json`, json({
          filename: `${id}-${srcName}-${trgName}:${category}`,
          src_imname: `${srcName}.png`,
          trg_imname: `${trgName}.png`,
          category,
          src_imsize: [size, size, 3],
          trg_imsize: [size, size, 3],
          src_bndbox: srcBox,
          trg_bndbox: trgBox,
          viewpoint_variation: level,
          holoclip_warp: {
            kind,
            level,
            params: warp.params,
            keypoints_in_frame: moved.length,
            mean_displacement: moved.length ? moved.reduce((a, b) => a + b, 0) / moved.length : null,
          },
        }));
        progress.update(++done);
      }
    }
  }
  progress.finish();
  await put('ATTRIBUTION.txt', 'Images adapted (scaled, warped, composited) from Noto Emoji, (c) Google Inc., Apache-2.0 (npm @iconify-json/noto).\n');
  const manifest: CorrespondenceManifest = {
    benchmark: 'emoji-correspondence',
    version: EMOJI_CORRESPONDENCE_VERSION,
    seed,
    image_size: size,
    emoji: classes.length,
    pairs: pairId,
    keypoints_per_image: KEYPOINTS_PER_IMAGE,
    warp_kinds: WARP_KINDS,
    warp_levels: WARP_LEVELS,
    style: STYLE,
    packages,
    files_sha256: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
  };
  await writeFile(path.join(root, 'manifest.json'), json(manifest));
  return manifest;
}
