import { readFile } from 'node:fs/promises';
import { HoloclipError } from '../errors.js';
import { isErrno, writeJsonAtomic } from './atomic.js';

export { writeJsonAtomic };

/** Parsed JSON content of `file`, or undefined if it does not exist. Invalid JSON is an error naming the file. */
export async function readJsonIfExists(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HoloclipError(`${file} is not valid JSON (${(err as Error).message}); fix or delete it`, { cause: err });
  }
}
