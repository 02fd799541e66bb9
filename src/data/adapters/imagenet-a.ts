import type { Dataset } from '../types.js';
import { requireDir } from './common.js';
import type { AdapterOptions } from './types.js';
import { openWnidFolders } from './wnid-folders.js';

export const IMAGENET_A_LAYOUT = '<root>/<wnid>/*.jpg (200 ImageNet wnid folders, the imagenet-a.tar release)';

/**
 * ImageNet-A (Hendrycks et al., 2021): natural adversarial examples of 200 ImageNet classes.
 * Standard protocol (the authors' eval code, CLIP paper, CLIP_benchmark): 200-way head of those
 * classes in ImageNet index order; the wnid folders present define them (`adapter.subset`).
 */
export async function openImagenetA(root: string, options: AdapterOptions): Promise<Dataset> {
  const dir = await requireDir(root, 'imagenet-a', IMAGENET_A_LAYOUT);
  return openWnidFolders(dir, 'imagenet-a', IMAGENET_A_LAYOUT, 'present', options);
}
