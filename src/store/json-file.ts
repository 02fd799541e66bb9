import { readFile } from 'node:fs/promises';
import { HoloclipError } from '../errors.js';
import { isErrno, writeJsonAtomic } from './atomic.js';

export { writeJsonAtomic };

/** The text of `file` (UTF-8), or undefined if it does not exist. */
export async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** Parsed JSON content of `file`, or undefined if it does not exist. Invalid JSON is an error naming the file. */
export async function readJsonIfExists(file: string): Promise<unknown> {
  const text = await readTextIfExists(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HoloclipError(`${file} is not valid JSON (${(err as Error).message}); fix or delete it`, { cause: err });
  }
}
