import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';
import { isErrno, isTempFileName, removeStaleTempFiles, writeFileAtomic, writeJsonAtomic } from './atomic.js';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { decodeNpy, encodeNpy, expectFloat32Matrix, npyByteLength } from './npy.js';
import { STRICT_POLICY, StoreDamageError, digestMismatch, isSha256Hex, warnLegacyOnce, type IntegrityPolicy, type StoreDamage } from './integrity.js';
import { StoreReadLog } from './read-log.js';
import { getTextMatrix, putTextMatrix, type TextMatrix } from './text-cache.js';
import { KeyRowIndex } from './packed-keys.js';
import { unseenKeys } from './unseen-keys.js';

/**
 * On-disk embedding cache.
 *
 *   <root>/embeddings/<spaceKey>/meta.json               { spaceKey, dim, meta } (for people)
 *   <root>/embeddings/<spaceKey>/chunks/<id>.npy         float32 [k, dim]
 *   <root>/embeddings/<spaceKey>/chunks/<id>.keys.json   { rows: k, dim, keys: [k item keys], sha256 }
 *
 * A chunk is committed by its keys file: the .npy is written (temp + fsync + rename) first, the
 * keys file second, with the sha256 of the .npy's bytes. Opening a space checks every keys file and
 * the size of every .npy; reading a chunk's rows checks its sha256. A damaged chunk (an unreadable
 * keys file, a missing, truncated or changed .npy) is a {@link StoreDamageError} naming the file, or
 * with the `repair` policy it is removed (with a warning) and its items count as missing, so they are
 * embedded again. Chunks written before checksums (no sha256) are read unchecked, with one warning.
 * A killed writer leaves at worst a temp file or an orphan .npy (no keys file: not committed); both
 * are ignored, and deleted on open once older than {@link STALE_MS}.
 * Chunk ids are `<ms time>-<pid>-<random>`, so concurrent writers never collide and sorting ids
 * gives write order; an item key present in several chunks resolves to the first chunk.
 */

/** At most this many bytes of dropped chunk buffers are kept for reuse ({@link EmbeddingSpace.dropCachedRows}). */
const SPARE_BYTES = 8 * 1024 * 1024;

/** Temp files and orphan .npy chunks older than this are deleted when a space is opened. */
export const STALE_MS = 15 * 60 * 1000;

const CHUNK_KEYS_SUFFIX = '.keys.json';
const CHUNK_NPY_SUFFIX = '.npy';
const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

interface ChunkKeysFile {
  rows: number;
  dim: number;
  keys: string[];
  /** sha256 of the .npy file's bytes; absent in chunks written before checksums. */
  sha256?: string;
  /** sha256 of this file's own content ({@link keysFileCheck}), so a changed item key is caught too. */
  check?: string;
}

/** The self-check of a keys file: sha256 of [rows, dim, keys, sha256] as JSON. */
function keysFileCheck(rows: number, dim: number, keys: readonly string[], sha256: string): string {
  return createHash('sha256').update(JSON.stringify([rows, dim, keys, sha256])).digest('hex');
}

interface Chunk {
  id: string;
  npyFile: string;
  keysFile: string;
  rows: number;
  /** The .npy's recorded sha256; null for a chunk written before checksums (read unchecked). */
  sha256: string | null;
  /** Loaded (and checked) lazily on first getRows(), kept until dropCachedRows(). */
  data?: Float32Array;
  /** The file's bytes `data` views (returned to the space's spare buffers by dropCachedRows). */
  bytes?: Buffer;
  /**
   * The space-wide number of its row 0 (rows of a space are numbered chunk after chunk as they are added); its rows'
   * keys are those of rows [base, base + rows) of the space's {@link KeyRowIndex}.
   */
  base: number;
}

/** What {@link inspectChunk} finds: a sound chunk, a damaged one, or none (its keys file is gone). */
export type ChunkInspection =
  | { kind: 'ok'; rows: number; keys: string[]; sha256: string | null; npyFile: string; keysFile: string }
  | { kind: 'damaged'; damage: StoreDamage }
  | { kind: 'gone' };

/** The files of chunk `id` in `chunksDir`. */
export function chunkFiles(chunksDir: string, id: string): { npy: string; keys: string } {
  return { npy: path.join(chunksDir, id + CHUNK_NPY_SUFFIX), keys: path.join(chunksDir, id + CHUNK_KEYS_SUFFIX) };
}

