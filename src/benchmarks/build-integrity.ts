/**
 * Integrity of a built benchmark folder: every file its manifest.json lists must still have its sha256, and no image a
 * dataset reader would pick up may have appeared. Checked before a build is declared up to date (issue 14 case 9).
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { isHiddenName, isImageFileName } from '../data/image-extensions.js';
import { mapLimit } from '../util/concurrency.js';

/** Files under `root` (relative POSIX paths), manifest.json left out. */
async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) out.push(...(await listFiles(root, child)));
    else if (child !== 'manifest.json') out.push(child);
  }
  return out;
}

/**
 * The files of a build that do not match its manifest: listed but missing or with another sha256, or an image
 * (a name a dataset reader would pick up) present but not listed. Other unlisted files (a depth map next to an
 * image, a hidden file) change no split and are not damage. Sorted; empty when the build is intact.
 */
export async function damagedFiles(root: string, expected: Readonly<Record<string, string>>): Promise<string[]> {
  let present: string[];
  try {
    present = await listFiles(root);
  } catch {
    return Object.keys(expected).sort();
  }
  const listed = new Set(Object.keys(expected));
  const damaged = present.filter((f) => !listed.has(f) && isImageFileName(f) && !f.split('/').some(isHiddenName));
  const changed = await mapLimit(Object.entries(expected), 16, async ([rel, sha]) => {
    try {
      return createHash('sha256').update(await readFile(path.join(root, ...rel.split('/')))).digest('hex') === sha ? null : rel;
    } catch {
      return rel;
    }
  });
  for (const rel of changed) if (rel !== null) damaged.push(rel);
  return damaged.sort();
}

export function describeDamage(damaged: readonly string[]): string {
  return `${damaged.length} file${damaged.length === 1 ? '' : 's'} missing, changed or added: ${damaged.slice(0, 3).join(', ')}${damaged.length > 3 ? ', ...' : ''}`;
}
