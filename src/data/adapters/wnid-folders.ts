import { HoloclipError } from '../../errors.js';
import { SkipCounter } from '../imagefolder.js';
import type { Dataset } from '../types.js';
import { collectItems, requireItems, topLevel } from './common.js';
import { imagenetClasses, type CanonicalSubset, type ImagenetClasses } from './resources.js';
import type { AdapterOptions } from './types.js';

/**
 * Which class head a `<root>/<wnid>/<images>` folder is read with:
 * - `full`: labels are the wnid's ImageNet-1k index; classnames are all 1000 CLIP names (ImageNet-Sketch /
 *   ImageNet val: the 1000-way zero-shot head, as in CLIP_benchmark).
 * - `canonical`: a fixed subset of ImageNet-1k (ImageNet-R / -A: imagenet-testbed's `class_sublist`, the
 *   200 classes of the authors' eval code, the CLIP paper and CLIP_benchmark): the head is the subset in
 *   ImageNet index order whatever folders are present; a folder outside it is an error; a copy missing
 *   some of its folders is an error unless `allowPartial` (then the head is still the whole subset).
 * - `present`: holoclip's former protocol: the head is the classes whose folders are present, in ImageNet
 *   index order (still checked against `within` when given).
 * With a sub-head, labels are 0..k-1 in head order and `adapter.subset` records the 1000-indices.
 */
export type WnidHead =
  | { readonly kind: 'full' }
  | { readonly kind: 'canonical'; readonly subset: CanonicalSubset; readonly allowPartial: boolean; readonly partialType: string; readonly presentType: string }
  | { readonly kind: 'present'; readonly within?: CanonicalSubset };

/** Shared reader for `<root>/<wnid>/<images>` layouts (ImageNet val, ImageNet-Sketch, ImageNet-R, ImageNet-A). */
export async function openWnidFolders(root: string, type: string, layout: string, head: WnidHead, options: AdapterOptions, classes?: ImagenetClasses): Promise<Dataset> {
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
  const present = folders.map((f) => inet.indexOf.get(f) as number).sort((a, b) => a - b);
  const within = head.kind === 'canonical' ? head.subset : head.kind === 'present' ? head.within : undefined;
  if (within !== undefined) {
    const allowed = new Set(within.indices);
    const outside = present.filter((i) => !allowed.has(i));
    if (outside.length > 0) {
      throw new HoloclipError(
        `${type}: ${outside.length} folder(s) in ${root} are not among the ${within.indices.length} classes listed in ${within.source} (first: "${inet.wnids[outside[0]]}", ${inet.names[outside[0]]}); move or remove them`,
      );
    }
  }
  const notes: Record<string, string | number> = { classFolders: folders.length };
  let headIndices: readonly number[] | null;
  if (head.kind === 'full') {
    headIndices = null;
    notes.head = 'imagenet-1k (1000 classes)';
  } else if (head.kind === 'present') {
    headIndices = present;
    notes.head = `classes present (${present.length}), ImageNet index order`;
  } else {
    headIndices = head.subset.indices;
    const have = new Set(present);
    const missing = head.subset.indices.filter((i) => !have.has(i));
    if (missing.length > 0 && !head.allowPartial) {
      throw new HoloclipError(
        `${type}: ${root} has ${present.length} of the ${head.subset.indices.length} class folders of ${head.subset.source} (${missing.length} missing, first "${inet.wnids[missing[0]]}"): a partial copy is not ${type}; ` +
          `use the complete release, or ${head.partialType}:PATH to evaluate it on the canonical ${head.subset.indices.length}-way head (${head.presentType}:PATH for a head of the folders present)`,
      );
    }
    notes.head = `canonical ${head.subset.indices.length} classes of ${head.subset.source}, ImageNet index order`;
    notes.missingClassFolders = missing.length;
  }
  const labelOf = new Map((headIndices ?? present).map((idx, i) => [idx, headIndices === null ? idx : i] as const));
  const items = await collectItems(root, present.map((idx) => ({ rel: inet.wnids[idx], label: labelOf.get(idx) as number })), skipped);
  requireItems(items, type, root, folders.length);
  return {
    kind: 'imagefolder',
    root,
    source: root,
    classnames: headIndices === null ? [...inet.names] : headIndices.map((i) => inet.names[i]),
    classnamesSource: inet.source,
    items,
    skipped: skipped.result(),
    adapter: {
      type,
      ...(headIndices === null ? {} : { subset: { of: 'imagenet-1k', indices: headIndices } }),
      notes,
    },
  };
}
