/**
 * Depth maps for the 3D common corruptions: finding an image's depth map, reading it, and resampling it
 * so it stays aligned with the (resized, centre-cropped) pixels a corruption sees.
 *
 * Convention ({@link DepthMap}): one value per pixel, row-major, larger = farther, proportional to distance
 * (metric or up to a scale). Values are kept as stored: a Taskonomy 16-bit PNG keeps its 1/512 m units,
 * a .npy keeps its floats. One exception: 65535 in a 16-bit PNG (Taskonomy's "no depth" code, e.g. sky
 * and windows) becomes NaN, which the corruptions treat as the farthest valid depth, as the reference
 * does (`create_3dcc/dataset.py` replaces out-of-range depth by the largest valid one). Without this a
 * few 65535 holes would dominate every per-image normalisation. The corruptions normalise per image
 * themselves (see `src/corruptions/3dcc/common.ts`): focus, flash and camera motion use depth ratios
 * (d / d_min), fog a min-max normalisation. Disparity / inverse-depth maps (what most monocular depth
 * models output: larger = nearer) must be inverted before they become a DepthMap.
 *
 * Formats: `.npy` (2-D, or 3-D with one singleton axis; float32, float64, uint16, int16, int32, int64,
 * uint8; little-endian, C order) and PNG (16-bit grayscale kept at 16 bits; 8-bit grayscale; for colour
 * PNGs the first channel).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadSharp } from '../util/heavy-modules.js';
import type { DepthMap } from '../corruptions/types.js';
import { HoloclipError, errorMessage } from '../errors.js';
import { decodeNpy, parseNpyHeader } from '../store/npy.js';

/** Header fields of a .npy buffer (enough to handle the 16-bit dtypes `decodeNpy` does not). */
function npyHeader(buf: Buffer, source: string): { descr: string; fortran: boolean; shape: number[]; dataStart: number } {
  const bad = (what: string): HoloclipError => new HoloclipError(`${source} is not a valid .npy file: ${what}`);
  const h = parseNpyHeader(buf, bad);
  if (h.descr === undefined) throw bad('header lacks descr, fortran_order or shape');
  return { ...h, descr: h.descr };
}

/** (height, width) of a depth array: 2-D, or 3-D with a singleton first or last axis. */
function depthShape(shape: readonly number[], source: string): [number, number] {
  let dims = [...shape];
  if (dims.length === 3 && dims[2] === 1) dims = dims.slice(0, 2);
  else if (dims.length === 3 && dims[0] === 1) dims = dims.slice(1);
  if (dims.length !== 2 || dims[0] === 0 || dims[1] === 0) {
    throw new HoloclipError(`${source}: a depth map must be a 2-D array (height, width), found shape (${shape.join(', ')})`);
  }
  return [dims[0], dims[1]];
}

/** Decode a .npy depth map (see the module comment for the accepted dtypes and shapes). */
export function decodeDepthNpy(buf: Buffer, source: string): DepthMap {
  const h = npyHeader(buf, source);
  if (h.descr === '<u2' || h.descr === '<i2' || h.descr === '=u2' || h.descr === '=i2') {
    if (h.fortran) throw new HoloclipError(`${source}: Fortran-order .npy arrays are not supported; save a C-order copy (numpy.ascontiguousarray)`);
    const [height, width] = depthShape(h.shape, source);
    const n = height * width;
    if (buf.length - h.dataStart !== n * 2) throw new HoloclipError(`${source} is not a valid .npy file: shape (${h.shape.join(', ')}) needs ${n * 2} data bytes but the file has ${buf.length - h.dataStart}`);
    const data = new Float32Array(n);
    const signed = h.descr.endsWith('i2');
    for (let i = 0; i < n; i++) data[i] = signed ? buf.readInt16LE(h.dataStart + 2 * i) : buf.readUInt16LE(h.dataStart + 2 * i);
    return { width, height, data };
  }
  const arr = decodeNpy(buf, source);
  const [height, width] = depthShape(arr.shape, source);
  const data = new Float32Array(height * width);
  const src = arr.data;
  if (src instanceof BigInt64Array) for (let i = 0; i < data.length; i++) data[i] = Number(src[i]);
  else data.set(src);
  return { width, height, data };
}

