/**
 * What a task is, in one place. Every task folder (`src/tasks/<name>/`) exports ONE `TaskDefinition`;
 * `registry.ts` lists them, and every layer loops over that list:
 *
 * - the options schema (zod, with defaults) is the single source of the suite's task entry, of the
 *   JSON Schema (`suites/suite.schema.json`) and of the `holoclip eval <task>` flags;
 * - `datasetField` / `datasetListField` declare the datasets the task reads and the role each plays
 *   (a suite names them; the command line gives paths);
 * - `check` adds the task's own suite checks, `plan` expands it into work units, `run` computes one
 *   unit from cached embeddings, `aggregate` turns typed unit results into `results.json` rows, and
 *   `report` owns its report section, summary columns and key metrics.
 *
 * Each task folder keeps what suite validation and planning read (type, options, settings, checks, plan) in
 * `spec.ts` (`defineTaskSpec`, listed by specs.ts) and spreads it into its definition in `index.ts`.
 *
 * Adding a task is one folder plus one line in registry.ts and one in specs.ts (docs/architecture.md walks
 * through an example).
 */
import * as z from 'zod';
import { HoloclipError } from '../errors.js';
import type { CorruptionSpec } from '../corruptions/catalog.js';
import type { CaptionDataset, Dataset } from '../data/index.js';
import type { CorrespondencePairs } from '../data/correspondence-pairs.js';
import type { DatasetRole } from '../data/types.js';
import type { TemplateSet } from '../head/templates.js';
import type { ReportContribution } from '../report/kit/contribution.js';
import type { ModelKind, ResultRow, SkippedUnit } from '../results/types.js';
import type { EvalContext } from './eval-context.js';
import type { ResultEnvelope } from './result-envelope.js';

export type { DatasetRole };
/** What a task needs from a dataset: a role, or `images` (any image set, labelled or not: OOD sets). */
export type DatasetNeed = DatasetRole | 'images';

/**
 * Metadata of one option field, kept in holoclip's own zod registry (so the JSON Schema stays plain).
 * A field without metadata is a setting whose flag is its key in kebab case.
 */
export type FieldMeta =
  | {
      readonly kind: 'dataset';
      readonly role: DatasetNeed;
      /** The command-line flag (without `--`); null: suite only. */
      readonly flag: string | null;
      /** A list of datasets in a suite. On the command line: one path (`single`) or repeated NAME=PATH (`named`). */
      readonly list: false | 'single' | 'named';
      readonly cliDescription: string;
    }
  | { readonly kind: 'prompts'; readonly list: boolean }
  | {
      readonly kind: 'path';
      readonly flag?: string;
      readonly cliDescription?: string;
      readonly arg?: string;
      /** Built-in names accepted instead of a path (e.g. `alexnet`): kept as given, never resolved as a path. */
      readonly names?: readonly string[];
    }
  | { readonly kind: 'setting'; readonly flag?: string; readonly cliDescription?: string; readonly arg?: string };

export const fieldMeta = z.registry<FieldMeta>();

/** A suite name: letters, digits, ".", "_", "-". */
export const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a name: letters, digits, ".", "_", "-" (no spaces or slashes)');
const nonEmpty = z.string().min(1);

/** One dataset the task reads: a dataset name in a suite, a path (`--flag PATH`, or TYPE:PATH) on the command line. */
export function datasetField(o: { role: DatasetNeed; flag: string | null; description: string; cliDescription?: string }) {
  return nameSchema.describe(o.description).register(fieldMeta, { kind: 'dataset', role: o.role, flag: o.flag, list: false, cliDescription: o.cliDescription ?? o.description });
}

/** Like {@link datasetField}, optional. */
export function optionalDatasetField(o: { role: DatasetNeed; flag: string | null; description: string; cliDescription?: string }) {
  return nameSchema.optional().describe(o.description).register(fieldMeta, { kind: 'dataset', role: o.role, flag: o.flag, list: false, cliDescription: o.cliDescription ?? o.description });
}

/** Several datasets (a list of names in a suite). `cli`: one `--flag PATH`, or repeated `--flag NAME=PATH`. */
export function datasetListField(o: { role: DatasetNeed; flag: string | null; cli: 'single' | 'named'; description: string; cliDescription?: string }) {
  return z.array(nameSchema).min(1).describe(o.description).register(fieldMeta, { kind: 'dataset', role: o.role, flag: o.flag, list: o.cli, cliDescription: o.cliDescription ?? o.description });
}