/** The ids of the committed chunks (those with a keys file) in `chunksDir`, sorted (= write order). */
export function committedChunkIds(names: readonly string[]): string[] {
  return names
    .filter((n) => n.endsWith(CHUNK_KEYS_SUFFIX) && !isTempFileName(n))
    .map((n) => n.slice(0, -CHUNK_KEYS_SUFFIX.length))
    .sort();
}

function chunkDamage(files: { npy: string; keys: string }, file: string, problem: string): ChunkInspection {
  return { kind: 'damaged', damage: { kind: 'embedding chunk', file, problem, entry: [files.keys, files.npy] } };
}

/**
 * The structural check of a committed chunk, without reading its rows: the keys file parses and agrees
 * with `dim`, and the .npy exists with the size [rows, dim] needs. Synchronous: on a local disk that is
 * several times faster than fs.promises for thousands of small files (50k items in 1.5k chunks: ~60 ms).
 */
export function inspectChunk(chunksDir: string, id: string, dim: number): ChunkInspection {
  const files = chunkFiles(chunksDir, id);
  let text: string;
  try {
    text = readFileSync(files.keys, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { kind: 'gone' }; // removed meanwhile (a repair in another process)
    return chunkDamage(files, files.keys, `cannot be read (${(err as Error).message})`);
  }
  let parsed: Partial<ChunkKeysFile>;
  try {
    parsed = JSON.parse(text) as Partial<ChunkKeysFile>;
  } catch {
    return chunkDamage(files, files.keys, `is not valid JSON (${text.length} bytes)`);
  }
  const { rows, keys, sha256 } = parsed ?? {};
  if (typeof rows !== 'number' || !Number.isSafeInteger(rows) || rows < 0 || !Array.isArray(keys) || keys.length !== rows || !keys.every((k) => typeof k === 'string' && k.length > 0)) {
    return chunkDamage(files, files.keys, 'does not hold `rows` item keys');
  }
  if (parsed.dim !== dim) return chunkDamage(files, files.keys, `says dim ${String(parsed.dim)} but the space holds dim ${dim}`);
  // Written together since checksums exist: one without the other is a damaged file, neither is an older holoclip's.
  if ((sha256 === undefined) !== (parsed.check === undefined)) return chunkDamage(files, files.keys, 'has only one of its two checksums');
  if (sha256 !== undefined && (!isSha256Hex(sha256) || parsed.check !== keysFileCheck(rows, dim, keys, sha256))) {
    return chunkDamage(files, files.keys, 'does not match its own checksum (changed after it was written)');
  }
  const expected = npyByteLength('float32', [rows, dim]);
  let size: number;
  try {
    size = statSync(files.npy).size;
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) return chunkDamage(files, files.npy, `cannot be read (${(err as Error).message})`);
    try {
      statSync(files.keys);
    } catch {
      return { kind: 'gone' }; // keys then .npy removed by a repair meanwhile
    }
    return chunkDamage(files, files.npy, 'is missing (its keys file commits it)');
  }
  if (size !== expected) return chunkDamage(files, files.npy, `has ${size} bytes but [${rows}, ${dim}] float32 needs ${expected} (truncated or overwritten)`);
  return { kind: 'ok', rows, keys, sha256: sha256 ?? null, npyFile: files.npy, keysFile: files.keys };
}

/**
 * The rows of a chunk from its .npy bytes, checked against the recorded sha256 and shape; a damaged
 * chunk is a StoreDamageError naming the file.
 */
export function decodeChunkBytes(buf: Buffer, c: { npyFile: string; keysFile: string; rows: number; sha256: string | null }, dim: number): Float32Array {
  const damaged = (problem: string): StoreDamageError => new StoreDamageError({ kind: 'embedding chunk', file: c.npyFile, problem, entry: [c.keysFile, c.npyFile] });
  const expected = npyByteLength('float32', [c.rows, dim]);
  if (buf.length !== expected) throw damaged(`has ${buf.length} bytes but [${c.rows}, ${dim}] float32 needs ${expected} (truncated or overwritten)`);
  if (c.sha256 !== null) {
    const found = createHash('sha256').update(buf).digest('hex');
    if (found !== c.sha256) throw damaged(digestMismatch(c.sha256, found));
  }
  let m: { data: Float32Array; rows: number; cols: number };
  try {
    m = expectFloat32Matrix(decodeNpy(buf, c.npyFile), c.npyFile);
  } catch (err) {
    throw damaged((err as Error).message);
  }
  if (m.rows !== c.rows || m.cols !== dim) throw damaged(`has shape (${m.rows}, ${m.cols}) but its keys file says (${c.rows}, ${dim})`);
  return m.data;
}

