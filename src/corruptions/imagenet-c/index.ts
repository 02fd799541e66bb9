/**
 * The 19 ImageNet-C corruptions (Hendrycks & Dietterich, ICLR 2019): the 15 of the benchmark, in the
 * reference's order, then the 4 extra ones (speckle_noise, gaussian_blur, spatter, saturate), which the
 * reference keeps for validation. Parameter tables are make_imagenet_c.py's (224 x 224 images).
 *
 * The deterministic eight (brightness, contrast, saturate, pixelate, jpeg_compression, defocus_blur, zoom_blur,
 * gaussian_blur) reproduce the reference's libraries to the pixel (test/corruptions-imagenet-c.test.ts). The
 * random ones draw from the same distributions with holoclip's seeded generator, not numpy's Mersenne Twister
 * stream, so they match the reference in distribution, not pixel for pixel.
 */
import type { Corruption } from '../types.js';
import { DEFOCUS_BLUR, GAUSSIAN_BLUR, GLASS_BLUR, MOTION_BLUR, ZOOM_BLUR } from './blur.js';
import { CONTRAST, ELASTIC_TRANSFORM, JPEG_COMPRESSION, PIXELATE, SATURATE } from './digital.js';
import { GAUSSIAN_NOISE, IMPULSE_NOISE, SHOT_NOISE, SPECKLE_NOISE } from './noise.js';
import { BRIGHTNESS, FOG, FROST, SNOW, SPATTER } from './weather.js';

/** How parameters given in pixels behave at sizes other than 224 (one sentence, for documentation). */
export const IMAGENET_C_PIXEL_UNITS =
  "Parameters in pixels (blur sigmas and radii, glass-blur shuffle distance, motion length, elastic displacements, spatter and snow blurs, the frost texture's scale) keep their 224-px values at every image size, as imagecorruptions does; zoom factors, pixelate and JPEG are size-relative, and fog's fractal is drawn at the next power of two of the longer side.";

export const IMAGENET_C_CORRUPTIONS: readonly Corruption[] = [
  GAUSSIAN_NOISE,
  SHOT_NOISE,
  IMPULSE_NOISE,
  DEFOCUS_BLUR,
  GLASS_BLUR,
  MOTION_BLUR,
  ZOOM_BLUR,
  SNOW,
  FROST,
  FOG,
  BRIGHTNESS,
  CONTRAST,
  ELASTIC_TRANSFORM,
  PIXELATE,
  JPEG_COMPRESSION,
  SPECKLE_NOISE,
  GAUSSIAN_BLUR,
  SPATTER,
  SATURATE,
];

export {
  BRIGHTNESS,
  CONTRAST,
  DEFOCUS_BLUR,
  ELASTIC_TRANSFORM,
  FOG,
  FROST,
  GAUSSIAN_BLUR,
  GAUSSIAN_NOISE,
  GLASS_BLUR,
  IMPULSE_NOISE,
  JPEG_COMPRESSION,
  MOTION_BLUR,
  PIXELATE,
  SATURATE,
  SHOT_NOISE,
  SNOW,
  SPATTER,
  SPECKLE_NOISE,
  ZOOM_BLUR,
};
