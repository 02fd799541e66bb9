/**
 * SPair-71k (Min et al. 2019) in its release layout, read as probe3d's `SPairDataset` reads it
 * (mbanani/probe3d@a1f1464, evals/datasets/spair.py): pair annotations from `PairAnnotation/<split>/*.json`
 * (category, the two image names from `filename` "<id>-<src>-<trg>:<category>", boxes, image sizes,
 * viewpoint_variation), keypoints from `ImageAnnotation/<category>/<image>.json` (`kps`: {"0": [x, y] | null, ...}),
 * images from `JPEGImages/<category>/<filename>`. Files are read in sorted order (probe3d uses glob order, which
 * the file system decides). The embedded `emoji-correspondence` benchmark is written in this layout.
 */
import { readFileSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../../errors.js';
import type { CorrespondenceImage, CorrespondencePair, KeypointPairs } from '../correspondence-pairs.js';
import { itemListOf } from '../item-list.js';
import type { Dataset } from '../types.js';
import { SPAIR_LAYOUT } from './layouts.js';

const SPLIT_DIRS: Record<string, string> = { train: 'trn', valid: 'val', test: 'test' };

/**
 * One annotation file. Read synchronously: a split is thousands of small files read one after another, and a
 * synchronous read of a small local file costs a fraction of a round trip through the thread pool.
 */
function readJson(file: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new HoloclipError(`spair-71k: ${file} is not readable JSON: ${errorMessage(err)}`);
  }
}

function box(v: unknown, file: string, key: string): [number, number, number, number] {
  if (!Array.isArray(v) || v.length !== 4 || !v.every((x) => typeof x === 'number')) throw new HoloclipError(`spair-71k: ${file}: "${key}" must be [l, u, r, d]`);
  return v as [number, number, number, number];
}

function size(v: unknown, file: string, key: string): [number, number] {
  if (!Array.isArray(v) || v.length < 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number') throw new HoloclipError(`spair-71k: ${file}: "${key}" must be [width, height, channels]`);
  return [v[0], v[1]];
}

/** Opens the pairs of one split (default test) and the images they use. */
export async function openSpairPairs(rootArg: string, split = 'test'): Promise<KeypointPairs> {
  const root = path.resolve(rootArg);
  const dirName = SPLIT_DIRS[split] ?? split;
  const pairDir = path.join(root, 'PairAnnotation', dirName);
  let names: string[];
  try {
    names = (await readdir(pairDir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
  } catch {
    throw new HoloclipError(`spair-71k: ${pairDir} does not exist; expected the SPair-71k layout: ${SPAIR_LAYOUT}`);
  }
  if (names.length === 0) throw new HoloclipError(`spair-71k: ${pairDir} holds no pair annotations (*.json)`);
  const images = new Map<string, CorrespondenceImage>();
  const pairs: CorrespondencePair[] = [];
  const annotationFiles: string[] = [];
  const image = async (category: string, name: string): Promise<string> => {
    const key = `${category}/${name}`;
    if (images.has(key)) return key;
    const annFile = path.join(root, 'ImageAnnotation', category, `${name}.json`);
    const ann = readJson(annFile);
    annotationFiles.push(annFile);
    const kpsRaw = ann.kps;
    if (typeof kpsRaw !== 'object' || kpsRaw === null) throw new HoloclipError(`spair-71k: ${annFile} has no "kps" object`);
    const kd = kpsRaw as Record<string, unknown>;
    const kps = Object.keys(kd).map((_, i) => {
      const v = kd[String(i)];
      if (v === null || v === undefined) return { x: 0, y: 0, visible: false };
      if (!Array.isArray(v) || typeof v[0] !== 'number' || typeof v[1] !== 'number') throw new HoloclipError(`spair-71k: ${annFile}: kps["${i}"] must be [x, y] or null`);
      return { x: v[0], y: v[1], visible: true };
    });
    const filename = typeof ann.filename === 'string' ? ann.filename : `${name}.jpg`;
    const file = path.join(root, 'JPEGImages', category, filename);
    try {
      statSync(file);
    } catch {
      throw new HoloclipError(`spair-71k: image ${file} (named by ${annFile}) is missing`);
    }
    images.set(key, { key, category, name, file, kps });
    return key;
  };
  for (const n of names) {
    const file = path.join(pairDir, n);
    const p = readJson(file);
    annotationFiles.push(file);
    const fname = String(p.filename ?? '');
    const category = typeof p.category === 'string' ? p.category : fname.split(':')[1];
    const parts = fname.split(':')[0].split('-');
    if (!category || parts.length !== 3) throw new HoloclipError(`spair-71k: ${file}: "filename" must be "<id>-<source>-<target>:<category>", got "${fname}"`);
    const vp = p.viewpoint_variation;
    if (typeof vp !== 'number') throw new HoloclipError(`spair-71k: ${file}: "viewpoint_variation" must be a number`);
    const warp = p.holoclip_warp as { kind?: unknown; level?: unknown } | undefined;
    pairs.push({
      id: parts[0],
      category,
      source: await image(category, parts[1]),
      target: await image(category, parts[2]),
      sourceBbox: box(p.src_bndbox, file, 'src_bndbox'),
      targetBbox: box(p.trg_bndbox, file, 'trg_bndbox'),
      sourceSize: size(p.src_imsize, file, 'src_imsize'),
      targetSize: size(p.trg_imsize, file, 'trg_imsize'),
      viewpointVariation: vp,
      ...(warp && typeof warp.kind === 'string' ? { warpKind: warp.kind } : {}),
    });
  }
  const items = itemListOf([...images.values()].map((im) => ({ id: path.relative(root, im.file).split(path.sep).join('/'), path: im.file, label: -1 })));
  const dataset: Dataset = {
    kind: 'images',
    root,
    source: root,
    classnames: [],
    classnamesSource: 'none (keypoint pairs)',
    items,
    skipped: { hidden: 0, nonImage: 0, examples: [] },
    adapter: { type: 'spair-71k', notes: { split, pairs: pairs.length, images: images.size, categories: new Set(pairs.map((p) => p.category)).size } },
  };
  return { kind: 'keypoints', dataset, images, pairs, split, annotationFiles };
}
