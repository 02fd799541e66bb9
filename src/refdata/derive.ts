/**
 * Resources that are not published as files of their own but computed from one (see
 * `RefResource.derived`). Each deriver turns the downloaded source bytes into the resource's bytes;
 * the result is then checked against the registry's sha256 like any download.
 */
import { HoloclipError } from '../errors.js';

export type Deriver = (source: Buffer) => Buffer;

/**
 * `cue_conflict/human_categories_wnids.json` from model-vs-human's `modelvshuman/helper/human_categories.py`:
 * every `<category>_indices = [i, j, ...]` assignment (in file order), as JSON with a 1-space indent and no
 * trailing newline, which is byte-for-byte what Python's `json.dumps(d, indent=1)` writes.
 */
export function deriveHumanCategoriesJson(source: Buffer): Buffer {
  const text = source.toString('utf8');
  const out: Record<string, number[]> = {};
  const re = /^[ \t]*([a-z_]+_indices)[ \t]*=[ \t]*\[([^\]]*)\]/gm;
  for (const m of text.matchAll(re)) {
    const values = m[2]
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (!values.every((v) => /^\d+$/.test(v))) throw new HoloclipError(`human_categories.py: ${m[1]} is not a list of integers`);
    out[m[1]] = values.map(Number);
  }
  const n = Object.keys(out).length;
  if (n !== 16) throw new HoloclipError(`human_categories.py: expected 16 "<category>_indices" lists, found ${n}`);
  return Buffer.from(JSON.stringify(out, null, 1), 'utf8');
}

export const DERIVERS: Readonly<Record<string, Deriver>> = Object.freeze({
  'cue_conflict/human_categories_wnids.json': deriveHumanCategoriesJson,
});
