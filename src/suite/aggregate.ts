/**
 * Aggregation: the result folders of a suite's metric units -> one SuiteResults (results.json).
 * Effective robustness is computed here, as a fit across the models' zero-shot accuracies. Only
 * deterministic content goes in (no times, dates, absolute paths or cache statistics), so a resumed
 * run and an uninterrupted one aggregate to the same bytes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';
import { effectiveRobustness, fitBaseline, predictedShiftAccuracy, type AccuracyTransform } from '../metrics/effective-robustness.js';
import { HOLOCLIP_VERSION } from '../tasks/eval-context.js';
import type { OpenedDataset } from './open-datasets.js';
import type { ResolvedModel, ResolvedSuite, ResolvedTask } from './load-suite.js';
import { metricUnitId, promptsFor, taskUnitId, zeroshotUnitId, type MetricUnit, type SuitePlan } from './plan.js';
import type {
  CalibrationDetail,
  EffectiveRobustnessDetail,
  ReliabilityBin,
  ResultRow,
  ShapeBiasDetail,
  SkippedUnit,
  SuiteModel,
  SuiteResults,
  TaskType,
} from './results-types.js';

export interface UnitResult {
  readonly unit: MetricUnit;
  /** The unit's result folder in the store (result.json, and reliability.json for calibration). */
  readonly dir: string;
  /** A readable name for the unit (e.g. "zeroshot-noto-single", or the task id). */
  readonly label: string;
}

type Json = Record<string, unknown>;

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

async function readJson(file: string): Promise<Json> {
  try {
    return obj(JSON.parse(await fs.readFile(file, 'utf8')));
  } catch (err) {
    throw new HoloclipError(`cannot read unit result ${file}: ${errorMessage(err)}; delete its folder and rerun`);
  }
}

/** Conventions worth recording once per task type (the long lists stay in the unit folders). */
function conventionSummary(conventions: Json): Json {
  const { classnames: _c, templates: _t, templates_source: _s, ...rest } = conventions;
  return rest;
}

function relativeTo(dir: string, p: string): string {
  const rel = path.relative(dir, p);
  return rel.startsWith('..') || path.isAbsolute(rel) ? p : rel.split(path.sep).join('/');
}

