/**
 * Named dataset layouts (`--data imagenet-r:~/data/imagenet-r`, suite `{ type, path }`), read by their
 * adapter (src/data/adapters/) instead of the generic ImageFolder / JSONL readers. One table: every
 * type declares the role it plays (labelled, unlabelled, captions).
 */
import { HoloclipError } from '../errors.js';
import { resolveUserPath } from '../util/paths.js';
import { CAPTION_DATASET_TYPES, DATASET_TYPES } from './adapters/index.js';
import { NAVI_LAYOUT } from './adapters/navi.js';
import { SCANNET_PAIRS_LAYOUT } from './adapters/scannet-pairs.js';
import { SPAIR_LAYOUT } from './adapters/spair.js';
import type { AdapterOptions, DatasetType } from './adapters/types.js';
import type { CaptionDataset } from './caption-manifest.js';
import { readClassnames } from './classnames.js';
import type { Dataset, DatasetRole } from './types.js';
import { openWebDataset } from './webdataset.js';

const WEBDATASET_TYPE: DatasetType = {
  role: 'labelled',
  description: 'CLIP_benchmark WebDataset shards (classnames.txt, zeroshot_classification_templates.txt, <split>/*.tar), read straight from the tar files',
  layout: '<root>/classnames.txt, <root>/zeroshot_classification_templates.txt, <root>/test/*.tar (members <key>.<jpg|png|webp> + <key>.cls)',
  open: (root: string) => openWebDataset(root),
};

/** Image dataset types (labelled or unlabelled), by name. */
const IMAGE_TYPES: Readonly<Record<string, DatasetType>> = { ...DATASET_TYPES, webdataset: WEBDATASET_TYPE };

export interface DatasetTypeInfo {
  readonly name: string;
  readonly role: DatasetRole;
  readonly description: string;
  readonly layout: string;
}

/** Every dataset type, for help texts, checks and docs/reference/dataset-types.md. */
export function datasetTypes(): DatasetTypeInfo[] {
  return [
    ...Object.entries(IMAGE_TYPES).map(([name, t]) => ({ name, role: t.role, description: t.description, layout: t.layout })),
    ...Object.entries(CAPTION_DATASET_TYPES).map(([name, t]) => ({ name, role: t.role, description: t.description, layout: t.layout })),
    { name: 'spair-71k', role: 'correspondence', description: 'SPair-71k keypoint pairs (test split), probe3d protocol (eval correspondence); also the embedded emoji-correspondence benchmark', layout: SPAIR_LAYOUT },
    { name: 'navi', role: 'correspondence', description: 'NAVI wild-set image pairs with depth and pose, probe3d protocol (eval correspondence)', layout: NAVI_LAYOUT },
    { name: 'scannet-pairs', role: 'correspondence', description: 'ScanNet test pairs (SuperGlue / LoFTR scannet_test_1500) with depth, intrinsics and pose, probe3d protocol (eval correspondence)', layout: SCANNET_PAIRS_LAYOUT },
  ];
}

/** The type named `name`, or undefined. */
export function findDatasetType(name: string): DatasetTypeInfo | undefined {
  return datasetTypes().find((t) => t.name === name);
}

/** `TYPE:PATH` with a known TYPE, else null (a plain path; also Windows drive letters). */
export function parseTypedSpec(spec: string): { type: string; path: string } | null {
  const m = /^([a-z][a-z0-9-]+):(.+)$/.exec(spec);
  if (!m) return null;
  return findDatasetType(m[1]) ? { type: m[1], path: m[2] } : null;
}

/**
 * Opens an image dataset of a named type. A classnames file replaces the adapter's class names
 * (same count, same order), e.g. to use other ImageNet names.
 */
export async function openTypedDataset(typed: { type: string; path: string }, classnamesFile?: string, options: AdapterOptions = {}): Promise<Dataset> {
  const root = resolveUserPath(typed.path);
  if (findDatasetType(typed.type)?.role === 'correspondence') throw new HoloclipError(`${typed.type}:${typed.path} is an image-pair dataset; use it with eval correspondence`);
  if (typed.type in CAPTION_DATASET_TYPES) {
    throw new HoloclipError(`${typed.type}:${typed.path} is a caption dataset (image-text retrieval); use it with eval retrieval`);
  }
  const type = IMAGE_TYPES[typed.type];
  if (!type) throw new HoloclipError(`unknown dataset type "${typed.type}" (types: ${datasetTypes().map((t) => t.name).join(', ')})`);
  const dataset = await type.open(root, { offline: process.env.HOLOCLIP_OFFLINE === '1', ...options });
  if (classnamesFile === undefined) return dataset;
  const names = await readClassnames(resolveUserPath(classnamesFile));
  if (names.length !== dataset.classnames.length) {
    throw new HoloclipError(`--classnames ${classnamesFile} has ${names.length} names but ${typed.type} ${root} has ${dataset.classnames.length} classes (in this order: ${dataset.classnames.slice(0, 3).join(', ')}, ...)`);
  }
  return { ...dataset, classnames: names, classnamesSource: resolveUserPath(classnamesFile) };
}

/** A retrieval dataset of a named caption type (`karpathy:PATH`), or null when `spec` is not one. */
export async function openTypedCaptions(spec: string, options: AdapterOptions = {}): Promise<CaptionDataset | null> {
  const typed = parseTypedSpec(spec);
  if (!typed) return null;
  const t = CAPTION_DATASET_TYPES[typed.type];
  if (!t) throw new HoloclipError(`${typed.type}:${typed.path} is not a caption dataset; retrieval reads a caption manifest (.jsonl) or ${Object.keys(CAPTION_DATASET_TYPES).map((k) => `${k}:PATH`).join(', ')}`);
  return t.open(resolveUserPath(typed.path), { offline: process.env.HOLOCLIP_OFFLINE === '1', ...options });
}
