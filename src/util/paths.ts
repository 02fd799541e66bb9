/** Paths as users write them: `~` is the home folder, relative paths are relative to a base folder. */
import os from 'node:os';
import path from 'node:path';

/** `~` and `~/x` -> the home folder (HOME, else the OS's); anything else unchanged. */
export function expandHome(p: string): string {
  if (p === '~') return process.env.HOME ?? os.homedir();
  if (p.startsWith('~/') || p.startsWith(`~${path.sep}`)) return path.join(process.env.HOME ?? os.homedir(), p.slice(2));
  return p;
}

/** An absolute path: `~` expanded, then resolved against `base` (default: the working directory). */
export function resolveUserPath(p: string, base?: string): string {
  const expanded = expandHome(p);
  return base === undefined ? path.resolve(expanded) : path.resolve(base, expanded);
}
