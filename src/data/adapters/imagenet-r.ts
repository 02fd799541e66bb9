import type { Dataset } from '../types.js';
import { requireDir } from './common.js';
import type { AdapterOptions } from './types.js';
import { openWnidFolders } from './wnid-folders.js';

export const IMAGENET_R_LAYOUT = '<root>/<wnid>/*.jpg (200 ImageNet wnid folders, the imagenet-r.tar release)';

/**
 * ImageNet-R (Hendrycks et al., 2021): renditions of 200 ImageNet classes. Standard protocol (the
 * authors' eval code, CLIP paper, CLIP_benchmark): the head is the 200 classes only, in ImageNet
 * index order; here the wnid folders present define them (`adapter.subset` = their 1000-indices).
 */
export async function openImagenetR(root: string, options: AdapterOptions): Promise<Dataset> {
  const dir = await requireDir(root, 'imagenet-r', IMAGENET_R_LAYOUT);
  return openWnidFolders(dir, 'imagenet-r', IMAGENET_R_LAYOUT, 'present', options);
}