/** What a space's meta.json holds. */
export interface EmbeddingSpaceInfo {
  spaceKey: string;
  dim: number;
  meta: JsonObject;
}

export class EmbeddingStore {
  /** What was read from this store since `reads.start()` (a metric unit's inputs). */
  readonly reads = new StoreReadLog();

  private constructor(
    readonly root: string,
    readonly policy: IntegrityPolicy,
  ) {}

  /**
   * Open (creating if needed) a store rooted at `root`. `policy` says what a damaged entry does: an
   * error naming the file (default), or with `repair` its removal and recomputation, with a warning.
   */
  static async open(root: string, policy: IntegrityPolicy = STRICT_POLICY): Promise<EmbeddingStore> {
    const abs = path.resolve(root);
    await mkdir(abs, { recursive: true });
    return new EmbeddingStore(abs, policy);
  }

  /**
   * Open (creating if needed) the embedding space `spaceKey`: the caller derives the key from
   * `meta` (e.g. `canonicalKey(meta)`); `meta` is written to meta.json for people to read and is
   * checked against an existing one, as is `dim`. Reads every chunk's keys file.
   */
  async space(spaceKey: string, meta: object, dim: number): Promise<EmbeddingSpace> {
    return EmbeddingSpace.open(path.join(this.root, 'embeddings'), spaceKey, meta, dim, this.policy, this.reads);
  }

  /** Cached text-classifier matrix `<root>/text/<key>.npy`, or null if absent. */
  async getTextMatrix(key: string): Promise<TextMatrix | null> {
    const hit = await getTextMatrix(this.root, key, this.policy);
    if (hit) this.reads.noteText(key, hit.sha256);
    return hit;
  }

  /** Store a text-classifier matrix (float32, shape [rows, dim]) with its JSON-able `meta`. */
  async putTextMatrix(key: string, data: Float32Array, shape: readonly [number, number], meta: object): Promise<string> {
    const sha256 = await putTextMatrix(this.root, key, data, shape, meta);
    this.reads.noteText(key, sha256);
    return sha256;
  }
}

export class EmbeddingSpace {
  /**
   * Every row's item key, and item key -> space-wide row number (its chunk's base + its row in the chunk), packed (some
   * 45 bytes per row; a Map of key strings, with each chunk's key list, was about 150): a 100,000-image dataset's
   * index is held for the whole run.
   */
  private readonly index = new KeyRowIndex();
  private readonly chunks = new Map<string, Chunk>();
  /** The chunks by base, for {@link locate}. */
  private readonly byBase: Chunk[] = [];
  private lastLocated: Chunk | null = null;
  /**
   * Buffers of dropped chunks, by byte length, reused for the next chunks read: a 100,000-image set read block by
   * block otherwise allocates a buffer per chunk (3,000 of them), garbage held outside the heap until a full GC.
   */
  private readonly spare = new Map<number, Buffer[]>();
  private spareBytes = 0;

  private constructor(
    readonly key: string,
    readonly dim: number,
    readonly meta: JsonObject,
    readonly dir: string,
    readonly policy: IntegrityPolicy,
    private readonly reads: StoreReadLog,
  ) {}

  get chunksDir(): string {
    return path.join(this.dir, 'chunks');
  }

  /** @internal use {@link EmbeddingStore.space}. */
  static async open(embeddingsDir: string, spaceKey: string, meta: object, dim: number, policy: IntegrityPolicy = STRICT_POLICY, reads: StoreReadLog = new StoreReadLog()): Promise<EmbeddingSpace> {
    if (!SAFE_KEY.test(spaceKey)) {
      throw new Error(`embedding space key must be 1-128 characters of [A-Za-z0-9_-] (e.g. a sha256 hex), got '${spaceKey}'`);
    }
    if (!Number.isSafeInteger(dim) || dim <= 0) throw new Error(`embedding dim must be a positive integer, got ${dim}`);
    const metaJson = JSON.parse(canonicalJson(meta)) as JsonObject;
    const dir = path.join(embeddingsDir, spaceKey);
    const space = new EmbeddingSpace(spaceKey, dim, metaJson, dir, policy, reads);
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
    return unseenKeys(itemKeys, this.index);
  }

