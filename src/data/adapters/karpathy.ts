import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { mapLimit } from '../../util/concurrency.js';
import type { CaptionDataset } from '../caption-manifest.js';
import { itemListOf } from '../item-list.js';
import type { AdapterOptions } from './types.js';
import { KARPATHY_LAYOUT } from './layouts.js';

const SPLITS = ['train', 'restval', 'val', 'test'];
const STAT_CONCURRENCY = 32;

interface KarpathyImage {
  filename: string;
  filepath?: string;
  split: string;
  captions: string[];
}

/**
 * Flickr30k / MSCOCO image-text retrieval with Karpathy & Fei-Fei's (2015) splits, the protocol of
 * the CLIP paper and CLIP_benchmark: the `test` split (1k Flickr30k / 5k COCO images) with every
 * reference caption (`sentences[].raw`; 5 per image, a few COCO images have more).
 * `root` is the JSON file, or a folder holding exactly one `dataset_*.json`.
 */
export async function openKarpathy(root: string, options: AdapterOptions): Promise<CaptionDataset> {
  const json = await findJson(path.resolve(root));
  const split = options.split ?? 'test';
  const all = await readKarpathy(json);
  const chosen = all.filter((im) => im.split === split);
  if (chosen.length === 0) {
    const have = [...new Set(all.map((im) => im.split))].sort().join(', ');
    throw new HoloclipError(`karpathy: ${json} has no images in split "${split}" (it has: ${have}; Karpathy splits are ${SPLITS.join(', ')})`);
  }
  const rel = (im: KarpathyImage): string => (im.filepath === undefined || im.filepath === '' ? im.filename : `${im.filepath}/${im.filename}`);
  const imageRoot = await findImageRoot(json, rel(chosen[0]), options);
  const items = itemListOf(
    chosen.map((im) => {
      const id = rel(im);
      return { id, path: path.join(imageRoot, ...id.split('/')), label: -1 };
    }),
  );
  const missing = (await mapLimit(items, STAT_CONCURRENCY, async (it) => ((await exists(it.path)) ? null : it.path))).filter((p): p is string => p !== null);
  if (missing.length > 0) {
    throw new HoloclipError(`karpathy: ${missing.length} of ${items.length} "${split}" images listed in ${json} are missing under ${imageRoot} (first: ${missing[0]}); give the image folder`);
  }
  const captions: string[] = [];
  const textImage: number[] = [];
  chosen.forEach((im, i) => {
    for (const c of im.captions) {
      captions.push(c);
      textImage.push(i);
    }
  });
  return {
    dataset: {
      kind: 'captions',
      root: imageRoot,
      source: json,
      classnames: [],
      classnamesSource: 'none (captions)',
      items,
      skipped: { hidden: 0, nonImage: 0, examples: [] },
      adapter: { type: 'karpathy', notes: { json, split, images: items.length, captions: captions.length } },
    },
    captions,
    textImage: Int32Array.from(textImage),
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function findJson(given: string): Promise<string> {
  let st;
  try {
    st = await stat(given);
  } catch {
    throw new HoloclipError(`karpathy: ${given} does not exist; expected ${KARPATHY_LAYOUT}`);
  }
  if (st.isFile()) return given;
  const found = (await readdir(given)).filter((n) => /^dataset_.*\.json$/i.test(n)).sort();
  if (found.length !== 1) {
    throw new HoloclipError(`karpathy: folder ${given} holds ${found.length === 0 ? 'no' : `${found.length} (${found.join(', ')})`} dataset_*.json Karpathy split files; give the JSON file path`);
  }
  return path.join(given, found[0]);
}

async function readKarpathy(json: string): Promise<KarpathyImage[]> {
  let value: unknown;
  try {
    value = JSON.parse((await readFile(json, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new HoloclipError(`karpathy: cannot read ${json} as JSON: ${(err as Error).message}`, { cause: err });
  }
  const images = (value as { images?: unknown } | null)?.images;
  if (!Array.isArray(images)) throw new HoloclipError(`karpathy: ${json} has no "images" array (expected Karpathy's dataset_*.json)`);
  return images.map((raw: unknown, i): KarpathyImage => {
    const im = raw as { filename?: unknown; filepath?: unknown; split?: unknown; sentences?: unknown };
    const where = `${json}: images[${i}]`;
    if (typeof im.filename !== 'string' || im.filename === '') throw new HoloclipError(`${where}: "filename" must be a non-empty string`);
    if (typeof im.split !== 'string') throw new HoloclipError(`${where} (${im.filename}): "split" must be a string`);
    if (im.filepath !== undefined && typeof im.filepath !== 'string') throw new HoloclipError(`${where} (${im.filename}): "filepath" must be a string`);
    if (!Array.isArray(im.sentences) || im.sentences.length === 0) throw new HoloclipError(`${where} (${im.filename}): "sentences" must be a non-empty array`);
    const captions = im.sentences.map((s: unknown, j) => {
      const rawText = (s as { raw?: unknown } | null)?.raw;
      if (typeof rawText !== 'string' || rawText.trim() === '') throw new HoloclipError(`${where} (${im.filename}): sentences[${j}].raw must be a non-empty string`);
      return rawText.trim();
    });
    return { filename: im.filename, filepath: im.filepath, split: im.split, captions };
  });
}

/** The folder the image paths are relative to: the option, else the JSON's folder or a known sub-folder of it. */
async function findImageRoot(json: string, firstRel: string, options: AdapterOptions): Promise<string> {
  if (options.imageRoot !== undefined) return path.resolve(options.imageRoot);
  const dir = path.dirname(json);
  const candidates = [dir, path.join(dir, 'flickr30k-images'), path.join(dir, 'images')];
  for (const c of candidates) if (await exists(path.join(c, ...firstRel.split('/')))) return c;
  throw new HoloclipError(`karpathy: cannot find image ${firstRel} (listed in ${json}) in ${candidates.join(', ')}; give the image folder`);
}