export async function aggregateSuite(suite: ResolvedSuite, plan: SuitePlan, units: readonly UnitResult[], opened: ReadonlyMap<string, OpenedDataset>): Promise<SuiteResults> {
  const results = new Map<string, { unit: MetricUnit; result: Json; dir: string }>();
  for (const u of units) {
    results.set(metricUnitId(u.unit), { unit: u.unit, result: await readJson(path.join(u.dir, 'result.json')), dir: u.dir });
  }
  const rows: ResultRow[] = [];
  const skipped: SkippedUnit[] = plan.skipped.map((s) => ({ ...s }));
  const conventions: Record<string, unknown> = {};
  const details: SuiteResults['details'] = { effective_robustness: [], calibration: [], shape_bias: [] };
  const modelRecords = new Map<string, Json>();

  const push = (model: string, task: ResolvedTask, dataset: string, prompts: string | null, variant: string | null, metric: string, value: unknown) => {
    rows.push({ model, task: task.id, type: task.type as TaskType, dataset, prompts, variant, metric, value: num(value) });
  };
  const note = (type: string, r: Json) => {
    if (!(type in conventions)) conventions[type] = conventionSummary(obj(r.conventions));
  };
  const zeroshot = (model: string, dataset: string, prompts: string | null) => results.get(zeroshotUnitId({ model, dataset, prompts }));

  for (const r of results.values()) if (!modelRecords.has(r.unit.model)) modelRecords.set(r.unit.model, obj(r.result.model));

  for (const task of suite.tasks) {
    switch (task.type) {
      case 'zeroshot':
        for (const m of suite.models) {
          const sets = m.kind === 'classifier' ? [null] : (task.prompts ?? [suite.defaultPrompts]);
          for (const d of task.datasets) {
            for (const p of sets) {
              const r = zeroshot(m.name, d, p);
              if (!r) continue;
              note('zeroshot', r.result);
              const metrics = obj(r.result.metrics);
              for (const k of ['top1', 'top5', 'mean_per_class_recall']) push(m.name, task, d, p, null, k, metrics[k]);
            }
          }
        }
        break;
      case 'effective-robustness':
        effectiveRobustnessTask(suite, task, zeroshot, push, details.effective_robustness, skipped);
        break;
      default:
        for (const m of suite.models) {
          const r = results.get(taskUnitId(m.name, task.id));
          if (!r) continue;
          note(task.type, r.result);
          await unitRows(m, task, r.unit.prompts, r.result, r.dir, push, details);
        }
    }
  }

  const models: SuiteModel[] = suite.models.map((m) => {
    const rec = modelRecords.get(m.name) ?? {};
    return {
      name: m.name,
      path: relativeTo(suite.dir, m.dir),
      model_type: m.modelType,
      kind: m.kind,
      metadata: m.metadata,
      metadata_source: m.metadataSource,
      logit_scale: num(rec.logit_scale),
      logit_bias: num(rec.logit_bias) ?? 0,
      logit_scale_source: typeof rec.logit_scale_source === 'string' ? rec.logit_scale_source : 'unknown',
      files_sha256: obj(rec.files_sha256) as Record<string, string>,
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
    tasks: suite.tasks.map(({ id, type, ...config }) => ({ id, type, config: config as Record<string, unknown> })),
    rows,
    details,
    skipped,
    conventions: {
      ...conventions,
      model_metadata: 'suite file fields win over the model folder\'s holoclip.json card; "unknown" when neither gives it',
      effective_robustness: 'per shift dataset: transform(shift top-1) = slope * transform(ID top-1) + intercept, least squares over the baseline models (Taori et al. 2020); ER = shift top-1 - the line\'s prediction; accuracies clipped to [1e-6, 1-1e-6] before the transform',
      prompts: 'each prompt set is a template ensemble: the text embeddings of the templates are L2-normalised, averaged and renormalised per class; image classifiers use their own logits (prompts: null)',
    },
  };
}

type Push = (model: string, task: ResolvedTask, dataset: string, prompts: string | null, variant: string | null, metric: string, value: unknown) => void;

function effectiveRobustnessTask(
  suite: ResolvedSuite,
  task: ResolvedTask & { type: 'effective-robustness' },
  zeroshot: (model: string, dataset: string, prompts: string | null) => { result: Json } | undefined,
  push: Push,
  out: EffectiveRobustnessDetail[],
  skipped: SkippedUnit[],
): void {
  const transform: AccuracyTransform = task.transform ?? 'logit';
  const baselineNames = Array.isArray(task.baselines) ? task.baselines : suite.models.map((m) => m.name);
  const top1 = (m: ResolvedModel, d: string): number | null => num(obj(zeroshot(m.name, d, promptsFor(suite, m, task.prompts))?.result.metrics).top1);
  const detail: EffectiveRobustnessDetail = { task: task.id, id_dataset: task.id_dataset, prompts: task.prompts ?? suite.defaultPrompts, transform, baselines: baselineNames, lines: [] };
  for (const shift of task.shifts) {
    const base = suite.models.filter((m) => baselineNames.includes(m.name));
    const pairs = base.map((m) => ({ id: top1(m, task.id_dataset), shift: top1(m, shift) })).filter((p): p is { id: number; shift: number } => p.id !== null && p.shift !== null);
    let fit;
    try {
      fit = fitBaseline(
        pairs.map((p) => p.id),
        pairs.map((p) => p.shift),
        transform,
      );
    } catch (err) {
      skipped.push({ model: '*', task: task.id, reason: `no line for ${shift}: ${errorMessage(err)}` });
      continue;
    }
    const line: EffectiveRobustnessDetail['lines'][number] = { shift_dataset: shift, slope: fit.a, intercept: fit.b, r2: fit.r2, models: [] };
    for (const m of suite.models) {
      const id = top1(m, task.id_dataset);
      const sh = top1(m, shift);
      if (id === null || sh === null) continue;
      const predicted = predictedShiftAccuracy(fit, id);
      const er = effectiveRobustness(fit, id, sh);
      line.models.push({ model: m.name, id_top1: id, shift_top1: sh, predicted_top1: predicted, effective_robustness: er });
      const p = promptsFor(suite, m, task.prompts);
      push(m.name, task, shift, p, null, 'effective_robustness', er);
      push(m.name, task, shift, p, null, 'id_top1', id);
      push(m.name, task, shift, p, null, 'shift_top1', sh);
      push(m.name, task, shift, p, null, 'predicted_top1', predicted);
    }
    detail.lines.push(line);
  }
  out.push(detail);
}

function bins(raw: unknown): ReliabilityBin[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((b) => {
    const o = obj(b);
    return { lower: num(o.lower) ?? 0, upper: num(o.upper) ?? 0, count: num(o.count) ?? 0, accuracy: num(o.accuracy), confidence: num(o.meanConfidence) };
  });
}

async function unitRows(m: ResolvedModel, task: ResolvedTask, prompts: string | null, result: Json, dir: string, push: Push, details: SuiteResults['details']): Promise<void> {
  const metrics = obj(result.metrics);
  switch (task.type) {
    case 'calibration': {
      const setName = (s: string) => (s === 'id' ? task.dataset : s === 'calibration' ? (task.calibration_dataset ?? s) : s);
      const sets = obj(metrics.sets);
      for (const [s, v] of Object.entries(sets)) {
        for (const variant of ['before', 'after'] as const) {
          const mm = obj(obj(v)[variant]);
          for (const k of ['ece', 'nll', 'brier', 'accuracy']) push(m.name, task, setName(s), prompts, variant, k, mm[k]);
        }
      }
      push(m.name, task, task.dataset, prompts, null, 'temperature', metrics.temperature);
      const rel = await readJson(path.join(dir, 'reliability.json'));
      const relSets = obj(rel.sets);
      const detail: CalibrationDetail = { task: task.id, model: m.name, prompts, temperature: num(metrics.temperature), bins: num(rel.bins) ?? 0, sets: {} };
      for (const [s, v] of Object.entries(relSets)) {
        detail.sets[setName(s)] = { n: num(obj(sets[s]).n) ?? 0, before: bins(obj(v).before), after: bins(obj(v).after) };
      }
      details.calibration.push(detail);
      return;
    }
    case 'ood': {
      push(m.name, task, task.dataset, prompts, null, 'id_top1', metrics.id_top1);
      for (const [set, scores] of Object.entries(obj(metrics.sets))) {
        for (const [score, v] of Object.entries(obj(scores))) {
          const mm = obj(v);
          for (const k of ['auroc', 'fpr_at_95_tpr', 'aupr_in', 'aupr_out']) push(m.name, task, set, prompts, score, k, mm[k]);
        }
      }
      return;
    }
    case 'shape-bias': {
      for (const k of ['shape_bias', 'shape_decisions', 'texture_decisions', 'other_decisions']) push(m.name, task, task.dataset, prompts, null, k, metrics[k]);
      const perCategory: Record<string, number | null> = {};
      for (const [c, v] of Object.entries(obj(metrics.per_category))) perCategory[c] = num(obj(v).shape_bias);
      details.shape_bias.push({ task: task.id, model: m.name, prompts, shape_bias: num(metrics.shape_bias), per_category: perCategory } satisfies ShapeBiasDetail);
      return;
    }
    case 'retrieval': {
      for (const direction of ['image_to_text', 'text_to_image']) {
        for (const [k, v] of Object.entries(obj(metrics[direction]))) push(m.name, task, task.dataset, null, direction, k, v);
      }
      return;
    }
    case 'corruption': {
      const clean = obj(metrics.clean);
      push(m.name, task, task.dataset, prompts, null, 'clean_top1', clean.top1);
      for (const k of ['mca', 'mce', 'relative_mce']) push(m.name, task, task.dataset, prompts, null, k, metrics[k]);
      for (const c of Array.isArray(metrics.corruptions) ? metrics.corruptions : []) {
        const row = obj(c);
        for (const k of ['mean_top1', 'ce', 'relative_ce']) push(m.name, task, task.dataset, prompts, String(row.corruption), k, row[k]);
      }
      for (const c of Array.isArray(metrics.cells) ? metrics.cells : []) {
        const cell = obj(c);
        push(m.name, task, task.dataset, prompts, `${String(cell.corruption)}:${String(cell.severity)}`, 'top1', cell.top1);
      }
      return;
    }
    case 'factors': {
      push(m.name, task, task.dataset, prompts, null, 'overall_accuracy', metrics.overall_accuracy);
      const factors = Array.isArray(metrics.factors) ? metrics.factors : [];
      for (const f of factors) {
        const row = obj(f);
        push(m.name, task, task.dataset, prompts, String(row.factor), 'accuracy', row.accuracy);
        push(m.name, task, task.dataset, prompts, String(row.factor), 'error_ratio', row.error_ratio);
      }
      return;
    }
    default:
      return;
  }
}
