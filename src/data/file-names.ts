/**
 * File names must be UTF-8: Node lists a name holding other bytes (a Latin-1 "café.png") with U+FFFD in their
 * place, a path that does not exist, so the image would later fail as "file not found". A listing with U+FFFD is
 * re-read as bytes, and a name that is not valid UTF-8 is an error that says so, names the folder and the fix.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { HoloclipError } from '../errors.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A name with each byte that is not printable ASCII written `\xNN`: `caf\xe9.png`. */
export function showNameBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return out;
}

/**
 * Throws when `dir` holds names that are not valid UTF-8. `names` is the ordinary (UTF-8 decoded) listing: only
 * when one holds U+FFFD is the folder read again as bytes, so a clean listing costs nothing.
 */
export async function rejectNonUtf8Names(dir: string, names: readonly string[]): Promise<void> {
  if (!names.some((n) => n.includes('\uFFFD'))) return;
  const raw = await readdir(dir, { encoding: 'buffer' });
  const bad = raw.filter((b) => !isUtf8(b));
  if (bad.length === 0) return; // a real U+FFFD in a UTF-8 name
  const shown = bad.slice(0, 3).map((b) => `"${showNameBytes(b)}"`).join(', ');
  throw new HoloclipError(
    `${dir} holds ${bad.length} file name${bad.length === 1 ? '' : 's'} that ${bad.length === 1 ? 'is' : 'are'} not valid UTF-8 (${shown}${bad.length > 3 ? ', ...' : ''}); holoclip reads UTF-8 names only: rename ${bad.length === 1 ? 'it' : 'them'}, e.g. convmv -f latin1 -t utf-8 -r --notest ${path.resolve(dir)}`,
  );
}
