/**
 * Cue-conflict files:
 * - raw decisions of rgeirhos/texture-vs-shape (`raw-data/style-transfer-512-nomask-experiment*`):
 *   CSV with columns subj,session,trial,rt,object_response,category,condition,imagename; `category` is
 *   the shape category, the texture category is parsed from `imagename`, `object_response` is the
 *   decision (a category name, or "na" when a human gave none).
 * - the 16-category mapping, a JSON object like model-vs-human's human categories:
 *   {"airplane_indices": [404], "bear_indices": [294, 295, 296, 297], ...}.
 */
import { HoloclipError } from '../errors.js';
import { parseCueConflictName, type CueConflictTrial } from '../metrics/shape-bias.js';
import { readCsv, requireColumns } from './csv.js';
import { oneLine, readTextFile } from './text-file.js';

/** A raw-decision trial: a CueConflictTrial plus who made the decision (the `subj` column). */
export interface RawDecisionTrial extends CueConflictTrial {
  subject: string;
}

/** Read one raw-decisions CSV. Trials keep file order; filter on `subject` to pool or separate observers. */
export async function readRawDecisions(file: string): Promise<RawDecisionTrial[]> {
  const what = 'raw decisions file';
  const table = await readCsv(file, what);
  const [si, di, ci, ii] = requireColumns(table, what, ['subj', 'object_response', 'category', 'imagename']);
  return table.rows.map((row, r) => {
    const image = row[ii];
    const shape = row[ci];
    if (shape.length === 0) throw new HoloclipError(`${what} ${file} line ${table.lines[r]}: empty category`);
    let texture: string;
    try {
      texture = parseCueConflictName(image).texture;
    } catch (err) {
      throw new HoloclipError(`${what} ${file} line ${table.lines[r]}: ${(err as Error).message}`, { cause: err });
    }
    return { image, shape, texture, decision: row[di], subject: row[si] };
  });
}

/**
 * Read a 16-category mapping: every key `<name>_indices` holding an array of ImageNet class indices
 * becomes { name, indices }, in file order. Other keys are ignored; a file with no such key is an error.
 */
export async function readCategoryMapping(file: string): Promise<{ name: string; indices: number[] }[]> {
  const what = 'category mapping';
  const text = await readTextFile(file, what);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HoloclipError(`${what} ${file} is not valid JSON (${oneLine((err as Error).message)})`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HoloclipError(`${what} ${file} must hold a JSON object like {"airplane_indices": [404], ...}`);
  }
  const out: { name: string; indices: number[] }[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!key.endsWith('_indices')) continue;
    const name = key.slice(0, -'_indices'.length);
    if (name.length === 0) throw new HoloclipError(`${what} ${file}: key "_indices" has no category name`);
    if (!Array.isArray(v) || v.length === 0 || !v.every((j) => typeof j === 'number' && Number.isInteger(j) && j >= 0)) {
      throw new HoloclipError(`${what} ${file}: ${key} must be a non-empty array of non-negative integer class indices`);
    }
    out.push({ name, indices: v as number[] });
  }
  if (out.length === 0) throw new HoloclipError(`${what} ${file} has no "<category>_indices" keys; expected e.g. {"airplane_indices": [404], ...}`);
  return out;
}
