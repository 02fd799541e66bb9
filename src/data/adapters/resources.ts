import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { parsePythonIntList } from '../../formats/python-int-list.js';
import type { AdapterOptions, ResourcePaths } from './types.js';

/**
 * Class metadata read from small public files: ImageNet-1k wnids (the index order every ImageNet
 * variant shares), CLIP_benchmark's curated class names and templates, imagenet-testbed's ObjectNet
 * mappings and ImageNet-R/-A class lists, and ImageNet-D's 113-class list.
 * A path given in `options.resources` wins; otherwise the reference-data registry provides the file.
 */

/** Registry names (relative paths under the refdata folder) of each resource. */
export const RESOURCE_NAMES: Readonly<Record<keyof ResourcePaths, string>> = {
  imagenetWnids: 'cue_conflict/imagenet_categories_wnid_names.txt',
  clipClassnames: 'clip_benchmark/en_classnames.json',
  objectnetToImagenet: 'imagenet_testbed/objectnet_to_imagenet_1k.json',
  folderToObjectnet: 'imagenet_testbed/folder_to_objectnet_label.json',
  imagenetToLabels: 'imagenet_testbed/imagenet_to_labels.json',
  imagenetRClasses: 'imagenet_testbed/imagenet_r.py',
  imagenetAClasses: 'imagenet_testbed/imagenet_a.py',
  imagenetDClasses: 'imagenet_d/imgnet_d_dir2imgnet_d_id.txt',
  clipTemplates: 'clip_benchmark/en_zeroshot_classification_templates.json',
};

/**
 * The one place that falls back to the refdata registry. It is imported lazily so that callers
 * giving every path explicitly never load the registry (nor its download code).
 */
export async function resolveResource(key: keyof ResourcePaths, options: AdapterOptions): Promise<string> {
  const explicit = options.resources?.[key];
  if (explicit !== undefined) return path.resolve(explicit);
  const { resourcePath } = await import('../../refdata/index.js');
  return resourcePath(RESOURCE_NAMES[key], { dataDir: options.dataDir, offline: options.offline });
}

async function readText(file: string, what: string): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (err) {
    throw new HoloclipError(`cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

async function readJsonObject(file: string, what: string): Promise<Record<string, unknown>> {
  const text = await readText(file, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HoloclipError(`${what} ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new HoloclipError(`${what} ${file} must be a JSON object`);
  return value as Record<string, unknown>;
}

function stringMap(obj: Record<string, unknown>, file: string, what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v !== 'string') throw new HoloclipError(`${what} ${file}: the value of "${k}" must be a string`);
    out.set(k, v);
  }
  return out;
}

export interface ImagenetClasses {
  /** The 1000 wnids in ImageNet-1k index order. */
  readonly wnids: readonly string[];
  /** CLIP_benchmark's curated names (key `imagenet1k`), same order. */
  readonly names: readonly string[];
  /** wnid -> index. */
  readonly indexOf: ReadonlyMap<string, number>;
  /** Where both came from, for `classnamesSource`. */
  readonly source: string;
}

const cache = new Map<string, Promise<unknown>>();
function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
  let p = cache.get(key) as Promise<T> | undefined;
  if (p === undefined) {
    p = load();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** ImageNet-1k: wnids in index order and CLIP_benchmark's 1000 class names. */
export async function imagenetClasses(options: AdapterOptions): Promise<ImagenetClasses> {
  const wnidFile = await resolveResource('imagenetWnids', options);
  const namesFile = await resolveResource('clipClassnames', options);
  return cached(`imagenet\0${wnidFile}\0${namesFile}`, async () => {
    const wnids: string[] = [];
    const lines = (await readText(wnidFile, 'ImageNet wnid list')).split(/\r?\n/);
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const wnid = line.trim().split(/\s+/)[0];
      if (!/^n\d{8}$/.test(wnid)) throw new HoloclipError(`ImageNet wnid list ${wnidFile}:${i + 1}: "${wnid}" is not a wnid (n + 8 digits)`);
      wnids.push(wnid);
    });
    const indexOf = new Map(wnids.map((w, i) => [w, i] as const));
    if (wnids.length !== 1000 || indexOf.size !== 1000) {
      throw new HoloclipError(`ImageNet wnid list ${wnidFile} must list 1000 distinct wnids in index order; it has ${wnids.length} (${indexOf.size} distinct)`);
    }
    const all = await readJsonObject(namesFile, 'CLIP_benchmark class names');
    const names = all.imagenet1k;
    if (!Array.isArray(names) || names.length !== 1000 || !names.every((n) => typeof n === 'string')) {
      throw new HoloclipError(`CLIP_benchmark class names ${namesFile} must hold "imagenet1k": an array of 1000 names`);
    }
    return { wnids, names: names as string[], indexOf, source: `${namesFile} (imagenet1k); wnids ${wnidFile}` };
  });
}

