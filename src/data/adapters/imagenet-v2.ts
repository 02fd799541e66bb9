import { HoloclipError } from '../../errors.js';
import { SkipCounter } from '../imagefolder.js';
import type { Dataset } from '../types.js';
import { collectItems, requireDir, requireItems, topLevel } from './common.js';
import { imagenetClasses } from './resources.js';
import type { AdapterOptions } from './types.js';
import { IMAGENET_V2_LAYOUT } from './layouts.js';

/**
 * ImageNetV2 (Recht et al., 2019; any of its three variants). Folder `k` holds images of ImageNet-1k
 * class k. The folders sort as strings ("10" < "2"), so labels are the folder NUMBERS, never sorted
 * positions (torchvision's ImageFolder would get this wrong; the authors' loader maps int(folder)).
 * Head: the 1000 CLIP_benchmark names.
 */
export async function openImagenetV2(root: string, options: AdapterOptions): Promise<Dataset> {
  const dir = await requireDir(root, 'imagenet-v2', IMAGENET_V2_LAYOUT);
  const inet = await imagenetClasses(options);
  const skipped = new SkipCounter();
  const { folders, files } = await topLevel(dir, skipped);
  for (const f of files) skipped.nonImage(f);
  if (folders.length === 0) throw new HoloclipError(`imagenet-v2 data folder ${dir} has no class sub-folders; expected ${IMAGENET_V2_LAYOUT}`);
  const numbered = folders.map((f) => {
    const k = Number(f);
    if (!/^\d+$/.test(f) || String(k) !== f || k >= 1000) {
      const hint = f.startsWith('imagenetv2-') ? ` (give ${dir}/${f} itself)` : ' — move or remove it';
      throw new HoloclipError(`imagenet-v2: folder "${f}" in ${dir} is not a class number 0..999; expected ${IMAGENET_V2_LAYOUT}${hint}`);
    }
    return k;
  });
  numbered.sort((a, b) => a - b);
  const items = await collectItems(dir, numbered.map((k) => ({ rel: String(k), label: k })), skipped);
  requireItems(items, 'imagenet-v2', dir, folders.length);
  return {
    kind: 'imagefolder',
    root: dir,
    source: dir,
    classnames: [...inet.names],
    classnamesSource: inet.source,
    items,
    skipped: skipped.result(),
    adapter: { type: 'imagenet-v2', notes: { classFolders: folders.length, labels: 'folder number = ImageNet-1k index' } },
  };
}
