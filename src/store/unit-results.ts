/**
 * Result folders of a suite's metric units, content-addressed in the store: `<store>/units/<key>/`.
 * A unit is computed into a temp folder next to its final place and renamed into place when complete,
 * so a folder under its key is always whole (its result.json is there), a killed run leaves at worst a
 * temp folder, and two processes computing the same unit cannot mix their files (the second rename
 * loses and its copy is dropped).
 *
 * Integrity: the last file written into the temp folder, before it is renamed into place, is
 * `checksums.json`: the sha256 of every other file of the folder, and what the unit read from the store
 * (text-cache entries with their sha256, embedding chunks by id). {@link check} verifies a finished unit:
 * a missing, extra, truncated or edited file is a damage naming the file; a read input that changed or is
 * gone (repaired, removed) makes the unit stale, so it is recomputed.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';
import { TEMP_MARKER, isDeadLeftover, isErrno, tempPathFor, writeJsonAtomic } from './atomic.js';
import { isSha256Hex, type StoreDamage } from './integrity.js';
import type { StoreReads } from './read-log.js';
import { chunkFiles, committedChunkIds } from './embedding-store.js';
import { textMatrixPaths } from './text-cache.js';
import { confinedPath } from '../util/paths.js';

export type UnitState = 'done' | 'missing' | 'partial';

/** The manifest of a unit folder, written last. */
export const UNIT_MANIFEST = 'checksums.json';

/** What a unit read from the store while it was computed. */
export type UnitReads = StoreReads;

export interface UnitManifest {
  readonly version: 1;
  /** Path relative to the unit folder ('/'-separated) -> sha256 of the file's bytes. */
  readonly files: Readonly<Record<string, string>>;
  readonly reads: UnitReads;
}

/** A unit folder checked: `done` (whole, with its manifest), or why not. */
export type UnitCheck =
  | { kind: 'done'; manifest: UnitManifest }
  | { kind: 'missing' }
  | { kind: 'partial' }
  | { kind: 'damaged'; damage: StoreDamage };

/** Files of a folder, relative, '/'-separated, sorted; symbolic links and other non-files are listed as such. */
async function listFiles(dir: string, prefix = ''): Promise<Array<{ rel: string; file: boolean }>> {
  const out: Array<{ rel: string; file: boolean }> = [];
  const entries = await fs.readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(path.join(dir, e.name), rel)));
    else out.push({ rel, file: e.isFile() });
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256').update(await fs.readFile(file)).digest('hex');
}

/** Write `checksums.json` into a finished (not yet renamed) unit folder. */
export async function writeUnitManifest(dir: string, reads: UnitReads): Promise<void> {
  const files: Record<string, string> = {};
  for (const f of await listFiles(dir)) {
    if (f.rel === UNIT_MANIFEST) continue;
    if (!f.file) throw new HoloclipError(`unit folder ${dir} holds ${f.rel}, which is not a regular file; units hold files only`);
    files[f.rel] = await sha256Of(path.join(dir, f.rel));
  }
  const manifest: UnitManifest = { version: 1, files, reads };
  await writeJsonAtomic(path.join(dir, UNIT_MANIFEST), manifest);
}

/** Store keys and chunk ids: never a path. */
const SAFE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

