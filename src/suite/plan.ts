/**
 * The planner: a resolved suite expands to work units.
 *
 * - Embedding units (model x dataset; the preprocessing is the model's): fill the content-addressed
 *   embedding store. They are what `--shard i/N` divides between processes.
 * - Metric units (model x task, and model x dataset x prompt set for zero-shot): read cached
 *   embeddings and write a result folder whose name holds the unit's content key.
 *
 * A task that needs a model part the model lacks (a text tower, a dense output) is skipped for it, with the
 * reason. A task that computes its own inputs (correspondence: dense features) adds no embedding units.
 *
 * Effective robustness has no unit of its own: it is a fit across models, computed at aggregation
 * from the zero-shot units it adds to the plan.
 */
import { corruptionKey, type CorruptionSpec } from '../corruptions/catalog.js';
import type { MetricUnit } from '../tasks/definition.js';
import { taskSpecOfType } from '../tasks/specs.js';
import type { ResolvedModel, ResolvedSuite } from './load-suite.js';
import { taskDatasets } from './load-suite.js';

export type { MetricUnit };

export interface EmbeddingUnit {
  readonly model: string;
  readonly dataset: string;
  /** A corruption task's corrupted version of the dataset (depth-free corruptions only). */
  readonly corruption?: CorruptionSpec;
}

export interface SkippedPlanUnit {
  readonly model: string;
  readonly task: string;
  readonly reason: string;
}

export interface SuitePlan {
  readonly embedding: readonly EmbeddingUnit[];
  readonly metric: readonly MetricUnit[];
  readonly skipped: readonly SkippedPlanUnit[];
  /**
   * Metric unit id -> the ids ({@link embeddingUnitId}) of the embedding units whose rows it reads: the
   * clean embeddings of its datasets and the corrupted ones its task planned. Their digests are part of
   * the unit's key, so a unit computed from embeddings that were since repaired is computed again.
   */
  readonly reads: ReadonlyMap<string, readonly string[]>;
}

/** The id of an embedding unit: model, dataset and corruption (if any). */
export function embeddingUnitId(u: EmbeddingUnit): string {
  return u.corruption ? `${u.model}|${u.dataset}|${corruptionKey(u.corruption)}` : `${u.model}|${u.dataset}`;
}

/** Each task definition expands itself (`plan`); units with the same id (shared zero-shot units) are planned once. */
export function planSuite(suite: ResolvedSuite): SuitePlan {
  const embedding = new Map<string, EmbeddingUnit>();
  const metric = new Map<string, MetricUnit>();
  const skipped: SkippedPlanUnit[] = [];
  const reads = new Map<string, Set<string>>();
  const env = { defaultPrompts: suite.defaultPrompts };
  for (const model of suite.models) {
    const planModel: Pick<ResolvedModel, 'name' | 'kind' | 'denseOutput'> = { name: model.name, kind: model.kind, denseOutput: model.denseOutput };
    for (const task of suite.tasks) {
      const def = taskSpecOfType(task.type);
      if (def.needsTextTower && model.kind === 'classifier') {
        skipped.push({ model: model.name, task: task.id, reason: def.needsTextTower });
        continue;
      }
      if (def.needsDenseOutput && !model.denseOutput) {
        skipped.push({ model: model.name, task: task.id, reason: def.needsDenseOutput });
        continue;
      }
      // A task that embeds no whole images (correspondence computes its own dense features) reads no clean rows.
      const embedsImages = def.embedsImages !== false;
      if (embedsImages) {
        for (const ref of taskDatasets(task)) {
          const e: EmbeddingUnit = { model: model.name, dataset: ref.name };
          embedding.set(embeddingUnitId(e), e);
        }
      }
      const plan = def.plan(task, planModel, env);
      const extra: EmbeddingUnit[] = (plan.embedding ?? []).map((e) => ({ model: model.name, dataset: e.dataset, corruption: e.corruption }));
      for (const e of extra) embedding.set(embeddingUnitId(e), e);
      for (const u of plan.metric) {
        if (!metric.has(u.id)) metric.set(u.id, u);
        const names = new Set(Object.values(u.datasets).flat());
        let deps = reads.get(u.id);
        if (!deps) reads.set(u.id, (deps = new Set()));
        if (embedsImages) for (const name of names) deps.add(embeddingUnitId({ model: model.name, dataset: name }));
        for (const e of extra) if (names.has(e.dataset)) deps.add(embeddingUnitId(e));
      }
    }
  }
  // Deterministic order: models as in the suite, then datasets / tasks as first met.
  return {
    embedding: [...embedding.values()],
    metric: [...metric.values()],
    skipped,
    reads: new Map([...reads].map(([id, deps]) => [id, [...deps].filter((d) => embedding.has(d)).sort()])),
  };
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
