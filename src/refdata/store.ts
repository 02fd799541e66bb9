/**
 * Where reference files live on disk and how they get there. A resource called `a/b.json` lives at
 * `<dataDir>/a/b.json`; it counts only when its size and sha256 match the registry. Missing or wrong
 * files are downloaded from the registry URL (verified in memory, then written atomically, so a
 * half-written or wrong file never appears under the final name), unless downloads are off
 * (`HOLOCLIP_OFFLINE=1` or `{ offline: true }`), in which case the error says which file to put where.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';
import { isErrno, removeStaleTempFiles, writeFileAtomic } from '../store/atomic.js';
import { DERIVERS } from './derive.js';
import { RESOURCES, type RefResource, getResource } from './registry.js';

export const DATA_DIR_ENV = 'HOLOCLIP_DATA_DIR';
export const OFFLINE_ENV = 'HOLOCLIP_OFFLINE';

/** Largest source file a derived resource may be computed from. */
const MAX_DERIVATION_SOURCE_BYTES = 16 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;
/** Temp files older than this next to a resource are leftovers of a killed download. */
const STALE_TEMP_MS = 60 * 60 * 1000;

export interface ResourceOptions {
  /** Data directory (default: see {@link dataDir}). */
  dataDir?: string;
  /** Never download (default: `HOLOCLIP_OFFLINE` is 1/true/yes). */
  offline?: boolean;
  /** Download URL of a resource (default: `r.url`); tests point it at a local server. */
  urlFor?: (r: RefResource) => string;
  /** Per-download timeout in milliseconds (default 120 s). */
  timeoutMs?: number;
}

export type ResourceStatus = 'verified' | 'missing' | 'bad-hash';

export interface ResourceCheck {
  name: string;
  /** Where the file is (or should be). */
  path: string;
  status: ResourceStatus;
  /** A file exists at `path` (verified or not). */
  present: boolean;
  /** Size of the file found, or null when missing. */
  bytes: number | null;
  /** What is wrong with a present file, e.g. "size 12 bytes, expected 4347". */
  problem?: string;
}

export type FetchOutcome = 'present' | 'downloaded' | 'failed';

export interface FetchResult {
  name: string;
  path: string;
  outcome: FetchOutcome;
  /** One-line reason when `outcome` is 'failed'. */
  error?: string;
}

export type FetchProgressEvent =
  | { type: 'present'; name: string; path: string }
  | { type: 'download'; name: string; path: string; url: string; bytes: number }
  | { type: 'downloaded'; name: string; path: string; bytes: number; seconds: number }
  | { type: 'failed'; name: string; path: string; error: string };

export type FetchProgress = (event: FetchProgressEvent) => void;

/**
 * The data directory: `flag` if given, else `$HOLOCLIP_DATA_DIR`, else `$XDG_CACHE_HOME/holoclip/data`,
 * else `~/.cache/holoclip/data`. Always absolute.
 */
export function dataDir(flag?: string): string {
  if (flag !== undefined && flag !== '') return path.resolve(flag);
  const env = process.env[DATA_DIR_ENV];
  if (env !== undefined && env !== '') return path.resolve(env);
  const xdg = process.env.XDG_CACHE_HOME;
  const cache = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(cache, 'holoclip', 'data');
}

/** True when downloads are off: `offline` if given, else `HOLOCLIP_OFFLINE` set to 1/true/yes. */
export function isOffline(offline?: boolean): boolean {
  if (offline !== undefined) return offline;
  const v = (process.env[OFFLINE_ENV] ?? '').trim().toLowerCase();
  return v === '1' || v === 'true' || v === 'yes';
}

/** `<dir>/<name>` for a registered resource (throws on an unknown name). */
export function resourceFile(name: string, dir: string): string {
  const r = getResource(name);
  return path.join(dir, ...r.name.split('/'));
}

/** Files already hashed in this process: path -> "size:mtime:ino" when they matched. */
const verifiedCache = new Map<string, string>();

