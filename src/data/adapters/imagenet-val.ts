import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { isImageFileName } from '../image-extensions.js';
import { SkipCounter } from '../imagefolder.js';
import { ItemListBuilder } from '../item-list.js';
import type { Dataset } from '../types.js';
import { requireDir, topLevel } from './common.js';
import { imagenetClasses, type ImagenetClasses } from './resources.js';
import type { AdapterOptions } from './types.js';
import { openWnidFolders } from './wnid-folders.js';
import { IMAGENET_VAL_LAYOUT } from './layouts.js';

const CSV_NAME = 'LOC_val_solution.csv';
/** How many folders up from the image folder the csv is looked for (Kaggle: <top>/ILSVRC/Data/CLS-LOC/val). */
const CSV_SEARCH_UP = 3;

/**
 * ImageNet-1k validation (50,000 images), 1000-way head with CLIP_benchmark's names, labels =
 * ImageNet-1k indices (wnid order, as torchvision's `ImageNet`). Two layouts:
 * - wnid class folders (torchvision `ImageNet` / `valprep.sh`);
 * - the flat folder of the ILSVRC2012 / Kaggle release, labelled by `LOC_val_solution.csv`, whose
 *   PredictionString begins with the image's wnid (later tokens are boxes, possibly more wnids of
 *   the same class). Items are then in file-name order.
 */
export async function openImagenetVal(root: string, options: AdapterOptions): Promise<Dataset> {
  const dir = await requireDir(root, 'imagenet-val', IMAGENET_VAL_LAYOUT);
  const inet = await imagenetClasses(options);
  const probe = await topLevel(dir, new SkipCounter());
  if (probe.folders.length > 0) return openWnidFolders(dir, 'imagenet-val', IMAGENET_VAL_LAYOUT, { kind: 'full' }, options, inet);
  return openFlat(dir, inet, options);
}

async function openFlat(dir: string, inet: ImagenetClasses, options: AdapterOptions): Promise<Dataset> {
  const csv = await findCsv(dir, options);
  const labelOf = await readSolutionCsv(csv, inet);
  const skipped = new SkipCounter();
  const { files } = await topLevel(dir, skipped);
  const list = new ItemListBuilder();
  const used = new Set<string>();
  for (const name of files) {
    if (!isImageFileName(name)) {
      skipped.nonImage(name);
      continue;
    }
    const imageId = name.replace(/\.[^.]*$/, '');
    const label = labelOf.get(imageId);
    if (label === undefined) throw new HoloclipError(`imagenet-val: image ${name} in ${dir} has no row "${imageId}" in ${csv}; remove it or give the matching solution csv`);
    used.add(imageId);
    list.push({ id: name, path: path.join(dir, name), label });
  }
  const items = list.finish();
  if (items.length === 0) throw new HoloclipError(`empty dataset: imagenet-val folder ${dir} holds no ILSVRC2012_val_*.JPEG images; expected ${IMAGENET_VAL_LAYOUT}`);
  return {
    kind: 'imagefolder',
    root: dir,
    source: dir,
    classnames: [...inet.names],
    classnamesSource: inet.source,
    items,
    skipped: skipped.result(),
    adapter: { type: 'imagenet-val', notes: { layout: 'flat + solution csv', solutionCsv: csv, csvRowsWithoutImage: labelOf.size - used.size } },
  };
}

async function findCsv(dir: string, options: AdapterOptions): Promise<string> {
  if (options.solutionCsv !== undefined) return path.resolve(options.solutionCsv);
  const tried: string[] = [];
  let at = dir;
  for (let up = 0; up <= CSV_SEARCH_UP; up++) {
    const candidate = path.join(at, CSV_NAME);
    tried.push(candidate);
    try {
      await access(candidate);
      return candidate;
    } catch {
      // keep looking upwards
    }
    const parent = path.dirname(at);
    if (parent === at) break;
    at = parent;
  }
  throw new HoloclipError(`imagenet-val: ${dir} holds no wnid class folders and no ${CSV_NAME} was found (looked at ${tried.join(', ')}); give the solution csv path, or use the wnid-folder layout`);
}

/** ImageId -> ImageNet-1k index, from `ImageId,PredictionString` rows. */
async function readSolutionCsv(csv: string, inet: ImagenetClasses): Promise<Map<string, number>> {
  let text: string;
  try {
    text = (await readFile(csv, 'utf8')).replace(/^\uFEFF/, '');
  } catch (err) {
    throw new HoloclipError(`cannot read ImageNet solution csv ${csv}: ${(err as Error).message}`, { cause: err });
  }
  const lines = text.split(/\r?\n/);
  if (!/^ImageId,PredictionString\s*$/.test(lines[0] ?? '')) {
    throw new HoloclipError(`${csv}:1: expected the header "ImageId,PredictionString" (the ILSVRC/Kaggle ${CSV_NAME})`);
  }
  const out = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const comma = line.indexOf(',');
    const imageId = comma < 0 ? '' : line.slice(0, comma).trim();
    const wnid = comma < 0 ? '' : line.slice(comma + 1).trim().split(/\s+/)[0];
    if (imageId === '' || wnid === '') throw new HoloclipError(`${csv}:${i + 1}: expected "<ImageId>,<wnid> <box>..."`);
    const label = inet.indexOf.get(wnid);
    if (label === undefined) throw new HoloclipError(`${csv}:${i + 1}: "${wnid}" is not one of the 1000 ImageNet-1k wnids`);
    if (out.has(imageId)) throw new HoloclipError(`${csv}:${i + 1}: image "${imageId}" is listed twice`);
    out.set(imageId, label);
  }
  return out;
}