/** Like {@link datasetListField}, optional. */
export function optionalDatasetListField(o: { role: DatasetNeed; flag: string | null; cli: 'single' | 'named'; description: string; cliDescription?: string }) {
  return z.array(nameSchema).min(1).optional().describe(o.description).register(fieldMeta, { kind: 'dataset', role: o.role, flag: o.flag, list: o.cli, cliDescription: o.cliDescription ?? o.description });
}

/** The prompt set(s) the task's class head uses (suites only; the command line has --templates). */
export function promptsField(list: false): z.ZodOptional<z.ZodString>;
export function promptsField(list: true): z.ZodOptional<z.ZodArray<z.ZodString>>;
export function promptsField(list: boolean): z.ZodOptional<z.ZodString> | z.ZodOptional<z.ZodArray<z.ZodString>> {
  if (list) return z.array(nameSchema).min(1).optional().describe('prompt sets to compare (default: the first one)').register(fieldMeta, { kind: 'prompts', list: true });
  return nameSchema.optional().describe('prompt set name (default: the first prompt set, or "a photo of a {c}.")').register(fieldMeta, { kind: 'prompts', list: false });
}

/** A file or folder the task reads: relative to the suite file in a suite, to the working directory on the command line; `~` is the home folder. */
export function pathField(o: { description: string; flag?: string; cliDescription?: string; arg?: string }) {
  return nonEmpty.describe(o.description).register(fieldMeta, { kind: 'path', flag: o.flag, cliDescription: o.cliDescription, arg: o.arg });
}

/** Like {@link pathField}, optional; `names` are built-in values accepted instead of a path (kept as given). */
export function optionalPathField(o: { description: string; flag?: string; cliDescription?: string; arg?: string; names?: readonly string[] }) {
  return nonEmpty.optional().describe(o.description).register(fieldMeta, { kind: 'path', flag: o.flag, cliDescription: o.cliDescription, arg: o.arg, names: o.names });
}

/** Whether a path field's value is to be resolved as a path (it is not one of the field's built-in names). */
export function isPathValue(meta: FieldMeta, value: string): boolean {
  return meta.kind === 'path' && !(meta.names ?? []).includes(value);
}

/** A setting with a flag name or help text that differs from the suite key's. */
export function setting<T extends z.ZodType>(schema: T, o: { flag?: string; cliDescription?: string; arg?: string }): T {
  fieldMeta.add(schema, { kind: 'setting', ...o });
  return schema;
}

/** Every option field of a task with its metadata, in the schema's key order. */
export function optionFields(options: z.ZodObject<z.ZodRawShape>): Array<{ key: string; schema: z.ZodType; meta: FieldMeta }> {
  return Object.entries(options.shape as Record<string, z.ZodType>).map(([key, schema]) => ({ key, schema, meta: fieldMeta.get(schema) ?? { kind: 'setting' } }));
}

/** The dataset fields of a task (`kind: 'dataset'`), in key order. */
export function datasetFields(options: z.ZodObject<z.ZodRawShape>): Array<{ key: string; meta: Extract<FieldMeta, { kind: 'dataset' }>; required: boolean }> {
  return optionFields(options).flatMap((f) => (f.meta.kind === 'dataset' ? [{ key: f.key, meta: f.meta, required: !f.schema.safeParse(undefined).success }] : []));
}

// ---------------------------------------------------------------------------------------------------
// Running a task

/** A dataset opened for a task: its images, and for a caption dataset its captions. */
export interface OpenedData {
  /** The suite's dataset name, or the command line's NAME (NAME=PATH) / the flag's name. */
  readonly name: string;
  readonly dataset: Dataset;
  readonly captions?: CaptionDataset;
  /** An image-pair dataset's pairs: keypoints or geometric (correspondence). */
  readonly pairs?: CorrespondencePairs;
  /** A suite dataset's `depth_dir` / `depth_model` (3D corruptions), absolute. */
  readonly depthDir?: string;
  readonly depthModel?: string;
}

/** The datasets of one task run, by option key. */
export class TaskData {
  constructor(private readonly byKey: ReadonlyMap<string, readonly OpenedData[]>) {}

