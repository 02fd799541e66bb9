import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { compareCodePoints } from '../../store/canonical-json.js';
import { IMAGE_EXTENSIONS, isHiddenName } from '../image-extensions.js';
import { appendFolders, countImageFiles, isDirectoryEntry, readdirOrFail, SkipCounter, type LabelledFolder } from '../imagefolder.js';
import { ItemListBuilder, type ItemList } from '../item-list.js';

/** The absolute root, which must be an existing folder; else a clear error naming the layout. */
export async function requireDir(root: string, type: string, layout: string): Promise<string> {
  const abs = path.resolve(root);
  let st;
  try {
    st = await stat(abs);
  } catch {
    throw new HoloclipError(`${type} data folder ${abs} does not exist; expected ${layout}`);
  }
  if (!st.isDirectory()) throw new HoloclipError(`${type} data path ${abs} is not a folder; expected ${layout}`);
  return abs;
}

/** Directory, or symlink to one (followed, as ImageFolder does). */
export const isDir = isDirectoryEntry;

/**
 * The non-hidden sub-folders of `dir` (code-point sorted) and its plain files. Hidden entries are
 * counted in `skipped`; files are returned (the caller decides whether they are skipped).
 */
export async function topLevel(dir: string, skipped: SkipCounter, relPrefix = ''): Promise<{ folders: string[]; files: string[] }> {
  const folders: string[] = [];
  const files: string[] = [];
  for (const entry of await readdirOrFail(dir)) {
    if (isHiddenName(entry.name)) skipped.hidden(relPrefix + entry.name);
    else if (await isDir(dir, entry)) folders.push(entry.name);
    else files.push(entry.name);
  }
  folders.sort(compareCodePoints);
  files.sort(compareCodePoints);
  return { folders, files };
}

export type { LabelledFolder } from '../imagefolder.js';

/**
 * Items of labelled folders, in the given folder order, images in torchvision order within each
 * (recursive; hidden and non-image files counted in `skipped`).
 */
export async function collectItems(root: string, folders: readonly LabelledFolder[], skipped: SkipCounter): Promise<ItemList> {
  const items = new ItemListBuilder();
  await appendFolders(items, root, folders, skipped);
  return items.finish();
}

export function requireItems(items: ItemList, type: string, root: string, folders: number): void {
  if (items.length === 0) {
    throw new HoloclipError(`empty dataset: ${type} data folder ${root} has ${folders} class folders but no image files (${IMAGE_EXTENSIONS.join(' ')})`);
  }
}

/** Count the images under a folder without keeping them (ObjectNet classes outside ImageNet). */
export async function countImages(root: string, rel: string): Promise<number> {
  return countImageFiles(root, rel, new SkipCounter());
}
