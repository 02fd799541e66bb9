/**
 * Fast image preprocessing: sharp for decode + resize, then one JS loop for center crop + rescale + normalise +
 * HWC->CHW. Reproduces transformers.js 4.3.2 (`ImageProcessor.preprocess` on node, i.e. reference mode) bit for bit
 * for every input sharp decodes (verified by test/image-preprocess.test.ts), while doing much less work:
 *
 * transformers.js, per image: decode to raw (libvips pass 1) -> JS channel fix-up -> `sharp.affine` from raw
 * (pass 2) -> `metadata()` + raw again -> `center_crop` via sharp extract (pass 3) -> `Float32Array.from` ->
 * rescale loop -> normalise loop -> tensor permute (HWC->CHW copy).
 *
 * Here, per image: `metadata()` (header only) to plan the resize, ONE libvips pipeline
 * `rotate() + affine() + raw()` for 8-bit images without alpha, then one loop that reads only the cropped window
 * and writes CHW float32 straight into the caller's batch buffer through a 3x256 lookup table.
 *
 * Things transformers.js does that we match on purpose (they differ from Python transformers / PIL):
 *  - Resampling uses `sharp.affine` with the named interpolator (nearest / bilinear / bicubic), i.e. point sampling
 *    with corner-aligned coordinates and no antialiasing when downscaling; box and hamming fall back to bilinear;
 *    lanczos uses `sharp.resize(kernel: 'lanczos3', fit: 'fill')` on the decoded raw pixels. We issue the same sharp
 *    operations on the same 8-bit pixels, so the resized pixels are identical.
 *  - Alpha is dropped without compositing; CMYK goes through sharp's built-in CMYK->sRGB profile; 16-bit images are
 *    reduced to 8 bits by sharp BEFORE resizing; EXIF orientation is applied (`.rotate()`).
 *  - Target size: floor(Number(x.toFixed(2))) (see resizeTarget in preprocess-spec.ts).
 *  - Center crop offsets are floor((size - crop) / 2); a side smaller than the crop is padded with black (0),
 *    floor(pad/2) before and the rest after, and the pad is then rescaled/normalised like any black pixel.
 *  - Rescale happens in float32 (`Math.fround(factor * v)`), normalisation in double from that float32 value, stored
 *    as float32. The lookup table reproduces that exactly.
 *
 * Deliberate differences (cases where transformers.js throws instead of producing a tensor):
 *  - grey+alpha images crash transformers.js' decoder; we drop alpha like for RGBA. Reference mode applies the
 *    same workaround, so the two modes still agree.
 *  - a center crop larger than the image on one axis but not the other (only reachable with do_resize false or a
 *    resize smaller than the crop) makes transformers.js fail on node ("extract_area: bad extract area": sharp runs
 *    its `extract` before its `extend`). We produce what its browser code path and the center_crop doc describe:
 *    pad the short axis with black, crop the long one. Reference mode reports such images as unreadable.
 *
 * Single-pass vs two-pass: 8-bit images without alpha (the vast majority: JPEG, RGB PNG, WebP, CMYK JPEG, grey)
 * take one libvips pass; images with alpha, 16-bit images, grey images with an ICC profile and lanczos configs
 * decode to raw first and resize that raw buffer, exactly as transformers.js does, because libvips would otherwise
 * premultiply alpha / resize at 16 bits / take the luma after resizing / shrink-on-load.
 */
import { loadSharp } from '../util/heavy-modules.js';
import { ImageReadError } from '../errors.js';
import { readHeader, toRaw, toRgb3, toRgbMapping, luma, type ImageHeader, type RawPixels } from './decode.js';
import { asSharpInput } from './netpbm-bmp.js';
import { resizeTarget, type PreprocessSpec, type PilResample } from './preprocess-spec.js';
import type { ImagePreprocessor } from './types.js';

/** Largest resized image (before the center crop) we are willing to materialise: 8192 x 8192. */
const MAX_RESIZED_PIXELS = 8192 * 8192;

/** transformers.js RESAMPLING_MAPPING, after its box/hamming -> bilinear fallback; 1 (lanczos) is handled apart. */
const AFFINE_INTERPOLATOR: Readonly<Record<Exclude<PilResample, 1>, 'nearest' | 'bilinear' | 'bicubic'>> = {
  0: 'nearest',
  2: 'bilinear',
  3: 'bicubic',
  4: 'bilinear',
  5: 'bilinear',
};

