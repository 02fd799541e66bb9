/**
 * The common setup of one task run outside a suite (`holoclip eval <task>`): resolve the settings,
 * open the datasets for the roles the task declares, pick the templates, open the model context, run,
 * close. A suite does the same with its own opened datasets and a context per model.
 */
import { openDatasetRef, type DatasetRef } from '../data/dataset-ref.js';
import type { Dataset } from '../data/index.js';
import { HoloclipError } from '../errors.js';
import { loadTemplates, type TemplateSet } from '../head/templates.js';
import { datasetFields, TaskData, TaskOptionError, type AnyTaskDefinition, type OpenedData } from './definition.js';
import { EvalContext, type CommonEvalOptions } from './eval-context.js';
import type { ResultEnvelope } from './result-envelope.js';

export interface TaskRequest {
  /** The task's settings and paths (defaults applied, paths absolute); dataset fields are given in `data`. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Datasets by option key: each a name (NAME=PATH, or the flag's name) and a parsed reference. */
  readonly data: Readonly<Record<string, ReadonlyArray<{ name: string; ref: DatasetRef }>>>;
  /** --templates / --templates-key; absent: the dataset's own templates, else "a photo of a {c}.". */
  readonly templates?: { readonly spec: string; readonly key?: string };
  readonly common: CommonEvalOptions;
  readonly out: string;
  /** How the command line names an option key (for messages), e.g. corruptions -> --corruption. */
  readonly flagOf: (key: string) => string;
}

/** The template set of a run: given ones, else the templates shipped with the dataset, else the default. */
export async function templatesFor(dataset: Dataset | undefined, given?: { spec: string; key?: string }): Promise<TemplateSet> {
  if (given !== undefined) return loadTemplates(given.spec, given.key);
  const shipped = dataset?.adapter?.templates;
  if (shipped && shipped.length > 0) return { templates: [...shipped], source: `the dataset's own templates (${dataset?.adapter?.type ?? 'dataset'})` };
  return loadTemplates(undefined);
}

/** Runs one task on one model and writes its run directory. */
export async function runTaskOnce(def: AnyTaskDefinition, request: TaskRequest): Promise<ResultEnvelope<unknown>> {
  if (!def.run) throw new HoloclipError(`${def.type} is computed across the models of a suite; use holoclip run`);
  let settings: unknown = request.settings;
  try {
    if (def.resolveSettings) settings = def.resolveSettings(request.settings);
  } catch (err) {
    if (err instanceof TaskOptionError) throw new HoloclipError(`${request.flagOf(err.where)} ${err.message}`);
    throw err;
  }
  const byKey = new Map<string, OpenedData[]>();
  for (const f of datasetFields(def.options)) {
    const opened: OpenedData[] = [];
    for (const d of request.data[f.key] ?? []) {
      const role = f.meta.role === 'images' ? 'unlabelled' : f.meta.role;
      opened.push({ name: d.name, ...(await openDatasetRef(d.ref, role)) });
    }
    byKey.set(f.key, opened);
  }
  const data = new TaskData(byKey);
  const templates = await templatesFor(data.primary()?.dataset, request.templates);
  const context = await EvalContext.open(request.common);
  try {
    return await def.run({ settings, data, templates, context, out: request.out, warn: request.common.warn });
  } finally {
    await context.close();
  }
}
