/**
 * Prompt templates for zero-shot classification. `--templates` takes one literal template
 * containing `{c}`, or a file: `.txt` (one per line), `.json` array, or a JSON object whose
 * `--templates-key` entry is an array (CLIP_benchmark's en_zeroshot_classification_templates.json).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';

export const DEFAULT_TEMPLATE = 'a photo of a {c}.';
export const PLACEHOLDER = '{c}';

export interface TemplateSet {
  readonly templates: string[];
  /** Where they came from: "default", "literal", or the absolute file path (+ key). */
  readonly source: string;
}

function validate(templates: unknown[], where: string): string[] {
  if (templates.length === 0) throw new HoloclipError(`${where} holds no templates`);
  return templates.map((t, i) => {
    if (typeof t !== 'string') throw new HoloclipError(`${where}: template ${i} is not a string`);
    if (!t.includes(PLACEHOLDER)) throw new HoloclipError(`${where}: template ${i} "${t}" has no ${PLACEHOLDER} placeholder for the class name`);
    return t;
  });
}

export async function loadTemplates(spec: string | undefined, key?: string): Promise<TemplateSet> {
  if (spec === undefined || spec === '') {
    if (key) throw new HoloclipError('--templates-key needs --templates FILE.json');
    return { templates: [DEFAULT_TEMPLATE], source: 'default' };
  }
  if (spec.includes(PLACEHOLDER)) {
    if (key) throw new HoloclipError('--templates-key applies to a JSON templates file, not a literal template');
    return { templates: [spec], source: 'literal' };
  }
  // A registered reference file (e.g. clip_benchmark/en_zeroshot_classification_templates.json) that is
  // not a local path is taken from the reference-data directory (downloaded and verified if needed); the registry
  // is loaded here, on first use, so that literal templates (suite check) do without it.
  let file = path.resolve(spec);
  const { findResource, isOffline, resourcePath } = await import('../refdata/index.js');
  if (findResource(spec) && !(await fs.stat(file).then(() => true, () => false))) {
    file = await resourcePath(spec, { offline: isOffline() });
  }
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new HoloclipError(
      `--templates ${spec}: not a template (no ${PLACEHOLDER}) and not a readable file (${errorMessage(err)})`,
    );
  }
  if (file.endsWith('.json')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new HoloclipError(`templates file ${file} is not valid JSON: ${errorMessage(err)}`);
    }
    if (Array.isArray(value)) {
      if (key) throw new HoloclipError(`templates file ${file} is a JSON array; --templates-key is only for JSON objects`);
      return { templates: validate(value, `templates file ${file}`), source: file };
    }
    if (typeof value === 'object' && value !== null) {
      const obj = value as Record<string, unknown>;
      if (!key) {
        throw new HoloclipError(
          `templates file ${file} is a JSON object: choose an entry with --templates-key (e.g. ${Object.keys(obj).slice(0, 5).join(', ')})`,
        );
      }
      const entry = obj[key];
      if (!Array.isArray(entry)) {
        throw new HoloclipError(`templates file ${file} has no array under key "${key}" (keys: ${Object.keys(obj).slice(0, 8).join(', ')}...)`);
      }
      return { templates: validate(entry, `templates file ${file} [${key}]`), source: `${file}#${key}` };
    }
    throw new HoloclipError(`templates file ${file} must hold a JSON array or object`);
  }
  if (key) throw new HoloclipError('--templates-key needs a .json templates file');
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  return { templates: validate(lines, `templates file ${file}`), source: file };
}

export function fillTemplate(template: string, classname: string): string {
  return template.split(PLACEHOLDER).join(classname);
}
