/**
 * Read the arrays `holoclip score` accepts: `.npy` files, or text files with one value (or one
 * row of comma/space separated values) per line. Errors name the file and the problem.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';
import { parseNpyHeader, readNpy } from '../store/npy.js';

export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new HoloclipError(`cannot read ${file}: ${errorMessage(err)}`);
  }
}

/** A number; NaN / Inf spellings parse (and are then reported as non-finite by the callers). */
function parseNumber(token: string, file: string, line: number): number {
  const special: Record<string, number> = { nan: Number.NaN, inf: Infinity, '+inf': Infinity, '-inf': -Infinity, infinity: Infinity, '-infinity': -Infinity };
  const lower = token.toLowerCase();
  if (lower in special) return special[lower];
  const v = Number(token);
  if (token === '' || Number.isNaN(v)) throw new HoloclipError(`${file}:${line}: "${token}" is not a number`);
  return v;
}

/**
 * Index of the first NaN or infinity, -1 if none. Plain loops, one per array type so each stays monomorphic
 * (findIndex's callback per value, or one loop over both types, costs ten times as much on 50M values).
 */
function firstNonFinite32(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
function firstNonFinite64(values: Float64Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** A 2-D float matrix (e.g. logits n x c). */
export async function readMatrix(fileArg: string, what: string): Promise<Matrix> {
  const file = path.resolve(fileArg);
  let m: Matrix;
  if (file.endsWith('.npy')) {
    const arr = await readNpy(file).catch((err: unknown) => {
      throw new HoloclipError(`cannot read ${what} ${file}: ${errorMessage(err)}`);
    });
    if (arr.shape.length !== 2) throw new HoloclipError(`${what} ${file} must be a 2-D array (n x classes), got shape [${arr.shape.join(', ')}]`);
    const data = arr.data instanceof Float32Array ? arr.data : Float32Array.from(arr.data as ArrayLike<number>, Number);
    m = { data, rows: arr.shape[0], cols: arr.shape[1] };
  } else {
    const lines = (await readText(file)).split(/\r?\n/);
    const rows: number[][] = [];
    lines.forEach((l, i) => {
      if (l.trim() === '') return;
      rows.push(l.trim().split(/[\s,]+/).map((t) => parseNumber(t, file, i + 1)));
    });
    if (rows.length === 0) throw new HoloclipError(`${what} ${file} is empty`);
    const cols = rows[0].length;
    const bad = rows.findIndex((r) => r.length !== cols);
    if (bad >= 0) throw new HoloclipError(`${what} ${file}: row ${bad + 1} has ${rows[bad].length} values, the first row ${cols}`);
    m = { data: Float32Array.from(rows.flat()), rows: rows.length, cols };
  }
  const badAt = firstNonFinite32(m.data);
  if (badAt >= 0) throw new HoloclipError(`${what} ${file} holds a non-finite value (NaN or Inf) at row ${Math.floor(badAt / m.cols)}, column ${badAt % m.cols}`);
  return m;
}

/** Rows and columns of a float32 C-order 2-D `.npy` file, from its header; null for any other file (read it whole). */
export async function float32MatrixShape(fileArg: string): Promise<{ rows: number; cols: number; dataStart: number } | null> {
  const file = path.resolve(fileArg);
  if (!file.endsWith('.npy')) return null;
  let handle: FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return null; // readMatrix reports it
  }
  try {
    const head = Buffer.alloc(65536);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const header = parseNpyHeader(head.subarray(0, bytesRead), (what) => new HoloclipError(what));
    if (header.descr !== '<f4' || header.fortran || header.shape.length !== 2) return null;
    const [rows, cols] = header.shape;
    if ((await handle.stat()).size !== header.dataStart + rows * cols * 4) return null;
    return { rows, cols, dataStart: header.dataStart };
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

/** Any numeric array as float64 (a plain loop: Float64Array.from(data, Number) costs 30-90 ms on 50,000 labels). */
function numbersOf(data: ArrayLike<number | bigint>): Float64Array {
  const out = new Float64Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  return out;
}

/** The values of a 1-D `.npy` (as stored) or text file (parsed); not yet checked for length or finiteness. */
async function readVectorValues(file: string, what: string): Promise<ArrayLike<number | bigint>> {
  if (file.endsWith('.npy')) {
    const arr = await readNpy(file).catch((err: unknown) => {
      throw new HoloclipError(`cannot read ${what} ${file}: ${errorMessage(err)}`);
    });
    if (arr.shape.length !== 1 && !(arr.shape.length === 2 && arr.shape[1] === 1)) {
      throw new HoloclipError(`${what} ${file} must be a 1-D array, got shape [${arr.shape.join(', ')}]`);
    }
    return arr.data as ArrayLike<number | bigint>;
  }
  const values: number[] = [];
  (await readText(file)).split(/\r?\n/).forEach((l, i) => {
    if (l.trim() !== '') values.push(parseNumber(l.trim(), file, i + 1));
  });
  return Float64Array.from(values);
}

function checkedVector(values: ArrayLike<number | bigint>, file: string, what: string): Float64Array {
  const out = numbersOf(values);
  if (out.length === 0) throw new HoloclipError(`${what} ${file} is empty`);
  const badAt = firstNonFinite64(out);
  if (badAt >= 0) throw new HoloclipError(`${what} ${file} holds a non-finite value (NaN or Inf) at position ${badAt}`);
  return out;
}

/** A 1-D numeric vector (scores, accuracies). */
export async function readVector(fileArg: string, what: string): Promise<Float64Array> {
  const file = path.resolve(fileArg);
  return checkedVector(await readVectorValues(file, what), file, what);
}

function labelOutOfRange(what: string, file: string, label: number, i: number, numClasses: number | null): HoloclipError {
  return new HoloclipError(`${what} ${file}: label ${label} at position ${i} is out of range [0, ${numClasses === null ? 'inf' : numClasses - 1}]`);
}

/**
 * Integer labels in [0, numClasses). A `.npy` of int32 (or a narrower integer type) needs only the range check: one
 * loop, no float64 copy (on 50,000 labels the general path's four loops took 15 ms of `score ece`'s start).
 */
export async function readLabels(fileArg: string, numClasses: number | null, what = 'labels'): Promise<Int32Array> {
  const file = path.resolve(fileArg);
  const values = await readVectorValues(file, what);
  if (values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array || values instanceof Uint16Array || values instanceof Uint8Array) {
    if (values.length === 0) throw new HoloclipError(`${what} ${file} is empty`);
    const limit = numClasses ?? Infinity;
    for (let i = 0; i < values.length; i++) {
      const y = values[i];
      if (y < 0 || y >= limit) throw labelOutOfRange(what, file, y, i, numClasses);
    }
    return Int32Array.from(values);
  }
  const v = checkedVector(values, file, what);
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isInteger(v[i])) throw new HoloclipError(`${what} ${file}: value ${v[i]} at position ${i} is not an integer`);
    if (v[i] < 0 || (numClasses !== null && v[i] >= numClasses)) throw labelOutOfRange(what, file, v[i], i, numClasses);
    out[i] = v[i];
  }
  return out;
}

export function requireSameLength(a: { length: number }, b: { length: number }, what: string): void {
  if (a.length !== b.length) throw new HoloclipError(`length mismatch: ${what} (${a.length} vs ${b.length})`);
}
