import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { compareCodePoints } from '../../store/canonical-json.js';
import { SkipCounter } from '../imagefolder.js';
import type { Dataset } from '../types.js';
import { collectItems, countImages, requireDir, requireItems, topLevel, type LabelledFolder } from './common.js';
import { imagenetClasses, objectnetMapping } from './resources.js';
import type { AdapterOptions } from './types.js';

export const OBJECTNET_LAYOUT = '<root>/images/<folder>/*.png (ObjectNet 1.0; or <root>/<folder>/* directly), folder names as in folder_to_objectnet_label.json';

/** Pixels ObjectNet's authors crop from each border (the images carry a 1-pixel red frame). */
export const OBJECTNET_CROP_BORDER = 2;

/**
 * ObjectNet (Barbu et al., 2019), evaluated as imagenet-testbed (Taori et al., 2020) and the CLIP
 * paper do:
 * - only the 113 ObjectNet classes that overlap ImageNet are kept (the other folders are skipped,
 *   counted in `adapter.notes`);
 * - the head is the ImageNet-1k classes some ObjectNet class maps to (125 with the released
 *   mapping), with their CLIP names, in ImageNet index order (`adapter.subset` = their 1000-indices);
 *   it is fixed by the mapping, not by which folders are present;
 * - a prediction is correct when it is ANY ImageNet class mapped to the true ObjectNet class:
 *   `item.labels` = those head indices, `item.label` = the first;
 * - 2 pixels are cropped from every border before preprocessing (`cropBorder`).
 */
export async function openObjectnet(root: string, options: AdapterOptions): Promise<Dataset> {
  const top = await requireDir(root, 'objectnet', OBJECTNET_LAYOUT);
  const dir = await imagesDir(top);
  const [inet, map] = await Promise.all([imagenetClasses(options), objectnetMapping(options)]);

  const head = [...new Set([...map.labelToImagenet.values()].flat())].sort((a, b) => a - b);
  const headPos = new Map(head.map((idx, i) => [idx, i] as const));

  const skipped = new SkipCounter();
  const { folders, files } = await topLevel(dir, skipped);
  for (const f of files) skipped.nonImage(f);
  if (folders.length === 0) throw new HoloclipError(`objectnet data folder ${dir} has no class sub-folders; expected ${OBJECTNET_LAYOUT}`);
  const kept: LabelledFolder[] = [];
  const outside: string[] = [];
  for (const folder of folders) {
    const label = map.folderToLabel.get(folder);
    if (label === undefined) {
      throw new HoloclipError(`objectnet: folder "${folder}" in ${dir} is not an ObjectNet class folder (not in ${map.sources.folderToObjectnet}); move or remove it`);
    }
    const indices = map.labelToImagenet.get(label);
    if (indices === undefined) {
      outside.push(folder);
      continue;
    }
    const labels = indices.map((i) => headPos.get(i) as number);
    kept.push({ rel: folder, label: labels[0], labels });
  }
  kept.sort((a, b) => compareCodePoints(a.rel, b.rel));
  const items = await collectItems(dir, kept, skipped);
  requireItems(items, 'objectnet', dir, kept.length);
  let outsideImages = 0;
  for (const f of outside) outsideImages += await countImages(dir, f);
  return {
    kind: 'imagefolder',
    root: dir,
    source: top,
    classnames: head.map((i) => inet.names[i]),
    classnamesSource: inet.source,
    items,
    skipped: skipped.result(),
    cropBorder: OBJECTNET_CROP_BORDER,
    adapter: {
      type: 'objectnet',
      subset: { of: 'imagenet-1k', indices: head },
      notes: {
        protocol: 'imagenet-testbed: head = ImageNet classes mapped from the 113 overlapping ObjectNet classes; correct = any mapped class; 2 px border crop',
        keptClassFolders: kept.length,
        skippedClassFolders: outside.length,
        skippedImages: outsideImages,
        folderToObjectnet: map.sources.folderToObjectnet,
        objectnetToImagenet: map.sources.objectnetToImagenet,
        imagenetToLabels: map.sources.imagenetToLabels,
      },
    },
  };
}

/** `<root>/images` when it exists (the ObjectNet 1.0 zip), else the root itself. */
async function imagesDir(top: string): Promise<string> {
  const images = path.join(top, 'images');
  try {
    if ((await stat(images)).isDirectory()) return images;
  } catch {
    // not the release layout: class folders directly under the root
  }
  return top;
}
