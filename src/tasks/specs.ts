/**
 * Every task's spec (type, options, settings, checks, plan), in the order of registry.ts's TASKS: what suite
 * validation, the suite schema and the planner read. Loading it loads no task's run, aggregation or report code,
 * so `holoclip suite check` stays light; registry.ts holds the full definitions (test/validation-tables.test.ts checks
 * that the two lists agree).
 */
import { HoloclipError } from '../errors.js';
import { calibrationSpec } from './calibration/spec.js';
import { correspondenceSpec } from './correspondence/spec.js';
import { corruptionSpec } from './corruption/spec.js';
import type { AnyTaskSpec } from './definition.js';
import { effectiveRobustnessSpec } from './effective-robustness/spec.js';
import { factorsSpec } from './factors/spec.js';
import { lmmSpec } from './lmm/spec.js';
import { oodSpec } from './ood/spec.js';
import { publishedSpec } from './published/spec.js';
import { retrievalSpec } from './retrieval/spec.js';
import { shapeBiasSpec } from './shape-bias/spec.js';
import { zeroshotSpec } from './zeroshot/spec.js';

/** The specs with their types erased (as defineTask erases the definitions'). */
export const TASK_SPECS: readonly AnyTaskSpec[] = [
  zeroshotSpec,
  effectiveRobustnessSpec,
  calibrationSpec,
  oodSpec,
  shapeBiasSpec,
  retrievalSpec,
  factorsSpec,
  corruptionSpec,
  correspondenceSpec,
  publishedSpec,
  lmmSpec,
] as unknown as readonly AnyTaskSpec[];

/** The spec of a task type (a suite's `type:`); the same message as registry.ts's taskOfType for an unknown one. */
export function taskSpecOfType(type: string): AnyTaskSpec {
  const t = TASK_SPECS.find((d) => d.type === type);
  if (!t) throw new HoloclipError(`unknown task type "${type}" (tasks: ${TASK_SPECS.map((d) => d.type).join(', ')})`);
  return t;
}