/**
 * Per-channel lookup table uint8 -> normalised float32, computed with the same float32 roundings as transformers.js
 * (`Float32Array.from(uint8)`, then `pixel = factor * pixel` stored to float32, then `(pixel - mean) / std` stored
 * to float32).
 */
export function buildLut(spec: PreprocessSpec): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) {
      let t = v;
      if (spec.rescaleFactor !== null) t = Math.fround(spec.rescaleFactor * t);
      if (spec.mean && spec.std) t = (t - spec.mean[c]) / spec.std[c];
      lut[c * 256 + v] = t;
    }
  }
  return lut;
}

export class FastPreprocessor implements ImagePreprocessor {
  readonly mode = 'fast' as const;
  get outputHeight(): number {
    return this.spec.outputHeight;
  }
  get outputWidth(): number {
    return this.spec.outputWidth;
  }
  private readonly lut: Float32Array;
  private readonly planeSize: number;

  constructor(
    readonly spec: PreprocessSpec,
    readonly description: string,
  ) {
    this.lut = buildLut(spec);
    this.planeSize = spec.outputHeight * spec.outputWidth;
  }

  async process(input: Buffer, file: string): Promise<Float32Array> {
    const out = new Float32Array(3 * this.planeSize);
    await this.processInto(input, file, out, 0);
    return out;
  }

  async processInto(bytes: Buffer, file: string, out: Float32Array, offset: number): Promise<void> {
    if (!Number.isInteger(offset) || offset < 0 || offset + 3 * this.planeSize > out.length) {
      throw new RangeError(
        `processInto: offset ${offset} + ${3 * this.planeSize} values does not fit in an output of length ${out.length}`,
      );
    }
    const input = await asSharpInput(bytes, file); // PGM/PPM/BMP (sharp cannot read them) as PNG
    const header = await readHeader(input, file);
    const px = await this.decodeResized(input, file, header);
    this.writeChw(px, header.channels, file, out, offset);
  }

  /** Decoded, oriented and resized pixels (before the center crop), as transformers.js has them at that point. */
  private async decodeResized(input: Buffer, file: string, header: ImageHeader): Promise<RawPixels> {
    const sharp = await loadSharp();
    const { spec } = this;
    if (!spec.convertRgb && header.channels !== 3) {
      // transformers.js would keep the image at its own channel count and then fail to normalise it with a 3-value
      // mean, or hand the model a tensor with the wrong number of channels.
      throw new ImageReadError(file, `has ${header.channels} channel(s) but preprocessor_config.json sets do_convert_rgb to false`);
    }
    const { width: w, height: h } = header;
    const [tw, th] = spec.resize ? resizeTarget(spec.resize, w, h) : [w, h];
    // transformers.js `RawImage.resize` returns the image untouched when the size already matches.
    const needResize = tw !== w || th !== h;
    if (needResize && (tw < 1 || th < 1 || tw * th > MAX_RESIZED_PIXELS)) {
      // transformers.js fails on 0-sized targets too; for huge ones (e.g. a 1x5000 strip with shortest_edge 224
      // becomes 224x1120000) it would try to materialise the whole resized image. We refuse instead.
      throw new ImageReadError(file, `${w}x${h} is too small or too elongated: resizing gives ${tw}x${th}`);
    }

    // A grey image with an ICC profile is decoded to sRGB through the profile, possibly with R, G, B not exactly
    // equal; transformers.js takes the luma of that BEFORE resizing, which does not commute with the resize.
    const greyViaProfile = header.channels === 1 && header.hasProfile;
    if (!needResize || (header.depth === 'uchar' && !header.hasAlpha && !greyViaProfile && spec.resample !== 1)) {
      // Single libvips pass. Valid because for 8-bit input without alpha every step sharp inserts before `affine`
      // (EXIF rotate, CMYK/ICC -> 8-bit sRGB) is what transformers.js' decode does too, and plain grey is
      // interpolated as one band and expanded to R=G=B afterwards, which commutes with the per-band interpolation.
      let pipeline = sharp(input).rotate();
      if (needResize) {
        pipeline = pipeline.affine([tw / w, 0, 0, th / h], { interpolator: AFFINE_INTERPOLATOR[spec.resample as Exclude<PilResample, 1>] });
      }
      return toRaw(pipeline, file);
    }

    // Two passes, like transformers.js, when the resize must see exactly the 8-bit RGB pixels transformers.js has:
    //  - alpha: transformers.js drops alpha BEFORE resizing, while libvips `affine`/`resize` premultiply by alpha
    //    (sharp has no way to drop alpha before the resize within one pipeline);
    //  - 16-bit (and other non-8-bit) images: transformers.js reduces them to 8 bits before resizing;
    //  - grey images with an ICC profile (see above);
    //  - lanczos goes through `sharp.resize`, which on an encoded JPEG/WebP would use shrink-on-load.
    const decoded = await toRaw(sharp(input).rotate(), file);
    if (!needResize) return decoded;
    const rgb = toRgb3(decoded, header.channels);
    let pipeline = sharp(rgb, { raw: { width: decoded.width, height: decoded.height, channels: 3 } });
    if (spec.resample === 1) {
      pipeline = pipeline.resize({ width: tw, height: th, fit: 'fill', kernel: 'lanczos3' });
    } else {
      pipeline = pipeline.affine([tw / decoded.width, 0, 0, th / decoded.height], { interpolator: AFFINE_INTERPOLATOR[spec.resample] });
    }
    return toRaw(pipeline, file);
  }

