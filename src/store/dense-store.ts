/**
 * On-disk store of dense (per-location) image features, next to the embedding store and shaped like it:
 *
 *   <root>/dense/<spaceKey>/meta.json               { spaceKey, shape: [C, H, W], precision, meta }
 *   <root>/dense/<spaceKey>/chunks/<id>.npy         float16 (or float32) [k, C, H, W], C order
 *   <root>/dense/<spaceKey>/chunks/<id>.keys.json   { rows, shape, precision, max_abs_rounding_error, keys }
 *
 * Content-addressed: a space is keyed by everything the features depend on (model files, output, input
 * preparation, precision), an item by its content (the caller's key: image sha256 + crop). A chunk is committed by
 * its keys file, written after the .npy (both atomically), so a killed writer leaves at worst temp files or an
 * orphan .npy, which are ignored and cleaned once stale; a rerun computes only the missing keys (resume).
 *
 * Memory: the store holds only the key index (key -> chunk, row). A row is read from its .npy by offset (C order:
 * one image's map is contiguous), so a dataset's features are never in memory at once and the files can be
 * memory-mapped by other tools (`numpy.load(f, mmap_mode='r')`).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, open, readdir } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { isTempFileName, removeStaleTempFiles, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { decodeFloat16, encodeFloat16, fromFloat16Bits } from './float16.js';
import { encodeNpyHeader } from './npy.js';
import { unseenKeys } from './unseen-keys.js';
import { PRECISION_NOTES, type DensePrecision } from './dense-precision.js';

export { DENSE_PRECISIONS, PRECISION_NOTES, type DensePrecision } from './dense-precision.js';

const STALE_MS = 15 * 60 * 1000;
const KEYS_SUFFIX = '.keys.json';
const NPY_SUFFIX = '.npy';
const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

/** The .npy v1.0 header numpy writes for this dtype and shape. */
export function denseNpyHeader(precision: DensePrecision, shape: readonly number[]): Buffer {
  if (precision === 'float32') return encodeNpyHeader('float32', shape);
  // numpy's header for '<f2' has the layout of '|u1' (same descriptor length): swap the descriptor.
  const header = encodeNpyHeader('uint8', shape);
  const at = header.indexOf("'|u1'", 0, 'latin1');
  header.write("'<f2'", at, 'latin1');
  return header;
}

function bytesPer(precision: DensePrecision): number {
  return precision === 'float16' ? 2 : 4;
}

interface Chunk {
  id: string;
  npyFile: string;
  rows: number;
  dataStart: number;
}

interface KeysFile {
  rows: number;
  shape: number[];
  precision: DensePrecision;
  max_abs_rounding_error: number;
  keys: string[];
}

export class DenseStore {
  private constructor(readonly root: string) {}

  static async open(root: string): Promise<DenseStore> {
    const abs = path.resolve(root);
    await mkdir(abs, { recursive: true });
    return new DenseStore(abs);
  }

  /** Open (creating if needed) a space of maps shaped `shape` = [C, H, W]; `meta` is checked against an existing one. */
  async space(spaceKey: string, meta: object, shape: readonly [number, number, number], precision: DensePrecision): Promise<DenseSpace> {
    return DenseSpace.open(path.join(this.root, 'dense'), spaceKey, meta, shape, precision);
  }
}

export class DenseSpace {
  private readonly index = new Map<string, { chunk: Chunk; row: number }>();
  private readonly chunks = new Set<string>();
  /** Largest |float16 - float32| over the chunks this instance wrote or read keys of. */
  private roundingError = 0;

  private constructor(
    readonly key: string,
    readonly shape: readonly [number, number, number],
    readonly precision: DensePrecision,
    readonly meta: JsonObject,
    readonly dir: string,
  ) {}

  get chunksDir(): string {
    return path.join(this.dir, 'chunks');
  }

  /** Values per map (C * H * W). */
  get mapSize(): number {
    return this.shape[0] * this.shape[1] * this.shape[2];
  }

  get size(): number {
    return this.index.size;
  }

  /** The largest rounding error of the stored values (0 for float32). */
  get maxAbsRoundingError(): number {
    return this.roundingError;
  }

  static async open(denseDir: string, spaceKey: string, meta: object, shape: readonly [number, number, number], precision: DensePrecision): Promise<DenseSpace> {
    if (!SAFE_KEY.test(spaceKey)) throw new Error(`dense space key must be 1-128 characters of [A-Za-z0-9_-], got '${spaceKey}'`);
    if (!shape.every((d) => Number.isSafeInteger(d) && d > 0)) throw new Error(`dense map shape must be 3 positive integers, got [${shape.join(', ')}]`);
    const metaJson = JSON.parse(canonicalJson(meta)) as JsonObject;
    const space = new DenseSpace(spaceKey, [...shape] as [number, number, number], precision, metaJson, path.join(denseDir, spaceKey));
    await mkdir(space.chunksDir, { recursive: true });
    await space.checkOrWriteMeta();
    await removeStaleTempFiles(space.chunksDir, STALE_MS);
    await space.refresh();
    return space;
  }

  has(itemKey: string): boolean {
    return this.index.has(itemKey);
  }

  /** Keys not yet stored, deduplicated, in first-seen order. */
  missing(itemKeys: Iterable<string>): string[] {
    return unseenKeys(itemKeys, this.index);
  }

