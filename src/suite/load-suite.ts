/**
 * Reads a suite file and resolves it against the file system: model globs, built-in datasets, prompt
 * files, task references. Every problem is collected and reported at once, each with its place in
 * the file (`tasks[2].ood[0]`), before any benchmark is built or any image is read.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { DEFAULT_CORRUPTION_PROTOCOL, IMAGENET_C_JPEG_QUALITY } from '../corruptions/protocol.js';
import { parseCorruptions, type CorruptionSpec } from '../corruptions/catalog.js';
import { parseDatasetSpec, type DatasetRef } from '../data/dataset-spec.js';
import { datasetTypes, findDatasetType, parseTypedSpec } from '../data/dataset-types.js';
import { HoloclipError, errorMessage } from '../errors.js';
import type { DeviceChoice } from '../models/device.js';
import type { Dtype } from '../models/dtype.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../image/pixel-limit-default.js';
import type { PreprocessChoice } from '../image/preprocess-spec.js';
import { readModelCard, type ModelCard } from '../models/model-card.js';
import type { Catalog, CatalogFactors } from '../models/catalog.js';
import { inspectAnyModel, type InspectedModel } from '../models/inspect-model.js';
import { declaresDenseOutput } from '../models/dense-declaration.js';
import { DEFAULT_TEMPLATE, PLACEHOLDER, loadTemplates, type TemplateSet } from '../head/templates.js';
import type { FactorName, MetadataSource, ModelFactors } from '../results/types.js';
import { datasetFields, isPathValue, optionFields, TaskOptionError, type DatasetNeed, type ResolvedTask } from '../tasks/definition.js';
import { taskSpecOfType } from '../tasks/specs.js';
import { resolveUserPath } from '../util/paths.js';
import { builtinPaths, parseBuiltin, type BuiltinRef, type DatasetRole } from './builtins.js';
import type { OpenClipIdentity } from './catalog-models.js';
import type { z } from 'zod';
import { datasetEntrySchema, modelEntrySchema, promptSetSchema, suiteSchema, taskSchema, type DatasetEntry, type ModelEntry, type SuiteFile, type TaskEntry } from './schema.js';

/** All the problems of a suite file, one per line, each prefixed with its place in the file. */
export class SuiteError extends HoloclipError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was run:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface ResolvedModel {
  readonly name: string;
  readonly dir: string;
  readonly dtype: Dtype;
  readonly kind: 'two-tower' | 'classifier';
  /** Whether the folder declares a dense output (dense tasks skip the model otherwise). */
  readonly denseOutput: boolean;
  readonly modelType: string;
  readonly logitScale?: number;
  readonly logitBias?: number;
  /** The folder as inspected once at load time (files, family, dtype); the runner and tasks reuse it. */
  readonly inspected: InspectedModel;
  readonly card: ModelCard | null;
  readonly metadata: ModelFactors;
  readonly metadataSource: Record<FactorName, MetadataSource>;
  /** The catalogue entry behind `catalog` sources (results.json `models[].catalog`). */
  readonly catalog: { readonly entry: string; readonly exact: boolean } | null;
}

export interface ResolvedDataset {
  readonly name: string;
  /** As written in the suite. */
  readonly spec: string;
  readonly path: string;
  readonly classnames?: string;
  /** The parsed reference every later step opens (type, absolute path, class names). */
  readonly ref: DatasetRef;
  readonly builtin: BuiltinRef | null;
  /** How tasks read it (from the built-in table, or from the tasks that use a path dataset). */
  readonly role: DatasetRole;
  /** A corrupted version of the data (`corruption: NAME:SEVERITY`). */
  readonly corruption: CorruptionSpec | null;
  /** A named layout (`imagenet-r`, `objectnet`, `webdataset`, `karpathy`...) read by its adapter. */
  readonly type?: string;
  /** Where 3D corruptions find depth maps (default: next to each image), or estimate them. */
  readonly depthDir?: string;
  readonly depthModel?: string;
}