  /** Center crop (with transformers.js' black padding), channel mapping, rescale + normalise, HWC -> CHW. */
  private writeChw(px: RawPixels, headerChannels: number, file: string, out: Float32Array, offset: number): void {
    const { spec, lut } = this;
    const { data, width: W, height: H, channels: C } = px;
    const oh = spec.outputHeight;
    const ow = spec.outputWidth;
    if (!spec.centerCrop && (W !== ow || H !== oh)) {
      throw new ImageReadError(file, `preprocessing produced ${W}x${H} pixels instead of ${ow}x${oh}`);
    }
    // transformers.js center_crop: per axis, start = floor((size - crop) / 2) when the image is larger, otherwise
    // pad floor((crop - size) / 2) black pixels before it. Both reduce to "source = dest + shift".
    const shiftX = W >= ow ? Math.floor((W - ow) / 2) : -Math.floor((ow - W) / 2);
    const shiftY = H >= oh ? Math.floor((H - oh) / 2) : -Math.floor((oh - H) / 2);
    const mapping = toRgbMapping(C, headerChannels);
    const plane = oh * ow;
    const o0 = offset;
    const o1 = offset + plane;
    const o2 = offset + 2 * plane;
    const pad0 = lut[0];
    const pad1 = lut[256];
    const pad2 = lut[512];
    // Columns of the output that map inside the image.
    const xStart = Math.max(0, -shiftX);
    const xEnd = Math.min(ow, W - shiftX);

    for (let y = 0; y < oh; y++) {
      const sy = y + shiftY;
      const rowOut = y * ow;
      if (sy < 0 || sy >= H || xStart >= xEnd) {
        out.fill(pad0, o0 + rowOut, o0 + rowOut + ow);
        out.fill(pad1, o1 + rowOut, o1 + rowOut + ow);
        out.fill(pad2, o2 + rowOut, o2 + rowOut + ow);
        continue;
      }
      if (xStart > 0) {
        out.fill(pad0, o0 + rowOut, o0 + rowOut + xStart);
        out.fill(pad1, o1 + rowOut, o1 + rowOut + xStart);
        out.fill(pad2, o2 + rowOut, o2 + rowOut + xStart);
      }
      if (xEnd < ow) {
        out.fill(pad0, o0 + rowOut + xEnd, o0 + rowOut + ow);
        out.fill(pad1, o1 + rowOut + xEnd, o1 + rowOut + ow);
        out.fill(pad2, o2 + rowOut + xEnd, o2 + rowOut + ow);
      }
      let s = (sy * W + xStart + shiftX) * C;
      if (mapping === 'rgb') {
        for (let x = xStart, d = rowOut + xStart; x < xEnd; x++, d++, s += C) {
          out[o0 + d] = lut[data[s]];
          out[o1 + d] = lut[256 + data[s + 1]];
          out[o2 + d] = lut[512 + data[s + 2]];
        }
      } else {
        for (let x = xStart, d = rowOut + xStart; x < xEnd; x++, d++, s += C) {
          const v = mapping === 'luma' ? luma(data[s], data[s + 1], data[s + 2]) : data[s];
          out[o0 + d] = lut[v];
          out[o1 + d] = lut[256 + v];
          out[o2 + d] = lut[512 + v];
        }
      }
    }
  }
}
