import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { IMAGE_EXTENSIONS } from './image-extensions.js';
import { appendFolders, SkipCounter } from './imagefolder.js';
import { ItemListBuilder } from './item-list.js';
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
  const list = new ItemListBuilder();
  await appendFolders(list, root, [{ rel: '', label: -1 }], skipped);
  const items = list.finish();
  if (items.length === 0) throw new HoloclipError(`empty dataset: image folder ${root} holds no image files (${IMAGE_EXTENSIONS.join(' ')})`);
  return { kind: 'images', root, source: root, classnames: [], classnamesSource: 'none (unlabelled)', items, skipped: skipped.result() };
}
