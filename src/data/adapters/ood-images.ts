import { openImageList } from '../image-list.js';
import type { Dataset } from '../types.js';
import { requireDir } from './common.js';
import type { AdapterOptions } from './types.js';
import { OOD_IMAGES_LAYOUT } from './layouts.js';

/**
 * An out-of-distribution image set for OOD detection (MOS, Huang & Li 2021; MCM, Ming et al. 2022;
 * ImageNet-O, Hendrycks et al. 2021; NINCO, Bitterwolf et al. 2023): every image below the root,
 * label -1. The in-distribution set supplies the classes.
 */
export async function openOodImages(root: string, _options: AdapterOptions): Promise<Dataset> {
  const dir = await requireDir(root, 'ood-images', OOD_IMAGES_LAYOUT);
  const ds = await openImageList(dir);
  return { ...ds, adapter: { type: 'ood-images', notes: { images: ds.items.length } } };
}
