/**
 * A run's outputs (results.json, results.csv, units.json, report/index.html) as one set: each file is
 * written atomically, and `output-set.json`, written last, names the set with each file's sha256. The
 * previous run's `output-set.json` is removed before the first new file is written, so at every moment
 * either a manifest names files that are all there with those bytes (a whole set), or there is no
 * manifest or it does not match (a run was interrupted while writing: {@link verifyOutputSet} says so,
 * and the next run rewrites the whole set).
 */
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';
import { isErrno, writeFileAtomic } from '../store/atomic.js';

export const OUTPUT_SET_FILE = 'output-set.json';

export interface OutputFile {
  /** Path inside the output folder, with "/" separators. */
  readonly rel: string;
  readonly data: string;
}

export interface OutputSetManifest {
  readonly holoclip_output_set: 1;
  readonly files: Record<string, { sha256: string; bytes: number }>;
}

/** Called after each step of {@link writeOutputSet} (tests use it to simulate a kill there). */
export type OutputSetHook = (step: string) => Promise<void> | void;

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Writes `files` as one set into `outDir`; `stale` are files of an older set that this set does not
 * contain (e.g. the report of a run written with --no-report): they are removed before the manifest.
 */
export async function writeOutputSet(outDir: string, files: readonly OutputFile[], stale: readonly string[] = [], hook?: OutputSetHook): Promise<void> {
  await rm(path.join(outDir, OUTPUT_SET_FILE), { force: true });
  await hook?.('unmark');
  for (const f of files) {
    await writeFileAtomic(path.join(outDir, ...f.rel.split('/')), f.data);
    await hook?.(f.rel);
  }
  for (const rel of stale) await rm(path.join(outDir, ...rel.split('/')), { force: true });
  const manifest: OutputSetManifest = {
    holoclip_output_set: 1,
    files: Object.fromEntries(files.map((f) => [f.rel, { sha256: sha256(f.data), bytes: Buffer.byteLength(f.data) }])),
  };
  await writeFileAtomic(path.join(outDir, OUTPUT_SET_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  await hook?.('manifest');
}

/**
 * Checks that `outDir` holds a whole set: its manifest is there and every file it names has its bytes.
 * Returns the manifest; anything else is an error naming the file and the fix.
 */
export async function verifyOutputSet(outDir: string): Promise<OutputSetManifest> {
  const manifestFile = path.join(outDir, OUTPUT_SET_FILE);
  const rerun = 'rerun `holoclip run` to write the whole set again';
  let manifest: OutputSetManifest;
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as OutputSetManifest;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new HoloclipError(`${manifestFile} is missing: the outputs in ${outDir} are not a finished set (a run was interrupted while writing them); ${rerun}`);
    throw new HoloclipError(`cannot read ${manifestFile}: ${errorMessage(err)}; ${rerun}`);
  }
  if (manifest?.holoclip_output_set !== 1 || typeof manifest.files !== 'object' || manifest.files === null) throw new HoloclipError(`${manifestFile} is not a holoclip output-set manifest; ${rerun}`);
  for (const [rel, want] of Object.entries(manifest.files)) {
    const file = path.join(outDir, ...rel.split('/'));
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      throw new HoloclipError(`${file}, named in ${manifestFile}, cannot be read (${errorMessage(err)}); ${rerun}`);
    }
    if (sha256(bytes) !== want.sha256) throw new HoloclipError(`${file} is not the file ${manifestFile} names (its sha256 differs: another run or an edit changed it); ${rerun}`);
  }
  return manifest;
}
