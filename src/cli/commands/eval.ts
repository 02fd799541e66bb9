/**
 * `holoclip eval <task>`: one command per task of the registry, its flags made from the task's
 * options schema (the same schema as the suite's task entry), so a flag, its default and its checks
 * are written once.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import * as z from 'zod';
import { parseDatasetSpec } from '../../data/dataset-ref.js';
import { isPathValue, optionFields, type AnyTaskDefinition, type FieldMeta } from '../../tasks/definition.js';
import { TASKS, taskOfType } from '../../tasks/registry.js';
import { runTaskOnce } from '../../tasks/run-task.js';
import { resolveUserPath } from '../../util/paths.js';
import { addClassifierOptions, checkStore, addModelOptions, evalOptions, FORCE_UNLOCK_HELP, lockOutputFolder, namedPath, type ModelFlags } from '../common-options.js';
import { formatTaskSummary } from '../summary.js';

interface CliField {
  readonly key: string;
  readonly flag: string;
  readonly schema: z.ZodType;
  readonly meta: FieldMeta;
}

const kebab = (key: string) => key.replace(/_/g, '-');
const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** The command-line fields of a task: every option except prompt sets and suite-only datasets. */
function cliFields(def: AnyTaskDefinition): CliField[] {
  return optionFields(def.options).flatMap(({ key, schema, meta }): CliField[] => {
    if (meta.kind === 'prompts') return [];
    if (meta.kind === 'dataset') return meta.flag === null ? [] : [{ key, flag: meta.flag, schema, meta }];
    return [{ key, flag: meta.flag ?? kebab(key), schema, meta }];
  });
}

/** The innermost schema (under optional / default). */
function inner(schema: z.ZodType): z.ZodType {
  let s = schema;
  while (s instanceof z.ZodOptional || s instanceof z.ZodDefault) s = s.unwrap() as z.ZodType;
  return s;
}

/** A flag's text -> the field's value, checked by the field's own schema. */
function settingParser(field: CliField): (value: string) => unknown {
  const base = inner(field.schema);
  return (value: string) => {
    let candidate: unknown = value;
    if (base instanceof z.ZodNumber) candidate = value.trim() === '' ? Number.NaN : Number(value);
    else if (base instanceof z.ZodArray) {
      const element = inner(base.element as z.ZodType);
      candidate = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => (element instanceof z.ZodNumber ? Number(s) : s));
    }
    const r = field.schema.safeParse(candidate);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new InvalidArgumentError(issue?.code === 'invalid_value' && 'values' in issue ? `expected one of ${issue.values.join(', ')}` : (issue?.message ?? 'invalid value'));
    }
    return r.data;
  };
}

function addField(cmd: Command, field: CliField): void {
  const { meta, schema } = field;
  const required = !schema.safeParse(undefined).success;
  const description = ('cliDescription' in meta ? meta.cliDescription : undefined) ?? schema.description ?? '';
  if (meta.kind === 'dataset') {
    if (meta.list === 'named') {
      const opt = new Option(`--${field.flag} <name=path>`, description).argParser(namedPath).default([]);
      cmd.addOption(required ? opt.makeOptionMandatory() : opt);
    } else {
      const opt = new Option(`--${field.flag} <path>`, description);
      cmd.addOption(required ? opt.makeOptionMandatory() : opt);
    }
    return;
  }
  const arg = ('arg' in meta ? meta.arg : undefined) ?? (meta.kind === 'path' ? 'path' : 'value');
  const opt = new Option(`--${field.flag} <${arg}>`, description);
  const base = inner(schema);
  if (base instanceof z.ZodEnum) opt.choices(base.options.map(String));
  else if (meta.kind !== 'path') opt.argParser(settingParser(field));
  const fallback = schema.safeParse(undefined);
  if (fallback.success && fallback.data !== undefined) opt.default(fallback.data, Array.isArray(fallback.data) ? fallback.data.join(',') : String(fallback.data));
  cmd.addOption(required ? opt.makeOptionMandatory() : opt);
}

type Flags = ModelFlags & { out: string; forceUnlock?: boolean; allowDuplicateClasses?: boolean; classnames?: string; templates?: string; templatesKey?: string } & Record<string, unknown>;

async function runFromFlags(def: AnyTaskDefinition, flags: Flags): Promise<void> {
  const fields = cliFields(def);
  const settings: Record<string, unknown> = {};
  const data: Record<string, Array<{ name: string; ref: ReturnType<typeof parseDatasetSpec> }>> = {};
  for (const f of fields) {
    const value = flags[camel(f.flag)];
    if (f.meta.kind === 'dataset') {
      // --classnames names the classes of labelled data (and of cue-conflict folders), not of OOD sets or captions.
      const classnames = f.meta.role === 'labelled' || f.meta.role === 'cue-conflict' ? flags.classnames : undefined;
      const entries = value === undefined ? [] : Array.isArray(value) ? (value as Array<{ name: string; path: string }>) : [{ name: f.key, path: String(value) }];
      const allowDuplicateClasses = flags.allowDuplicateClasses === true;
      data[f.key] = entries.map((e) => ({ name: e.name, ref: parseDatasetSpec(e.path, { classnames, allowDuplicateClasses }) }));
    } else if (value !== undefined) {
      settings[f.key] = isPathValue(f.meta, String(value)) ? resolveUserPath(String(value)) : value;
    }
  }
  const flagOf = (key: string) => `--${fields.find((f) => f.key === key)?.flag ?? kebab(key)}`;
  const out = resolveUserPath(flags.out);
  const lock = await lockOutputFolder(out, flags);
  // A task may name the model folder's flag otherwise (`eval lmm --surrogate`).
  const modelDir = def.cli?.modelFlag ? String(flags[camel(def.cli.modelFlag.flag)]) : flags.model;
  checkStore(resolveUserPath(flags.store));
  const common = evalOptions({ ...flags, model: resolveUserPath(modelDir), store: resolveUserPath(flags.store) });
  const templates = flags.templates === undefined ? undefined : { spec: flags.templates, key: flags.templatesKey };
  const result = await runTaskOnce(def, { settings, data, templates, common, out, flagOf });
  lock.release();
  process.stdout.write(def.cli?.summary?.(result, out) ?? formatTaskSummary(result, out));
}

function registerTask(evalCmd: Command, def: AnyTaskDefinition): void {
  const cli = def.cli;
  if (!cli) return;
  const cmd = evalCmd.command(def.type).description(cli.description);
  const fields = cliFields(def);
  for (const f of fields) addField(cmd, f);
  cmd.requiredOption('--out <rundir>', cli.outputs);
  cmd.option('--force-unlock', FORCE_UNLOCK_HELP);
  const delegate = cli.delegate ? taskOfType(cli.delegate.task) : null;
  if (delegate) {
    // The delegate's own flags, optional here; its trigger flag selects it.
    for (const f of cliFields(delegate)) {
      if (fields.some((g) => g.flag === f.flag)) continue;
      addField(cmd, { ...f, schema: f.schema.optional() });
    }
  }
  if (cli.classHead) addClassifierOptions(cmd);
  addModelOptions(cmd, cli.modelFlag);
  if (cli.helpAfter) cmd.addHelpText('after', cli.helpAfter);
  cmd.action(async (flags: Flags) => {
    const target = delegate && cli.delegate && flags[camel(cli.delegate.flag)] !== undefined ? delegate : def;
    await runFromFlags(target, flags);
  });
}

/** `holoclip eval <task>` for every task of the registry that runs on one model. */
export function registerEval(evalCmd: Command): void {
  for (const def of TASKS) registerTask(evalCmd, def);
}