function parseManifest(value: unknown): UnitManifest | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Partial<UnitManifest>;
  if (m.version !== 1 || typeof m.files !== 'object' || m.files === null) return null;
  if (!Object.values(m.files).every(isSha256Hex)) return null;
  if (!Object.keys(m.files).every((rel) => rel.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..' && !seg.includes('\\')))) return null;
  const reads = m.reads as Partial<UnitReads> | undefined;
  if (typeof reads !== 'object' || reads === null || typeof reads.text !== 'object' || reads.text === null || typeof reads.chunks !== 'object' || reads.chunks === null) return null;
  if (!Object.entries(reads.text).every(([k, v]) => SAFE_NAME.test(k) && (v === null || isSha256Hex(v)))) return null;
  if (!Object.entries(reads.chunks).every(([k, ids]) => SAFE_NAME.test(k) && Array.isArray(ids) && ids.every((id) => typeof id === 'string' && SAFE_NAME.test(id)))) return null;
  return m as UnitManifest;
}

/**
 * Checks a unit folder against its manifest: every listed file present with its sha256, no other file.
 * A folder without result.json is `partial` (killed mid-write by an older holoclip, or by hand).
 */
export async function checkUnitFolder(dir: string): Promise<UnitCheck> {
  const damaged = (file: string, problem: string): UnitCheck => ({ kind: 'damaged', damage: { kind: 'metric unit', file, problem, entry: [dir] } });
  let present: Array<{ rel: string; file: boolean }>;
  try {
    present = await listFiles(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { kind: 'missing' };
    if (isErrno(err, 'ENOTDIR')) return damaged(dir, 'is a file where a unit folder should be');
    throw err;
  }
  if (!present.some((f) => f.rel === 'result.json')) return { kind: 'partial' };
  const manifestFile = path.join(dir, UNIT_MANIFEST);
  let text: string;
  try {
    text = await fs.readFile(manifestFile, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return damaged(manifestFile, 'is missing (the folder was written by a holoclip without checksums, or edited)');
    return damaged(manifestFile, `cannot be read (${errorMessage(err)})`);
  }
  let manifest: UnitManifest | null = null;
  try {
    manifest = parseManifest(JSON.parse(text));
  } catch {
    manifest = null;
  }
  if (!manifest) return damaged(manifestFile, 'is not a valid unit manifest');
  for (const f of present) {
    if (f.rel === UNIT_MANIFEST) continue;
    if (!(f.rel in manifest.files)) return damaged(path.join(dir, f.rel), `is not listed in ${UNIT_MANIFEST} (added after the unit was written)`);
    if (!f.file) return damaged(path.join(dir, f.rel), 'is not a regular file');
  }
  for (const [rel, recorded] of Object.entries(manifest.files)) {
    const file = path.join(dir, ...rel.split('/'));
    let found: string;
    try {
      found = await sha256Of(file);
    } catch (err) {
      return damaged(file, isErrno(err, 'ENOENT') ? `is missing (listed in ${UNIT_MANIFEST})` : `cannot be read (${errorMessage(err)})`);
    }
    if (found !== recorded) return damaged(file, `sha256 mismatch (recorded ${recorded.slice(0, 12)}.., the bytes hash to ${found.slice(0, 12)}..): the file was changed after the unit was written`);
  }
  return { kind: 'done', manifest };
}

/** Temp folders of units older than this belong to dead processes (a unit takes seconds to minutes). */
const STALE_MS = 3600_000;

export class UnitResultStore {
  readonly root: string;

  constructor(storeRoot: string) {
    this.root = path.join(storeRoot, 'units');
  }

  dirFor(key: string): string {
    return confinedPath(this.root, key, `unit key "${key}"`);
  }

  async isDone(key: string): Promise<boolean> {
    return (await this.state(key)) === 'done';
  }

  /**
   * `done`: the unit's folder has its result.json; `missing`: no folder; `partial`: a folder without
   * result.json (left by a run killed mid-unit by an older holoclip, or by hand): not done, and
   * {@link compute} replaces it.
   */
  async state(key: string): Promise<UnitState> {
    const dir = this.dirFor(key);
    try {
      await fs.access(path.join(dir, 'result.json'));
      return 'done';
    } catch {
      return (await fs.stat(dir).catch(() => null)) === null ? 'missing' : 'partial';
    }
  }

  /** Checks the unit's folder against its manifest (see {@link checkUnitFolder}). */
  async check(key: string): Promise<UnitCheck> {
    return checkUnitFolder(this.dirFor(key));
  }

  /** Removes a unit's folder (moved aside first, so no reader sees it half-deleted). */
  async remove(key: string): Promise<void> {
    const dir = this.dirFor(key);
    const aside = tempPathFor(dir);
    try {
      await fs.rename(dir, aside);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw new HoloclipError(`cannot remove the unit folder ${dir} (${errorMessage(err)}); delete it and rerun`, { cause: err });
    }
    await fs.rm(aside, { recursive: true, force: true });
  }

  /**
   * Runs `write(tempDir)`, writes the folder's manifest (with what `reads()` says the unit read) and
   * moves the folder into place; returns the final folder.
   */
  async compute(key: string, write: (dir: string) => Promise<void>, reads: () => UnitReads = () => ({ text: {}, chunks: {} })): Promise<string> {
    const final = this.dirFor(key);
    const tmp = tempPathFor(final);
    await fs.mkdir(this.root, { recursive: true });
    try {
      await write(tmp);
      await fs.access(path.join(tmp, 'result.json'));
      await writeUnitManifest(tmp, reads());
      try {
        await fs.rename(tmp, final);
      } catch (err) {
        if (!(isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST'))) throw err;
        // Another process put the same unit in place first: its copy is as good as ours.
        // A half-written folder (no result.json) is moved aside and ours takes its place.
        if ((await this.state(key)) !== 'done') await this.replacePartial(final, tmp);
      }
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
    return final;
  }

  /**
   * Puts `tmp` in place of the half-written folder `final`: renames the leftover to a temp name
   * (removed right after, or by {@link removeStale} if we are killed), then `tmp` into place. If another
   * process completes the unit meanwhile, its whole copy is kept.
   */
  private async replacePartial(final: string, tmp: string): Promise<void> {
    const aside = tempPathFor(final);
    try {
      await fs.rename(final, aside);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw new HoloclipError(`cannot move the half-written unit folder ${final} aside (${errorMessage(err)}); delete it and rerun`, { cause: err });
    }
    try {
      await fs.rename(tmp, final);
    } catch (err) {
      if (!((isErrno(err, 'ENOTEMPTY') || isErrno(err, 'EEXIST')) && (await fs.access(path.join(final, 'result.json')).then(() => true, () => false)))) throw err;
    } finally {
      await fs.rm(aside, { recursive: true, force: true });
    }
  }

  /** Removes temp folders left by killed holoclip processes (pid not alive, and older than an hour: a shared store's writer may be on another host). */
  async removeStale(now = Date.now()): Promise<number> {
    let names: string[];
    try {
      names = await fs.readdir(this.root);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return 0;
      throw err;
    }
    let removed = 0;
    for (const name of names) {
      // Only holoclip's own temp folders (`.holoclip-tmp-<pid>-<hex>`) whose process is gone.
      if (!name.includes(TEMP_MARKER) || !isDeadLeftover(name)) continue;
      const p = path.join(this.root, name);
      const st = await fs.stat(p).catch(() => null);
      if (st && now - st.mtimeMs > STALE_MS) {
        await fs.rm(p, { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }
}

/**
 * Why a finished unit no longer matches what it read (a text-cache entry changed or gone, an embedding
 * chunk removed, e.g. by a repair), or null when every input is as it was.
 *
 * One instance serves a run's metric phase: each text-cache entry is read once and each embedding space's
 * chunk folder listed once, however many units read them (the demo's 97 units read some 7,000 chunks).
 */
export class StaleInputCheck {
  private readonly text = new Map<string, Promise<string | null | undefined>>();
  private readonly chunks = new Map<string, Promise<ReadonlySet<string>>>();

  constructor(readonly storeRoot: string) {}

  /** Forget what was read (after the store changed: a unit computed, an entry written). */
  forget(): void {
    this.text.clear();
    this.chunks.clear();
  }

  /** The sha256 a text-cache entry records now: null if it records none, undefined if it is gone or unreadable. */
  private textSha(key: string): Promise<string | null | undefined> {
    let p = this.text.get(key);
    if (p === undefined) {
      p = fs.readFile(textMatrixPaths(this.storeRoot, key).json, 'utf8').then(
        (t) => {
          const info = JSON.parse(t) as { sha256?: unknown };
          return typeof info.sha256 === 'string' ? info.sha256 : null;
        },
        () => undefined,
      ).catch(() => undefined);
      this.text.set(key, p);
    }
    return p;
  }

  private committed(space: string): Promise<ReadonlySet<string>> {
    let p = this.chunks.get(space);
    if (p === undefined) {
      p = fs.readdir(path.join(this.storeRoot, 'embeddings', space, 'chunks')).then(
        (names) => new Set(committedChunkIds(names)),
        () => new Set<string>(),
      );
      this.chunks.set(space, p);
    }
    return p;
  }

  async of(reads: StoreReads): Promise<string | null> {
    for (const [key, recorded] of Object.entries(reads.text)) {
      const now = await this.textSha(key);
      const file = textMatrixPaths(this.storeRoot, key).json;
      if (now === undefined) return `the text-cache entry ${file} it read is gone or unreadable`;
      if (now !== recorded) return `the text-cache entry ${file} it read has changed`;
    }
    for (const [space, ids] of Object.entries(reads.chunks)) {
      const present = await this.committed(space);
      for (const id of ids) {
        if (!present.has(id)) return `the embedding chunk ${chunkFiles(path.join(this.storeRoot, 'embeddings', space, 'chunks'), id).keys} it read was removed`;
      }
    }
    return null;
  }
}
