import type { Dataset } from '../types.js';
import { requireDir } from './common.js';
import type { AdapterOptions } from './types.js';
import { openWnidFolders } from './wnid-folders.js';
import { IMAGENET_SKETCH_LAYOUT } from './layouts.js';

/**
 * ImageNet-Sketch (Wang et al., 2019): 50,889 sketches in the 1000 ImageNet wnid folders. Evaluated
 * with the full 1000-way ImageNet head, labels = ImageNet-1k indices (CLIP paper, CLIP_benchmark).
 */
export async function openImagenetSketch(root: string, options: AdapterOptions): Promise<Dataset> {
  const dir = await requireDir(root, 'imagenet-sketch', IMAGENET_SKETCH_LAYOUT);
  return openWnidFolders(dir, 'imagenet-sketch', IMAGENET_SKETCH_LAYOUT, { kind: 'full' }, options);
}
