/**
 * `holoclip store verify`: check every entry of a store against its recorded sha256 (embedding
 * chunks, text-cache entries, metric unit folders, cached report charts) and report the damaged ones; with `repair`, remove
 * them (only them), so the next run recomputes them.
 */
import { readFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isErrno, isTempFileName, tempPathFor } from './atomic.js';
import { committedChunkIds, decodeChunkBytes, inspectChunk } from './embedding-store.js';
import { StoreDamageError, type StoreDamage } from './integrity.js';
import { checkTextMatrix } from './text-cache.js';
import { checkUnitFolder } from './unit-results.js';
import { chartEntryKeys, parseChartEntry } from './chart-cache.js';
import { fileHashIndexPath } from './hash.js';
import { currentEntries, HashIndexDamageError } from './hash-index-file.js';
import { readTextIfExists } from './json-file.js';
import type { ProgressSink } from '../util/progress.js';

const SAFE_KEY = /^[A-Za-z0-9_-]{1,128}$/;

export interface VerifyReport {
  readonly root: string;
  readonly checked: { readonly chunks: number; readonly text: number; readonly units: number; readonly charts: number; readonly hashIndexEntries: number };
  /** Entries written before checksums: read, but they cannot be checked. */
  readonly unchecked: { readonly chunks: number; readonly text: number };
  readonly damaged: readonly StoreDamage[];
  /** True when the damaged entries were removed. */
  readonly repaired: boolean;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}

/** The dim a space holds: its meta.json, else null (then each chunk's own keys file says). */
function spaceDim(spaceDir: string): number | null {
  try {
    const meta = JSON.parse(readFileSync(path.join(spaceDir, 'meta.json'), 'utf8')) as { dim?: unknown };
    return typeof meta.dim === 'number' && Number.isSafeInteger(meta.dim) && meta.dim > 0 ? meta.dim : null;
  } catch {
    return null;
  }
}

function chunkDimFromKeys(chunksDir: string, id: string): number | null {
  try {
    const keys = JSON.parse(readFileSync(path.join(chunksDir, `${id}.keys.json`), 'utf8')) as { dim?: unknown };
    return typeof keys.dim === 'number' && Number.isSafeInteger(keys.dim) && keys.dim > 0 ? keys.dim : null;
  } catch {
    return null;
  }
}

/** Removes one damaged entry: a unit folder is moved aside first, a chunk or text entry loses its commit file first. */
export async function removeDamagedEntry(d: StoreDamage): Promise<void> {
  if (d.kind === 'metric unit') {
    for (const dir of d.entry) {
      const aside = tempPathFor(dir);
      try {
        await fs.rename(dir, aside);
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      await fs.rm(aside, { recursive: true, force: true });
    }
    return;
  }
  for (const f of d.entry) {
    await fs.unlink(f).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
}

export async function verifyStore(root: string, options: { repair: boolean; progress: ProgressSink }): Promise<VerifyReport> {
  const abs = path.resolve(root);
  const damaged: StoreDamage[] = [];
  const checked = { chunks: 0, text: 0, units: 0, charts: 0, hashIndexEntries: 0 };
  const unchecked = { chunks: 0, text: 0 };

  // What there is to check, counted first so the progress line has a total.
  const spaces: Array<{ dir: string; ids: string[] }> = [];
  for (const name of await listDir(path.join(abs, 'embeddings'))) {
    if (!SAFE_KEY.test(name)) continue;
    const dir = path.join(abs, 'embeddings', name);
    spaces.push({ dir, ids: committedChunkIds(await listDir(path.join(dir, 'chunks'))) });
  }
  const textKeys = (await listDir(path.join(abs, 'text')))
    .filter((n) => n.endsWith('.json') && !isTempFileName(n))
    .map((n) => n.slice(0, -'.json'.length))
    .filter((k) => SAFE_KEY.test(k));
  const unitKeys = (await listDir(path.join(abs, 'units'))).filter((n) => SAFE_KEY.test(n) && !isTempFileName(n));
  const chartsDir = path.join(abs, 'charts');
  const chartKeys = chartEntryKeys(await listDir(chartsDir));
  const total = spaces.reduce((n, s) => n + s.ids.length, 0) + textKeys.length + unitKeys.length + chartKeys.length;

  const { progress } = options;
  progress.start(`verifying store ${abs}`, total, 'entry');
  let done = 0;
  const step = (): void => progress.update(++done);

  for (const space of spaces) {
    const chunksDir = path.join(space.dir, 'chunks');
    const metaDim = spaceDim(space.dir);
    for (const id of space.ids) {
      const dim = metaDim ?? chunkDimFromKeys(chunksDir, id) ?? 0;
      const found = inspectChunk(chunksDir, id, dim);
      if (found.kind === 'damaged') damaged.push(found.damage);
      else if (found.kind === 'ok') {
        try {
          decodeChunkBytes(await fs.readFile(found.npyFile), found, dim);
          if (found.sha256 === null) unchecked.chunks++;
        } catch (err) {
          if (err instanceof StoreDamageError) damaged.push(err.damage);
          else damaged.push({ kind: 'embedding chunk', file: found.npyFile, problem: `cannot be read (${(err as Error).message})`, entry: [found.keysFile, found.npyFile] });
        }
      }
      checked.chunks++;
      step();
    }
  }
  for (const key of textKeys) {
    const found = await checkTextMatrix(abs, key);
    if (found.kind === 'damaged') damaged.push(found.damage);
    else if (found.kind === 'ok' && found.matrix.sha256 === null) unchecked.text++;
    checked.text++;
    step();
  }
  for (const key of unitKeys) {
    const dir = path.join(abs, 'units', key);
    const found = await checkUnitFolder(dir);
    if (found.kind === 'damaged') damaged.push(found.damage);
    else if (found.kind === 'partial') damaged.push({ kind: 'metric unit', file: path.join(dir, 'result.json'), problem: 'is missing (the unit was left half-written)', entry: [dir] });
    checked.units++;
    step();
  }
  for (const key of chartKeys) {
    const file = path.join(chartsDir, `${key}.json`);
    const text = await readTextIfExists(file); // undefined: removed meanwhile by a run that found it damaged
    const entry = text === undefined ? null : parseChartEntry(text);
    if (entry && 'problem' in entry) damaged.push({ kind: 'report chart', file, problem: entry.problem, entry: [file] });
    checked.charts++;
    step();
  }
  // The file hash index: its table and every block against their checksums (removed by a repair: it is a cache).
  const hashIndex = fileHashIndexPath(abs);
  try {
    for (const _ of currentEntries(hashIndex)) checked.hashIndexEntries++;
  } catch (err) {
    if (!(err instanceof HashIndexDamageError)) throw err;
    damaged.push({ kind: 'file hash index', file: hashIndex, problem: err.problem, entry: [hashIndex] });
  }
  progress.finish();

  if (options.repair) for (const d of damaged) await removeDamagedEntry(d);
  return { root: abs, checked, unchecked, damaged, repaired: options.repair && damaged.length > 0 };
}
