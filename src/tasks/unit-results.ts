/**
 * Helpers for a task's aggregation: the schema of a stored metric value, and the loop over the
 * models' units of a task that has one unit per model.
 */
import * as z from 'zod';
import { taskUnitId, type AggregateEnv, type PlanModel, type ResolvedTask, type UnitOutput } from './definition.js';

/** A metric as stored in result.json: a number, or null where it is undefined (NaN is written as null). */
export const metricValue = z.number().nullable();

/** For each model with a finished unit of `task`: its typed result (conventions noted once per task type). */
export async function eachModelUnit<M>(task: ResolvedTask, env: AggregateEnv, schema: z.ZodType<M>, fn: (model: PlanModel, out: UnitOutput<M>) => Promise<void> | void): Promise<void> {
  for (const m of env.models) {
    const out = await env.unit(taskUnitId(m.name, task.id), schema);
    if (!out) continue;
    env.noteConventions(task.type, out.conventions);
    await fn(m, out);
  }
}
