/**
 * `--preprocess python`: decode as Pillow, resize as Pillow, crop / pad / convert to float as the Python library
 * named by the folder's pipeline (see python-pipeline.ts). The uint8 pixels after resize + crop equal the Python
 * pipeline's byte for byte; the float tensor is computed with the same float32 roundings (ToTensor + Normalize in
 * torch, or transformers' float64 rescale cast to float32 then float32 normalize), through a 3 x 256 lookup table.
 */
import { ImageReadError } from '../errors.js';
import { decodeLikePillow } from './pil-decode.js';
import { cropRegion, pilResizeRegion, type PixelRegion, type Raw8 } from './pil-resample.js';
import { pythonResizeTarget, type PythonCrop, type PythonPipeline, type PythonTensor } from './python-pipeline.js';
import type { ImagePreprocessor } from './types.js';

/** Largest resized image (before the crop) we materialise: 8192 x 8192, as in fast mode. */
const MAX_RESIZED_PIXELS = 8192 * 8192;

/** uint8 -> float32 per channel, with the reference's float32 roundings. */
export function buildPythonLut(t: PythonTensor): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    for (let v = 0; v < 256; v++) {
      let x: number;
      if (t.kind === 'torch') {
        // ToTensor: uint8 -> float32, div(255) in float32; Normalize: sub_(mean) then div_(std), float32 tensors.
        x = Math.fround(v / 255);
        x = Math.fround(Math.fround(x - Math.fround(t.mean[c])) / Math.fround(t.std[c]));
      } else {
        // transformers: image.astype(float64) * scale, then .astype(float32); normalize with float32 mean/std.
        x = t.rescale !== null ? Math.fround(v * t.rescale) : v;
        if (t.mean && t.std) x = Math.fround(Math.fround(x - Math.fround(t.mean[c])) / Math.fround(t.std[c]));
      }
      lut[c * 256 + v] = x;
    }
  }
  return lut;
}

/** Per axis, output index + shift = source index (negative / past-the-end = fill), as the crop convention does. */
export function cropShift(size: number, crop: number, convention: PythonCrop['convention']): number {
  if (size >= crop) {
    if (convention === 'transformers') return Math.floor((size - crop) / 2);
    // torchvision: int(round((size - crop) / 2.0)), half to even.
    const half = (size - crop) / 2;
    const r = Math.round(half);
    return half % 1 === 0.5 && r % 2 !== 0 ? r - 1 : r;
  }
  const d = crop - size;
  return convention === 'transformers' ? -Math.ceil(d / 2) : -Math.floor(d / 2);
}

/** Decoded, resized and cropped uint8 RGB pixels (what the Python pipeline has before ToTensor / rescale). */
export async function pythonPixels(p: PythonPipeline, input: Buffer, file: string): Promise<Raw8> {
  const img = await decodeLikePillow(input, file);
  let [tw, th] = [img.width, img.height];
  if (p.resize) {
    [tw, th] = pythonResizeTarget(p.resize, img.width, img.height);
    if (tw < 1 || th < 1 || tw * th > MAX_RESIZED_PIXELS) {
      throw new ImageReadError(file, `${img.width}x${img.height} is too small or too elongated: resizing gives ${tw}x${th}`);
    }
  }
  const resize = (region: PixelRegion): Raw8 =>
    p.resize ? pilResizeRegion(img, tw, th, p.resize.filter, region) : cropRegion(img, region);
  if (!p.crop) {
    if (tw !== p.outputWidth || th !== p.outputHeight) {
      throw new ImageReadError(file, `preprocessing produced ${tw}x${th} pixels instead of ${p.outputWidth}x${p.outputHeight}`);
    }
    return p.resize ? resize({ x: 0, y: 0, width: tw, height: th }) : img;
  }
  const { height: ch, width: cw, convention, fill } = p.crop;
  const sx = cropShift(tw, cw, convention);
  const sy = cropShift(th, ch, convention);
  // The part of the crop window inside the resized image: only those pixels are resized (output x + sx = source x).
  const x0 = Math.max(0, sx);
  const y0 = Math.max(0, sy);
  const x1 = Math.min(tw, sx + cw);
  const y1 = Math.min(th, sy + ch);
  if (x0 === sx && y0 === sy && x1 - x0 === cw && y1 - y0 === ch) return resize({ x: x0, y: y0, width: cw, height: ch });
  const out = new Uint8Array(cw * ch * 3);
  for (let i = 0; i < cw * ch; i++) out.set(fill, 3 * i);
  if (x1 > x0 && y1 > y0) {
    const inner = resize({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    const rowBytes = inner.width * 3;
    for (let r = 0; r < inner.height; r++) {
      out.set(inner.data.subarray(r * rowBytes, (r + 1) * rowBytes), ((y0 - sy + r) * cw + (x0 - sx)) * 3);
    }
  }
  return { width: cw, height: ch, channels: 3, data: out };
}

export class PythonPreprocessor implements ImagePreprocessor {
  readonly mode = 'python' as const;
  readonly outputHeight: number;
  readonly outputWidth: number;
  private readonly lut: Float32Array;

  constructor(
    readonly pipeline: PythonPipeline,
    readonly description: string,
  ) {
    this.lut = buildPythonLut(pipeline.tensor);
    this.outputHeight = pipeline.outputHeight;
    this.outputWidth = pipeline.outputWidth;
  }

  async process(input: Buffer, file: string): Promise<Float32Array> {
    const out = new Float32Array(3 * this.outputHeight * this.outputWidth);
    await this.processInto(input, file, out, 0);
    return out;
  }

  async processInto(input: Buffer, file: string, out: Float32Array, offset: number): Promise<void> {
    const plane = this.outputHeight * this.outputWidth;
    if (!Number.isInteger(offset) || offset < 0 || offset + 3 * plane > out.length) {
      throw new RangeError(`processInto: offset ${offset} + ${3 * plane} values does not fit in an output of length ${out.length}`);
    }
    const px = await pythonPixels(this.pipeline, input, file);
    const { lut } = this;
    const data = px.data;
    for (let i = 0, s = 0; i < plane; i++, s += 3) {
      out[offset + i] = lut[data[s]];
      out[offset + plane + i] = lut[256 + data[s + 1]];
      out[offset + 2 * plane + i] = lut[512 + data[s + 2]];
    }
  }
}
