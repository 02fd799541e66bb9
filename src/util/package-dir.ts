/**
 * Where an installed package lives, found from where node resolves it for holoclip (its exports may hide its
 * package.json from `import`): the nearest folder above the resolved entry whose package.json names the package.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's folder and its package.json fields, or null when node cannot resolve it or no package.json names it. */
export function installedPackage(name: string): { dir: string; version: string | undefined } | null {
  let dir: string;
  try {
    dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  } catch {
    return null;
  }
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return { dir, version: pkg.version };
    } catch {
      // no readable package.json here: look further up
    }
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}
