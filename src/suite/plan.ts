/**
 * The planner: a resolved suite expands to work units.
 *
 * - Embedding units (model x dataset; the preprocessing is the model's): fill the content-addressed
 *   embedding store. They are what `--shard i/N` divides between processes.
 * - Metric units (model x task, and model x dataset x prompt set for zero-shot): read cached
 *   embeddings and write a result folder whose name holds the unit's content key.
 *
 * Effective robustness has no unit of its own: it is a fit across models, computed at aggregation
 * from the zero-shot units it adds to the plan.
 */
import { corruptionLabel, findCorruption, parseCorruptions, type CorruptionSpec } from '../corruptions/registry.js';
import type { ResolvedModel, ResolvedSuite, ResolvedTask } from './load-suite.js';
import { taskDatasets } from './load-suite.js';

export interface EmbeddingUnit {
  readonly model: string;
  readonly dataset: string;
  /** A corruption task's corrupted version of the dataset (depth-free corruptions only). */
  readonly corruption?: CorruptionSpec;
}

export type MetricUnit =
  | { readonly kind: 'zeroshot'; readonly model: string; readonly dataset: string; readonly prompts: string | null }
  | { readonly kind: 'task'; readonly model: string; readonly task: ResolvedTask; readonly prompts: string | null };

export interface SkippedPlanUnit {
  readonly model: string;
  readonly task: string;
  readonly reason: string;
}

export interface SuitePlan {
  readonly embedding: readonly EmbeddingUnit[];
  readonly metric: readonly MetricUnit[];
  readonly skipped: readonly SkippedPlanUnit[];
}

/** Why a task does not apply to a model (null when it does). */
export function notApplicable(task: ResolvedTask, model: ResolvedModel): string | null {
  if (model.kind === 'classifier' && task.type === 'retrieval') return 'image-text retrieval needs a text tower; this model is an image classifier';
  return null;
}

/** The prompt set a (model, task) uses: none for a classifier (it has its own logits). */
export function promptsFor(suite: ResolvedSuite, model: ResolvedModel, requested: string | undefined): string | null {
  if (model.kind === 'classifier') return null;
  return requested ?? suite.defaultPrompts;
}

export function zeroshotUnitId(u: { model: string; dataset: string; prompts: string | null }): string {
  return `${u.model}|zeroshot|${u.dataset}|${u.prompts ?? '-'}`;
}

export function taskUnitId(model: string, taskId: string): string {
  return `${model}|${taskId}`;
}

export function metricUnitId(u: MetricUnit): string {
  return u.kind === 'zeroshot' ? zeroshotUnitId(u) : taskUnitId(u.model, u.task.id);
}

export function planSuite(suite: ResolvedSuite): SuitePlan {
  const embedding = new Map<string, EmbeddingUnit>();
  const metric = new Map<string, MetricUnit>();
  const skipped: SkippedPlanUnit[] = [];
  const addZeroshot = (model: ResolvedModel, dataset: string, prompts: string | null) => {
    const u: MetricUnit = { kind: 'zeroshot', model: model.name, dataset, prompts };
    metric.set(metricUnitId(u), u);
  };
  for (const model of suite.models) {
    for (const task of suite.tasks) {
      const reason = notApplicable(task, model);
      if (reason) {
        skipped.push({ model: model.name, task: task.id, reason });
        continue;
      }
      for (const ref of taskDatasets(task)) embedding.set(`${model.name}|${ref.name}`, { model: model.name, dataset: ref.name });
      if (task.type === 'corruption') {
        // The corrupted versions are embedding units too, so shards share them. 3D corruptions, whose
        // depth maps may need a depth model first, are embedded by the task's metric unit instead.
        const specs = parseCorruptions(Array.isArray(task.corruptions) ? task.corruptions.join(',') : task.corruptions, task.seed ?? 0);
        for (const spec of specs) {
          if (findCorruption(spec.name)?.needsDepth) continue;
          embedding.set(`${model.name}|${task.dataset}|${corruptionLabel(spec)}|${spec.seed}`, { model: model.name, dataset: task.dataset, corruption: spec });
        }
      }
      switch (task.type) {
        case 'zeroshot': {
          const sets = model.kind === 'classifier' ? [null] : (task.prompts ?? [suite.defaultPrompts]);
          for (const d of task.datasets) for (const p of sets) addZeroshot(model, d, p);
          break;
        }
        case 'effective-robustness': {
          const p = promptsFor(suite, model, task.prompts);
          for (const d of [task.id_dataset, ...task.shifts]) addZeroshot(model, d, p);
          break;
        }
        default: {
          const p = task.type === 'retrieval' ? null : promptsFor(suite, model, task.prompts);
          const u: MetricUnit = { kind: 'task', model: model.name, task, prompts: p };
          metric.set(metricUnitId(u), u);
        }
      }
    }
  }
  // Deterministic order: models as in the suite, then datasets / tasks as first met.
  return { embedding: [...embedding.values()], metric: [...metric.values()], skipped };
}

/** Parses "i/N" (1-based): the shard this process runs. */
export function parseShard(text: string): { index: number; count: number } | null {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!(count >= 1 && index >= 1 && index <= count)) return null;
  return { index, count };
}

/**
 * The embedding units of shard i/N: every N-th unit of the plan, in plan order, starting at the
 * i-th. The plan order depends only on the suite file, so every process computes the same split.
 */
export function shardUnits<T>(units: readonly T[], shard: { index: number; count: number }): T[] {
  return units.filter((_, k) => k % shard.count === shard.index - 1);
}
