import { HoloclipError } from '../../errors.js';
import { SkipCounter } from '../imagefolder.js';
import type { Dataset } from '../types.js';
import { collectItems, requireItems, topLevel } from './common.js';
import { imagenetClasses, type ImagenetClasses } from './resources.js';
import type { AdapterOptions } from './types.js';

/**
 * Shared reader for `<root>/<wnid>/<images>` layouts (ImageNet val in torchvision's layout,
 * ImageNet-Sketch, ImageNet-R, ImageNet-A). Every sub-folder must be an ImageNet-1k wnid.
 *
 * - `head: 'full'`: labels are the wnid's ImageNet-1k index; classnames are all 1000 CLIP names
 *   (ImageNet-Sketch / ImageNet val: 1000-way zero-shot head, as in CLIP_benchmark).
 * - `head: 'present'`: the 200-class protocol of ImageNet-R / ImageNet-A (Hendrycks et al.; CLIP
 *   paper; CLIP_benchmark's `imagenet-r`/`imagenet-a`): the zero-shot head is only the classes
 *   present, in ImageNet index order; labels 0..k-1 in that order; `adapter.subset` records the
 *   1000-indices so 1000-way logits can be sub-selected.
 */
export async function openWnidFolders(root: string, type: string, layout: string, head: 'full' | 'present', options: AdapterOptions, classes?: ImagenetClasses): Promise<Dataset> {
  const inet = classes ?? (await imagenetClasses(options));
  const skipped = new SkipCounter();
  const { folders, files } = await topLevel(root, skipped);
  for (const f of files) skipped.nonImage(f);
  if (folders.length === 0) throw new HoloclipError(`${type} data folder ${root} has no class sub-folders; expected ${layout}`);
  for (const f of folders) {
    if (!inet.indexOf.has(f)) {
      throw new HoloclipError(`${type}: folder "${f}" in ${root} is not an ImageNet-1k wnid (n + 8 digits, one of the 1000 classes); expected ${layout} — move or remove it`);
    }
  }
  // ImageNet's wnids are in sorted order, so code-point folder order is index order (as torchvision's ImageFolder).
  const indices = folders.map((f) => inet.indexOf.get(f) as number).sort((a, b) => a - b);
  const labelOf = new Map(indices.map((idx, i) => [idx, head === 'full' ? idx : i] as const));
  const items = await collectItems(root, indices.map((idx) => ({ rel: inet.wnids[idx], label: labelOf.get(idx) as number })), skipped);
  requireItems(items, type, root, folders.length);
  const subset = head === 'present' ? { of: 'imagenet-1k', indices } : undefined;
  return {
    kind: 'imagefolder',
    root,
    source: root,
    classnames: head === 'full' ? [...inet.names] : indices.map((i) => inet.names[i]),
    classnamesSource: inet.source,
    items,
    skipped: skipped.result(),
    adapter: {
      type,
      ...(subset === undefined ? {} : { subset }),
      notes: { classFolders: folders.length, head: head === 'full' ? 'imagenet-1k (1000 classes)' : `classes present (${indices.length}), ImageNet index order` },
    },
  };
}
