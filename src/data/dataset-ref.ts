/**
 * A dataset reference, parsed once from what the user wrote (`--data PATH`, `--data TYPE:PATH`, a
 * suite's `path:` / `type:`) and passed down typed: no layer turns it back into a string to parse it
 * again. `openDatasetRef` opens it the way a task's role needs.
 */
import { openNaviPairs } from './adapters/navi.js';
import { openScanNetPairs } from './adapters/scannet-pairs.js';
import { openSpairPairs } from './adapters/spair.js';
import { openCaptionManifest, type CaptionDataset } from './caption-manifest.js';
import type { CorrespondencePairs } from './correspondence-pairs.js';
import { checkCueConflictNames, checkDuplicateClasses } from './dataset-checks.js';
import { openImageList } from './image-list.js';
import { openDataset } from './open-dataset.js';
import { formatDatasetRef, type DatasetRef } from './dataset-spec.js';
import { openTypedCaptions, openTypedDataset } from './typed-spec.js';
import type { Dataset, DatasetRole } from './types.js';

export { formatDatasetRef, parseDatasetSpec, type DatasetRef } from './dataset-spec.js';

/** The image-pair adapters (role correspondence); a path without a type is read as spair-71k. */
const PAIR_ADAPTERS: Record<string, (root: string) => Promise<CorrespondencePairs>> = {
  'spair-71k': openSpairPairs,
  navi: openNaviPairs,
  'scannet-pairs': openScanNetPairs,
};

/** How the option that allows repeated class names is spelled where the reference came from (for messages). */
export interface OpenDatasetOptions {
  readonly allowOption?: string;
}

/**
 * Opens a dataset for a role: its images, for a caption dataset its captions too, for keypoint pairs the pairs.
 * Checks that must fail before any model runs are made here: repeated class names (unless allowed), cue-conflict
 * file names.
 */
export async function openDatasetRef(
  ref: DatasetRef,
  role: DatasetRole,
  options: OpenDatasetOptions = {},
): Promise<{ dataset: Dataset; captions?: CaptionDataset; pairs?: CorrespondencePairs }> {
  if (role === 'correspondence') {
    if (ref.type !== null && !(ref.type in PAIR_ADAPTERS)) throw new Error(`${ref.type}:${ref.path} is not an image-pair dataset; correspondence reads ${Object.keys(PAIR_ADAPTERS).map((t) => `${t}:PATH`).join(', ')}`);
    const pairs = await PAIR_ADAPTERS[ref.type ?? 'spair-71k'](ref.path);
    return { dataset: pairs.dataset, pairs };
  }
  if (role === 'captions') {
    const captions = ref.type ? await openTypedCaptions(formatDatasetRef(ref)) : await openCaptionManifest(ref.path);
    if (!captions) throw new Error(`internal: ${ref.type} is not a caption type`);
    return { dataset: captions.dataset, captions };
  }
  if (role === 'unlabelled') {
    return { dataset: ref.type ? await openTypedDataset({ type: ref.type, path: ref.path }, ref.classnames) : await openImageList(ref.path) };
  }
  let dataset = ref.type ? await openTypedDataset({ type: ref.type, path: ref.path }, ref.classnames) : await openDataset({ path: ref.path, classnames: ref.classnames });
  if (role === 'cue-conflict') checkCueConflictNames(dataset);
  dataset = checkDuplicateClasses(dataset, {
    allow: ref.allowDuplicateClasses === true,
    allowOption: options.allowOption ?? '--allow-duplicate-classes',
    fromReference: dataset.adapter !== undefined && ref.classnames === undefined,
  });
  return { dataset };
}
