/**
 * `TYPE:PATH` dataset specs (`--data imagenet-r:~/data/imagenet-r`, suite `{ type, path }`): a named
 * layout read by its adapter (src/data/adapters/) instead of the generic ImageFolder / JSONL readers.
 */
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { CAPTION_DATASET_TYPES, DATASET_TYPES } from './adapters/index.js';
import type { AdapterOptions } from './adapters/types.js';
import type { CaptionDataset } from './caption-manifest.js';
import { readClassnames } from './classnames.js';
import type { Dataset } from './types.js';
import { openWebDataset } from './webdataset.js';

const WEBDATASET = {
  description: 'CLIP_benchmark WebDataset shards (classnames.txt, zeroshot_classification_templates.txt, <split>/*.tar), read straight from the tar files',
  layout: '<root>/classnames.txt, <root>/zeroshot_classification_templates.txt, <root>/test/*.tar (members <key>.<jpg|png|webp> + <key>.cls)',
  open: (root: string) => openWebDataset(root),
};

/** Every image dataset type, for help texts and the README. */
export function datasetTypes(): Array<{ name: string; description: string; layout: string; captions: boolean }> {
  return [
    ...Object.entries(DATASET_TYPES).map(([name, t]) => ({ name, description: t.description, layout: t.layout, captions: false })),
    { name: 'webdataset', description: WEBDATASET.description, layout: WEBDATASET.layout, captions: false },
    ...Object.entries(CAPTION_DATASET_TYPES).map(([name, t]) => ({ name, description: t.description, layout: t.layout, captions: true })),
  ];
}

/** `TYPE:PATH` with a known TYPE, else null (a plain path; also Windows drive letters). */
export function parseTypedSpec(spec: string): { type: string; path: string } | null {
  const m = /^([a-z][a-z0-9-]+):(.+)$/.exec(spec);
  if (!m) return null;
  const known = m[1] in DATASET_TYPES || m[1] in CAPTION_DATASET_TYPES || m[1] === 'webdataset';
  return known ? { type: m[1], path: m[2] } : null;
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? path.join(process.env.HOME ?? '~', p.slice(2)) : p;
}

/**
 * Opens an image dataset of a named type. A classnames file replaces the adapter's class names
 * (same count, same order), e.g. to use other ImageNet names.
 */
export async function openTypedDataset(typed: { type: string; path: string }, classnamesFile?: string, options: AdapterOptions = {}): Promise<Dataset> {
  const root = path.resolve(expandHome(typed.path));
  if (typed.type in CAPTION_DATASET_TYPES) {
    throw new HoloclipError(`${typed.type}:${typed.path} is a caption dataset (image-text retrieval); use it with eval retrieval`);
  }
  const dataset = typed.type === 'webdataset' ? await WEBDATASET.open(root) : await DATASET_TYPES[typed.type].open(root, { offline: process.env.HOLOCLIP_OFFLINE === '1', ...options });
  if (classnamesFile === undefined) return dataset;
  const names = await readClassnames(path.resolve(classnamesFile));
  if (names.length !== dataset.classnames.length) {
    throw new HoloclipError(`--classnames ${classnamesFile} has ${names.length} names but ${typed.type} ${root} has ${dataset.classnames.length} classes (in this order: ${dataset.classnames.slice(0, 3).join(', ')}, ...)`);
  }
  return { ...dataset, classnames: names, classnamesSource: path.resolve(classnamesFile) };
}

/** A retrieval dataset of a named caption type (`karpathy:PATH`), or null when `spec` is not one. */
export async function openTypedCaptions(spec: string, options: AdapterOptions = {}): Promise<CaptionDataset | null> {
  const typed = parseTypedSpec(spec);
  if (!typed) return null;
  const t = CAPTION_DATASET_TYPES[typed.type];
  if (!t) throw new HoloclipError(`${typed.type}:${typed.path} is not a caption dataset; retrieval reads a caption manifest (.jsonl) or ${Object.keys(CAPTION_DATASET_TYPES).map((k) => `${k}:PATH`).join(', ')}`);
  return t.open(path.resolve(expandHome(typed.path)), { offline: process.env.HOLOCLIP_OFFLINE === '1', ...options });
}