export interface ObjectnetMapping {
  /** ObjectNet folder name -> ObjectNet label (all 313 classes). */
  readonly folderToLabel: ReadonlyMap<string, string>;
  /** ObjectNet label -> ImageNet-1k indices, ascending (only the 113 classes that overlap ImageNet). */
  readonly labelToImagenet: ReadonlyMap<string, readonly number[]>;
  readonly sources: { readonly folderToObjectnet: string; readonly objectnetToImagenet: string; readonly imagenetToLabels: string };
}

/**
 * imagenet-testbed's ObjectNet mapping: folder -> ObjectNet label, ObjectNet label -> ImageNet label
 * strings (`; `-separated), matched exactly against the ImageNet index -> label string table.
 */
export async function objectnetMapping(options: AdapterOptions): Promise<ObjectnetMapping> {
  const sources = {
    folderToObjectnet: await resolveResource('folderToObjectnet', options),
    objectnetToImagenet: await resolveResource('objectnetToImagenet', options),
    imagenetToLabels: await resolveResource('imagenetToLabels', options),
  };
  return cached(`objectnet\0${sources.folderToObjectnet}\0${sources.objectnetToImagenet}\0${sources.imagenetToLabels}`, async () => {
    const folderToLabel = stringMap(await readJsonObject(sources.folderToObjectnet, 'ObjectNet folder map'), sources.folderToObjectnet, 'ObjectNet folder map');
    const toImagenet = stringMap(await readJsonObject(sources.objectnetToImagenet, 'ObjectNet-to-ImageNet map'), sources.objectnetToImagenet, 'ObjectNet-to-ImageNet map');
    const labels = stringMap(await readJsonObject(sources.imagenetToLabels, 'ImageNet label table'), sources.imagenetToLabels, 'ImageNet label table');
    // label string -> indices (a string can repeat: "crane" is both 134 and 517).
    const byLabel = new Map<string, number[]>();
    for (const [k, v] of labels) {
      const idx = Number(k);
      if (!Number.isInteger(idx) || idx < 0 || idx >= 1000 || String(idx) !== k) {
        throw new HoloclipError(`ImageNet label table ${sources.imagenetToLabels}: key "${k}" must be an index 0..999`);
      }
      byLabel.set(v, [...(byLabel.get(v) ?? []), idx]);
    }
    const labelToImagenet = new Map<string, number[]>();
    for (const [onLabel, joined] of toImagenet) {
      const indices = joined.split('; ').map((s) => {
        const hits = byLabel.get(s);
        if (hits === undefined) throw new HoloclipError(`ObjectNet-to-ImageNet map ${sources.objectnetToImagenet}: "${onLabel}" maps to "${s}", which is not a label in ${sources.imagenetToLabels}`);
        if (hits.length > 1) throw new HoloclipError(`ObjectNet-to-ImageNet map ${sources.objectnetToImagenet}: "${onLabel}" maps to "${s}", which is ambiguous (ImageNet classes ${hits.join(', ')})`);
        return hits[0];
      });
      labelToImagenet.set(onLabel, [...new Set(indices)].sort((a, b) => a - b));
    }
    return { folderToLabel, labelToImagenet, sources };
  });
}

export interface CanonicalSubset {
  /** The ImageNet-1k indices of the subset, ascending (ImageNet index order). */
  readonly indices: readonly number[];
  /** The file they were read from. */
  readonly source: string;
}

