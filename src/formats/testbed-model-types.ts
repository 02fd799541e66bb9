/**
 * imagenet-testbed's `plotting/model_types.py`: the training type of every testbed model, and the rule by
 * which the testbed chooses the models its effective-robustness line is fitted on.
 *
 * The file is Python; it is read here as text, never executed. What it holds, and what this parser accepts:
 *   class ModelTypes(Enum):  NAME = ('label', 'colour')            (the fine types)
 *   model_types_map = { 'model': ModelTypes.NAME, ... }           (one entry per line, either quote)
 *   for i in range(N): model_types_map[f"prefix{i}suffix"] = ModelTypes.NAME
 *   model_types_map['model'] = ModelTypes.NAME                     (single assignments)
 *   class NatModelTypes(Enum): NAME = (...)                        (the natural-shift types)
 *   mapper = { ModelTypes.A: NatModelTypes.B, ... }
 *   nat_model_types_map = {k: mapper[v] for k, v in model_types_map.items()}
 * Anything inside those blocks that is not one of these forms, a type used but not declared, or a fine type the
 * mapper does not map is an error naming the file and the line.
 *
 * The line-fit rule is `use_for_line_fit` of `plotting/eff_robust_inspect_plot.py` (commit 0170eec):
 * a model enters the fit when its natural-shift type is STANDARD and its lower-cased name contains none of
 * 'aws', 'batch64' (use_for_line_fit) and 'subsample' (show_in_plot).
 */
import { readFile } from 'node:fs/promises';
import { HoloclipError } from '../errors.js';

export interface TestbedModelTypes {
  /** model name -> natural-shift type name (NatModelTypes member, e.g. "STANDARD"). */
  readonly natType: ReadonlyMap<string, string>;
  /** The NatModelTypes members, in declaration order. */
  readonly natTypes: readonly string[];
}

const NAME = String.raw`[A-Za-z_][A-Za-z0-9_]*`;
const STR = String.raw`(?:'([^'\\]*)'|"([^"\\]*)")`;
const CLASS_RE = new RegExp(String.raw`^class\s+(${NAME})\s*\(\s*Enum\s*\)\s*:\s*$`);
const MEMBER_RE = new RegExp(String.raw`^\s+(${NAME})\s*=\s*\(.*\)\s*$`);
const DICT_OPEN_RE = new RegExp(String.raw`^(${NAME})\s*=\s*\{\s*$`);
const ENTRY_RE = new RegExp(String.raw`^\s*${STR}\s*:\s*ModelTypes\.(${NAME})\s*,?\s*$`);
const MAPPER_ENTRY_RE = new RegExp(String.raw`^\s*ModelTypes\.(${NAME})\s*:\s*NatModelTypes\.(${NAME})\s*,?\s*$`);
const FOR_RE = /^for\s+([A-Za-z_]\w*)\s+in\s+range\(\s*(\d+)\s*\)\s*:\s*$/;
const FOR_BODY_RE = new RegExp(String.raw`^\s+model_types_map\[\s*f(?:'([^']*)'|"([^"]*)")\s*\]\s*=\s*ModelTypes\.(${NAME})\s*$`);
const ASSIGN_RE = new RegExp(String.raw`^model_types_map\[\s*${STR}\s*\]\s*=\s*ModelTypes\.(${NAME})\s*$`);
const NAT_MAP_RE = /^nat_model_types_map\s*=\s*\{\s*k\s*:\s*mapper\[\s*v\s*\]\s+for\s+k\s*,\s*v\s+in\s+model_types_map\.items\(\)\s*\}\s*$/;

