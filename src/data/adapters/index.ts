/**
 * Dataset adapters: `--data TYPE:PATH` reads a dataset in its distributed layout and applies its
 * standard evaluation protocol (class head, labels, subsets, border crop).
 */
import type { CaptionDataset } from '../caption-manifest.js';
import { IMAGENET_A_LAYOUT, openImagenetA } from './imagenet-a.js';
import { IMAGENET_D_LAYOUT, openImagenetD } from './imagenet-d.js';
import { IMAGENET_R_LAYOUT, openImagenetR } from './imagenet-r.js';
import { IMAGENET_SKETCH_LAYOUT, openImagenetSketch } from './imagenet-sketch.js';
import { IMAGENET_V2_LAYOUT, openImagenetV2 } from './imagenet-v2.js';
import { IMAGENET_VAL_LAYOUT, openImagenetVal } from './imagenet-val.js';
import { KARPATHY_LAYOUT, openKarpathy } from './karpathy.js';
import { OBJECTNET_LAYOUT, openObjectnet } from './objectnet.js';
import { OOD_IMAGES_LAYOUT, openOodImages } from './ood-images.js';
import type { AdapterOptions, DatasetType } from './types.js';

export type { AdapterOptions, DatasetType, ResourcePaths } from './types.js';
export { imagenetClasses, objectnetMapping, RESOURCE_NAMES, type ImagenetClasses, type ObjectnetMapping } from './resources.js';
export { openImagenetA, openImagenetD, openImagenetR, openImagenetSketch, openImagenetV2, openImagenetVal, openKarpathy, openObjectnet, openOodImages };

/** Classification / OOD datasets by type name. */
export const DATASET_TYPES: Record<string, DatasetType> = {
  'imagenet-val': { role: 'labelled', description: 'ImageNet-1k validation (1000 classes, CLIP_benchmark names)', layout: IMAGENET_VAL_LAYOUT, open: openImagenetVal },
  'imagenet-v2': { role: 'labelled', description: 'ImageNetV2 (1000 classes; label = folder number)', layout: IMAGENET_V2_LAYOUT, open: openImagenetV2 },
  'imagenet-sketch': { role: 'labelled', description: 'ImageNet-Sketch (1000 classes)', layout: IMAGENET_SKETCH_LAYOUT, open: openImagenetSketch },
  'imagenet-r': { role: 'labelled', description: 'ImageNet-R (200-class head of the wnids present)', layout: IMAGENET_R_LAYOUT, open: openImagenetR },
  'imagenet-a': { role: 'labelled', description: 'ImageNet-A (200-class head of the wnids present)', layout: IMAGENET_A_LAYOUT, open: openImagenetA },
  objectnet: { role: 'labelled', description: 'ObjectNet, imagenet-testbed protocol (113 overlapping classes, any-of labels, 2 px border crop)', layout: OBJECTNET_LAYOUT, open: openObjectnet },
  'imagenet-d': { role: 'labelled', description: 'ImageNet-D (background/texture/material; its own category names)', layout: IMAGENET_D_LAYOUT, open: openImagenetD },
  'ood-images': { role: 'unlabelled', description: 'Unlabelled OOD image set (iNaturalist/SUN/Places/Textures, ImageNet-O, NINCO)', layout: OOD_IMAGES_LAYOUT, open: openOodImages },
};

/** Retrieval datasets (image-caption) by type name; kept apart since they open to a `CaptionDataset`. */
export const CAPTION_DATASET_TYPES: Record<string, { role: 'captions'; description: string; layout: string; open(root: string, options: AdapterOptions): Promise<CaptionDataset> }> = {
  karpathy: { role: 'captions', description: 'Flickr30k / MSCOCO retrieval, Karpathy splits (option split, default test)', layout: KARPATHY_LAYOUT, open: openKarpathy },
};
