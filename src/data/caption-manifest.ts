import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { HoloclipError } from '../errors.js';
import { locate } from './jsonl-manifest.js';
import { ItemListBuilder } from './item-list.js';
import type { Dataset } from './types.js';

export interface CaptionDataset {
  readonly dataset: Dataset;
  /** All captions, image by image, in manifest order. */
  readonly captions: string[];
  /** Index (into dataset.items) of the image each caption describes. */
  readonly textImage: Int32Array;
}

/**
 * A retrieval manifest: one `{"path": "...", "captions": ["...", ...]}` per line (paths relative to
 * the manifest, as for classification manifests). Every image needs at least one caption.
 */
export async function openCaptionManifest(fileArg: string): Promise<CaptionDataset> {
  const file = path.resolve(fileArg);
  if (!file.toLowerCase().endsWith('.jsonl')) {
    throw new HoloclipError(`retrieval data ${file} must be a .jsonl manifest with {"path": ..., "captions": [...]} per line`);
  }
  const root = path.dirname(file);
  const items = new ItemListBuilder();
  const captions: string[] = [];
  const textImage: number[] = [];
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const raw of lines) {
      lineNo++;
      const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (line.trim() === '') continue;
      const where = `${file}:${lineNo}`;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new HoloclipError(`${where}: not valid JSON; expected {"path": "<image>", "captions": ["...", ...]}`);
      }
      const v = value as { path?: unknown; captions?: unknown };
      if (typeof v.path !== 'string' || v.path === '') throw new HoloclipError(`${where}: "path" must be a non-empty string`);
      if (!Array.isArray(v.captions) || v.captions.length === 0 || !v.captions.every((c) => typeof c === 'string' && c.trim() !== '')) {
        throw new HoloclipError(`${where}: "captions" must be a non-empty array of non-empty strings`);
      }
      const index = items.length;
      items.push({ ...locate(root, v.path), label: -1 });
      for (const c of v.captions as string[]) {
        captions.push(c);
        textImage.push(index);
      }
    }
  } catch (err) {
    if (err instanceof HoloclipError) throw err;
    throw new HoloclipError(`cannot read retrieval manifest ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    lines.close();
  }
  if (items.length === 0) throw new HoloclipError(`empty dataset: retrieval manifest ${file} lists no images`);
  return {
    dataset: { kind: 'captions', root, source: file, classnames: [], classnamesSource: 'none (captions)', items: items.finish(), skipped: { hidden: 0, nonImage: 0, examples: [] } },
    captions,
    textImage: Int32Array.from(textImage),
  };
}