/**
 * imagenet-testbed's `class_sublist` (the canonical ImageNet-1k indices of ImageNet-R or -A, 200 each),
 * parsed from its Python file. It must hold 200 distinct indices 0..999 in ascending order.
 */
export async function canonicalSubset(which: 'imagenetRClasses' | 'imagenetAClasses', options: AdapterOptions): Promise<CanonicalSubset> {
  const file = await resolveResource(which, options);
  return cached(`${which}\0${file}`, async () => {
    const indices = parsePythonIntList(await readText(file, 'class list'), 'class_sublist', file);
    const bad = indices.find((i) => i > 999);
    if (bad !== undefined) throw new HoloclipError(`${file}: class_sublist holds ${bad}, which is not an ImageNet-1k index (0..999)`);
    for (let i = 1; i < indices.length; i++) {
      if (indices[i] <= indices[i - 1]) throw new HoloclipError(`${file}: class_sublist must be strictly ascending (ImageNet index order); ${indices[i]} follows ${indices[i - 1]}`);
    }
    if (indices.length !== 200) throw new HoloclipError(`${file}: class_sublist has ${indices.length} indices; the ImageNet-R / ImageNet-A lists have 200 (is this the imagenet-testbed file?)`);
    return { indices, source: file };
  });
}

export interface ImagenetDClasses {
  /** Category folder -> label id. */
  readonly labelOf: ReadonlyMap<string, number>;
  /** Raw class names by label id (0..112), as written in the file. */
  readonly rawNames: readonly string[];
  readonly source: string;
}

/** ImageNet-D's `imgnet_d_dir2imgnet_d_id.txt`: JSON, folder -> [label id, raw name]; ids must be 0..n-1, each once. */
export async function imagenetDClasses(options: AdapterOptions): Promise<ImagenetDClasses> {
  const file = await resolveResource('imagenetDClasses', options);
  return cached(`imagenetD\0${file}`, async () => {
    const obj = await readJsonObject(file, 'ImageNet-D class list');
    const labelOf = new Map<string, number>();
    const rawNames: string[] = [];
    for (const [folder, v] of Object.entries(obj)) {
      if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || !Number.isInteger(v[0]) || v[0] < 0 || typeof v[1] !== 'string') {
        throw new HoloclipError(`ImageNet-D class list ${file}: the value of "${folder}" must be [label id, class name], got ${JSON.stringify(v)}`);
      }
      const [id, name] = v as [number, string];
      if (rawNames[id] !== undefined) throw new HoloclipError(`ImageNet-D class list ${file}: label id ${id} is given to two folders ("${folder}" and another)`);
      rawNames[id] = name;
      labelOf.set(folder, id);
    }
    for (let i = 0; i < rawNames.length; i++) {
      if (rawNames[i] === undefined) throw new HoloclipError(`ImageNet-D class list ${file}: label ids must be 0..${rawNames.length - 1}; ${i} is missing`);
    }
    if (rawNames.length === 0) throw new HoloclipError(`ImageNet-D class list ${file} lists no classes`);
    return { labelOf, rawNames, source: file };
  });
}

/**
 * CLIP_benchmark's templates for a dataset as its `build_dataset` picks them: the dataset's own key,
 * else `imagenet1k` (its `default_dataset_for_templates`). Returns the key used too.
 */
export async function clipBenchmarkTemplates(dataset: string, options: AdapterOptions): Promise<{ templates: string[]; key: string; source: string }> {
  const file = await resolveResource('clipTemplates', options);
  const obj = await readJsonObject(file, 'CLIP_benchmark templates');
  const key = dataset in obj ? dataset : 'imagenet1k';
  const list = obj[key];
  if (!Array.isArray(list) || list.length === 0 || !list.every((t) => typeof t === 'string' && t.includes('{c}'))) {
    throw new HoloclipError(`CLIP_benchmark templates ${file}: "${key}" must be a non-empty array of templates containing {c}`);
  }
  return { templates: list as string[], key, source: file };
}