  /** Atomically add maps for `itemKeys`: `values` is float32 [k, C, H, W] in key order. */
  async appendChunk(itemKeys: readonly string[], values: Float32Array): Promise<void> {
    const k = itemKeys.length;
    if (values.length !== k * this.mapSize) {
      throw new RangeError(`appendChunk: ${k} maps of [${this.shape.join(', ')}] need ${k * this.mapSize} values, got ${values.length}`);
    }
    if (k === 0) return;
    const shape = [k, ...this.shape];
    const header = denseNpyHeader(this.precision, shape);
    let body: Buffer;
    let err = 0;
    if (this.precision === 'float16') {
      const bits = encodeFloat16(values);
      for (let i = 0; i < values.length; i++) {
        const d = Math.abs(fromFloat16Bits(bits[i]) - values[i]);
        if (d > err && Number.isFinite(d)) err = d;
      }
      body = Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength);
    } else {
      const copy = values.slice();
      body = Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength);
    }
    const id = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${randomBytes(4).toString('hex')}`;
    const npyFile = path.join(this.chunksDir, id + NPY_SUFFIX);
    await writeFileAtomic(npyFile, Buffer.concat([header, body]));
    const keysFile: KeysFile = { rows: k, shape: [...this.shape], precision: this.precision, max_abs_rounding_error: err, keys: [...itemKeys] };
    await writeFileAtomic(path.join(this.chunksDir, id + KEYS_SUFFIX), `${JSON.stringify(keysFile)}\n`);
    this.roundingError = Math.max(this.roundingError, err);
    this.addChunk({ id, npyFile, rows: k, dataStart: header.length }, itemKeys);
  }

  /** One item's map, float32 [C, H, W], read from disk by offset. */
  async read(itemKey: string): Promise<Float32Array> {
    const ref = this.index.get(itemKey);
    if (!ref) throw new HoloclipError(`dense space ${this.key} has no features for item ${itemKey}`);
    const n = this.mapSize;
    const bytes = n * bytesPer(this.precision);
    const buf = Buffer.alloc(bytes);
    const fh = await open(ref.chunk.npyFile, 'r');
    try {
      const { bytesRead } = await fh.read(buf, 0, bytes, ref.chunk.dataStart + ref.row * bytes);
      if (bytesRead !== bytes) throw new HoloclipError(`dense chunk ${ref.chunk.npyFile} is truncated; delete it and its .keys.json to recompute`);
    } finally {
      await fh.close();
    }
    if (this.precision === 'float32') return new Float32Array(buf.buffer, buf.byteOffset, n).slice();
    return decodeFloat16(new Uint16Array(buf.buffer, buf.byteOffset, n));
  }

  /** Pick up chunks committed by other processes (or earlier runs). Returns how many items were added. */
  async refresh(): Promise<number> {
    const before = this.index.size;
    const ids = (await readdir(this.chunksDir))
      .filter((n) => n.endsWith(KEYS_SUFFIX) && !isTempFileName(n))
      .map((n) => n.slice(0, -KEYS_SUFFIX.length))
      .filter((id) => !this.chunks.has(id))
      .sort();
    for (const id of ids) {
      const npyFile = path.join(this.chunksDir, id + NPY_SUFFIX);
      try {
        const f = JSON.parse(readFileSync(path.join(this.chunksDir, id + KEYS_SUFFIX), 'utf8')) as Partial<KeysFile>;
        if (typeof f.rows !== 'number' || !Array.isArray(f.keys) || f.keys.length !== f.rows || f.precision !== this.precision) continue;
        if (!Array.isArray(f.shape) || f.shape.join(',') !== this.shape.join(',')) continue;
        const headerLen = denseNpyHeader(this.precision, [f.rows, ...this.shape]).length;
        if (statSync(npyFile).size !== headerLen + f.rows * this.mapSize * bytesPer(this.precision)) continue;
        if (typeof f.max_abs_rounding_error === 'number') this.roundingError = Math.max(this.roundingError, f.max_abs_rounding_error);
        this.addChunk({ id, npyFile, rows: f.rows, dataStart: headerLen }, f.keys);
      } catch {
        // unreadable keys file or missing .npy: not committed
      }
    }
    return this.index.size - before;
  }

  private addChunk(chunk: Chunk, keys: readonly string[]): void {
    this.chunks.add(chunk.id);
    keys.forEach((key, row) => {
      if (!this.index.has(key)) this.index.set(key, { chunk, row });
    });
  }

  private async checkOrWriteMeta(): Promise<void> {
    const file = path.join(this.dir, 'meta.json');
    const want = { spaceKey: this.key, shape: [...this.shape], precision: this.precision, precision_note: PRECISION_NOTES[this.precision], meta: this.meta };
    let existing: string | null = null;
    try {
      existing = readFileSync(file, 'utf8');
    } catch {
      existing = null;
    }
    if (existing === null) {
      await writeJsonAtomic(file, want);
      return;
    }
    let parsed: { shape?: unknown; precision?: unknown; meta?: unknown };
    try {
      parsed = JSON.parse(existing) as typeof parsed;
    } catch {
      throw new HoloclipError(`dense space ${file} is not valid JSON; delete the folder ${this.dir} to recompute its features`);
    }
    if (canonicalJson(parsed.meta) !== canonicalJson(this.meta) || canonicalJson(parsed.shape) !== canonicalJson(want.shape) || parsed.precision !== this.precision) {
      throw new HoloclipError(`dense space ${file} was written for other inputs (same key, different meta/shape/precision); delete the folder ${this.dir}`);
    }
  }
}
