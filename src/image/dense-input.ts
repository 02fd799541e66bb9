/**
 * The input of a dense-feature pass, prepared as probe3d's SPair loader does (mbanani/probe3d@a1f1464,
 * evals/datasets/spair.py): optionally cropped to a box, padded to a square at the bottom and right with white
 * (255), resized with PIL bicubic to the model's input size, then ToTensor + Normalize(mean, std). probe3d resizes
 * to 800 px and lets the ViT interpolate its position embeddings; an ONNX export has them fixed, so the square is
 * resized to the export's input size instead (recorded as `input_handling: "resized"`).
 */
import { pilResize, type Raw8 } from './pil-resample.js';

export interface DenseInputSpec {
  readonly size: readonly [number, number];
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** What was done to every image, for results and the store key. */
export function describeDenseInput(spec: DenseInputSpec): Record<string, unknown> {
  return {
    steps: 'decode as Pillow convert("RGB"); crop to the box (if any); pad to a square at the bottom/right with 255; PIL bicubic resize; /255; (x - mean) / std',
    size: [...spec.size],
    mean: [...spec.mean],
    std: [...spec.std],
    input_handling: 'resized',
    input_handling_note: 'probe3d feeds 800 px and interpolates ViT position embeddings; ONNX exports have a fixed input size, so the padded square is resized to it',
  };
}

/** Crop box [left, upper, right, lower] in pixels (numpy slicing: clipped to the image). */
export type CropBox = readonly [number, number, number, number];

/** The padded square (RGB, interleaved) of `img`, cropped to `crop` first. */
export function padToSquare(img: Raw8, crop: CropBox | null): Raw8 {
  const [l, u, r, d] = crop ? [Math.max(0, crop[0]), Math.max(0, crop[1]), Math.min(img.width, crop[2]), Math.min(img.height, crop[3])] : [0, 0, img.width, img.height];
  const w = Math.max(0, r - l);
  const h = Math.max(0, d - u);
  const side = Math.max(w, h, 1);
  const out = new Uint8Array(side * side * 3).fill(255);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = ((u + y) * img.width + (l + x)) * img.channels;
      const t = (y * side + x) * 3;
      out[t] = img.data[s];
      out[t + 1] = img.data[s + 1];
      out[t + 2] = img.data[s + 2];
    }
  }
  return { width: side, height: side, channels: 3, data: out };
}

/** CHW float32 model input from an RGB image; also returns the padded square's side (keypoints scale by it). */
export function prepareDenseInput(img: Raw8, crop: CropBox | null, spec: DenseInputSpec): { pixels: Float32Array; paddedSide: number } {
  const square = padToSquare(img, crop);
  const [H, W] = spec.size;
  const resized = square.width === W && square.height === H ? square : pilResize(square, W, H, 'bicubic');
  const hw = H * W;
  const pixels = new Float32Array(3 * hw);
  for (let c = 0; c < 3; c++) {
    const m = Math.fround(spec.mean[c]);
    const s = Math.fround(spec.std[c]);
    for (let p = 0; p < hw; p++) pixels[c * hw + p] = (Math.fround(resized.data[p * 3 + c] / 255) - m) / s;
  }
  return { pixels, paddedSide: square.width };
}
