import { createHash } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isErrno, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { STRICT_POLICY, StoreDamageError, digestMismatch, isSha256Hex, warnLegacyOnce, type IntegrityPolicy, type StoreDamage } from './integrity.js';
import { decodeNpy, encodeNpy } from './npy.js';

/**
 * Cache of text-classifier matrices (one row per class, e.g. averaged prompt embeddings):
 *   <store>/text/<key>.npy    float32 [rows, dim]
 *   <store>/text/<key>.json   { key, shape, meta, sha256, check }   written after the .npy (sha256: of its bytes;
 *                             check: of this file's own fields), so it marks a complete entry
 * No .json is a miss (null). A .json whose .npy is missing, truncated, of another shape or whose bytes do not
 * hash to the recorded sha256 is a damaged entry: a StoreDamageError naming the file, or with the repair policy
 * the entry is removed (with a warning) and read as a miss, so it is recomputed. Entries written before
 * checksums (no sha256) are read unchecked, with one warning.
 */
export interface TextMatrix {
  /** float32 [count, dim], row-major. */
  rows: Float32Array;
  count: number;
  dim: number;
  meta: JsonObject;
  /** sha256 of the entry's .npy bytes (null for an entry written before checksums). */
  sha256: string | null;
}

interface TextMatrixMetaFile {
  key: string;
  shape: [number, number];
  meta: JsonObject;
  sha256?: string;
  /** sha256 of [key, shape, meta, sha256] ({@link textFileCheck}): this file's own checksum. */
  check?: string;
}

function textFileCheck(key: string, shape: readonly number[], meta: unknown, sha256: string): string {
  return createHash('sha256').update(JSON.stringify([key, shape, canonicalJson(meta ?? null), sha256])).digest('hex');
}

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

export function textMatrixPaths(storeRoot: string, key: string): { npy: string; json: string } {
  if (!SAFE_KEY.test(key)) throw new Error(`text matrix key must be 1-128 characters of [A-Za-z0-9_-] (e.g. a sha256 hex), got '${key}'`);
  const dir = path.join(path.resolve(storeRoot), 'text');
  return { npy: path.join(dir, `${key}.npy`), json: path.join(dir, `${key}.json`) };
}

/** A text-cache entry read and checked: its matrix, a damage, or absent (no .json: never written or removed). */
export type TextEntryCheck = { kind: 'ok'; matrix: TextMatrix } | { kind: 'damaged'; damage: StoreDamage } | { kind: 'absent' };

export async function checkTextMatrix(storeRoot: string, key: string): Promise<TextEntryCheck> {
  const files = textMatrixPaths(storeRoot, key);
  const damaged = (file: string, problem: string): TextEntryCheck => ({ kind: 'damaged', damage: { kind: 'text-cache entry', file, problem, entry: [files.json, files.npy] } });
  let text: string;
  try {
    text = await readFile(files.json, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { kind: 'absent' };
    return damaged(files.json, `cannot be read (${(err as Error).message})`);
  }
  let info: Partial<TextMatrixMetaFile>;
  try {
    info = JSON.parse(text) as Partial<TextMatrixMetaFile>;
  } catch {
    return damaged(files.json, `is not valid JSON (${text.length} bytes)`);
  }
  const shape = info?.shape;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return damaged(files.json, 'has no valid `shape`');
  // Written together since checksums exist: one without the other is a damaged file, neither is an older holoclip's.
  if ((info.sha256 === undefined) !== (info.check === undefined)) return damaged(files.json, 'has only one of its two checksums');
  if (info.sha256 !== undefined && (!isSha256Hex(info.sha256) || info.check !== textFileCheck(key, shape, info.meta, info.sha256))) {
    return damaged(files.json, 'does not match its own checksum (changed after it was written)');
  }
  let buf: Buffer;
  try {
    buf = await readFile(files.npy);
  } catch (err) {
    return damaged(files.npy, isErrno(err, 'ENOENT') ? 'is missing (its .json commits it)' : `cannot be read (${(err as Error).message})`);
  }
  if (info.sha256 !== undefined) {
    const found = createHash('sha256').update(buf).digest('hex');
    if (found !== info.sha256) return damaged(files.npy, digestMismatch(info.sha256, found));
  }
  let arr: ReturnType<typeof decodeNpy>;
  try {
    arr = decodeNpy(buf, files.npy);
  } catch (err) {
    return damaged(files.npy, (err as Error).message);
  }
  if (arr.dtype !== 'float32' || !(arr.data instanceof Float32Array) || arr.shape.length !== 2 || arr.shape[0] !== shape[0] || arr.shape[1] !== shape[1]) {
    return damaged(files.npy, `holds ${arr.dtype} (${arr.shape.join(', ')}) but its .json says float32 (${shape.join(', ')})`);
  }
  return { kind: 'ok', matrix: { rows: arr.data, count: arr.shape[0], dim: arr.shape[1], meta: (info.meta ?? {}) as JsonObject, sha256: info.sha256 ?? null } };
}

/** Remove a text-cache entry (.json first: it commits the entry). */
export async function removeTextEntry(damage: StoreDamage): Promise<void> {
  for (const f of damage.entry) {
    await unlink(f).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
}

/** The cached matrix, or null on a miss; a damaged entry throws (or, with `policy.repair`, is removed and reads as a miss). */
export async function getTextMatrix(storeRoot: string, key: string, policy: IntegrityPolicy = STRICT_POLICY): Promise<TextMatrix | null> {
  const found = await checkTextMatrix(storeRoot, key);
  if (found.kind === 'absent') return null;
  if (found.kind === 'damaged') {
    if (!policy.repair) throw new StoreDamageError(found.damage);
    await removeTextEntry(found.damage);
    policy.warn(`removed the damaged text-cache entry ${found.damage.file} (${found.damage.problem}); it is computed again`);
    return null;
  }
  if (found.matrix.sha256 === null) {
    warnLegacyOnce(`text:${path.dirname(textMatrixPaths(storeRoot, key).json)}`, policy, `text-cache entries in ${path.dirname(textMatrixPaths(storeRoot, key).json)} were written by a holoclip without checksums: they are read unchecked (delete them to compute them again with checksums)`);
  }
  return found.matrix;
}

/** Store a matrix; returns the sha256 of the .npy bytes (recorded in the .json). */
export async function putTextMatrix(
  storeRoot: string,
  key: string,
  data: Float32Array,
  shape: readonly [number, number],
  meta: object,
): Promise<string> {
  const files = textMatrixPaths(storeRoot, key);
  const bytes = encodeNpy(data, shape);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const canonicalMeta = JSON.parse(canonicalJson(meta)) as JsonObject;
  const info: TextMatrixMetaFile = { key, shape: [shape[0], shape[1]], meta: canonicalMeta, sha256, check: textFileCheck(key, [shape[0], shape[1]], canonicalMeta, sha256) };
  await writeFileAtomic(files.npy, bytes);
  await writeJsonAtomic(files.json, info);
  return sha256;
}