  /**
   * Rows for `itemKeys` in the given order, as one float32 [n, dim] array (the first n x dim values of `into` when
   * given). Throws if any is missing, and a StoreDamageError naming the file if a chunk they live in is damaged
   * (sha256 mismatch).
   */
  getRows(itemKeys: readonly string[], into?: Float32Array): Float32Array {
    const dim = this.dim;
    if (into !== undefined && into.length < itemKeys.length * dim) throw new RangeError(`getRows: into holds ${into.length} values, ${itemKeys.length} rows of ${dim} needed`);
    const out = into === undefined ? new Float32Array(itemKeys.length * dim) : into.subarray(0, itemKeys.length * dim);
    const absent: string[] = [];
    itemKeys.forEach((k, i) => {
      const at = this.index.get(k);
      if (at === undefined) {
        absent.push(k);
        return;
      }
      const ref = this.locate(at);
      const data = this.chunkData(ref.chunk);
      // A plain loop: a subarray per row costs an allocation each (36,000 rows in the demo's warm rerun).
      const from = ref.row * dim;
      const to = i * dim;
      for (let j = 0; j < dim; j++) out[to + j] = data[from + j];
    });
    if (this.reads.recording) this.reads.noteChunks(this.key, this.chunkIdsOf(itemKeys));
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
    const id = newChunkId();
    const files = chunkFiles(this.chunksDir, id);
    const bytes = encodeNpy(rows, [k, this.dim]); // a copy: the caller may reuse its buffer
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    // The rows are not kept: a run embedding N images would hold all N until it reads them (getRows reads the file
    // back, from the page cache).
    const chunk: Chunk = { id, npyFile: files.npy, keysFile: files.keys, rows: k, sha256, base: 0 };
    await writeFileAtomic(chunk.npyFile, bytes);
    const keysFile: ChunkKeysFile = { rows: k, dim: this.dim, keys: [...itemKeys], sha256, check: keysFileCheck(k, this.dim, itemKeys, sha256) };
    await writeFileAtomic(chunk.keysFile, `${JSON.stringify(keysFile)}\n`);
    this.addChunk(chunk, itemKeys);
  }

  /**
   * The damaged chunks among those holding `itemKeys` (each read and checked once; sound ones stay
   * loaded for getRows). Used with the repair policy before reading rows.
   */
  damagedAmong(itemKeys: Iterable<string>): StoreDamage[] {
    // Every chunk holding one of the items, not only the one each item resolves to now: when two
    // chunks hold an item and both are damaged, removing the first would make the second serve it.
    const wanted = new Set(itemKeys);
    const out: StoreDamage[] = [];
    for (const chunk of this.chunks.values()) {
      let holds = false;
      for (let r = chunk.base; r < chunk.base + chunk.rows && !holds; r++) holds = wanted.has(this.index.keyOfRow(r));
      if (!holds) continue;
      try {
        this.chunkData(chunk);
      } catch (err) {
        if (!(err instanceof StoreDamageError)) throw err;
        out.push(err.damage);
      }
    }
    return out;
  }