  /** The dataset of a required single-dataset field. */
  one(key: string): OpenedData {
    const d = this.byKey.get(key)?.[0];
    if (!d) throw new Error(`internal: no dataset for "${key}"`);
    return d;
  }

  /** The dataset of an optional single-dataset field. */
  maybe(key: string): OpenedData | undefined {
    return this.byKey.get(key)?.[0];
  }

  /** The datasets of a list field (empty when not given). */
  list(key: string): readonly OpenedData[] {
    return this.byKey.get(key) ?? [];
  }

  /** The first dataset of the first dataset field: the one whose shipped templates the task uses. */
  primary(): OpenedData | undefined {
    for (const list of this.byKey.values()) if (list.length > 0) return list[0];
    return undefined;
  }
}

/** Everything one run of a task reads; resolved before, passed down typed. */
export interface TaskInput<S> {
  /** The task's options with defaults, paths resolved (absolute). */
  readonly settings: S;
  readonly data: TaskData;
  /** The template set of the class head (a suite's prompt set, --templates, the dataset's own, or the default). */
  readonly templates: TemplateSet;
  readonly context: EvalContext;
  /** The run directory the task writes into (result.json last). */
  readonly out: string;
  readonly warn: (message: string) => void;
}

// ---------------------------------------------------------------------------------------------------
// Suites: checks, plan, aggregation

/** A suite task after validation: its id, the options as written (for results.json and unit keys), and typed settings. */
export interface ResolvedTask<S = unknown> {
  readonly id: string;
  readonly type: string;
  /** The entry as written in the suite file, without type and id, in schema key order. */
  readonly config: Readonly<Record<string, unknown>>;
  /** The options with defaults applied and paths resolved against the suite file. */
  readonly settings: S;
}

export interface PlanModel {
  readonly name: string;
  readonly kind: ModelKind;
  /** Whether the model folder declares a dense output (holoclip.json / config.json `dense`). */
  readonly denseOutput: boolean;
}

/** A problem found in a task entry: where (relative to the entry, e.g. "shifts[1]") and what. */
export interface TaskProblem {
  readonly where: string;
  readonly message: string;
}

/** What a task's suite check can see besides its own entry. */
export interface CheckEnv {
  readonly models: readonly PlanModel[];
  /** Whether a suite dataset is a corrupted version (`corruption:`). */
  isCorrupted(dataset: string): boolean;
}

/**
 * A metric unit: a result folder in the store, computed by `computedBy`'s `run` for one model. Units
 * with the same id are computed once (zero-shot units are shared by zero-shot and ER tasks).
 */
export interface MetricUnit {
  readonly id: string;
  readonly model: string;
  /** The task type whose `run` computes the unit. */
  readonly computedBy: string;
  /** The suite task it belongs to (null for shared units, e.g. zero-shot accuracy of one dataset). */
  readonly task: ResolvedTask | null;
  /** Settings passed to `run`. */
  readonly settings: unknown;
  /** Datasets by option key (suite dataset names). */
  readonly datasets: Readonly<Record<string, readonly string[]>>;
  readonly prompts: string | null;
  /** Part of the content key: "zeroshot" for shared zero-shot units, "task" otherwise. */
  readonly keyKind: string;
  /** Part of the content key: the task entry as written (with its type), or {} for shared units. */
  readonly keyConfig: Readonly<Record<string, unknown>>;
  /** A readable name (file-name safe), e.g. "zeroshot-noto-single". */
  readonly label: string;
}

/** An extra embedding unit: a dataset under a corruption, embedded before the metric units. */
export interface ExtraEmbedding {
  readonly dataset: string;
  readonly corruption: CorruptionSpec;
}

export interface PlanEnv {
  /** The prompt set tasks use when they name none. */
  readonly defaultPrompts: string;
}

export interface TaskPlan {
  readonly metric: readonly MetricUnit[];
  readonly embedding?: readonly ExtraEmbedding[];
}

/** A unit's result.json, checked: the envelope's common fields, and the task's metrics typed by its schema. */
export interface UnitOutput<M> {
  readonly unit: MetricUnit;
  readonly dir: string;
  readonly conventions: Record<string, unknown>;
  readonly metrics: M;
}

