/**
 * ImageNet-X files (facebookresearch/imagenetx):
 * - annotations, `imagenet_x_{train,val}_{top,multi}_factor.jsonl`: one JSON object per line with
 *   `file_name`, `class` (the ImageNet class index), the 16 factors as 0/1, and free-text keys
 *   (`justification`, `one_word`) that are not factors. The top-factor and multi-factor files share this
 *   layout (top: one factor set per image; multi: any number).
 * - `prototypical_paths.csv`: column `file_name`, the images imagenetx leaves out by default.
 * - model predictions, `model_predictions/<set>/<Model>.csv`: `file_name,predicted_class,predicted_probability`.
 * - `filename_label.csv`: `file_name,label` for the ImageNet val images.
 */
import { HoloclipError } from '../errors.js';
import { IMAGENET_X_FACTORS, type FactorAnnotation } from '../metrics/factors.js';
import { parseIndexField, readCsv, requireColumns } from './csv.js';
import { oneLine, readTextFile } from './text-file.js';

/**
 * Read an ImageNet-X annotation file (JSONL, top- or multi-factor). Factors are the 16 of
 * IMAGENET_X_FACTORS, each required on every line as 0/1 (true/false accepted) and returned in that order;
 * other keys are ignored. The label is `class` (or `label`). A file name annotated twice is an error.
 */
export async function readFactorAnnotations(file: string): Promise<FactorAnnotation[]> {
  const what = 'ImageNet-X annotation file';
  const text = await readTextFile(file, what);
  const out: FactorAnnotation[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length === 0) continue;
    const where = `${what} ${file} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new HoloclipError(`${where} is not valid JSON (${oneLine((err as Error).message)}); expected one JSON object per line`, { cause: err });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new HoloclipError(`${where} is not a JSON object; expected {"file_name": ..., "class": ..., <factor>: 0/1, ...}`);
    }
    const rec = value as Record<string, unknown>;
    const fileName = rec.file_name;
    if (typeof fileName !== 'string' || fileName.length === 0) throw new HoloclipError(`${where} has no "file_name" string`);
    const label = rec.class ?? rec.label;
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0) {
      throw new HoloclipError(`${where} (${fileName}): "class" is ${JSON.stringify(label)}; expected a non-negative integer class index`);
    }
    const factors: Record<string, number> = {};
    for (const f of IMAGENET_X_FACTORS) {
      const v = rec[f];
      if (v === 0 || v === 1) factors[f] = v;
      else if (v === true || v === false) factors[f] = v ? 1 : 0;
      else throw new HoloclipError(`${where} (${fileName}): factor "${f}" is ${v === undefined ? 'missing' : JSON.stringify(v)}; expected 0 or 1`);
    }
    if (seen.has(fileName)) throw new HoloclipError(`${where}: ${fileName} is annotated more than once`);
    seen.add(fileName);
    out.push({ file_name: fileName, label, factors });
  }
  if (out.length === 0) throw new HoloclipError(`${what} ${file} has no annotations; expected one JSON object per line`);
  return out;
}

/** The file names of imagenetx's `prototypical_paths.csv` (column `file_name`), for factorMetrics' `exclude`. */
export async function readPrototypicalPaths(file: string): Promise<Set<string>> {
  const what = 'prototypical paths file';
  const table = await readCsv(file, what);
  const [fi] = requireColumns(table, what, ['file_name']);
  return new Set(table.rows.map((r) => r[fi]).filter((f) => f.length > 0));
}

/**
 * Model predictions in imagenetx's layout, `file_name,predicted_class[,predicted_probability]`:
 * file_name -> predicted class index. A file predicted twice is an error (imagenetx's sanity check).
 */
export async function readImagenetxPredictions(file: string): Promise<Map<string, number>> {
  return readFileIndexMap(file, 'ImageNet-X predictions file', 'predicted_class');
}

/** imagenetx's `filename_label.csv` (`file_name,label`): file_name -> true class index. */
export async function readImagenetxLabels(file: string): Promise<Map<string, number>> {
  return readFileIndexMap(file, 'ImageNet-X label file', 'label');
}

async function readFileIndexMap(file: string, what: string, column: string): Promise<Map<string, number>> {
  const table = await readCsv(file, what);
  const [fi, ci] = requireColumns(table, what, ['file_name', column]);
  const out = new Map<string, number>();
  table.rows.forEach((row, r) => {
    const name = row[fi];
    if (name.length === 0) throw new HoloclipError(`${what} ${file} line ${table.lines[r]}: empty file_name`);
    if (out.has(name)) throw new HoloclipError(`${what} ${file} line ${table.lines[r]}: ${name} appears more than once`);
    out.set(name, parseIndexField(row[ci], table, r, column, what));
  });
  return out;
}