function statKey(st: { size: number; mtimeMs: number; ino: number }): string {
  return `${st.size}:${st.mtimeMs}:${st.ino}`;
}

/** sha256 (hex) of a file, streamed. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Does `<dir>/<name>` exist with the registered size and sha256? */
export async function verifyResource(name: string, dir: string): Promise<ResourceCheck> {
  const r = getResource(name);
  const file = path.join(dir, ...r.name.split('/'));
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return { name: r.name, path: file, status: 'missing', present: false, bytes: null };
    throw new HoloclipError(`cannot read reference file ${file}: ${errorMessage(err)}`, { cause: err });
  }
  const bad = (problem: string): ResourceCheck => ({ name: r.name, path: file, status: 'bad-hash', present: true, bytes: st.size, problem });
  if (!st.isFile()) return bad('not a regular file');
  if (st.size !== r.bytes) return bad(`size ${st.size} bytes, expected ${r.bytes}`);
  const key = statKey(st);
  if (verifiedCache.get(file) !== key) {
    const sha = await sha256File(file);
    if (sha !== r.sha256) {
      verifiedCache.delete(file);
      return bad(`sha256 ${sha}, expected ${r.sha256}`);
    }
    verifiedCache.set(file, key);
  }
  return { name: r.name, path: file, status: 'verified', present: true, bytes: st.size };
}

/** {@link verifyResource} for every registered resource, in registry order. */
export async function listResources(dir: string): Promise<ResourceCheck[]> {
  const out: ResourceCheck[] = [];
  for (const r of RESOURCES) out.push(await verifyResource(r.name, dir));
  return out;
}

/**
 * The path of a verified copy of resource `name`, downloading it first when it is missing or wrong
 * (unless offline: then a HoloclipError naming the resource, the exact path to put it at and its URL).
 */
export async function resourcePath(name: string, options: ResourceOptions = {}): Promise<string> {
  const r = getResource(name);
  const dir = dataDir(options.dataDir);
  const check = await verifyResource(r.name, dir);
  if (check.status === 'verified') return check.path;
  if (isOffline(options.offline)) throw new HoloclipError(offlineMessage(r, check, options));
  await downloadResource(r, dir, options);
  return check.path;
}

/**
 * Make every named resource (or 'all') present and verified in the data directory, downloading what
 * is missing or wrong. Unknown names throw before anything is fetched; a failed resource does not stop
 * the others: its result says why.
 */
export async function fetchResources(names: readonly string[] | 'all', options: ResourceOptions = {}, progress?: FetchProgress): Promise<FetchResult[]> {
  const wanted = names === 'all' ? [...RESOURCES] : uniqueResources(names);
  const dir = dataDir(options.dataDir);
  const offline = isOffline(options.offline);
  const results: FetchResult[] = [];
  for (const r of wanted) {
    const check = await verifyResource(r.name, dir);
    if (check.status === 'verified') {
      progress?.({ type: 'present', name: r.name, path: check.path });
      results.push({ name: r.name, path: check.path, outcome: 'present' });
      continue;
    }
    try {
      if (offline) throw new HoloclipError(offlineMessage(r, check, options));
      const url = options.urlFor?.(r) ?? r.url;
      progress?.({ type: 'download', name: r.name, path: check.path, url, bytes: r.bytes });
      const t0 = performance.now();
      await downloadResource(r, dir, options);
      progress?.({ type: 'downloaded', name: r.name, path: check.path, bytes: r.bytes, seconds: (performance.now() - t0) / 1000 });
      results.push({ name: r.name, path: check.path, outcome: 'downloaded' });
    } catch (err) {
      if (!(err instanceof HoloclipError)) throw err;
      progress?.({ type: 'failed', name: r.name, path: check.path, error: err.message });
      results.push({ name: r.name, path: check.path, outcome: 'failed', error: err.message });
    }
  }
  return results;
}