/** What a task's aggregation reads and writes. */
export interface AggregateEnv {
  readonly models: readonly PlanModel[];
  readonly defaultPrompts: string;
  /** The finished unit with this id, its metrics checked against `schema` (undefined when the unit did not run). */
  unit<M>(id: string, schema: z.ZodType<M>): Promise<UnitOutput<M> | undefined>;
  /** A JSON file of a unit's folder, checked against `schema`. */
  readUnitFile<T>(output: UnitOutput<unknown>, file: string, schema: z.ZodType<T>): Promise<T>;
  /** Rows, in order. */
  push(row: Omit<ResultRow, 'value'> & { value: unknown }): void;
  /** Record the conventions of a task type once (the first unit's). */
  noteConventions(type: string, conventions: Record<string, unknown>): void;
  /** The task's chart details (results.json `details.<key>`). */
  detail(key: string, value: unknown): void;
  skip(unit: SkippedUnit): void;
}

// ---------------------------------------------------------------------------------------------------
// The command line

export interface CliSpec<R> {
  /** Help text of `holoclip eval <task>`. */
  readonly description: string;
  /** What `--out` holds. */
  readonly outputs: string;
  /** Whether --classnames / --templates / --templates-key apply. */
  readonly classHead: boolean;
  /** The model folder's flag when it is not `--model` (e.g. `--surrogate` where `--model` would be ambiguous). */
  readonly modelFlag?: { readonly flag: string; readonly description: string };
  /** Extra help text after the options. */
  readonly helpAfter?: string;
  /** The summary printed after a run (default: the task's metrics, flattened). */
  summary?(result: R, out: string): string;
  /**
   * Another task whose options this command accepts too: when its `flag` is given, that task runs
   * instead (`eval zeroshot --corruption ...` runs the corruption task).
   */
  readonly delegate?: { readonly task: string; readonly flag: string };
}

// ---------------------------------------------------------------------------------------------------

export interface TaskDefinition<Shape extends z.ZodRawShape, R extends ResultEnvelope<unknown> = ResultEnvelope<unknown>, S = z.output<z.ZodObject<Shape>>> {
  /** The suite's `type:` and the command's name (`holoclip eval <type>`). */
  readonly type: string;
  /** One line for lists and help. */
  readonly summary: string;
  /** The task's options: suite keys, defaults, JSON Schema and command-line flags. */
  readonly options: z.ZodObject<Shape>;
  /** Needs a text tower (skipped for image classifiers, with this reason). */
  readonly needsTextTower?: string;
  /** Needs the vision tower's dense output (skipped for models that declare none, with this reason). */
  readonly needsDenseOutput?: string;
  /**
   * Whether the planner embeds the task's datasets (whole-image embeddings) before its metric units; false for a
   * task that computes what it needs itself (correspondence: dense features, in its unit). Default true.
   */
  readonly embedsImages?: boolean;
  /** `holoclip eval <type>`; null for suite-only tasks (computed across models). */
  readonly cli: CliSpec<R> | null;
  /** The `details` key of results.json this task fills (charts beyond the tidy rows), if any. */
  readonly detailsKey?: string;
  /**
   * Turns the parsed options (defaults applied, paths absolute) into the settings every later step
   * reads, once (e.g. parses a corruption list). Throws a HoloclipError for a bad value.
   */
  resolveSettings?(parsed: z.output<z.ZodObject<Shape>>): S;
  /** Checks beyond the schema and the generic dataset / prompt checks. `config` is the entry as written. */
  check?(settings: NoInfer<S>, config: Readonly<Record<string, unknown>>, env: CheckEnv): TaskProblem[];
  /** The metric units (and extra embedding units) of one model. */
  plan(task: ResolvedTask<NoInfer<S>>, model: PlanModel, env: PlanEnv): TaskPlan;
  /** Computes one unit from cached embeddings and writes it to `input.out`; null for aggregate-only tasks. */
  run: ((input: TaskInput<NoInfer<S>>) => Promise<R>) | null;
  /** results.json rows (and details) of the task, from its units' typed results. */
  aggregate(task: ResolvedTask<NoInfer<S>>, env: AggregateEnv): Promise<void>;
  readonly report: ReportContribution;
}

