import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { compareCodePoints } from '../../store/canonical-json.js';
import { SkipCounter } from '../imagefolder.js';
import type { Dataset } from '../types.js';
import { collectItems, requireDir, requireItems, topLevel, type LabelledFolder } from './common.js';
import { imagenetDClasses } from './resources.js';
import type { AdapterOptions } from './types.js';
import { IMAGENET_D_LAYOUT } from './layouts.js';

const SUBSETS = ['background', 'texture', 'material'] as const;

/** The prompt of ImageNet-D's `evaluate_vlm.py` (@d8bb2dfd): `clip.tokenize(f"A photo of a {c}")`, no period. */
export const IMAGENET_D_TEMPLATE = 'A photo of a {c}';

/**
 * A class name as `evaluate_vlm.py` cleans it before prompting:
 * `value[1].replace('_', ' ').replace('-', ' ').replace('/', ' or ').lower()` (every occurrence, in that order).
 */
export function cleanImagenetDName(raw: string): string {
  return raw.replaceAll('_', ' ').replaceAll('-', ' ').replaceAll('/', ' or ').toLowerCase();
}

interface Subset {
  readonly name: string;
  /** '' when the root is itself one subset folder, else `<subset>/`. */
  readonly rel: string;
  readonly categories: readonly string[];
}

/** The subsets and their category folders under `dir` (the release root, or one subset folder). */
async function readSubsets(dir: string, type: string, skipped: SkipCounter): Promise<Subset[]> {
  const { folders, files } = await topLevel(dir, skipped);
  for (const f of files) skipped.nonImage(f);
  if (folders.length === 0) throw new HoloclipError(`${type} data folder ${dir} has no sub-folders; expected ${IMAGENET_D_LAYOUT}`);
  const isSubset = (f: string): boolean => (SUBSETS as readonly string[]).includes(f);
  const present = folders.filter(isSubset);
  if (present.length > 0 && present.length < folders.length) {
    const other = folders.find((f) => !isSubset(f));
    throw new HoloclipError(`${type}: folder "${other}" in ${dir} is not an ImageNet-D subset (${SUBSETS.join(', ')}); expected ${IMAGENET_D_LAYOUT} — move or remove it`);
  }
  if (present.length === 0) return [{ name: path.basename(dir), rel: '', categories: folders }];
  const subsets: Subset[] = [];
  for (const s of SUBSETS.filter((x) => present.includes(x))) {
    const inner = await topLevel(path.join(dir, s), skipped, `${s}/`);
    for (const f of inner.files) skipped.nonImage(`${s}/${f}`);
    subsets.push({ name: s, rel: `${s}/`, categories: inner.folders });
  }
  return subsets;
}

async function subsetItems(dir: string, type: string, subsets: readonly Subset[], labelOf: (category: string) => number, skipped: SkipCounter) {
  const groups: LabelledFolder[] = subsets.flatMap((s) => s.categories.map((c) => ({ rel: `${s.rel}${c}`, label: labelOf(c) })));
  const items = await collectItems(dir, groups, skipped);
  requireItems(items, type, dir, groups.length);
  const notes: Record<string, string | number> = { subsets: subsets.map((s) => s.name).join(', ') };
  for (const s of subsets) {
    let n = 0;
    for (const it of items) if (it.id.startsWith(s.rel)) n++;
    notes[`${s.name}.images`] = n;
    notes[`${s.name}.classes`] = s.categories.length;
  }
  return { items, notes, subsets: subsets.map((s) => ({ name: s.name, prefix: s.rel })) };
}

/**
 * ImageNet-D (Zhang et al., CVPR 2024) as its authors evaluate vision-language models
 * (`evaluate_vlm.py` with `utils/data_loaders_imgnet_d_id.py`, chenshuang-zhang/imagenet_d@d8bb2dfd):
 * - the head is the fixed 113-class list of `imgnet_d_dir2imgnet_d_id.txt` (label id from the file,
 *   whatever folders are present), names cleaned as `cleanImagenetDName` does;
 * - prompt "A photo of a {c}" (shipped as the dataset's template, so every task uses it unless told otherwise);
 * - accuracy per subset (background, texture, material), recorded in `adapter.subsets` for the tasks;
 * - a category folder not in the 113 is an error (the reference would raise a KeyError).
 * Giving one subset folder (e.g. `.../background`) reads that subset alone.
 */
export async function openImagenetD(root: string, options: AdapterOptions): Promise<Dataset> {
  const type = 'imagenet-d';
  const dir = await requireDir(root, type, IMAGENET_D_LAYOUT);
  const classes = await imagenetDClasses(options);
  const skipped = new SkipCounter();
  const subsets = await readSubsets(dir, type, skipped);
  for (const s of subsets) {
    const unknown = s.categories.find((c) => !classes.labelOf.has(c));
    if (unknown !== undefined) {
      throw new HoloclipError(`${type}: category folder "${s.rel}${unknown}" in ${dir} is not one of the ${classes.rawNames.length} ImageNet-D classes of ${classes.source}; move or remove it (or read the folder with imagenet-d-folders:PATH)`);
    }
  }
  const { items, notes, subsets: groups } = await subsetItems(dir, type, subsets, (c) => classes.labelOf.get(c) as number, skipped);
  return {
    kind: 'imagefolder',
    root: dir,
    source: dir,
    classnames: classes.rawNames.map(cleanImagenetDName),
    classnamesSource: `${classes.source} (names cleaned as evaluate_vlm.py: "_" and "-" to space, "/" to " or ", lower case)`,
    items,
    skipped: skipped.result(),
    adapter: {
      type,
      templates: [IMAGENET_D_TEMPLATE],
      subsets: groups,
      notes: {
        protocol: `imagenet-d: evaluate_vlm.py of chenshuang-zhang/imagenet_d@d8bb2dfd: fixed ${classes.rawNames.length}-class head, cleaned names, "${IMAGENET_D_TEMPLATE}", accuracy per subset`,
        classes: classes.rawNames.length,
        classList: classes.source,
        ...notes,
      },
    },
  };
}

/**
 * ImageNet-D read as holoclip did before the reference protocol (`imagenet-d-folders`): the classes are
 * the sorted union of the category folders present, the head uses the raw folder names, no template of
 * its own. Per-subset accuracy is still reported.
 */
export async function openImagenetDFolders(root: string, _options: AdapterOptions): Promise<Dataset> {
  const type = 'imagenet-d-folders';
  const dir = await requireDir(root, type, IMAGENET_D_LAYOUT);
  const skipped = new SkipCounter();
  const subsets = await readSubsets(dir, type, skipped);
  const classnames = [...new Set(subsets.flatMap((s) => s.categories))].sort(compareCodePoints);
  const index = new Map(classnames.map((c, i) => [c, i] as const));
  const { items, notes, subsets: groups } = await subsetItems(dir, type, subsets, (c) => index.get(c) as number, skipped);
  return {
    kind: 'imagefolder',
    root: dir,
    source: dir,
    classnames,
    classnamesSource: 'ImageNet-D category folder names (sorted union over subsets)',
    items,
    skipped: skipped.result(),
    adapter: {
      type,
      subsets: groups,
      notes: { protocol: 'imagenet-d-folders: head = the category folders present, raw folder names (holoclip\'s former protocol)', classes: classnames.length, ...notes },
    },
  };
}