function uniqueResources(names: readonly string[]): RefResource[] {
  if (names.length === 0) throw new HoloclipError('no reference resource named (give names, or "all")');
  if (names.includes('all')) return [...RESOURCES];
  const seen = new Set<string>();
  const out: RefResource[] = [];
  for (const n of names) {
    const r = getResource(n);
    if (!seen.has(r.name)) {
      seen.add(r.name);
      out.push(r);
    }
  }
  return out;
}

/**
 * Download resource `r` (or, for a derived resource, its source, then derive it), check size and
 * sha256 in memory, and only then write it atomically to `<dir>/<name>`. Nothing is written on any error.
 */
export async function downloadResource(r: RefResource, dir: string, options: ResourceOptions = {}): Promise<string> {
  const file = path.join(dir, ...r.name.split('/'));
  const url = options.urlFor?.(r) ?? r.url;
  const deriver = r.derived !== undefined ? DERIVERS[r.name] : undefined;
  if (r.derived !== undefined && deriver === undefined) {
    throw new HoloclipError(`${r.name} cannot be downloaded as is: it is derived from ${url} (${r.derived}); put a copy at ${file}`);
  }
  const body = await httpGet(url, r.name, deriver ? MAX_DERIVATION_SOURCE_BYTES : r.bytes, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  let data: Buffer;
  if (deriver) {
    try {
      data = deriver(body);
    } catch (err) {
      throw new HoloclipError(`cannot derive ${r.name} from ${url}: ${errorMessage(err)}`, { cause: err });
    }
  } else {
    data = body;
  }
  const what = deriver ? `${r.name} derived from ${url}` : `download of ${r.name} from ${url}`;
  if (data.length !== r.bytes) throw new HoloclipError(`${what} has ${data.length} bytes, expected ${r.bytes}; nothing was written`);
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== r.sha256) throw new HoloclipError(`${what} has sha256 ${sha}, expected ${r.sha256}; nothing was written`);
  await removeStaleTempFiles(path.dirname(file), STALE_TEMP_MS).catch(() => 0);
  await writeFileAtomic(file, data);
  const st = await stat(file);
  verifiedCache.set(file, statKey(st));
  return file;
}

/** GET `url` into memory; more than `maxBytes` is an error (the registry knows each file's size). */
async function httpGet(url: string, name: string, maxBytes: number, timeoutMs: number): Promise<Buffer> {
  const fail = (why: string, cause?: unknown): HoloclipError => new HoloclipError(`cannot download ${name} from ${url}: ${why}`, { cause });
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw fail(cause !== undefined ? errorMessage(cause) : errorMessage(err), err);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => undefined);
    throw fail(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    if (res.body) {
      for await (const chunk of res.body) {
        total += chunk.length;
        if (total > maxBytes) {
          await res.body.cancel().catch(() => undefined);
          throw fail(`more than the expected ${maxBytes} bytes; nothing was written`);
        }
        chunks.push(Buffer.from(chunk));
      }
    }
  } catch (err) {
    if (err instanceof HoloclipError) throw err;
    throw fail(errorMessage(err), err);
  }
  return Buffer.concat(chunks, total);
}

function offlineMessage(r: RefResource, check: ResourceCheck, options: ResourceOptions): string {
  const why = options.offline === true ? 'downloads are off (offline mode)' : `downloads are off (${OFFLINE_ENV}=1)`;
  const url = options.urlFor?.(r) ?? r.url;
  const state = check.status === 'missing' ? 'is missing' : `at ${check.path} is not the expected file (${check.problem ?? 'bad hash'})`;
  const fix = r.derived !== undefined
    ? `it is derived from ${url} (${r.derived}): run "holoclip data fetch ${r.name}" where the network is reachable and copy the result to ${check.path}`
    : `download ${url} and save it as ${check.path} (or run "holoclip data fetch ${r.name}" with network access)`;
  return `reference file ${r.name} ${state} and ${why}: ${fix}`;
}
