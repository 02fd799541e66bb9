/**
 * Aggregation: the result folders of a suite's metric units -> one SuiteResults (results.json).
 * Effective robustness is computed here, as a fit across the models' zero-shot accuracies. Only
 * deterministic content goes in (no times, dates, absolute paths or cache statistics), so a resumed
 * run and an uninterrupted one aggregate to the same bytes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { HoloclipError, errorMessage } from '../errors.js';
import type { ResultRow, SkippedUnit, SuiteDetails, SuiteModel, SuiteResults } from '../results/types.js';
import type { AggregateEnv, MetricUnit, UnitOutput } from '../tasks/definition.js';
import { TASKS, taskOfType } from '../tasks/registry.js';
import { HOLOCLIP_VERSION } from '../util/version.js';
import type { OpenedDataset } from './open-datasets.js';
import type { ResolvedSuite } from './load-suite.js';
import type { SuitePlan } from './plan.js';

export interface UnitResult {
  readonly unit: MetricUnit;
  /** The unit's result folder in the store (result.json, and reliability.json for calibration). */
  readonly dir: string;
  /** A readable name for the unit (e.g. "zeroshot-noto-single", or the task id). */
  readonly label: string;
}

/** The envelope fields aggregation reads from every unit's result.json (the task reads its metrics). */
const envelopeSchema = z.looseObject({
  model: z
    .looseObject({
      logit_scale: z.number().nullable().optional(),
      logit_bias: z.number().nullable().optional(),
      logit_scale_source: z.string().optional(),
      files_sha256: z.record(z.string(), z.string()).optional(),
    })
    .nullable()
    .optional(),
  conventions: z.record(z.string(), z.unknown()).optional(),
  metrics: z.unknown(),
});
type Envelope = z.output<typeof envelopeSchema>;

async function readJsonFile<T>(file: string, schema: z.ZodType<T>): Promise<T> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    throw new HoloclipError(`cannot read unit result ${file}: ${errorMessage(err)}; delete its folder and rerun`);
  }
  const r = schema.safeParse(parsed);
  if (!r.success) throw new HoloclipError(`unit result ${file} does not have the expected content (${r.error.issues[0]?.path.join('.') || 'top level'}: ${r.error.issues[0]?.message}); delete its folder and rerun`);
  return r.data;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Conventions worth recording once per task type (the long lists stay in the unit folders). */
function conventionSummary(conventions: Record<string, unknown>): Record<string, unknown> {
  const { classnames: _c, templates: _t, templates_source: _s, ...rest } = conventions;
  return rest;
}

function relativeTo(dir: string, p: string): string {
  const rel = path.relative(dir, p);
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel.split(path.sep).join('/');
}

export async function aggregateSuite(suite: ResolvedSuite, plan: SuitePlan, units: readonly UnitResult[], opened: ReadonlyMap<string, OpenedDataset>): Promise<SuiteResults> {
  const results = new Map<string, { unit: MetricUnit; envelope: Envelope; dir: string }>();
  for (const u of units) results.set(u.unit.id, { unit: u.unit, envelope: await readJsonFile(path.join(u.dir, 'result.json'), envelopeSchema), dir: u.dir });
  const rows: ResultRow[] = [];
  const skipped: SkippedUnit[] = plan.skipped.map((s) => ({ ...s }));
  const conventions: Record<string, unknown> = {};
  const details = Object.fromEntries(TASKS.flatMap((t) => (t.detailsKey ? [[t.detailsKey, []]] : []))) as unknown as SuiteDetails;
  const modelRecords = new Map<string, NonNullable<Envelope['model']>>();
  for (const r of results.values()) if (!modelRecords.has(r.unit.model)) modelRecords.set(r.unit.model, r.envelope.model ?? {});

  const env: AggregateEnv = {
    models: suite.models.map((m) => ({ name: m.name, kind: m.kind, denseOutput: m.denseOutput })),
    defaultPrompts: suite.defaultPrompts,
    async unit<M>(id: string, schema: z.ZodType<M>): Promise<UnitOutput<M> | undefined> {
      const r = results.get(id);
      if (!r) return undefined;
      const metrics = schema.safeParse(r.envelope.metrics);
      if (!metrics.success) {
        const issue = metrics.error.issues[0];
        throw new HoloclipError(`unit result ${path.join(r.dir, 'result.json')} does not have the metrics of its task (${['metrics', ...(issue?.path ?? [])].join('.')}: ${issue?.message}); delete its folder and rerun`);
      }
      return { unit: r.unit, dir: r.dir, conventions: r.envelope.conventions ?? {}, metrics: metrics.data };
    },
    readUnitFile: (output, file, schema) => readJsonFile(path.join(output.dir, file), schema),
    push(row) {
      rows.push({ model: row.model, task: row.task, type: row.type, dataset: row.dataset, prompts: row.prompts, variant: row.variant, metric: row.metric, value: num(row.value) });
    },
    noteConventions(type, c) {
      if (!(type in conventions)) conventions[type] = conventionSummary(c);
    },
    detail(key, value) {
      (details[key] ??= []).push(value);
    },
    skip(unit) {
      skipped.push(unit);
    },
  };
  for (const task of suite.tasks) await taskOfType(task.type).aggregate(task, env);

  const models: SuiteModel[] = suite.models.map((m) => {
    const rec = modelRecords.get(m.name) ?? {};
    return {
      name: m.name,
      path: relativeTo(suite.dir, m.dir),
      model_type: m.modelType,
      kind: m.kind,
      metadata: m.metadata,
      metadata_source: m.metadataSource,
      catalog: m.catalog,
      logit_scale: num(rec.logit_scale),
      logit_bias: num(rec.logit_bias) ?? 0,
      logit_scale_source: typeof rec.logit_scale_source === 'string' ? rec.logit_scale_source : 'unknown',
      files_sha256: rec.files_sha256 ?? {},
    };
  });

  return {
    holoclip_version: HOLOCLIP_VERSION,
    suite: { name: suite.name, file: path.basename(suite.file), sha256: suite.sha256, description: suite.description },
    reference_model: suite.reference,
    models,
    datasets: [...suite.datasets.values()]
      .filter((d) => opened.has(d.name))
      .map((d) => {
        const ds = opened.get(d.name)!.dataset;
        return { name: d.name, spec: d.builtin ? d.spec : relativeTo(suite.dir, d.path), kind: ds.kind, n: ds.items.length, num_classes: ds.classnames.length };
      }),
    prompts: Object.fromEntries([...suite.prompts.values()].map((p) => [p.name, { templates: [...p.set.templates] }])),
    tasks: suite.tasks.map(({ id, type, config }) => ({ id, type, config: { ...config } })),
    rows,
    details,
    skipped,
    conventions: {
      ...conventions,
      model_metadata:
        'suite file fields win over the model folder\'s holoclip.json card, and the card over the model catalogue (used for a card that names its open_clip checkpoint, `open_clip: {model, pretrained}`, and lacks the factor; an uncatalogued tag gets only its model\'s architecture family); "unknown" when none gives it',
      effective_robustness: 'per shift dataset: transform(shift top-1) = slope * transform(ID top-1) + intercept, least squares over the baseline models (Taori et al. 2020); ER = shift top-1 - the line\'s prediction; accuracies clipped to [1e-6, 1-1e-6] before the transform',
      prompts: 'each prompt set is a template ensemble: the text embeddings of the templates are L2-normalised, averaged and renormalised per class; image classifiers use their own logits (prompts: null)',
    },
  };
}