/** A task definition with its types erased, as the registry holds it. */
export interface AnyTaskDefinition {
  readonly type: string;
  readonly summary: string;
  readonly options: z.ZodObject<z.ZodRawShape>;
  readonly needsTextTower?: string;
  readonly needsDenseOutput?: string;
  readonly embedsImages?: boolean;
  readonly cli: CliSpec<ResultEnvelope<unknown>> | null;
  readonly detailsKey?: string;
  resolveSettings?(parsed: unknown): unknown;
  check?(settings: unknown, config: Readonly<Record<string, unknown>>, env: CheckEnv): TaskProblem[];
  plan(task: ResolvedTask, model: PlanModel, env: PlanEnv): TaskPlan;
  readonly run: ((input: TaskInput<unknown>) => Promise<ResultEnvelope<unknown>>) | null;
  aggregate(task: ResolvedTask, env: AggregateEnv): Promise<void>;
  readonly report: ReportContribution;
}

/** The keys of a task definition that suite validation and planning read (a task's `spec.ts`). */
type SpecKey = 'type' | 'summary' | 'options' | 'needsTextTower' | 'needsDenseOutput' | 'embedsImages' | 'detailsKey' | 'resolveSettings' | 'check' | 'plan';

/**
 * What suite validation and planning read of a task: its type, options, settings, checks and plan. Each task folder
 * declares it in `spec.ts` (listed by specs.ts) apart from its run, aggregation and report code (`index.ts`, which
 * spreads it into the definition), so that `holoclip suite check` loads no task's aggregation or report modules.
 */
export type TaskSpec<Shape extends z.ZodRawShape, S = z.output<z.ZodObject<Shape>>> = Pick<TaskDefinition<Shape, ResultEnvelope<unknown>, S>, SpecKey>;

/** A task spec with its types erased, as specs.ts holds it. */
export type AnyTaskSpec = Pick<AnyTaskDefinition, SpecKey>;

/** Declares a task's spec, checking its parts against each other (the types stay, for the definition that spreads it). */
export function defineTaskSpec<Shape extends z.ZodRawShape, S = z.output<z.ZodObject<Shape>>>(spec: TaskSpec<Shape, S>): TaskSpec<Shape, S> {
  return spec;
}

/** Declares a task, checking its parts against each other, and erases its types for the registry. */
export function defineTask<Shape extends z.ZodRawShape, R extends ResultEnvelope<unknown>, S = z.output<z.ZodObject<Shape>>>(def: TaskDefinition<Shape, R, S>): AnyTaskDefinition {
  return def as unknown as AnyTaskDefinition;
}

// ---------------------------------------------------------------------------------------------------
// Plan helpers

/** The prompt set a (model, task) uses: none for a classifier (it has its own logits). */
export function promptsFor(model: PlanModel, requested: string | undefined, env: PlanEnv): string | null {
  if (model.kind === 'classifier') return null;
  return requested ?? env.defaultPrompts;
}

/** The datasets of a task entry by option key, as the suite names them. */
export function taskDatasetNames(options: z.ZodObject<z.ZodRawShape>, settings: unknown): Record<string, string[]> {
  const s = settings as Record<string, unknown>;
  const out: Record<string, string[]> = {};
  for (const f of datasetFields(options)) {
    const v = s[f.key];
    out[f.key] = v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
  }
  return out;
}

export function taskUnitId(model: string, taskId: string): string {
  return `${model}|${taskId}`;
}

/** The usual plan: one unit per model that computes the whole task. */
function oneUnitPerModel(options: z.ZodObject<z.ZodRawShape>, task: ResolvedTask, model: PlanModel, prompts: string | null): MetricUnit {
  return {
    id: taskUnitId(model.name, task.id),
    model: model.name,
    computedBy: task.type,
    task,
    settings: task.settings,
    datasets: taskDatasetNames(options, task.settings),
    prompts,
    keyKind: 'task',
    keyConfig: { type: task.type, ...task.config },
    label: task.id.replace(/[^A-Za-z0-9._-]/g, '_'),
  };
}

/** A bad task option value, with where it is in the task entry (e.g. "corruptions"). */
export class TaskOptionError extends HoloclipError {
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The usual plan: one unit per model that computes the whole task, with the task's prompt set (none
 * when the task has no `prompts` option, or for an image classifier).
 */
export function planOneUnitPerModel(options: z.ZodObject<z.ZodRawShape>): (task: ResolvedTask, model: PlanModel, env: PlanEnv) => TaskPlan {
  const prompted = 'prompts' in options.shape;
  return (task, model, env) => ({
    metric: [oneUnitPerModel(options, task, model, prompted ? promptsFor(model, (task.settings as { prompts?: string }).prompts, env) : null)],
  });
}
