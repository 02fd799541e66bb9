import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { compareCodePoints } from '../../store/canonical-json.js';
import { SkipCounter } from '../imagefolder.js';
import type { Dataset } from '../types.js';
import { collectItems, requireDir, requireItems, topLevel, type LabelledFolder } from './common.js';
import type { AdapterOptions } from './types.js';

export const IMAGENET_D_LAYOUT = '<root>/<background|texture|material>/<category>/* (the ImageNet-D release), or one subset folder <root>/<category>/*';

const SUBSETS = ['background', 'texture', 'material'] as const;

/**
 * ImageNet-D (Zhang et al., CVPR 2024): diffusion-generated images in three subsets. Its classes
 * are its own category names (the folder names, not ImageNet wnids); as in the authors' ImageFolder
 * evaluation, the classes are the sorted union of the category folders, and the head uses those
 * names. Giving one subset folder (e.g. `.../background`) reads that subset alone.
 * `options` is unused (no metadata files needed); kept for the common adapter signature.
 */
export async function openImagenetD(root: string, _options: AdapterOptions): Promise<Dataset> {
  const dir = await requireDir(root, 'imagenet-d', IMAGENET_D_LAYOUT);
  const skipped = new SkipCounter();
  const { folders, files } = await topLevel(dir, skipped);
  for (const f of files) skipped.nonImage(f);
  if (folders.length === 0) throw new HoloclipError(`imagenet-d data folder ${dir} has no sub-folders; expected ${IMAGENET_D_LAYOUT}`);
  const isSubset = (f: string): boolean => (SUBSETS as readonly string[]).includes(f);
  const present = folders.filter(isSubset);
  if (present.length > 0 && present.length < folders.length) {
    const other = folders.find((f) => !isSubset(f));
    throw new HoloclipError(`imagenet-d: folder "${other}" in ${dir} is not an ImageNet-D subset (${SUBSETS.join(', ')}); expected ${IMAGENET_D_LAYOUT} — move or remove it`);
  }

  // subset -> its category folders ('' = the root is itself one subset).
  const subsets: Array<{ name: string; rel: string; categories: string[] }> = [];
  if (present.length > 0) {
    for (const s of SUBSETS.filter((x) => present.includes(x))) {
      const inner = await topLevel(path.join(dir, s), skipped, `${s}/`);
      for (const f of inner.files) skipped.nonImage(`${s}/${f}`);
      subsets.push({ name: s, rel: `${s}/`, categories: inner.folders });
    }
  } else {
    subsets.push({ name: path.basename(dir), rel: '', categories: folders });
  }
  const classnames = [...new Set(subsets.flatMap((s) => s.categories))].sort(compareCodePoints);
  const labelOf = new Map(classnames.map((c, i) => [c, i] as const));
  const groups: LabelledFolder[] = subsets.flatMap((s) => s.categories.map((c) => ({ rel: `${s.rel}${c}`, label: labelOf.get(c) as number })));
  const items = await collectItems(dir, groups, skipped);
  requireItems(items, 'imagenet-d', dir, groups.length);

  const notes: Record<string, string | number> = { subsets: subsets.map((s) => s.name).join(', '), classes: classnames.length };
  for (const s of subsets) {
    const n = items.filter((it) => (s.rel === '' ? true : it.id.startsWith(s.rel))).length;
    notes[`${s.name}.images`] = n;
    notes[`${s.name}.classes`] = s.categories.length;
  }
  return {
    kind: 'imagefolder',
    root: dir,
    source: dir,
    classnames,
    classnamesSource: 'ImageNet-D category folder names (sorted union over subsets)',
    items,
    skipped: skipped.result(),
    adapter: { type: 'imagenet-d', notes },
  };
}
