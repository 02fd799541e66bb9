/**
 * A data directory holding every registered reference file, copied from ../shared/refdata (tests may
 * read ../shared; the repository itself never contains copies). Built once per process in os.tmpdir()
 * and removed when the process exits. Null when ../shared/refdata is absent.
 */
import { existsSync, rmSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RESOURCES } from '../../src/refdata/index.js';
import { REPO_ROOT } from './fixtures.js';

export const SHARED_REFDATA = path.join(REPO_ROOT, '..', 'shared', 'refdata');

let mirror: Promise<string | null> | undefined;

export function buildRefdataMirror(): Promise<string | null> {
  mirror ??= build();
  return mirror;
}

async function build(): Promise<string | null> {
  if (!existsSync(SHARED_REFDATA)) return null;
  const dir = await mkdtemp(path.join(tmpdir(), 'holoclip-refdata-mirror-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  for (const r of RESOURCES) {
    const parts = r.name.split('/');
    const to = path.join(dir, ...parts);
    await mkdir(path.dirname(to), { recursive: true });
    await copyFile(path.join(SHARED_REFDATA, ...parts), to);
  }
  return dir;
}
