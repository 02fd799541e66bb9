import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { HoloclipError } from '../errors.js';
import { readClassnames } from './classnames.js';
import { ItemListBuilder } from './item-list.js';
import type { Dataset } from './types.js';

/**
 * A JSONL manifest: one `{"path": "...", "label": <int>}` per line, paths relative to the
 * manifest's directory (absolute allowed), blank lines ignored, other fields ignored. Streamed
 * line by line; image files are not checked here (a missing one fails later, per file).
 */
export async function openJsonlManifest(file: string, classnamesFile: string | undefined): Promise<Dataset> {
  if (classnamesFile === undefined) {
    throw new HoloclipError(`JSONL manifest ${file} needs class names: pass --classnames <file> (.json array or one name per line, in label order)`);
  }
  const classnames = await readClassnames(classnamesFile);
  const root = path.dirname(file);
  const list = new ItemListBuilder();
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const rawLine of lines) {
      lineNo++;
      const line = lineNo === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine;
      if (line.trim().length === 0) continue;
      const { rel, label } = parseLine(line, `${file}:${lineNo}`, classnames.length, classnamesFile);
      list.push({ ...locate(root, rel), label });
    }
  } catch (err) {
    if (err instanceof HoloclipError) throw err;
    throw new HoloclipError(`cannot read JSONL manifest ${file}: ${(err as Error).message}`, { cause: err });
  } finally {
    lines.close();
  }
  const items = list.finish();
  if (items.length === 0) throw new HoloclipError(`empty dataset: JSONL manifest ${file} lists no images`);
  return {
    kind: 'jsonl',
    root,
    source: file,
    classnames,
    classnamesSource: classnamesFile,
    items,
    skipped: { hidden: 0, nonImage: 0, examples: [] },
  };
}

function parseLine(line: string, where: string, numClasses: number, classnamesFile: string): { rel: string; label: number } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new HoloclipError(`${where}: not valid JSON; expected {"path": "<image path>", "label": <class index>}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HoloclipError(`${where}: expected an object {"path": "<image path>", "label": <class index>}`);
  }
  const { path: rel, label } = value as { path?: unknown; label?: unknown };
  if (typeof rel !== 'string' || rel.length === 0) throw new HoloclipError(`${where}: "path" must be a non-empty string`);
  if (typeof label !== 'number' || !Number.isInteger(label)) {
    throw new HoloclipError(`${where}: "label" must be an integer class index, got ${JSON.stringify(label) ?? 'nothing'}`);
  }
  if (label < 0 || label >= numClasses) {
    throw new HoloclipError(`${where}: label ${label} is out of range; classnames file ${classnamesFile} has ${numClasses} names (labels 0..${numClasses - 1})`);
  }
  return { rel, label };
}

/**
 * Absolute path and id of a manifest entry. The id is the path relative to the root with `/`
 * separators, or the absolute path (with `/`) if it lies outside the root.
 */
export function locate(root: string, given: string): { id: string; path: string } {
  // Fast path for the common case, a plain relative path like "val/n01/img.jpg" (no ., .., //, \).
  const segments = given.split('/');
  if (!path.isAbsolute(given) && !given.includes('\\') && segments.every((s) => s !== '' && s !== '.' && s !== '..')) {
    return { id: given, path: (root.endsWith(path.sep) ? root : root + path.sep) + segments.join(path.sep) };
  }
  const abs = path.isAbsolute(given) ? path.normalize(given) : path.resolve(root, given);
  return { id: idFor(root, abs), path: abs };
}

function idFor(root: string, abs: string): string {
  const rel = path.relative(root, abs);
  const outside = rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  return (outside ? abs : rel).split(path.sep).join('/');
}
