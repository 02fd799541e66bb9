import type { Dataset } from '../types.js';
import { openImagenet200, type Imagenet200Variant } from './imagenet-200.js';
import type { AdapterOptions } from './types.js';
import { IMAGENET_A_LAYOUT } from './layouts.js';

/**
 * ImageNet-A (Hendrycks et al., 2021): natural adversarial examples of 200 ImageNet classes, scored on
 * the canonical 200-way head (imagenet-testbed's `class_sublist`, the authors' eval code, CLIP paper,
 * CLIP_benchmark) in ImageNet index order. See imagenet-200.ts for the variants.
 */
export function openImagenetA(root: string, options: AdapterOptions, variant: Imagenet200Variant = 'complete'): Promise<Dataset> {
  return openImagenet200(root, 'imagenet-a', variant, IMAGENET_A_LAYOUT, options);
}