/** Parse the text of model_types.py (see the module comment); `file` names it in errors. */
export function parseTestbedModelTypes(text: string, file: string): TestbedModelTypes {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const enums = new Map<string, string[]>();
  const fine = new Map<string, { type: string; line: number }>();
  const mapper = new Map<string, string>();
  let natMapLine = 0;
  const fail = (line: number, what: string): never => {
    throw new HoloclipError(`imagenet-testbed model types ${file} line ${line}: ${what}; expected imagenet-testbed's plotting/model_types.py (commit 0170eec) or a file of the same form (pass it with --model-types FILE)`);
  };
  const strip = (s: string) => s.replace(/\s+#.*$/, '').replace(/\s+$/, '');
  for (let i = 0; i < lines.length; i++) {
    const line = strip(lines[i]);
    const at = i + 1;
    if (line.trim() === '' || line.trimStart().startsWith('#') || /^(from|import)\s/.test(line)) continue;
    let m: RegExpExecArray | null;
    if ((m = CLASS_RE.exec(line))) {
      const members: string[] = [];
      while (i + 1 < lines.length) {
        const next = strip(lines[i + 1]);
        if (next.trim() === '') {
          i++;
          continue;
        }
        if (!/^\s/.test(next)) break;
        const mm = MEMBER_RE.exec(next);
        if (!mm) fail(i + 2, `cannot read the enum member ${JSON.stringify(next.trim())} of class ${m[1]}`);
        members.push((mm as RegExpExecArray)[1]);
        i++;
      }
      if (members.length === 0) fail(at, `class ${m[1]} declares no members`);
      enums.set(m[1], members);
      continue;
    }
    if ((m = DICT_OPEN_RE.exec(line))) {
      const dict = m[1];
      if (dict !== 'model_types_map' && dict !== 'mapper') fail(at, `unexpected dictionary ${dict}`);
      let closed = false;
      while (++i < lines.length) {
        const entry = strip(lines[i]);
        if (entry.trim() === '' || entry.trimStart().startsWith('#')) continue;
        if (/^\s*\}\s*$/.test(entry)) {
          closed = true;
          break;
        }
        if (dict === 'model_types_map') {
          const e = ENTRY_RE.exec(entry);
          if (!e) fail(i + 1, `cannot read the model_types_map entry ${JSON.stringify(entry.trim())}`);
          const [, q1, q2, type] = e as RegExpExecArray;
          fine.set(q1 ?? q2, { type, line: i + 1 });
        } else {
          const e = MAPPER_ENTRY_RE.exec(entry);
          if (!e) fail(i + 1, `cannot read the mapper entry ${JSON.stringify(entry.trim())}`);
          mapper.set((e as RegExpExecArray)[1], (e as RegExpExecArray)[2]);
        }
      }
      if (!closed) fail(at, `the dictionary ${dict} is not closed`);
      continue;
    }
    if ((m = FOR_RE.exec(line))) {
      const body = strip(lines[i + 1] ?? '');
      const b = FOR_BODY_RE.exec(body);
      if (!b) fail(at + 1, `cannot read the loop body ${JSON.stringify(body.trim())}`);
      const [, f1, f2, type] = b as RegExpExecArray;
      const template = f1 ?? f2;
      const placeholder = `{${m[1]}}`;
      if (template.split(placeholder).length !== 2 || /[{}]/.test(template.replace(placeholder, ''))) {
        fail(at + 1, `the f-string ${JSON.stringify(template)} must use {${m[1]}} exactly once and no other field`);
      }
      for (let k = 0; k < Number(m[2]); k++) fine.set(template.replace(placeholder, String(k)), { type, line: at + 1 });
      i++;
      continue;
    }
    if ((m = ASSIGN_RE.exec(line))) {
      fine.set(m[1] ?? m[2], { type: m[3], line: at });
      continue;
    }
    if (NAT_MAP_RE.test(line)) {
      natMapLine = at;
      continue;
    }
    fail(at, `cannot read ${JSON.stringify(line.trim())}`);
  }
  const fineTypes = enums.get('ModelTypes');
  const natTypes = enums.get('NatModelTypes');
  if (fineTypes === undefined) fail(lines.length, 'no class ModelTypes(Enum)');
  if (natTypes === undefined) fail(lines.length, 'no class NatModelTypes(Enum)');
  if (fine.size === 0) fail(lines.length, 'no model_types_map entries');
  if (natMapLine === 0) fail(lines.length, 'no nat_model_types_map = {k: mapper[v] for k, v in model_types_map.items()}');
  for (const [from, to] of mapper) {
    if (!(fineTypes as string[]).includes(from)) fail(lines.length, `mapper maps ModelTypes.${from}, which class ModelTypes does not declare`);
    if (!(natTypes as string[]).includes(to)) fail(lines.length, `mapper maps to NatModelTypes.${to}, which class NatModelTypes does not declare`);
  }
  const natType = new Map<string, string>();
  for (const [model, { type, line }] of fine) {
    if (!(fineTypes as string[]).includes(type)) fail(line, `model ${JSON.stringify(model)} has type ModelTypes.${type}, which class ModelTypes does not declare`);
    const nat = mapper.get(type);
    if (nat === undefined) fail(line, `mapper has no entry for ModelTypes.${type} (model ${JSON.stringify(model)})`);
    natType.set(model, nat as string);
  }
  return { natType, natTypes: natTypes as string[] };
}

export async function readTestbedModelTypes(file: string): Promise<TestbedModelTypes> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new HoloclipError(`cannot read imagenet-testbed model types ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseTestbedModelTypes(text, file);
}

/** The testbed's `use_for_line_fit` (with `show_in_plot`) of eff_robust_inspect_plot.py, on one model. */
export function testbedUsesForLineFit(model: string, natType: string | undefined): boolean {
  const name = model.toLowerCase();
  return natType === 'STANDARD' && !name.includes('aws') && !name.includes('batch64') && !name.includes('subsample');
}

export const TESTBED_STANDARD_RULE =
  "imagenet-testbed's line-fit set (plotting/eff_robust_inspect_plot.py use_for_line_fit, commit 0170eec): models whose " +
  "nat_model_types_map type (plotting/model_types.py) is STANDARD and whose lower-cased name contains none of 'aws', 'batch64', 'subsample'";
