/**
 * A reference model's corruption errors for mCE (e.g. AlexNet's, as published with ImageNet-C):
 *
 *   corruption,severity,error
 *   clean,,0.4348                 (optional: the reference's clean error, for relative mCE)
 *   gaussian_noise,1,0.6929       (per severity) ...
 *   glass_blur,mean,0.8254        (or the mean over severities 1-5, as papers print it)
 *
 * Errors are fractions in [0, 1] (a value above 1 is an error message asking for fractions).
 */
import { HoloclipError } from '../errors.js';
import { refKey, type ReferenceErrors } from '../metrics/corruption.js';
import { readCsv, requireColumns } from './csv.js';

const WHAT = 'reference errors file';

export async function readReferenceErrors(file: string): Promise<ReferenceErrors> {
  const table = await readCsv(file, WHAT);
  const [ci, si, ei] = requireColumns(table, WHAT, ['corruption', 'severity', 'error']);
  const errors = new Map<string, number>();
  let clean: number | null = null;
  table.rows.forEach((row, r) => {
    const where = `${WHAT} ${file} line ${table.lines[r]}`;
    const error = Number(row[ei]);
    if (row[ei] === '' || !Number.isFinite(error) || error < 0) throw new HoloclipError(`${where}: error ${JSON.stringify(row[ei])} is not a number >= 0`);
    if (error > 1) throw new HoloclipError(`${where}: error ${row[ei]} is above 1; give errors as fractions (0.886, not 88.6)`);
    const corruption = row[ci];
    if (corruption === 'clean') {
      clean = error;
      return;
    }
    const sev = row[si];
    const severity = sev === 'mean' ? 0 : Number(sev);
    if (!(sev === 'mean' || (Number.isInteger(severity) && severity >= 1 && severity <= 5))) {
      throw new HoloclipError(`${where}: severity ${JSON.stringify(sev)} must be 1-5, or "mean" for the mean over severities`);
    }
    errors.set(refKey(corruption, severity), error);
  });
  return { errors, clean, source: file };
}
