import { readFile } from 'node:fs/promises';
import { HoloclipError } from '../errors.js';

/**
 * Read class names: a `.json` file holding an array of strings, or a text file with one name per
 * line (lines trimmed, empty lines dropped). Errors name the file and say what was expected.
 */
export async function readClassnames(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new HoloclipError(`classnames file ${file} does not exist`, { cause: err });
    if (code === 'EISDIR') throw new HoloclipError(`classnames file ${file} is a directory; expected a .json array or a text file with one class name per line`, { cause: err });
    throw new HoloclipError(`cannot read classnames file ${file}: ${(err as Error).message}`, { cause: err });
  }
  text = text.replace(/^\uFEFF/, '');
  const names = file.toLowerCase().endsWith('.json') ? parseJsonNames(text, file) : parseLines(text);
  if (names.length === 0) throw new HoloclipError(`classnames file ${file} has no class names; expected one name per line or a .json array of strings`);
  return names;
}

function parseJsonNames(text: string, file: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new HoloclipError(`classnames file ${file} is not valid JSON (${(err as Error).message}); expected an array of strings like ["cat", "dog"]`, { cause: err });
  }
  if (!Array.isArray(value)) {
    throw new HoloclipError(`classnames file ${file} must hold a JSON array of strings like ["cat", "dog"], found ${value === null ? 'null' : typeof value}`);
  }
  return value.map((v, i) => {
    if (typeof v !== 'string' || v.trim().length === 0) {
      throw new HoloclipError(`classnames file ${file}: entry ${i} is ${JSON.stringify(v)}; every entry must be a non-empty string`);
    }
    return v.trim();
  });
}

function parseLines(text: string): string[] {
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
