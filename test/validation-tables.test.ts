/**
 * The tables suite validation reads instead of the implementations (so that `holoclip suite check` loads no image,
 * run or report code) agree with the implementations: the task specs with the task definitions, the corruption
 * catalog with the corruption registry.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CORRUPTION_CATALOG, corruptionInfo } from '../src/corruptions/catalog.js';
import { CORRUPTIONS, findCorruption } from '../src/corruptions/registry.js';
import { TASKS, taskOfType } from '../src/tasks/registry.js';
import { TASK_SPECS, taskSpecOfType } from '../src/tasks/specs.js';

const SPEC_KEYS = ['type', 'summary', 'options', 'needsTextTower', 'needsDenseOutput', 'embedsImages', 'detailsKey', 'resolveSettings', 'check', 'plan'] as const;

test('validation tables: every task definition is its spec plus run, aggregation and report, in the same order', () => {
  assert.deepEqual(
    TASK_SPECS.map((s) => s.type),
    TASKS.map((t) => t.type),
  );
  TASKS.forEach((def, i) => {
    const spec = TASK_SPECS[i];
    for (const key of SPEC_KEYS) assert.equal(spec[key], def[key], `${def.type}.${key}: the spec and the definition differ`);
    assert.equal(taskSpecOfType(def.type), spec);
  });
  const thrown = (f: () => unknown): string | null => {
    try {
      f();
    } catch (err) {
      return (err as Error).message;
    }
    return null;
  };
  assert.match(thrown(() => taskSpecOfType('nope')) ?? '', /^unknown task type "nope" \(tasks: zeroshot, /);
  assert.equal(thrown(() => taskSpecOfType('nope')), thrown(() => taskOfType('nope')));
});

test('validation tables: the corruption catalog lists the registry corruptions in order, with their benchmark and depth need', () => {
  assert.deepEqual(
    CORRUPTION_CATALOG.map((c) => ({ name: c.name, benchmark: c.benchmark, needsDepth: c.needsDepth })),
    CORRUPTIONS.map((c) => ({ name: c.name, benchmark: c.benchmark, needsDepth: c.needsDepth })),
  );
  for (const c of CORRUPTIONS) assert.equal(corruptionInfo(c.name)?.needsDepth, findCorruption(c.name)?.needsDepth);
  assert.equal(corruptionInfo('no_such_corruption'), undefined);
});
