/**
 * A list of integers assigned to a name in a Python source file, e.g. imagenet-testbed's
 * `class_sublist = [1, 2, 4, ...]` in `src/eval_settings/imagenet_r.py`. Pure parsing, no I/O.
 *
 * Accepted: one top-level assignment `NAME = [ ... ]` (the name at the start of a line, optional
 * spaces, an optional type annotation is NOT accepted), integer literals separated by commas, any
 * whitespace or line breaks, `#` comments, a trailing comma. Anything else inside the brackets (an
 * expression, a `range(...)`, a nested list) is an error: the caller gets a message naming the file and
 * what was found, never a silently shorter list.
 */
import { HoloclipError } from '../errors.js';

export function parsePythonIntList(source: string, name: string, file: string): number[] {
  const start = new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*=[ \\t]*\\[`, 'gm');
  const matches = [...source.matchAll(start)];
  if (matches.length === 0) throw new HoloclipError(`${file}: no "${name} = [...]" assignment found; expected the reference file with a Python list of integers named ${name}`);
  if (matches.length > 1) throw new HoloclipError(`${file}: "${name}" is assigned ${matches.length} times; expected one "${name} = [...]"`);
  const open = (matches[0].index ?? 0) + matches[0][0].length;
  const close = source.indexOf(']', open);
  if (close < 0) throw new HoloclipError(`${file}: the list "${name} = [" is never closed with "]"`);
  const body = source.slice(open, close).replace(/#[^\n]*/g, '');
  const line = source.slice(0, open).split('\n').length;
  const parts = body.split(',').map((s) => s.trim());
  if (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((p, i) => {
    if (!/^\d+$/.test(p)) {
      throw new HoloclipError(`${file}: element ${i} of "${name}" (list starting on line ${line}) is ${p === '' ? 'empty' : `"${p.slice(0, 40)}"`}, not an integer literal; expected "${name} = [1, 2, ...]"`);
    }
    return Number(p);
  });
}
