/**
 * Dataset adapters: `--data TYPE:PATH` reads a dataset in its distributed layout and applies its
 * standard evaluation protocol (class head, labels, subsets, border crop).
 */
import type { CaptionDataset } from '../caption-manifest.js';
import { ADAPTER_DATASET_TYPES, CAPTION_DATASET_TYPE_FACTS, type AdapterDatasetTypeName, type CaptionDatasetTypeName } from '../dataset-types.js';
import { openImagenetA } from './imagenet-a.js';
import { cleanImagenetDName, IMAGENET_D_TEMPLATE, openImagenetD, openImagenetDFolders } from './imagenet-d.js';
import { openImagenetR } from './imagenet-r.js';
import { openImagenetSketch } from './imagenet-sketch.js';
import { openImagenetV2 } from './imagenet-v2.js';
import { openImagenetVal } from './imagenet-val.js';
import { openKarpathy } from './karpathy.js';
import { openObjectnet, openObjectnet113 } from './objectnet.js';
import { openOodImages } from './ood-images.js';
import type { AdapterOptions, DatasetType } from './types.js';

export type { AdapterOptions, DatasetType, ResourcePaths } from './types.js';
export { canonicalSubset, clipBenchmarkTemplates, imagenetClasses, imagenetDClasses, objectnetMapping, RESOURCE_NAMES, type CanonicalSubset, type ImagenetClasses, type ImagenetDClasses, type ObjectnetMapping } from './resources.js';
export { cleanImagenetDName, IMAGENET_D_TEMPLATE };
export { openImagenetA, openImagenetD, openImagenetDFolders, openObjectnet113, openImagenetR, openImagenetSketch, openImagenetV2, openImagenetVal, openKarpathy, openObjectnet, openOodImages };

/** Each adapter's reader; its role, description and layout are in data/dataset-types.ts. */
const OPENERS: Record<AdapterDatasetTypeName, DatasetType['open']> = {
  'imagenet-val': openImagenetVal,
  'imagenet-v2': openImagenetV2,
  'imagenet-sketch': openImagenetSketch,
  'imagenet-r': (r, o) => openImagenetR(r, o),
  'imagenet-r-partial': (r, o) => openImagenetR(r, o, 'partial'),
  'imagenet-r-present': (r, o) => openImagenetR(r, o, 'present'),
  'imagenet-a': (r, o) => openImagenetA(r, o),
  'imagenet-a-partial': (r, o) => openImagenetA(r, o, 'partial'),
  'imagenet-a-present': (r, o) => openImagenetA(r, o, 'present'),
  objectnet: openObjectnet,
  'objectnet-113': openObjectnet113,
  'imagenet-d': openImagenetD,
  'imagenet-d-folders': openImagenetDFolders,
  'ood-images': openOodImages,
};

/** Classification / OOD datasets by type name. */
export const DATASET_TYPES: Record<string, DatasetType> = Object.fromEntries(
  Object.entries(ADAPTER_DATASET_TYPES).map(([name, t]) => [name, { role: t.role, description: t.description, layout: t.layout, open: OPENERS[name as AdapterDatasetTypeName] }]),
);

const CAPTION_OPENERS: Record<CaptionDatasetTypeName, (root: string, options: AdapterOptions) => Promise<CaptionDataset>> = {
  karpathy: openKarpathy,
};

/** Retrieval datasets (image-caption) by type name; kept apart since they open to a `CaptionDataset`. */
export const CAPTION_DATASET_TYPES: Record<string, { role: 'captions'; description: string; layout: string; open(root: string, options: AdapterOptions): Promise<CaptionDataset> }> = Object.fromEntries(
  Object.entries(CAPTION_DATASET_TYPE_FACTS).map(([name, t]) => [name, { role: t.role, description: t.description, layout: t.layout, open: CAPTION_OPENERS[name as CaptionDatasetTypeName] }]),
);
