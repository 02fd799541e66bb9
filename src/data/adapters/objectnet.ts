import { stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { compareCodePoints } from '../../store/canonical-json.js';
import { SkipCounter } from '../imagefolder.js';
import type { Dataset } from '../types.js';
import { collectItems, countImages, requireDir, requireItems, topLevel, type LabelledFolder } from './common.js';
import { clipBenchmarkTemplates, imagenetClasses, objectnetMapping } from './resources.js';
import type { AdapterOptions } from './types.js';
import { OBJECTNET_LAYOUT } from './layouts.js';

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

/**
 * ObjectNet as CLIP_benchmark@48de38c1 evaluates it (`clip_benchmark/datasets/objectnet.py`, adapted
 * from wise-ft; the protocol of open_clip's published results tables), type `objectnet-113`:
 * - the 113 ObjectNet classes that overlap ImageNet (the keys of objectnet_to_imagenet_1k.json) form a
 *   113-way head; the label of an image is the position of its folder among those 113 folders sorted;
 * - class names are the ObjectNet names, lower-cased (`classname_map[folder].lower()`);
 *   en_classnames.json has no `objectnet` entry, so these are the names CLIP_benchmark prompts with;
 * - templates: en_zeroshot_classification_templates.json has no `objectnet` key either, so
 *   `build_dataset` falls back to `imagenet1k` (the 80 OpenAI ImageNet templates);
 * - images of the other 200 folders are left out; no border crop.
 */
export async function openObjectnet113(root: string, options: AdapterOptions): Promise<Dataset> {
  const type = 'objectnet-113';
  const top = await requireDir(root, type, OBJECTNET_LAYOUT);
  const dir = await imagesDir(top);
  const [map, templates] = await Promise.all([objectnetMapping(options), clipBenchmarkTemplates('objectnet', options)]);
  const labelToFolder = new Map<string, string>();
  for (const [folder, label] of map.folderToLabel) {
    if (labelToFolder.has(label)) throw new HoloclipError(`ObjectNet folder map ${map.sources.folderToObjectnet}: label "${label}" has two folders ("${labelToFolder.get(label)}", "${folder}")`);
    labelToFolder.set(label, folder);
  }
  const headFolders = [...map.labelToImagenet.keys()].map((label) => {
    const folder = labelToFolder.get(label);
    if (folder === undefined) throw new HoloclipError(`ObjectNet class "${label}" of ${map.sources.objectnetToImagenet} has no folder in ${map.sources.folderToObjectnet}`);
    return folder;
  });
  // Python's sorted() on str: code-point order.
  headFolders.sort(compareCodePoints);
  const labelOf = new Map(headFolders.map((f, i) => [f, i] as const));

  const skipped = new SkipCounter();
  const { folders, files } = await topLevel(dir, skipped);
  for (const f of files) skipped.nonImage(f);
  if (folders.length === 0) throw new HoloclipError(`${type} data folder ${dir} has no class sub-folders; expected ${OBJECTNET_LAYOUT}`);
  const kept: LabelledFolder[] = [];
  const outside: string[] = [];
  for (const folder of folders) {
    if (!map.folderToLabel.has(folder)) {
      throw new HoloclipError(`${type}: folder "${folder}" in ${dir} is not an ObjectNet class folder (not in ${map.sources.folderToObjectnet}); move or remove it`);
    }
    const label = labelOf.get(folder);
    if (label === undefined) outside.push(folder);
    else kept.push({ rel: folder, label });
  }
  const items = await collectItems(dir, kept, skipped);
  requireItems(items, type, dir, kept.length);
  let outsideImages = 0;
  for (const f of outside) outsideImages += await countImages(dir, f);
  return {
    kind: 'imagefolder',
    root: dir,
    source: top,
    classnames: headFolders.map((f) => (map.folderToLabel.get(f) as string).toLowerCase()),
    classnamesSource: `ObjectNet class names, lower-cased, of the ${headFolders.length} classes in ${map.sources.objectnetToImagenet}, in sorted folder order (${map.sources.folderToObjectnet})`,
    items,
    skipped: skipped.result(),
    adapter: {
      type,
      templates: templates.templates,
      notes: {
        protocol: `CLIP_benchmark@48de38c1 objectnet: ${headFolders.length}-way head on ObjectNet names, label = sorted folder position, no border crop, templates ${templates.key} of CLIP_benchmark (open_clip results tables)`,
        templates: `${templates.source}#${templates.key}`,
        keptClassFolders: kept.length,
        skippedClassFolders: outside.length,
        skippedImages: outsideImages,
        folderToObjectnet: map.sources.folderToObjectnet,
        objectnetToImagenet: map.sources.objectnetToImagenet,
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
