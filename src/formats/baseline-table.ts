/**
 * Baseline accuracy tables for effective robustness: one row per model, one column per evaluation
 * setting, like imagenet-testbed's `robustness_top1s.csv` (column `model`, then e.g. `val`,
 * `imagenetv2-matched-frequency-format-val`, `imagenet-sketch`, `objectnet-1.0-beta`, ...).
 *
 * Units: imagenet-testbed stores top-1 accuracies in percent. With `scale: 'auto'` (the default) the two
 * columns read are taken to be percent when any of their values exceeds 1, and fractions otherwise;
 * percent values are divided by 100, so the result always holds fractions in [0, 1]. `scale: 'percent'`
 * or `'fraction'` forces the unit. The unit used is returned in `scale`.
 *
 * Missing values: an empty field or NaN / NA / N/A / null / none (any case). A row missing either value
 * is skipped and counted in `skipped` (imagenet-testbed has 3 models without a `val` accuracy).
 */
import { HoloclipError } from '../errors.js';
import { readCsv, requireColumns } from './csv.js';

export interface BaselineTableOptions {
  /** Column holding the model name (default "model"). */
  modelColumn?: string;
  /** In-distribution accuracy column, e.g. "val". */
  idColumn: string;
  /** Shifted accuracy column, e.g. "imagenetv2-matched-frequency-format-val". */
  shiftColumn: string;
  /** Only these models (every name must be in the table). Default: all rows. */
  models?: readonly string[];
  /** Unit of the accuracies (default 'auto', see the module comment). */
  scale?: 'auto' | 'percent' | 'fraction';
}

export interface BaselineTable {
  /** Model names of the rows kept, in table order. */
  models: string[];
  /** In-distribution accuracies, fractions in [0, 1]. */
  id: number[];
  /** Shifted accuracies, fractions in [0, 1]. */
  shift: number[];
  /** Rows left out because the id or shift value is missing. */
  skipped: number;
  /** The unit the file's values were read in. */
  scale: 'percent' | 'fraction';
}

const MISSING = new Set(['', 'nan', 'na', 'n/a', 'null', 'none']);
const WHAT = 'baseline table';

export async function readBaselineTable(file: string, options: BaselineTableOptions): Promise<BaselineTable> {
  const modelColumn = options.modelColumn ?? 'model';
  const scaleOption = options.scale ?? 'auto';
  if (!['auto', 'percent', 'fraction'].includes(scaleOption)) {
    throw new HoloclipError(`baseline table scale must be auto, percent or fraction, got ${JSON.stringify(scaleOption)}`);
  }
  const table = await readCsv(file, WHAT);
  const [mi, ii, si] = requireColumns(table, WHAT, [modelColumn, options.idColumn, options.shiftColumn]);
  const wanted = options.models === undefined ? null : new Set(options.models);
  if (wanted !== null) {
    const present = new Set(table.rows.map((r) => r[mi]));
    const absent = [...wanted].filter((m) => !present.has(m));
    if (absent.length > 0) {
      const shown = absent.slice(0, 5).map((m) => JSON.stringify(m)).join(', ') + (absent.length > 5 ? `, ... (${absent.length} in all)` : '');
      throw new HoloclipError(`${WHAT} ${file} has no row for model ${shown} (column ${JSON.stringify(modelColumn)})`);
    }
  }
  const models: string[] = [];
  const id: number[] = [];
  const shift: number[] = [];
  const seen = new Set<string>();
  let skipped = 0;
  table.rows.forEach((row, r) => {
    const name = row[mi];
    if (wanted !== null && !wanted.has(name)) return;
    if (seen.has(name)) throw new HoloclipError(`${WHAT} ${file} line ${table.lines[r]}: model ${JSON.stringify(name)} appears more than once`);
    seen.add(name);
    const a = parseValue(row[ii], options.idColumn, r);
    const b = parseValue(row[si], options.shiftColumn, r);
    if (a === null || b === null) {
      skipped++;
      return;
    }
    models.push(name);
    id.push(a);
    shift.push(b);
  });
  let max = 0;
  for (let k = 0; k < models.length; k++) max = Math.max(max, id[k], shift[k]);
  const scale = scaleOption === 'auto' ? (max > 1 ? 'percent' : 'fraction') : scaleOption;
  const limit = scale === 'percent' ? 100 : 1;
  for (let k = 0; k < models.length; k++) {
    for (const [v, col] of [
      [id[k], options.idColumn],
      [shift[k], options.shiftColumn],
    ] as const) {
      if (v < 0 || v > limit) {
        throw new HoloclipError(`${WHAT} ${file}: model ${JSON.stringify(models[k])} has ${col} = ${v}, outside [0, ${limit}] for accuracies in ${scale === 'percent' ? 'percent' : 'fractions'}`);
      }
    }
  }
  if (scale === 'percent') {
    for (let k = 0; k < models.length; k++) {
      id[k] /= 100;
      shift[k] /= 100;
    }
  }
  return { models, id, shift, skipped, scale };

  function parseValue(value: string, column: string, r: number): number | null {
    if (MISSING.has(value.toLowerCase())) return null;
    const v = Number(value);
    if (!Number.isFinite(v)) {
      throw new HoloclipError(`${WHAT} ${file} line ${table.lines[r]}: ${column} is ${JSON.stringify(value)}; expected a number or an empty field`);
    }
    return v;
  }
}
