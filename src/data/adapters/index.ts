/**
 * Dataset adapters: `--data TYPE:PATH` reads a dataset in its distributed layout and applies its
 * standard evaluation protocol (class head, labels, subsets, border crop).
 */
import type { CaptionDataset } from '../caption-manifest.js';
import { IMAGENET_A_LAYOUT, openImagenetA } from './imagenet-a.js';
import { cleanImagenetDName, IMAGENET_D_LAYOUT, IMAGENET_D_TEMPLATE, openImagenetD, openImagenetDFolders } from './imagenet-d.js';
import { IMAGENET_R_LAYOUT, openImagenetR } from './imagenet-r.js';
import { IMAGENET_SKETCH_LAYOUT, openImagenetSketch } from './imagenet-sketch.js';
import { IMAGENET_V2_LAYOUT, openImagenetV2 } from './imagenet-v2.js';
import { IMAGENET_VAL_LAYOUT, openImagenetVal } from './imagenet-val.js';
import { KARPATHY_LAYOUT, openKarpathy } from './karpathy.js';
import { OBJECTNET_LAYOUT, openObjectnet, openObjectnet113 } from './objectnet.js';
import { OOD_IMAGES_LAYOUT, openOodImages } from './ood-images.js';
import type { AdapterOptions, DatasetType } from './types.js';

export type { AdapterOptions, DatasetType, ResourcePaths } from './types.js';
export { canonicalSubset, clipBenchmarkTemplates, imagenetClasses, imagenetDClasses, objectnetMapping, RESOURCE_NAMES, type CanonicalSubset, type ImagenetClasses, type ImagenetDClasses, type ObjectnetMapping } from './resources.js';
export { cleanImagenetDName, IMAGENET_D_TEMPLATE };
export { openImagenetA, openImagenetD, openImagenetDFolders, openObjectnet113, openImagenetR, openImagenetSketch, openImagenetV2, openImagenetVal, openKarpathy, openObjectnet, openOodImages };

/** Classification / OOD datasets by type name. */
export const DATASET_TYPES: Record<string, DatasetType> = {
  'imagenet-val': { role: 'labelled', description: 'ImageNet-1k validation (1000 classes, CLIP_benchmark names)', layout: IMAGENET_VAL_LAYOUT, open: openImagenetVal },
  'imagenet-v2': { role: 'labelled', description: 'ImageNetV2 (1000 classes; label = folder number)', layout: IMAGENET_V2_LAYOUT, open: openImagenetV2 },
  'imagenet-sketch': { role: 'labelled', description: 'ImageNet-Sketch (1000 classes)', layout: IMAGENET_SKETCH_LAYOUT, open: openImagenetSketch },
  'imagenet-r': { role: 'labelled', description: 'ImageNet-R: the canonical 200-class head (imagenet-testbed class_sublist); all 200 folders required', layout: IMAGENET_R_LAYOUT, open: (r, o) => openImagenetR(r, o) },
  'imagenet-r-partial': { role: 'labelled', description: 'ImageNet-R copy with folders missing, scored on the canonical 200-class head', layout: IMAGENET_R_LAYOUT, open: (r, o) => openImagenetR(r, o, 'partial') },
  'imagenet-r-present': { role: 'labelled', description: 'ImageNet-R, head = the class folders present (holoclip before issue 12)', layout: IMAGENET_R_LAYOUT, open: (r, o) => openImagenetR(r, o, 'present') },
  'imagenet-a': { role: 'labelled', description: 'ImageNet-A: the canonical 200-class head (imagenet-testbed class_sublist); all 200 folders required', layout: IMAGENET_A_LAYOUT, open: (r, o) => openImagenetA(r, o) },
  'imagenet-a-partial': { role: 'labelled', description: 'ImageNet-A copy with folders missing, scored on the canonical 200-class head', layout: IMAGENET_A_LAYOUT, open: (r, o) => openImagenetA(r, o, 'partial') },
  'imagenet-a-present': { role: 'labelled', description: 'ImageNet-A, head = the class folders present (holoclip before issue 12)', layout: IMAGENET_A_LAYOUT, open: (r, o) => openImagenetA(r, o, 'present') },
  objectnet: { role: 'labelled', description: 'ObjectNet, imagenet-testbed protocol (113 overlapping classes -> 125 ImageNet classes, any-of labels, 2 px border crop; robustness_top1s.csv)', layout: OBJECTNET_LAYOUT, open: openObjectnet },
  'objectnet-113': { role: 'labelled', description: 'ObjectNet, CLIP_benchmark protocol (113-way head on ObjectNet names, 80 ImageNet templates, no crop; open_clip results tables)', layout: OBJECTNET_LAYOUT, open: openObjectnet113 },
  'imagenet-d': { role: 'labelled', description: 'ImageNet-D as evaluate_vlm.py: fixed 113-class head, cleaned names, "A photo of a {c}", accuracy per subset', layout: IMAGENET_D_LAYOUT, open: openImagenetD },
  'imagenet-d-folders': { role: 'labelled', description: 'ImageNet-D, head = the category folders present with raw folder names (holoclip before issue 12)', layout: IMAGENET_D_LAYOUT, open: openImagenetDFolders },
  'ood-images': { role: 'unlabelled', description: 'Unlabelled OOD image set (iNaturalist/SUN/Places/Textures, ImageNet-O, NINCO)', layout: OOD_IMAGES_LAYOUT, open: openOodImages },
};

/** Retrieval datasets (image-caption) by type name; kept apart since they open to a `CaptionDataset`. */
export const CAPTION_DATASET_TYPES: Record<string, { role: 'captions'; description: string; layout: string; open(root: string, options: AdapterOptions): Promise<CaptionDataset> }> = {
  karpathy: { role: 'captions', description: 'Flickr30k / MSCOCO retrieval, Karpathy splits (option split, default test)', layout: KARPATHY_LAYOUT, open: openKarpathy },
};
