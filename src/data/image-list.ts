import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { IMAGE_EXTENSIONS } from './image-extensions.js';
import { listImageFiles, SkipCounter } from './imagefolder.js';
import { itemListOf } from './item-list.js';
import type { Dataset } from './types.js';

/**
 * An unlabelled image set (an OOD set such as iNaturalist/SUN/Places/Textures in the MOS/MCM
 * layout, or ImageNet-O): every image below the folder, at any depth, in torchvision's walk order.
 * Items get label -1. Hidden and non-image files are skipped and counted.
 */
export async function openImageList(source: string): Promise<Dataset> {
  const root = path.resolve(source);
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch {
    throw new HoloclipError(`image folder ${root} does not exist`);
  }
  if (!isDir) throw new HoloclipError(`image set ${root} must be a folder of images (sub-folders allowed)`);
  const skipped = new SkipCounter();
  const files = await listImageFiles(root, '', skipped);
  if (files.length === 0) throw new HoloclipError(`empty dataset: image folder ${root} holds no image files (${IMAGE_EXTENSIONS.join(' ')})`);
  const items = itemListOf(files.map((f) => ({ id: f.id, path: f.path, label: -1 })));
  return { kind: 'images', root, source: root, classnames: [], classnamesSource: 'none (unlabelled)', items, skipped: skipped.result() };
}