export interface ResolvedPromptSet {
  readonly name: string;
  readonly set: TemplateSet;
}

export type { ResolvedTask };

export interface ResolvedSuite {
  readonly file: string;
  readonly dir: string;
  readonly sha256: string;
  readonly name: string;
  readonly description: string | null;
  readonly store: string;
  readonly out: string;
  readonly benchmarksDir: string;
  readonly batchSize: number;
  /** The suite's `preprocess` (default auto); `holoclip run --preprocess` overrides it. */
  readonly preprocess: PreprocessChoice;
  /** The suite's `device` (default cpu); `holoclip run --device` overrides it. */
  readonly device: DeviceChoice;
  /** The suite's `max_image_pixels` (default Pillow's 89,478,485; 0: none); `holoclip run --max-image-pixels` overrides it. */
  readonly maxImagePixels: number;
  readonly reference: string;
  readonly models: readonly ResolvedModel[];
  readonly datasets: ReadonlyMap<string, ResolvedDataset>;
  readonly prompts: ReadonlyMap<string, ResolvedPromptSet>;
  /** The prompt set tasks use when they name none. */
  readonly defaultPrompts: string;
  readonly tasks: readonly ResolvedTask[];
  /** Built-in benchmarks the suite uses (built before the run). */
  readonly benchmarks: readonly string[];
}

export interface LoadSuiteOptions {
  /** Overrides of the suite's store / out / benchmarks folder (CLI flags), relative to the cwd. */
  readonly store?: string;
  readonly out?: string;
  readonly benchmarksDir?: string;
}

/** The datasets a task reads, with the role each one must play and where they are named in the entry. */
export function taskDatasets(task: ResolvedTask): Array<{ name: string; role: DatasetNeed; where: string }> {
  const settings = task.settings as Record<string, unknown>;
  return datasetFields(taskSpecOfType(task.type).options).flatMap((f) => {
    const v = settings[f.key];
    if (v === undefined) return [];
    return Array.isArray(v) ? v.map((name, i) => ({ name: String(name), role: f.meta.role, where: `${f.key}[${i}]` })) : [{ name: String(v), role: f.meta.role, where: f.key }];
  });
}

const ROLE_DESCRIPTION: Record<DatasetRole, string> = {
  labelled: 'a labelled dataset',
  unlabelled: 'an unlabelled image folder',
  'cue-conflict': 'a cue-conflict folder',
  captions: 'a caption manifest',
  correspondence: 'an image-pair dataset (spair-71k, navi or scannet-pairs)',
};

/** Whether a dataset of `role` can serve where a task needs `need`. */
function roleFits(role: DatasetRole, need: DatasetNeed): boolean {
  if (need === 'images') return role !== 'captions' && role !== 'correspondence';
  return role === need;
}

function formatIssuePath(p: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of p) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out === '' ? '(top level)' : out;
}