  /**
   * Remove a damaged chunk (keys file first, so no reader trusts the .npy meanwhile, then the .npy):
   * its items count as missing until embedded again; an item also held by a later chunk resolves to it.
   */
  async removeChunk(damage: StoreDamage): Promise<void> {
    const chunk = [...this.chunks.values()].find((c) => damage.entry.includes(c.keysFile));
    for (const f of damage.entry) await unlink(f).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
    if (!chunk) return;
    this.chunks.delete(chunk.id);
    this.byBase.splice(this.byBase.indexOf(chunk), 1);
    this.lastLocated = null;
    this.index.clear();
    for (const c of [...this.chunks.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      for (let r = c.base; r < c.base + c.rows; r++) this.index.indexRow(r);
    }
  }

  /** The ids of the chunks the given items' rows are read from (for a unit's record of what it read). */
  chunkIdsOf(itemKeys: readonly string[]): string[] {
    const ids = new Set<string>();
    for (const k of itemKeys) {
      const at = this.index.get(k);
      if (at !== undefined) ids.add(this.locate(at).chunk.id);
    }
    return [...ids].sort();
  }

  /**
   * Pick up chunks other processes committed since this space was opened. Returns how many items
   * were added. Reads keys files synchronously: on a local disk that is several times faster than
   * fs.promises for thousands of small files (50k items in 1.5k chunks: ~60 ms).
   */
  async refresh(): Promise<number> {
    const before = this.index.size;
    const ids = committedChunkIds(await readdir(this.chunksDir)).filter((id) => !this.chunks.has(id));
    let legacy = 0;
    for (const id of ids) {
      const found = inspectChunk(this.chunksDir, id, this.dim);
      if (found.kind === 'gone') continue;
      if (found.kind === 'damaged') {
        if (!this.policy.repair) throw new StoreDamageError(found.damage);
        await this.removeChunk(found.damage);
        this.policy.warn(`removed the damaged embedding chunk ${found.damage.file} (${found.damage.problem}); its images are embedded again`);
        continue;
      }
      if (found.sha256 === null) legacy++;
      this.addChunk({ id, npyFile: found.npyFile, keysFile: found.keysFile, rows: found.rows, sha256: found.sha256, base: 0 }, found.keys);
    }
    if (legacy > 0) {
      warnLegacyOnce(`space:${this.dir}`, this.policy, `${legacy} embedding chunks in ${this.chunksDir} were written by a holoclip without checksums: they are read unchecked (delete that folder to embed them again with checksums)`);
    }
    return this.index.size - before;
  }

  /** Chunks whose rows are held in memory (loaded by getRows or a repair check); dropCachedRows frees them. */
  get chunksInMemory(): number {
    let n = 0;
    for (const c of this.chunks.values()) if (c.data) n++;
    return n;
  }

  /** Forget loaded chunk data (re-read lazily on the next getRows) to free memory. */
  dropCachedRows(): void {
    for (const c of this.chunks.values()) {
      const bytes = c.bytes;
      c.data = undefined;
      c.bytes = undefined;
      if (bytes === undefined || this.spareBytes + bytes.length > SPARE_BYTES) continue;
      const list = this.spare.get(bytes.length) ?? [];
      list.push(bytes);
      this.spare.set(bytes.length, list);
      this.spareBytes += bytes.length;
    }
  }

  /** Adds a chunk whose rows hold `keys` (in row order): its rows are numbered after every row added before. */
  private addChunk(chunk: Chunk, keys: readonly string[]): void {
    chunk.base = this.index.rowCount;
    for (const key of keys) this.index.addRow(key);
    this.chunks.set(chunk.id, chunk);
    this.byBase.push(chunk);
  }

  /** The chunk and row of a space-wide row number (a binary search over the chunks' bases; the last hit first). */
  private locate(at: number): { chunk: Chunk; row: number } {
    const last = this.lastLocated;
    if (last !== null && at >= last.base && at < last.base + last.rows) return { chunk: last, row: at - last.base };
    let lo = 0;
    let hi = this.byBase.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.byBase[mid].base <= at) lo = mid;
      else hi = mid - 1;
    }
    const chunk = this.byBase[lo];
    this.lastLocated = chunk;
    return { chunk, row: at - chunk.base };
  }

  private chunkData(chunk: Chunk): Float32Array {
    if (chunk.data) return chunk.data;
    let buf: Buffer;
    try {
      buf = this.readChunkFile(chunk.npyFile);
    } catch (err) {
      throw new StoreDamageError({ kind: 'embedding chunk', file: chunk.npyFile, problem: `cannot be read (${(err as Error).message})`, entry: [chunk.keysFile, chunk.npyFile] });
    }
    chunk.data = decodeChunkBytes(buf, chunk, this.dim);
    chunk.bytes = buf;
    return chunk.data;
  }

  /** The bytes of a chunk's .npy, in a spare buffer of that length when there is one (else a new one). */
  private readChunkFile(file: string): Buffer {
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      const list = this.spare.get(size);
      const reused = list?.pop();
      if (reused !== undefined) this.spareBytes -= size;
      // Not from Buffer's shared pool: the rows (float32) must start at an aligned offset, and are dropped whole.
      const buf = reused ?? Buffer.allocUnsafeSlow(size);
      let done = 0;
      while (done < size) {
        const n = readSync(fd, buf, done, size - done, done);
        if (n === 0) break; // cut short meanwhile: decodeChunkBytes reports the size
        done += n;
      }
      return done === size ? buf : buf.subarray(0, done);
    } finally {
      closeSync(fd);
    }
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
