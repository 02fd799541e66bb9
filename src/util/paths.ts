/** Paths as users write them: `~` is the home folder, relative paths are relative to a base folder. */
import os from 'node:os';
import path from 'node:path';
import { HoloclipError } from '../errors.js';

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

/**
 * `root` joined with `rel`, a relative path built from data (an item id, a tar member name, a class or model name),
 * checked to stay inside `root`: a NUL byte, an absolute path or a `..` segment (with `/` or `\` as separator) is a
 * {@link HoloclipError} that names `what` (e.g. `item "shard/../x.png"`). Every output path built from data goes
 * through here, so hostile names cannot write outside the output folder.
 */
export function confinedPath(root: string, rel: string, what: string): string {
  const refuse = (why: string): never => {
    throw new HoloclipError(`${what} would be written outside ${root} (${why}); rename it in the data or drop it from the dataset`);
  };
  if (rel.includes('\0')) refuse('its name contains a NUL byte');
  if (rel === '') refuse('its name is empty');
  if (path.posix.isAbsolute(rel) || path.win32.isAbsolute(rel)) refuse('its name is an absolute path');
  if (rel.split(/[\\/]+/).some((part) => part === '..')) refuse('its name contains a ".." segment');
  const joined = path.join(root, rel);
  const inside = path.relative(path.resolve(root), path.resolve(joined));
  if (inside === '' || inside === '..' || inside.startsWith(`..${path.sep}`) || path.isAbsolute(inside)) refuse('it resolves to the folder itself or above it');
  return joined;
}
