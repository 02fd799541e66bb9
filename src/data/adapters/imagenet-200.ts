import type { Dataset } from '../types.js';
import { requireDir } from './common.js';
import { canonicalSubset } from './resources.js';
import type { AdapterOptions } from './types.js';
import { openWnidFolders } from './wnid-folders.js';

/**
 * How a copy of ImageNet-R / ImageNet-A is read, named by its dataset type:
 * - `complete` (`imagenet-r`, `imagenet-a`; the default, the reference protocol of imagenet-testbed,
 *   the CLIP paper and CLIP_benchmark): the head is the canonical 200 classes (`class_sublist` of
 *   imagenet-testbed's `imagenet_r.py` / `imagenet_a.py`) in ImageNet index order; every one of the 200
 *   folders must be present;
 * - `partial` (`imagenet-r-partial`, ...): a copy with some folders missing, still scored on the 200-way head;
 * - `present` (`imagenet-r-present`, ...): holoclip's former protocol, the head is the folders present.
 * In every variant a folder outside the 200 is an error.
 */
export type Imagenet200Variant = 'complete' | 'partial' | 'present';

export async function openImagenet200(
  root: string,
  base: 'imagenet-r' | 'imagenet-a',
  variant: Imagenet200Variant,
  layout: string,
  options: AdapterOptions,
): Promise<Dataset> {
  const type = variant === 'complete' ? base : `${base}-${variant}`;
  const dir = await requireDir(root, type, layout);
  const subset = await canonicalSubset(base === 'imagenet-r' ? 'imagenetRClasses' : 'imagenetAClasses', options);
  const head =
    variant === 'present'
      ? ({ kind: 'present', within: subset } as const)
      : ({ kind: 'canonical', subset, allowPartial: variant === 'partial', partialType: `${base}-partial`, presentType: `${base}-present` } as const);
  const ds = await openWnidFolders(dir, type, layout, head, options);
  const protocol =
    variant === 'present'
      ? `${type}: head = the class folders present (holoclip's former protocol), checked against the 200 of ${subset.source}`
      : `${type}: head = the canonical 200 classes of ${subset.source} (imagenet-testbed / CLIP_benchmark)${variant === 'partial' ? '; a partial copy, asked for' : ''}`;
  return { ...ds, adapter: { ...ds.adapter, type, notes: { protocol, ...ds.adapter?.notes } } };
}
