/**
 * Named dataset layouts (`--data imagenet-r:~/data/imagenet-r`, suite `{ type, path }`): every type's name, the
 * role it plays (labelled, unlabelled, captions, correspondence), description and on-disk layout, without the
 * readers (typed-spec.ts and adapters/index.ts open them). Suite validation and help texts need only this table.
 */
import { IMAGENET_A_LAYOUT, IMAGENET_D_LAYOUT, IMAGENET_R_LAYOUT, IMAGENET_SKETCH_LAYOUT, IMAGENET_V2_LAYOUT, IMAGENET_VAL_LAYOUT, KARPATHY_LAYOUT, NAVI_LAYOUT, OBJECTNET_LAYOUT, OOD_IMAGES_LAYOUT, SCANNET_PAIRS_LAYOUT, SPAIR_LAYOUT } from './adapters/layouts.js';
import type { DatasetRole } from './types.js';

export interface DatasetTypeInfo {
  readonly name: string;
  readonly role: DatasetRole;
  readonly description: string;
  readonly layout: string;
}

interface TypeFacts<R extends DatasetRole> {
  readonly role: R;
  readonly description: string;
  readonly layout: string;
}

/** The image datasets read by an adapter (data/adapters/), by type name. */
export const ADAPTER_DATASET_TYPES = {
  'imagenet-val': { role: 'labelled', description: 'ImageNet-1k validation (1000 classes, CLIP_benchmark names)', layout: IMAGENET_VAL_LAYOUT },
  'imagenet-v2': { role: 'labelled', description: 'ImageNetV2 (1000 classes; label = folder number)', layout: IMAGENET_V2_LAYOUT },
  'imagenet-sketch': { role: 'labelled', description: 'ImageNet-Sketch (1000 classes)', layout: IMAGENET_SKETCH_LAYOUT },
  'imagenet-r': { role: 'labelled', description: 'ImageNet-R: the canonical 200-class head (imagenet-testbed class_sublist); all 200 folders required', layout: IMAGENET_R_LAYOUT },
  'imagenet-r-partial': { role: 'labelled', description: 'ImageNet-R copy with folders missing, scored on the canonical 200-class head', layout: IMAGENET_R_LAYOUT },
  'imagenet-r-present': { role: 'labelled', description: 'ImageNet-R, head = the class folders present (holoclip before issue 12)', layout: IMAGENET_R_LAYOUT },
  'imagenet-a': { role: 'labelled', description: 'ImageNet-A: the canonical 200-class head (imagenet-testbed class_sublist); all 200 folders required', layout: IMAGENET_A_LAYOUT },
  'imagenet-a-partial': { role: 'labelled', description: 'ImageNet-A copy with folders missing, scored on the canonical 200-class head', layout: IMAGENET_A_LAYOUT },
  'imagenet-a-present': { role: 'labelled', description: 'ImageNet-A, head = the class folders present (holoclip before issue 12)', layout: IMAGENET_A_LAYOUT },
  objectnet: { role: 'labelled', description: 'ObjectNet, imagenet-testbed protocol (113 overlapping classes -> 125 ImageNet classes, any-of labels, 2 px border crop; robustness_top1s.csv)', layout: OBJECTNET_LAYOUT },
  'objectnet-113': { role: 'labelled', description: 'ObjectNet, CLIP_benchmark protocol (113-way head on ObjectNet names, 80 ImageNet templates, no crop; open_clip results tables)', layout: OBJECTNET_LAYOUT },
  'imagenet-d': { role: 'labelled', description: 'ImageNet-D as evaluate_vlm.py: fixed 113-class head, cleaned names, "A photo of a {c}", accuracy per subset', layout: IMAGENET_D_LAYOUT },
  'imagenet-d-folders': { role: 'labelled', description: 'ImageNet-D, head = the category folders present with raw folder names (holoclip before issue 12)', layout: IMAGENET_D_LAYOUT },
  'ood-images': { role: 'unlabelled', description: 'Unlabelled OOD image set (iNaturalist/SUN/Places/Textures, ImageNet-O, NINCO)', layout: OOD_IMAGES_LAYOUT },
} as const satisfies Record<string, TypeFacts<'labelled' | 'unlabelled'>>;

export type AdapterDatasetTypeName = keyof typeof ADAPTER_DATASET_TYPES;

/** CLIP_benchmark's WebDataset shards (data/webdataset.ts). */
export const WEBDATASET_DATASET_TYPE: TypeFacts<'labelled'> = {
  role: 'labelled',
  description: 'CLIP_benchmark WebDataset shards (classnames.txt, zeroshot_classification_templates.txt, <split>/*.tar), read straight from the tar files',
  layout: '<root>/classnames.txt, <root>/zeroshot_classification_templates.txt, <root>/test/*.tar (members <key>.<jpg|png|webp> + <key>.cls)',
};

/** Retrieval datasets (image-caption), by type name. */
export const CAPTION_DATASET_TYPE_FACTS = {
  karpathy: { role: 'captions', description: 'Flickr30k / MSCOCO retrieval, Karpathy splits (option split, default test)', layout: KARPATHY_LAYOUT },
} as const satisfies Record<string, TypeFacts<'captions'>>;

export type CaptionDatasetTypeName = keyof typeof CAPTION_DATASET_TYPE_FACTS;

const PAIR_TYPES: readonly DatasetTypeInfo[] = [
  { name: 'spair-71k', role: 'correspondence', description: 'SPair-71k keypoint pairs (test split), probe3d protocol (eval correspondence); also the embedded emoji-correspondence benchmark', layout: SPAIR_LAYOUT },
  { name: 'navi', role: 'correspondence', description: 'NAVI wild-set image pairs with depth and pose, probe3d protocol (eval correspondence)', layout: NAVI_LAYOUT },
  { name: 'scannet-pairs', role: 'correspondence', description: 'ScanNet test pairs (SuperGlue / LoFTR scannet_test_1500) with depth, intrinsics and pose, probe3d protocol (eval correspondence)', layout: SCANNET_PAIRS_LAYOUT },
];

const ALL_TYPES: readonly DatasetTypeInfo[] = [
  ...Object.entries(ADAPTER_DATASET_TYPES).map(([name, t]) => ({ name, role: t.role, description: t.description, layout: t.layout })),
  { name: 'webdataset', ...WEBDATASET_DATASET_TYPE },
  ...Object.entries(CAPTION_DATASET_TYPE_FACTS).map(([name, t]) => ({ name, role: t.role, description: t.description, layout: t.layout })),
  ...PAIR_TYPES,
];

/** Every dataset type, for help texts, checks and docs/reference/dataset-types.md. */
export function datasetTypes(): DatasetTypeInfo[] {
  return ALL_TYPES.map((t) => ({ ...t }));
}

/** The type named `name`, or undefined. */
export function findDatasetType(name: string): DatasetTypeInfo | undefined {
  return ALL_TYPES.find((t) => t.name === name);
}

/** `TYPE:PATH` with a known TYPE, else null (a plain path; also Windows drive letters). */
export function parseTypedSpec(spec: string): { type: string; path: string } | null {
  const m = /^([a-z][a-z0-9-]+):(.+)$/.exec(spec);
  if (!m) return null;
  return findDatasetType(m[1]) ? { type: m[1], path: m[2] } : null;
}
