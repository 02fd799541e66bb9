import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { decodeNpy, encodeNpy } from './npy.js';

/**
 * Cache of text-classifier matrices (one row per class, e.g. averaged prompt embeddings):
 *   <store>/text/<key>.npy    float32 [rows, dim]
 *   <store>/text/<key>.json   { key, shape, meta }   written after the .npy, so it marks a complete entry
 * It is only a cache: anything missing or inconsistent reads as a miss (null) and is overwritten by the next put.
 */
export interface TextMatrix {
  /** float32 [count, dim], row-major. */
  rows: Float32Array;
  count: number;
  dim: number;
  meta: JsonObject;
}

interface TextMatrixMetaFile {
  key: string;
  shape: [number, number];
  meta: JsonObject;
}

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

export function textMatrixPaths(storeRoot: string, key: string): { npy: string; json: string } {
  if (!SAFE_KEY.test(key)) throw new Error(`text matrix key must be 1-128 characters of [A-Za-z0-9_-] (e.g. a sha256 hex), got '${key}'`);
  const dir = path.join(path.resolve(storeRoot), 'text');
  return { npy: path.join(dir, `${key}.npy`), json: path.join(dir, `${key}.json`) };
}

export async function getTextMatrix(storeRoot: string, key: string): Promise<TextMatrix | null> {
  const files = textMatrixPaths(storeRoot, key);
  try {
    const info = JSON.parse(await readFile(files.json, 'utf8')) as Partial<TextMatrixMetaFile>;
    const arr = decodeNpy(await readFile(files.npy), files.npy);
    const shape = info.shape;
    if (
      !Array.isArray(shape) ||
      arr.dtype !== 'float32' ||
      !(arr.data instanceof Float32Array) ||
      arr.shape.length !== 2 ||
      arr.shape[0] !== shape[0] ||
      arr.shape[1] !== shape[1]
    ) {
      return null;
    }
    return { rows: arr.data, count: arr.shape[0], dim: arr.shape[1], meta: (info.meta ?? {}) as JsonObject };
  } catch {
    return null; // missing, half-written by a crashed writer, or corrupt: recompute
  }
}

export async function putTextMatrix(
  storeRoot: string,
  key: string,
  data: Float32Array,
  shape: readonly [number, number],
  meta: object,
): Promise<void> {
  const files = textMatrixPaths(storeRoot, key);
  const info: TextMatrixMetaFile = { key, shape: [shape[0], shape[1]], meta: JSON.parse(canonicalJson(meta)) as JsonObject };
  await writeFileAtomic(files.npy, encodeNpy(data, shape));
  await writeJsonAtomic(files.json, info);
}
