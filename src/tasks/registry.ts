/**
 * Every task holoclip runs, in the order the suite schema, results.json details and the report list
 * them. The CLI (`holoclip eval <task>`), the suite schema, planner, runner, aggregation and report
 * all loop over this table: adding a task is one folder plus one line here.
 */
import { HoloclipError } from '../errors.js';
import { calibrationTask } from './calibration/index.js';
import { corruptionTask } from './corruption/index.js';
import { correspondenceTask } from './correspondence/index.js';
import type { AnyTaskDefinition } from './definition.js';
import { effectiveRobustnessTask } from './effective-robustness/index.js';
import { factorsTask } from './factors/index.js';
import { lmmTask } from './lmm/index.js';
import { oodTask } from './ood/index.js';
import { publishedTask } from './published/index.js';
import { retrievalTask } from './retrieval/index.js';
import { shapeBiasTask } from './shape-bias/index.js';
import { zeroshotTask } from './zeroshot/index.js';

export const TASKS: readonly AnyTaskDefinition[] = [zeroshotTask, effectiveRobustnessTask, calibrationTask, oodTask, shapeBiasTask, retrievalTask, factorsTask, corruptionTask, correspondenceTask, publishedTask, lmmTask];

/** The task of a type (a suite's `type:`, a unit's `computedBy`). */
export function taskOfType(type: string): AnyTaskDefinition {
  const t = TASKS.find((d) => d.type === type);
  if (!t) throw new HoloclipError(`unknown task type "${type}" (tasks: ${TASKS.map((d) => d.type).join(', ')})`);
  return t;
}
