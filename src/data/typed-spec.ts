/**
 * Named dataset layouts (`--data imagenet-r:~/data/imagenet-r`, suite `{ type, path }`), read by their
 * adapter (src/data/adapters/) instead of the generic ImageFolder / JSONL readers. The table of names, roles and
 * layouts is data/dataset-types.ts (re-exported here); this module opens them.
 */
import { HoloclipError } from '../errors.js';
import { resolveUserPath } from '../util/paths.js';
import { CAPTION_DATASET_TYPES, DATASET_TYPES } from './adapters/index.js';
import type { AdapterOptions, DatasetType } from './adapters/types.js';
import type { CaptionDataset } from './caption-manifest.js';
import { readClassnames } from './classnames.js';
import { datasetTypes, findDatasetType, parseTypedSpec, WEBDATASET_DATASET_TYPE } from './dataset-types.js';
import type { Dataset } from './types.js';
import { openWebDataset } from './webdataset.js';

export { datasetTypes, findDatasetType, parseTypedSpec, type DatasetTypeInfo } from './dataset-types.js';

const WEBDATASET_TYPE: DatasetType = { ...WEBDATASET_DATASET_TYPE, open: (root: string) => openWebDataset(root) };

/** Image dataset types (labelled or unlabelled), by name. */
const IMAGE_TYPES: Readonly<Record<string, DatasetType>> = { ...DATASET_TYPES, webdataset: WEBDATASET_TYPE };

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
