/**
 * Shared plumbing of the ImageNet-C corruption modules: input checks and the table lookup by severity.
 *
 * Pixel units: the reference parameter tables are for 224 x 224 images (make_imagenet_c.py works on
 * Resize(256) + CenterCrop(224)). Every parameter given in pixels (blur sigmas and radii, shuffle distances,
 * motion lengths, elastic displacements) is kept at its 224-px value whatever the image size, as the
 * packaged imagecorruptions does; corruptions whose parameters are relative (zoom factors, pixelate and JPEG)
 * behave the same at any size.
 */
import { assertRgbImage } from '../pixels.js';
import type { CorruptionInput, Severity } from '../types.js';

/** Validates the input and returns the 0-based severity index for the parameter tables. */
export function severityIndex(input: CorruptionInput): number {
  assertRgbImage(input.image);
  const s: Severity = input.severity;
  if (!(s === 1 || s === 2 || s === 3 || s === 4 || s === 5)) throw new RangeError(`severity must be 1..5, got ${String(s)}`);
  return s - 1;
}
