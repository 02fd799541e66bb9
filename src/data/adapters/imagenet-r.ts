import type { Dataset } from '../types.js';
import { openImagenet200, type Imagenet200Variant } from './imagenet-200.js';
import type { AdapterOptions } from './types.js';
import { IMAGENET_R_LAYOUT } from './layouts.js';

/**
 * ImageNet-R (Hendrycks et al., 2021): renditions of 200 ImageNet classes, scored on the canonical
 * 200-way head (imagenet-testbed's `class_sublist`, the authors' eval code, CLIP paper, CLIP_benchmark)
 * in ImageNet index order (`adapter.subset` = their 1000-indices). See imagenet-200.ts for the variants.
 */
export function openImagenetR(root: string, options: AdapterOptions, variant: Imagenet200Variant = 'complete'): Promise<Dataset> {
  return openImagenet200(root, 'imagenet-r', variant, IMAGENET_R_LAYOUT, options);
}