/** Taskonomy's "no depth" value in its 16-bit depth PNGs. */
export const PNG16_NO_DEPTH = 65535;

/** Decode a PNG depth map, keeping 16-bit values as they are (except {@link PNG16_NO_DEPTH}, which becomes NaN). */
export async function decodeDepthPng(bytes: Buffer, source: string): Promise<DepthMap> {
  const sharp = await loadSharp();
  try {
    const meta = await sharp(bytes).metadata();
    const sixteen = meta.depth === 'ushort';
    const channels = meta.channels ?? 1;
    let pipeline = sharp(bytes);
    // 16-bit: libvips keeps 16 bits only when asked for a 16-bit colourspace; grey16 is exact for grey input.
    if (sixteen) pipeline = pipeline.toColourspace(channels <= 2 ? 'grey16' : 'rgb16');
    const { data, info } = await pipeline.raw(sixteen ? { depth: 'ushort' } : {}).toBuffer({ resolveWithObject: true });
    const width = info.width;
    const height = info.height;
    const stride = info.channels;
    const out = new Float32Array(width * height);
    if (sixteen) {
      const v = new Uint16Array(data.buffer, data.byteOffset, data.length >> 1);
      for (let i = 0; i < out.length; i++) {
        const d = v[i * stride];
        out[i] = d === PNG16_NO_DEPTH ? NaN : d;
      }
    } else {
      for (let i = 0; i < out.length; i++) out[i] = data[i * stride];
    }
    return { width, height, data: out };
  } catch (err) {
    throw new HoloclipError(`cannot read depth map ${source}: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Read a depth map file (.npy or .png). Values are kept as stored (larger = farther expected), except
 * 65535 in a 16-bit PNG, which becomes NaN ("no depth").
 */
export async function readDepthMap(file: string): Promise<DepthMap> {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.npy' && ext !== '.png') {
    throw new HoloclipError(`depth map ${file}: unsupported format '${ext}'; use a 2-D .npy array or a 16-bit (or 8-bit) grayscale .png`);
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new HoloclipError(`cannot read depth map ${file}: ${errorMessage(err)}`, { cause: err });
  }
  return ext === '.npy' ? decodeDepthNpy(bytes, file) : decodeDepthPng(bytes, file);
}

export interface FindDepthOptions {
  /** A folder holding depth maps at the images' paths relative to `datasetRoot` (extension .npy or .png). */
  readonly depthDir?: string;
  /** The dataset's root folder; image paths are taken relative to it inside `depthDir`. */
  readonly datasetRoot?: string;
}

/** Path without its last extension. */
function stripExt(p: string): string {
  const ext = path.extname(p);
  return ext.length > 0 ? p.slice(0, -ext.length) : p;
}

/** Taskonomy names depth like the image with domain_rgb -> domain_depth_euclidean (e.g. point_0_view_0_domain_rgb.png). */
function taskonomyDepthName(stem: string): string | null {
  return stem.includes('domain_rgb') ? `${stem.replace('domain_rgb', 'domain_depth_euclidean')}.png` : null;
}

/** Candidate depth files for an image, in the order {@link findDepthMap} tries them. */
export function depthMapCandidates(imagePath: string, options: FindDepthOptions = {}): string[] {
  const out: string[] = [];
  const base = path.basename(imagePath);
  const stem = stripExt(base);
  if (options.depthDir !== undefined) {
    let rel = options.datasetRoot !== undefined ? path.relative(options.datasetRoot, imagePath) : base;
    if (rel.startsWith('..') || path.isAbsolute(rel)) rel = base;
    const relStem = stripExt(rel);
    for (const suffix of ['.npy', '.png', '.depth.npy', '.depth.png', '_depth.npy', '_depth.png']) {
      out.push(path.join(options.depthDir, relStem + suffix));
    }
    const tk = taskonomyDepthName(path.basename(relStem));
    if (tk !== null) out.push(path.join(options.depthDir, path.dirname(rel), tk));
  }
  const dir = path.dirname(imagePath);
  for (const name of [`${stem}.depth.npy`, `${stem}.depth.png`, `${base}.depth.npy`, `${base}.depth.png`, `${stem}_depth.npy`, `${stem}_depth.png`, `${stem}.npy`]) {
    out.push(path.join(dir, name));
  }
  const tk = taskonomyDepthName(stem);
  if (tk !== null) out.push(path.join(dir, tk));
  const self = path.resolve(imagePath);
  return [...new Set(out)].filter((c) => path.resolve(c) !== self);
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * The depth map of an image, or null: first in `depthDir` at the image's path relative to `datasetRoot`
 * (`<rel stem>.npy`, `.png`, `.depth.npy`, ...), then next to the image: `<stem>.depth.npy`,
 * `<stem>.depth.png`, `<name>.depth.npy/png` (e.g. `cat.jpg.depth.npy`), `<stem>_depth.npy/png`,
 * `<stem>.npy`, and Taskonomy's `..._domain_depth_euclidean.png` for `..._domain_rgb.*`.
 */
export async function findDepthMap(imagePath: string, options: FindDepthOptions = {}): Promise<string | null> {
  for (const candidate of depthMapCandidates(imagePath, options)) {
    if (await isFile(candidate)) return candidate;
  }
  return null;
}

/**
 * Bilinear resample (pixel centres at integer + 0.5, borders clamped, no antialiasing: averaging across
 * depth edges would invent in-between depths anyway) of an output grid whose pixel (x, y) covers source
 * coordinate ((x + offsetX + 0.5) * scaleX, (y + offsetY + 0.5) * scaleY).
 */
function resample(depth: DepthMap, outWidth: number, outHeight: number, scaleX: number, scaleY: number, offsetX: number, offsetY: number): DepthMap {
  const { width, height, data } = depth;
  const out = new Float32Array(outWidth * outHeight);
  // Horizontal taps are the same on every row: precompute them.
  const x0s = new Int32Array(outWidth);
  const x1s = new Int32Array(outWidth);
  const axs = new Float64Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const fx = Math.min(Math.max((x + offsetX + 0.5) * scaleX - 0.5, 0), width - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x] + 1, width - 1);
    axs[x] = fx - x0s[x];
  }
  for (let y = 0; y < outHeight; y++) {
    const fy = Math.min(Math.max((y + offsetY + 0.5) * scaleY - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const ay = fy - y0;
    const r0 = y0 * width;
    const r1 = y1 * width;
    for (let x = 0; x < outWidth; x++) {
      const ax = axs[x];
      const top = data[r0 + x0s[x]] * (1 - ax) + data[r0 + x1s[x]] * ax;
      const bottom = data[r1 + x0s[x]] * (1 - ax) + data[r1 + x1s[x]] * ax;
      out[y * outWidth + x] = top * (1 - ay) + bottom * ay;
    }
  }
  return { width: outWidth, height: outHeight, data: out };
}

function checkSize(what: string, w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new RangeError(`${what}: size must be positive integers, got ${w}x${h}`);
}

/** Bilinear resize of a depth map to width x height (e.g. to the size of its image). */
export function resizeDepth(depth: DepthMap, width: number, height: number): DepthMap {
  checkSize('resizeDepth', width, height);
  if (width === depth.width && height === depth.height) return { width, height, data: Float32Array.from(depth.data) };
  return resample(depth, width, height, depth.width / width, depth.height / height, 0, 0);
}

/** A shortest-edge resize followed by a crop (same fields as the corruption pipeline's CropGeometry). */
export interface DepthCropGeometry {
  /** Size of the image after the resize, before the crop. */
  readonly resizedWidth: number;
  readonly resizedHeight: number;
  /** Top-left corner of the crop in the resized image. */
  readonly left: number;
  readonly top: number;
  /** Size of the crop (the whole resized image when nothing is cropped). */
  readonly width: number;
  readonly height: number;
}

/**
 * The depth map as the image is after "resize to resizedWidth x resizedHeight, crop size x size at
 * (left, top)", in one bilinear pass (whatever the depth map's own resolution), so depth stays aligned
 * with the corrupted pixels.
 */
export function cropResizeDepth(depth: DepthMap, g: DepthCropGeometry): DepthMap {
  checkSize('cropResizeDepth', g.resizedWidth, g.resizedHeight);
  checkSize('cropResizeDepth crop', g.width, g.height);
  return resample(depth, g.width, g.height, depth.width / g.resizedWidth, depth.height / g.resizedHeight, g.left, g.top);
}
