import { readFile } from 'node:fs/promises';
import { HoloclipError } from '../errors.js';

/** Read a UTF-8 text file (BOM removed). `what` names the file's role in errors, e.g. "baseline table". */
export async function readTextFile(file: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HoloclipError(`${what} ${file} does not exist`, { cause: err });
    if (code === 'EISDIR') throw new HoloclipError(`${what} ${file} is a directory; expected a file`, { cause: err });
    throw new HoloclipError(`cannot read ${what} ${file}: ${oneLine((err as Error).message)}`, { cause: err });
  }
  return text.replace(/^\uFEFF/, '');
}

export function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
