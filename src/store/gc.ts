/**
 * `holoclip store gc`: the store entries no given suite references. Only entries of the store's own
 * layout are candidates (embedding spaces and chunks, text-cache entries, metric unit folders, cached
 * logit scales), recognised by their names; any other file (the file-hash index, built benchmarks, a
 * user's notes, temp files of a live run) is never listed nor touched.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeadLeftover, isErrno, isTempFileName, tempPathFor } from './atomic.js';
import { STALE_MS, chunkFiles, committedChunkIds } from './embedding-store.js';

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;
const SHA256_JSON = /^[0-9a-f]{64}\.json$/;

/** What a set of suites reads from a store. */
export interface StoreReferences {
  /** Embedding space key -> ids of the chunks read; a space not listed is unreferenced as a whole. */
  readonly spaces: ReadonlyMap<string, ReadonlySet<string>>;
  /** Text-cache keys. */
  readonly text: ReadonlySet<string>;
  /** Metric unit keys. */
  readonly units: ReadonlySet<string>;
  /** sha256 of the model files whose recovered logit scale is cached (logit-scale/<sha256>.json). */
  readonly logitScale: ReadonlySet<string>;
}

export type GcEntryKind = 'embedding space' | 'embedding chunk' | 'text-cache entry' | 'metric unit' | 'logit scale';

export interface GcEntry {
  readonly kind: GcEntryKind;
  /** The entry's files (or unit folder), in removal order: the file that commits the entry first. */
  readonly paths: readonly string[];
  /** Folders removed after the paths if they are then empty (an embedding space's). */
  readonly dirs: readonly string[];
  readonly bytes: number;
}

async function names(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}

async function sizeOf(p: string): Promise<number> {
  const st = await fs.lstat(p).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const name of await names(p)) n += await sizeOf(path.join(p, name));
  return n;
}

async function entry(kind: GcEntryKind, paths: string[], dirs: string[] = []): Promise<GcEntry> {
  let bytes = 0;
  for (const p of paths) bytes += await sizeOf(p);
  return { kind, paths, dirs, bytes };
}

async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** A chunk id as holoclip writes them (`<15 digits>-<pid>-<hex>`). */
const CHUNK_ID = /^\d{15}-\d+-[0-9a-f]+$/;

/**
 * The files of an unreferenced space that are holoclip's: meta.json, chunk files, temp files of dead
 * processes and orphan .npy files older than {@link STALE_MS} (a younger one may be a live writer's).
 */
async function spaceFiles(spaceDir: string): Promise<string[]> {
  const out: string[] = [];
  const chunksDir = path.join(spaceDir, 'chunks');
  for (const id of committedChunkIds(await names(chunksDir))) {
    const f = chunkFiles(chunksDir, id);
    out.push(f.keys, f.npy);
  }
  for (const name of await names(chunksDir)) {
    const file = path.join(chunksDir, name);
    if (out.includes(file)) continue;
    const orphanNpy = name.endsWith('.npy') && CHUNK_ID.test(name.slice(0, -4));
    const old = await fs.stat(file).then((st) => Date.now() - st.mtimeMs > STALE_MS, () => false);
    if ((orphanNpy && old) || isDeadLeftover(name)) out.push(file);
  }
  const meta = path.join(spaceDir, 'meta.json');
  if (await exists(meta)) out.push(meta);
  const existing: string[] = [];
  for (const f of out) if (await exists(f)) existing.push(f);
  return existing;
}

/** Every store entry of the store at `root` that `refs` does not reference, in a stable order. */
export async function unreferencedEntries(root: string, refs: StoreReferences): Promise<GcEntry[]> {
  const abs = path.resolve(root);
  const out: GcEntry[] = [];
  for (const key of await names(path.join(abs, 'embeddings'))) {
    if (!SAFE_KEY.test(key)) continue;
    const spaceDir = path.join(abs, 'embeddings', key);
    if (!(await fs.stat(spaceDir).then((s) => s.isDirectory(), () => false))) continue;
    const used = refs.spaces.get(key);
    if (!used) {
      const files = await spaceFiles(spaceDir);
      if (files.length > 0) out.push(await entry('embedding space', files, [path.join(spaceDir, 'chunks'), spaceDir]));
      continue;
    }
    const chunksDir = path.join(spaceDir, 'chunks');
    for (const id of committedChunkIds(await names(chunksDir))) {
      if (used.has(id)) continue;
      const f = chunkFiles(chunksDir, id);
      out.push(await entry('embedding chunk', (await exists(f.npy)) ? [f.keys, f.npy] : [f.keys]));
    }
  }
  const textDir = path.join(abs, 'text');
  for (const name of await names(textDir)) {
    if (!name.endsWith('.json') || isTempFileName(name)) continue;
    const key = name.slice(0, -'.json'.length);
    if (!SAFE_KEY.test(key) || refs.text.has(key)) continue;
    const npy = path.join(textDir, `${key}.npy`);
    out.push(await entry('text-cache entry', (await exists(npy)) ? [path.join(textDir, name), npy] : [path.join(textDir, name)]));
  }
  const unitsDir = path.join(abs, 'units');
  for (const key of await names(unitsDir)) {
    if (!SAFE_KEY.test(key) || isTempFileName(key) || refs.units.has(key)) continue;
    const dir = path.join(unitsDir, key);
    if (!(await fs.stat(dir).then((s) => s.isDirectory(), () => false))) continue;
    out.push(await entry('metric unit', [dir]));
  }
  const scaleDir = path.join(abs, 'logit-scale');
  for (const name of await names(scaleDir)) {
    if (!SHA256_JSON.test(name) || refs.logitScale.has(name.slice(0, 64))) continue;
    out.push(await entry('logit scale', [path.join(scaleDir, name)]));
  }
  return out;
}

/** Removes the entries (a unit folder is moved aside first, so no reader sees it half-deleted). */
export async function removeEntries(entries: readonly GcEntry[]): Promise<void> {
  for (const e of entries) {
    for (const p of e.paths) {
      if (e.kind === 'metric unit') {
        const aside = tempPathFor(p);
        try {
          await fs.rename(p, aside);
        } catch (err) {
          if (isErrno(err, 'ENOENT')) continue;
          throw err;
        }
        await fs.rm(aside, { recursive: true, force: true });
      } else {
        await fs.unlink(p).catch((err: unknown) => {
          if (!isErrno(err, 'ENOENT')) throw err;
        });
      }
    }
    for (const d of e.dirs) {
      await fs.rmdir(d).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT') && !isErrno(err, 'ENOTEMPTY') && !isErrno(err, 'EEXIST')) throw err;
      });
    }
  }
}