async function isDirectory(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

const FACTOR_KEYS = ['architecture', 'training_data', 'training_size', 'loss', 'fine_tuned'] as const;

/** A fine_tuned given as text ("cross-entropy on ...", the catalogue's "MSCOCO") means true. */
function factorValue(key: (typeof FACTOR_KEYS)[number], v: string | number | boolean): string | number | boolean {
  return key === 'fine_tuned' && typeof v === 'string' ? v.trim() !== '' && v !== 'false' : v;
}

/**
 * Suite metadata wins over the model card, and the card over the model catalogue (`fromCatalog`: what the
 * catalogue knows of the checkpoint the card names).
 */
export function resolveFactors(
  entry: Pick<ModelEntry, (typeof FACTOR_KEYS)[number] | 'dtype'>,
  card: ModelCard | null,
  dtype: Dtype,
  fromCatalog: CatalogFactors | null = null,
): { metadata: ModelFactors; source: Record<FactorName, MetadataSource> } {
  const metadata: ModelFactors = { architecture: null, training_data: null, training_size: null, loss: null, fine_tuned: null, dtype };
  const source = { dtype: entry.dtype ? 'suite' : 'default' } as Record<FactorName, MetadataSource>;
  for (const key of FACTOR_KEYS) {
    const fromSuite = entry[key];
    const fromCard = card?.[key];
    const fromCat = fromCatalog?.factors[key];
    const set = (v: string | number | boolean, from: MetadataSource): void => {
      (metadata as unknown as Record<string, unknown>)[key] = factorValue(key, v);
      source[key] = from;
    };
    if (fromSuite !== undefined) set(fromSuite, 'suite');
    else if (fromCard !== undefined) set(fromCard, 'card');
    else if (fromCat !== undefined) set(fromCat.value, 'catalog');
    else source[key] = 'unknown';
  }
  return { metadata, source };
}

async function resolveModels(suite: SuiteFile, positions: readonly number[], dir: string, problems: string[]): Promise<ResolvedModel[]> {
  const models: ResolvedModel[] = [];
  // The catalogue, and the code that reads and matches it, is loaded only when a suite entry or a card names an
  // open_clip checkpoint.
  let catalog: Promise<Catalog> | undefined;
  const catalogCode = () => import('../models/catalog.js');
  const catalogModels = () => import('./catalog-models.js');
  const getCatalog = (): Promise<Catalog> => (catalog ??= catalogCode().then((m) => m.readCatalog()));
  for (const [k, entry] of suite.models.entries()) {
    const i = positions[k];
    const where = `models[${i}].path`;
    const pattern = resolveUserPath(entry.path, dir);
    let named: OpenClipIdentity | null = null;
    if (entry.catalog !== undefined) {
      const { missingFolderProblem, resolveCatalogRef } = await catalogModels();
      try {
        const ref = resolveCatalogRef(await getCatalog(), entry.catalog);
        if ('error' in ref) {
          problems.push(`models[${i}].catalog: ${ref.error}`);
          continue;
        }
        named = ref.identity;
      } catch (err) {
        problems.push(`models[${i}].catalog: ${errorMessage(err)}`);
        continue;
      }
      if (/[*?[\]{}]/.test(entry.path)) {
        problems.push(`${where}: "${entry.path}" is a glob, but a catalog model is exported into one folder; give its folder`);
        continue;
      }
      if (!(await isDirectory(pattern))) {
        problems.push(`${where}: ${missingFolderProblem(named, pattern)}`);
        continue;
      }
    }
    let dirs: string[];
    if (/[*?[\]{}]/.test(entry.path)) {
      // The glob library is loaded for a glob only (most suites name their folders).
      const { glob } = await import('tinyglobby');
      const matches = await glob(path.relative(dir, pattern).split(path.sep).join('/'), { cwd: dir, onlyDirectories: true, absolute: true, expandDirectories: false });
      // (a `~/` pattern is resolved to an absolute one first, so globs under the home folder work too)
      dirs = matches.map((m) => m.replace(/[\\/]+$/, '')).sort();
      if (dirs.length === 0) {
        problems.push(`${where}: "${entry.path}" matches no folder (relative to ${dir})`);
        continue;
      }
      if (entry.name && dirs.length > 1) problems.push(`models[${i}].name: "${entry.name}" names one model but "${entry.path}" matches ${dirs.length} folders`);
      // A glob picks model folders only: a README or a stray folder is not an error.
      const usable: string[] = [];
      for (const d of dirs) if (await exists(path.join(d, 'config.json'))) usable.push(d);
      dirs = usable;
      if (dirs.length === 0) problems.push(`${where}: "${entry.path}" matches folders, but none holds a config.json model`);
    } else {
      if (!(await isDirectory(pattern))) {
        problems.push(`${where}: model folder ${pattern} does not exist`);
        continue;
      }
      dirs = [pattern];
    }
    const dtype = entry.dtype ?? 'fp32';
    for (const d of dirs) {
      try {
        const inspected = await inspectAnyModel(d, dtype);
        const cardFile = inspected.folder.files.modelCard;
        const card = cardFile ? await readModelCard(cardFile) : null;
        if (named !== null) {
          const mismatch = (await catalogModels()).cardIdentityProblem(named, card, d);
          if (mismatch !== null) {
            problems.push(`models[${i}].catalog: ${mismatch}`);
            continue;
          }
        }
        const fromCatalog: CatalogFactors | null = card?.open_clip ? (await catalogCode()).catalogFactors(await getCatalog(), card.open_clip) : null;
        const { metadata, source } = resolveFactors(entry, card, dtype, fromCatalog);
        models.push({
          name: entry.name ?? path.basename(d),
          dir: d,
          dtype,
          kind: inspected.kind,
          denseOutput: await declaresDenseOutput(d),
          modelType: inspected.kind === 'classifier' ? 'holoclip-classifier' : inspected.folder.family.modelType,
          logitScale: entry.logit_scale,
          logitBias: entry.logit_bias,
          inspected,
          card,
          metadata,
          metadataSource: source,
          catalog: fromCatalog !== null && Object.values(source).includes('catalog') ? { entry: fromCatalog.entry.name, exact: fromCatalog.exact } : null,
        });
      } catch (err) {
        problems.push(`${where}: ${errorMessage(err)}`);
      }
    }
  }
  const seen = new Map<string, string>();
  for (const m of models) {
    const other = seen.get(m.name);
    if (other) problems.push(`models: two models are named "${m.name}" (${other} and ${m.dir}); give one a name:`);
    seen.set(m.name, m.dir);
  }
  return models;
}

function resolveDatasets(suite: SuiteFile, dir: string, benchmarksDir: string, roles: Map<string, DatasetRole>, problems: string[]): Map<string, ResolvedDataset> {
  const out = new Map<string, ResolvedDataset>();
  for (const [name, entry] of Object.entries(suite.datasets) as Array<[string, DatasetEntry]>) {
    const spec = typeof entry === 'string' ? entry : entry.path;
    const builtin = parseBuiltin(spec);
    if (builtin && 'error' in builtin) {
      problems.push(`datasets.${name}: ${builtin.error}`);
      continue;
    }
    let corruption: CorruptionSpec | null = null;
    if (typeof entry !== 'string' && entry.corruption) {
      try {
        const protocol = {
          geometry: entry.corruption_geometry ?? DEFAULT_CORRUPTION_PROTOCOL.geometry,
          jpegQuality: entry.corruption_jpeg === true ? IMAGENET_C_JPEG_QUALITY : DEFAULT_CORRUPTION_PROTOCOL.jpegQuality,
        };
        corruption = parseCorruptions(entry.corruption, entry.corruption_seed ?? 0, protocol)[0];
      } catch (err) {
        problems.push(`datasets.${name}.corruption: ${errorMessage(err)}`);
      }
    }
    const allowDuplicateClasses = typeof entry !== 'string' && entry.allow_duplicate_classes === true;
    const depthDir = typeof entry !== 'string' && entry.depth_dir ? resolveUserPath(entry.depth_dir, dir) : undefined;
    const depthModel = typeof entry !== 'string' && entry.depth_model ? resolveUserPath(entry.depth_model, dir) : undefined;
    if (builtin) {
      const p = builtinPaths(builtin, benchmarksDir);
      const classnames = typeof entry !== 'string' && entry.classnames ? resolveUserPath(entry.classnames, dir) : p.classnames;
      const ref = parseDatasetSpec(p.path, { classnames, allowDuplicateClasses });
      out.set(name, { name, spec, path: p.path, classnames, ref, builtin, role: builtin.info.role, corruption, depthDir, depthModel });
      continue;
    }
    const classnames = typeof entry === 'string' || entry.classnames === undefined ? undefined : resolveUserPath(entry.classnames, dir);
    // A named layout: `TYPE:PATH`, or `{ type, path }`.
    const typed = typeof entry !== 'string' && entry.type ? { type: entry.type, path: entry.path } : parseTypedSpec(spec);
    if (typed) {
      const known = findDatasetType(typed.type);
      if (!known) {
        problems.push(`datasets.${name}.type: unknown dataset type "${typed.type}" (types: ${datasetTypes().map((t) => t.name).join(', ')})`);
        continue;
      }
      const ref = parseDatasetSpec(typed.path, { base: dir, type: typed.type, classnames, allowDuplicateClasses });
      out.set(name, { name, spec, path: ref.path, classnames, ref, builtin: null, role: known.role, corruption, depthDir, depthModel, type: typed.type });
      continue;
    }
    const ref = parseDatasetSpec(spec, { base: dir, classnames, allowDuplicateClasses });
    out.set(name, { name, spec, path: ref.path, classnames, ref, builtin: null, role: roles.get(name) ?? 'labelled', corruption, depthDir, depthModel });
  }
  return out;
}

async function checkPathDatasets(datasets: Map<string, ResolvedDataset>, problems: string[]): Promise<void> {
  for (const d of datasets.values()) {
    if (d.builtin) continue;
    if (!(await exists(d.path))) problems.push(`datasets.${d.name}: ${d.path} does not exist`);
    else if (d.role === 'captions' && !d.type && !d.path.endsWith('.jsonl')) problems.push(`datasets.${d.name}: a retrieval dataset must be a .jsonl caption manifest ({"path", "captions"} per line), got ${d.path}`);
    else if ((d.role === 'unlabelled' || d.role === 'cue-conflict') && !(await isDirectory(d.path))) problems.push(`datasets.${d.name}: ${d.path} must be a folder of images`);
    if (d.classnames && !(await exists(d.classnames))) problems.push(`datasets.${d.name}.classnames: ${d.classnames} does not exist`);
  }
}

async function resolvePrompts(suite: SuiteFile, dir: string, problems: string[]): Promise<Map<string, ResolvedPromptSet>> {
  const out = new Map<string, ResolvedPromptSet>();
  for (const [name, entry] of Object.entries(suite.prompts ?? {})) {
    const where = `prompts.${name}`;
    try {
      let set: TemplateSet;
      if (Array.isArray(entry) || entry.templates) {
        const templates = Array.isArray(entry) ? entry : (entry.templates ?? []);
        if (!Array.isArray(entry) && (entry.file || entry.key)) throw new HoloclipError('give either templates or file (+ key), not both');
        const bad = templates.findIndex((t) => !t.includes(PLACEHOLDER));
        if (bad >= 0) throw new HoloclipError(`template ${bad} "${templates[bad]}" has no ${PLACEHOLDER} placeholder for the class name`);
        set = { templates: [...templates], source: `suite prompt set "${name}"` };
      } else if (entry.file) {
        set = await loadTemplates(resolveUserPath(entry.file, dir), entry.key);
      } else {
        throw new HoloclipError('give templates (a list) or a file');
      }
      out.set(name, { name, set });
    } catch (err) {
      problems.push(`${where}: ${errorMessage(err)}`);
    }
  }
  return out;
}

function schemaProblems(issues: readonly z.core.$ZodIssue[], prefix: ReadonlyArray<PropertyKey> = []): string[] {
  return issues.map((issue) => {
    const where = formatIssuePath([...prefix, ...issue.path]);
    if (issue.code === 'unrecognized_keys') {
      const hint = prefix.length + issue.path.length === 0 ? ` (a key that only holds YAML anchors for \`<<\` merges must start with "${EXTENSION_KEY_PREFIX}", e.g. "${EXTENSION_KEY_PREFIX}${issue.keys[0]}"; such keys are ignored)` : '';
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${hint}`;
    }
    if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) return `${where}: missing (required, ${issue.expected})`;
    return `${where}: ${issue.message}`;
  });
}

/** Where each kept model / task entry stands in the file (entries that failed validation are left out). */
interface Positions {
  models: number[];
  tasks: number[];
}

/**
 * Validates the whole file, and when it is invalid keeps the entries that are valid on their own, so
 * that the checks against the file system and between entries (a missing model folder, a task naming
 * a dataset that does not exist) still run and every problem is reported in one go. Returns null
 * when not even that is possible (the file is not a mapping).
 */
function parseLeniently(raw: unknown, problems: string[], positions: Positions): SuiteFile | null {
  const full = suiteSchema.safeParse(raw);
  if (full.success) {
    positions.models.push(...full.data.models.map((_, i) => i));
    positions.tasks.push(...full.data.tasks.map((_, i) => i));
    return full.data;
  }
  problems.push(...schemaProblems(full.error.issues));
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
  const o = raw as Record<string, unknown>;
  // An entry whose only fault is an unknown key is checked further without that key.
  const valid = <T>(schema: z.ZodType<T>, value: unknown): T | undefined => {
    const r = schema.safeParse(value);
    if (r.success) return r.data;
    const unknown = r.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' && i.path.length === 0 ? i.keys : []));
    if (unknown.length === 0 || !value || typeof value !== 'object') return undefined;
    const stripped = Object.fromEntries(Object.entries(value).filter(([k]) => !unknown.includes(k)));
    const again = schema.safeParse(stripped);
    return again.success ? again.data : undefined;
  };
  const list = <T>(schema: z.ZodType<T>, value: unknown, index: number[]): T[] => {
    const out: T[] = [];
    if (Array.isArray(value)) {
      value.forEach((v, i) => {
        const ok = valid(schema, v);
        if (ok !== undefined) {
          out.push(ok);
          index.push(i);
        }
      });
    }
    return out;
  };
  const record = <T>(schema: z.ZodType<T>, value: unknown): Record<string, T> => {
    const out: Record<string, T> = {};
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [k, v] of Object.entries(value)) {
        const ok = valid(schema, v);
        if (ok !== undefined) out[k] = ok;
      }
    }
    return out;
  };
  return {
    name: typeof o.name === 'string' && o.name !== '' ? o.name : 'suite',
    reference: typeof o.reference === 'string' ? o.reference : undefined,
    models: list(modelEntrySchema, o.models, positions.models),
    datasets: record(datasetEntrySchema, o.datasets),
    prompts: record(promptSetSchema, o.prompts),
    tasks: list(taskSchema, o.tasks, positions.tasks),
  };
}

/** Dataset names the file declares, valid or not (an invalid one has its own problem already). */
function declaredDatasets(raw: unknown): Set<string> {
  const d = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>).datasets : undefined;
  return new Set(d && typeof d === 'object' && !Array.isArray(d) ? Object.keys(d) : []);
}

/**
 * Task entries -> resolved tasks: the id (the suite's, or its type; "-2", "-3"... for repeated types),
 * the entry as written (for results.json and unit keys), and the typed settings (defaults applied,
 * paths resolved against the suite file, then the task's own `resolveSettings`).
 */
function resolveTasks(entries: readonly TaskEntry[], rawTasks: unknown, positions: readonly number[], dir: string, problems: Map<number, string[]>): ResolvedTask[] {
  const count = new Map<string, number>();
  const raw = Array.isArray(rawTasks) ? rawTasks : [];
  return entries.map((entry, k) => {
    const def = taskSpecOfType(entry.type);
    const written = (raw[positions[k]] ?? {}) as Record<string, unknown>;
    let id = entry.id;
    if (!id) {
      const n = (count.get(entry.type) ?? 0) + 1;
      count.set(entry.type, n);
      id = n === 1 ? entry.type : `${entry.type}-${n}`;
    }
    const config: Record<string, unknown> = {};
    const parsed: Record<string, unknown> = {};
    for (const f of optionFields(def.options)) {
      const value = entry[f.key];
      if (f.key in written) config[f.key] = value;
      if (value === undefined) continue;
      parsed[f.key] = typeof value === 'string' && isPathValue(f.meta, value) ? resolveUserPath(value, dir) : value;
    }
    let settings: unknown = parsed;
    try {
      settings = def.resolveSettings ? def.resolveSettings(parsed) : parsed;
    } catch (err) {
      const where = err instanceof TaskOptionError && err.where !== '' ? `.${err.where}` : '';
      problems.set(k, [`tasks[${positions[k]}]${where}: ${errorMessage(err)}`]);
    }
    return { id, type: entry.type, config, settings };
  });
}

function checkTasks(tasks: readonly ResolvedTask[], positions: readonly number[], declared: ReadonlySet<string>, datasets: Map<string, ResolvedDataset>, promptNames: ReadonlySet<string>, models: readonly ResolvedModel[], resolveProblems: ReadonlyMap<number, string[]>, problems: string[]): void {
  const ids = new Map<string, number>();
  const planModels = models.map((m) => ({ name: m.name, kind: m.kind, denseOutput: m.denseOutput }));
  tasks.forEach((task, k) => {
    const i = positions[k];
    const at = `tasks[${i}]`;
    const def = taskSpecOfType(task.type);
    const prev = ids.get(task.id);
    if (prev !== undefined) problems.push(`${at}.id: "${task.id}" is also the id of tasks[${prev}]; task ids must be unique`);
    ids.set(task.id, i);
    for (const ref of taskDatasets(task)) {
      const d = datasets.get(ref.name);
      if (!d) {
        if (!declared.has(ref.name)) problems.push(`${at}.${ref.where}: no dataset named "${ref.name}" (datasets: ${[...declared].join(', ') || 'none'})`);
        continue;
      }
      if (!roleFits(d.role, ref.role)) {
        const need = ref.role === 'images' ? 'an image folder' : ref.role === 'labelled' ? 'a labelled dataset (ImageFolder or .jsonl manifest)' : ref.role === 'captions' ? 'a caption manifest' : ref.role === 'correspondence' ? 'an image-pair dataset (spair-71k:PATH, navi:PATH, scannet-pairs:PATH or emoji-correspondence/pairs)' : 'a cue-conflict folder';
        problems.push(`${at}.${ref.where}: "${ref.name}" (${d.spec}) is ${ROLE_DESCRIPTION[d.role]}, but ${task.type} needs ${need} here`);
      }
    }
    const promptRefs = (task.settings as { prompts?: string | string[] }).prompts;
    for (const p of promptRefs === undefined ? [] : Array.isArray(promptRefs) ? promptRefs : [promptRefs]) {
      if (!promptNames.has(p)) problems.push(`${at}.prompts: no prompt set named "${p}" (prompt sets: ${[...promptNames].join(', ') || 'none'})`);
    }
    const failed = resolveProblems.get(k);
    if (failed) {
      problems.push(...failed);
      return;
    }
    const env = { models: planModels, isCorrupted: (name: string) => datasets.get(name)?.corruption != null };
    for (const p of def.check?.(task.settings, task.config, env) ?? []) problems.push(`${at}${p.where === '' ? '' : `.${p.where}`}: ${p.message}`);
  });
}

/** Top-level keys starting with this are ignored: a place for YAML anchors that `<<` merge keys reuse. */
export const EXTENSION_KEY_PREFIX = 'x-';

/**
 * The yaml library's guard against alias bombs (`maxAliasCount`): resolving stops when, for one anchor, its uses
 * times the aliases nested inside it exceed this. Ordinary suites stay far below it.
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * YAML text -> plain value. `<<` merge keys work (YAML 1.1 merge), top-level `x-` keys are dropped (anchors
 * live there), and an alias bomb is a SuiteError naming the limit, not an unexpected error.
 */
export function parseSuiteYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) throw new SuiteError(file, doc.errors.map((e) => `YAML: ${e.message.split('\n')[0]}`));
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    if (/alias count/i.test(errorMessage(err))) {
      throw new SuiteError(file, [
        `YAML: its aliases (*name) expand too far: the yaml library stops at maxAliasCount ${MAX_ALIAS_COUNT} (uses of one anchor x the aliases nested inside it), a guard against "billion laughs" alias bombs; write the repeated parts out or nest fewer aliases`,
      ]);
    }
    throw new SuiteError(file, [`YAML: ${errorMessage(err).split('\n')[0]}`]);
  }
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    raw = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith(EXTENSION_KEY_PREFIX)));
  }
  return raw;
}

/**
 * Parse, validate and resolve a suite file. Throws SuiteError with every problem found; throws
 * nothing else for problems in the file.
 */
export async function loadSuite(fileArg: string, options: LoadSuiteOptions = {}): Promise<ResolvedSuite> {
  const file = resolveUserPath(fileArg);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new HoloclipError(`cannot read suite file ${file}: ${errorMessage(err)}`);
  }
  const raw = parseSuiteYaml(text, file);
  const problems: string[] = [];
  const positions: Positions = { models: [], tasks: [] };
  const suite = parseLeniently(raw, problems, positions);
  if (!suite) throw new SuiteError(file, problems);
  const dir = path.dirname(file);
  const benchmarksDir = resolveUserPath(options.benchmarksDir ?? suite.benchmarks_dir ?? path.join('.holoclip', 'benchmarks'));

  // A path dataset's role comes from the tasks that read it (first use wins; conflicts are reported).
  const resolveProblems = new Map<number, string[]>();
  const tasks = resolveTasks(suite.tasks as TaskEntry[], (raw as Record<string, unknown>).tasks, positions.tasks, dir, resolveProblems);
  const roles = new Map<string, DatasetRole>();
  for (const t of tasks) for (const ref of taskDatasets(t)) if (!roles.has(ref.name)) roles.set(ref.name, ref.role === 'images' ? 'unlabelled' : ref.role);

  const models = await resolveModels(suite, positions.models, dir, problems);
  const datasets = resolveDatasets(suite, dir, benchmarksDir, roles, problems);
  await checkPathDatasets(datasets, problems);
  const prompts = await resolvePrompts(suite, dir, problems);
  let defaultPrompts = prompts.keys().next().value as string | undefined;
  if (defaultPrompts === undefined) {
    defaultPrompts = 'default';
    prompts.set('default', { name: 'default', set: { templates: [DEFAULT_TEMPLATE], source: 'default' } });
  }
  checkTasks(tasks, positions.tasks, declaredDatasets(raw), datasets, new Set(prompts.keys()), models, resolveProblems, problems);
  const reference = suite.reference ?? models[0]?.name ?? '';
  if (suite.reference && !models.some((m) => m.name === suite.reference)) problems.push(`reference: no model named "${suite.reference}" (models: ${models.map((m) => m.name).join(', ')})`);
  const used = new Set(tasks.flatMap((t) => taskDatasets(t).map((r) => r.name)));
  if (problems.length > 0) throw new SuiteError(file, problems);

  const benchmarks = [...new Set([...datasets.values()].filter((d) => d.builtin && used.has(d.name)).map((d) => d.builtin!.benchmark))].sort();
  return {
    file,
    dir,
    sha256: createHash('sha256').update(text).digest('hex'),
    name: suite.name,
    description: suite.description ?? null,
    store: resolveUserPath(options.store ?? suite.store ?? '.holoclip'),
    out: resolveUserPath(options.out ?? suite.out ?? path.join('runs', suite.name)),
    benchmarksDir,
    batchSize: suite.batch_size ?? 32,
    preprocess: suite.preprocess ?? 'auto',
    device: suite.device ?? 'cpu',
    maxImagePixels: suite.max_image_pixels ?? DEFAULT_MAX_IMAGE_PIXELS,
    reference,
    models,
    datasets,
    prompts,
    defaultPrompts,
    tasks,
    benchmarks,
  };
}

