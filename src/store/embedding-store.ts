import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { isErrno, isTempFileName, removeStaleTempFiles, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { decodeNpy, encodeNpy, expectFloat32Matrix, npyByteLength } from './npy.js';
import { getTextMatrix, putTextMatrix, type TextMatrix } from './text-cache.js';

/**
 * On-disk embedding cache.
 *
 *   <root>/embeddings/<spaceKey>/meta.json               { spaceKey, dim, meta } (for people)
 *   <root>/embeddings/<spaceKey>/chunks/<id>.npy         float32 [k, dim]
 *   <root>/embeddings/<spaceKey>/chunks/<id>.keys.json   { rows: k, dim, keys: [k item keys] }
 *
 * A chunk is committed by its keys file: the .npy is written (temp + fsync + rename) first, the
 * keys file second, and readers only trust a chunk whose keys file exists, whose .npy exists and
 * whose .npy size matches [rows, dim]. A killed writer leaves at worst a temp file or an orphan
 * .npy; both are ignored, and deleted on open once older than {@link STALE_MS}.
 * Chunk ids are `<ms time>-<pid>-<random>`, so concurrent writers never collide and sorting ids
 * gives write order; an item key present in several chunks resolves to the first chunk.
 */

/** Temp files and orphan .npy chunks older than this are deleted when a space is opened. */
export const STALE_MS = 15 * 60 * 1000;

const CHUNK_KEYS_SUFFIX = '.keys.json';
const CHUNK_NPY_SUFFIX = '.npy';
const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

interface ChunkKeysFile {
  rows: number;
  dim: number;
  keys: string[];
}

interface Chunk {
  id: string;
  npyFile: string;
  rows: number;
  /** Loaded lazily on first getRows(), then kept. */
  data?: Float32Array;
}

interface RowRef {
  chunk: Chunk;
  row: number;
}

/** What a space's meta.json holds. */
export interface EmbeddingSpaceInfo {
  spaceKey: string;
  dim: number;
  meta: JsonObject;
}

export class EmbeddingStore {
  private constructor(readonly root: string) {}

  /** Open (creating if needed) a store rooted at `root`. */
  static async open(root: string): Promise<EmbeddingStore> {
    const abs = path.resolve(root);
    await mkdir(abs, { recursive: true });
    return new EmbeddingStore(abs);
  }

  /**
   * Open (creating if needed) the embedding space `spaceKey`: the caller derives the key from
   * `meta` (e.g. `canonicalKey(meta)`); `meta` is written to meta.json for people to read and is
   * checked against an existing one, as is `dim`. Reads every chunk's keys file.
   */
  async space(spaceKey: string, meta: object, dim: number): Promise<EmbeddingSpace> {
    return EmbeddingSpace.open(path.join(this.root, 'embeddings'), spaceKey, meta, dim);
  }

  /** Cached text-classifier matrix `<root>/text/<key>.npy`, or null if absent. */
  async getTextMatrix(key: string): Promise<TextMatrix | null> {
    return getTextMatrix(this.root, key);
  }

  /** Store a text-classifier matrix (float32, shape [rows, dim]) with its JSON-able `meta`. */
  async putTextMatrix(key: string, data: Float32Array, shape: readonly [number, number], meta: object): Promise<void> {
    return putTextMatrix(this.root, key, data, shape, meta);
  }
}

export class EmbeddingSpace {
  private readonly index = new Map<string, RowRef>();
  private readonly chunks = new Map<string, Chunk>();
  private readonly ignored = new Set<string>();

  private constructor(
    readonly key: string,
    readonly dim: number,
    readonly meta: JsonObject,
    readonly dir: string,
  ) {}

  /** Chunk ids found but not trusted (missing or mismatched .npy, unreadable keys file); retried by refresh(). */
  get ignoredChunks(): string[] {
    return [...this.ignored];
  }

  get chunksDir(): string {
    return path.join(this.dir, 'chunks');
  }

  /** @internal use {@link EmbeddingStore.space}. */
  static async open(embeddingsDir: string, spaceKey: string, meta: object, dim: number): Promise<EmbeddingSpace> {
    if (!SAFE_KEY.test(spaceKey)) {
      throw new Error(`embedding space key must be 1-128 characters of [A-Za-z0-9_-] (e.g. a sha256 hex), got '${spaceKey}'`);
    }
    if (!Number.isSafeInteger(dim) || dim <= 0) throw new Error(`embedding dim must be a positive integer, got ${dim}`);
    const metaJson = JSON.parse(canonicalJson(meta)) as JsonObject;
    const dir = path.join(embeddingsDir, spaceKey);
    const space = new EmbeddingSpace(spaceKey, dim, metaJson, dir);
    await mkdir(space.chunksDir, { recursive: true });
    await space.checkOrWriteMeta();
    await space.removeStaleFiles();
    await space.refresh();
    return space;
  }

  /** Number of distinct item keys stored. */
  get size(): number {
    return this.index.size;
  }

  has(itemKey: string): boolean {
    return this.index.has(itemKey);
  }

  /** The keys among `itemKeys` not yet stored, deduplicated, in first-seen order. */
  missing(itemKeys: Iterable<string>): string[] {
    const out: string[] = [];
    const seen = new Set<string>();
    for (const k of itemKeys) {
      if (seen.has(k) || this.index.has(k)) continue;
      seen.add(k);
      out.push(k);
    }
    return out;
  }

  /** Rows for `itemKeys` in the given order, as one float32 [n, dim] array. Throws if any is missing. */
  getRows(itemKeys: readonly string[]): Float32Array {
    const dim = this.dim;
    const out = new Float32Array(itemKeys.length * dim);
    const absent: string[] = [];
    itemKeys.forEach((k, i) => {
      const ref = this.index.get(k);
      if (!ref) {
        absent.push(k);
        return;
      }
      const data = this.chunkData(ref.chunk);
      out.set(data.subarray(ref.row * dim, (ref.row + 1) * dim), i * dim);
    });
    if (absent.length > 0) {
      throw new Error(`embedding space ${this.key} lacks ${absent.length} of the ${itemKeys.length} requested items (first: ${absent[0]}); call missing() and appendChunk() first`);
    }
    return out;
  }

  /**
   * Atomically add a chunk: `rows` is float32 [itemKeys.length, dim] in key order. Visible to this
   * instance immediately and to other processes once they open the space or call refresh().
   */
  async appendChunk(itemKeys: readonly string[], rows: Float32Array): Promise<void> {
    const k = itemKeys.length;
    if (rows.length !== k * this.dim) {
      throw new RangeError(`appendChunk: ${k} keys need ${k * this.dim} floats (dim ${this.dim}) but got ${rows.length}`);
    }
    if (k === 0) return;
    for (const key of itemKeys) {
      if (typeof key !== 'string' || key.length === 0) throw new TypeError('appendChunk: item keys must be non-empty strings');
    }
    const data = rows.slice(); // the caller may reuse its buffer
    const id = newChunkId();
    const chunk: Chunk = { id, npyFile: path.join(this.chunksDir, id + CHUNK_NPY_SUFFIX), rows: k, data };
    await writeFileAtomic(chunk.npyFile, encodeNpy(data, [k, this.dim]));
    const keysFile: ChunkKeysFile = { rows: k, dim: this.dim, keys: [...itemKeys] };
    await writeFileAtomic(path.join(this.chunksDir, id + CHUNK_KEYS_SUFFIX), `${JSON.stringify(keysFile)}\n`);
    this.addChunk(chunk, itemKeys);
  }

  /**
   * Pick up chunks other processes committed since this space was opened. Returns how many items
   * were added. Reads keys files synchronously: on a local disk that is several times faster than
   * fs.promises for thousands of small files (50k items in 1.5k chunks: ~60 ms).
   */
  async refresh(): Promise<number> {
    const before = this.index.size;
    const ids = (await readdir(this.chunksDir))
      .filter((n) => n.endsWith(CHUNK_KEYS_SUFFIX) && !isTempFileName(n))
      .map((n) => n.slice(0, -CHUNK_KEYS_SUFFIX.length))
      .filter((id) => !this.chunks.has(id))
      .sort();
    for (const id of ids) {
      const entry = this.readChunkKeys(id);
      if (entry) {
        this.ignored.delete(id);
        this.addChunk(entry.chunk, entry.keys);
      } else {
        this.ignored.add(id);
      }
    }
    return this.index.size - before;
  }

  /** Forget loaded chunk data (re-read lazily on the next getRows) to free memory. */
  dropCachedRows(): void {
    for (const c of this.chunks.values()) c.data = undefined;
  }

  private addChunk(chunk: Chunk, keys: readonly string[]): void {
    this.chunks.set(chunk.id, chunk);
    keys.forEach((key, row) => {
      if (!this.index.has(key)) this.index.set(key, { chunk, row });
    });
  }

  /** A committed chunk's keys, or null if it is not trustworthy (see the module comment). */
  private readChunkKeys(id: string): { chunk: Chunk; keys: string[] } | null {
    const keysPath = path.join(this.chunksDir, id + CHUNK_KEYS_SUFFIX);
    const npyFile = path.join(this.chunksDir, id + CHUNK_NPY_SUFFIX);
    try {
      const { rows, dim, keys } = JSON.parse(readFileSync(keysPath, 'utf8')) as Partial<ChunkKeysFile>;
      if (
        typeof rows !== 'number' ||
        dim !== this.dim ||
        !Array.isArray(keys) ||
        keys.length !== rows ||
        !keys.every((k) => typeof k === 'string') ||
        statSync(npyFile).size !== npyByteLength('float32', [rows, this.dim])
      ) {
        return null;
      }
      return { chunk: { id, npyFile, rows }, keys };
    } catch {
      return null; // unreadable keys file or missing .npy
    }
  }

  private chunkData(chunk: Chunk): Float32Array {
    if (chunk.data) return chunk.data;
    let buf: Buffer;
    try {
      buf = readFileSync(chunk.npyFile);
    } catch (err) {
      throw new HoloclipError(`cannot read embedding chunk ${chunk.npyFile}: ${(err as Error).message}; delete its .keys.json to recompute those items`, { cause: err });
    }
    const m = expectFloat32Matrix(decodeNpy(buf, chunk.npyFile), chunk.npyFile);
    if (m.rows !== chunk.rows || m.cols !== this.dim) {
      throw new HoloclipError(`embedding chunk ${chunk.npyFile} has shape (${m.rows}, ${m.cols}) but its keys file says (${chunk.rows}, ${this.dim}); delete both files to recompute`);
    }
    chunk.data = m.data;
    return m.data;
  }

  private async checkOrWriteMeta(): Promise<void> {
    const file = path.join(this.dir, 'meta.json');
    const info: EmbeddingSpaceInfo = { spaceKey: this.key, dim: this.dim, meta: this.meta };
    let existing: Partial<EmbeddingSpaceInfo> | undefined;
    try {
      existing = JSON.parse(await readFile(file, 'utf8')) as Partial<EmbeddingSpaceInfo>;
    } catch (err) {
      if (!isErrno(err, 'ENOENT') && !(err instanceof SyntaxError)) throw err;
    }
    if (!existing) {
      await writeJsonAtomic(file, info);
      return;
    }
    if (existing.dim !== this.dim) {
      throw new HoloclipError(`embedding space ${file} holds dim ${String(existing.dim)} vectors but dim ${this.dim} was requested; the space key must change when the model does`);
    }
    if (canonicalJson(existing.meta ?? null) !== canonicalJson(this.meta)) {
      throw new HoloclipError(`embedding space ${file} was created for different settings than the ones given for key ${this.key}; derive the key from all of meta (canonicalKey(meta))`);
    }
  }

  private async removeStaleFiles(): Promise<void> {
    const now = Date.now();
    await removeStaleTempFiles(this.chunksDir, STALE_MS, now);
    await removeStaleTempFiles(this.dir, STALE_MS, now);
    const names = new Set(await readdir(this.chunksDir));
    for (const name of names) {
      if (!name.endsWith(CHUNK_NPY_SUFFIX) || isTempFileName(name)) continue;
      const id = name.slice(0, -CHUNK_NPY_SUFFIX.length);
      if (names.has(id + CHUNK_KEYS_SUFFIX)) continue;
      const file = path.join(this.chunksDir, name);
      try {
        // An orphan .npy (writer died before committing the keys file), unless a live writer is mid-commit.
        if (now - (await stat(file)).mtimeMs > STALE_MS) await unlink(file);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
      }
    }
  }
}

/** `<ms since epoch, 15 digits>-<pid>-<8 random hex>`: unique across processes, sorts by time. */
function newChunkId(): string {
  return `${String(Date.now()).padStart(15, '0')}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
