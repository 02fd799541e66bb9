/**
 * The architecture rules: the layer rule file (.dependency-cruiser.cjs) holds with zero violations and
 * zero cycles, and every task of the registry is complete (options schema with a suite entry and JSON
 * Schema, plan, run or aggregation, rows, report section), so a task missing a part fails here.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { z } from 'zod';
import { suiteJsonSchema, taskSchema } from '../src/suite/schema.js';
import { datasetFields, optionFields } from '../src/tasks/definition.js';
import { TASKS, taskOfType } from '../src/tasks/registry.js';
import { REPO_ROOT } from './helpers/fixtures.js';

test('imports follow the layers: dependency-cruiser finds zero violations and zero cycles', () => {
  const bin = path.join(REPO_ROOT, 'node_modules', '.bin', 'depcruise');
  const r = spawnSync(bin, ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `depcruise failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }>; totalCruised: number } };
  // Every source file was read (the swc parser found the TypeScript files).
  assert.ok(out.summary.totalCruised > 150, `only ${out.summary.totalCruised} modules cruised`);
  const lines = out.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
  assert.deepEqual(lines, []);
});

test('the rule file catches an upward import and a cycle', async () => {
  // A tiny tree with the project's folder names: metrics/ importing suite/ (upward), and a cycle in tasks/.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-layers-'));
  try {
    const write = async (file: string, text: string) => {
      await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await fs.writeFile(path.join(dir, file), text);
    };
    await write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext' } }));
    await write('src/suite/plan.ts', 'export const plan = 1;\n');
    await write('src/metrics/vector.ts', "import { plan } from '../suite/plan.js';\nexport const v = plan;\n");
    await write('src/tasks/a.ts', "import { b } from './b.js';\nexport const a = () => b;\n");
    await write('src/tasks/b.ts', "import { a } from './a.js';\nexport const b = () => a;\n");
    const r = spawnSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'depcruise'), ['src', '--config', path.join(REPO_ROOT, '.dependency-cruiser.cjs'), '--output-type', 'json'], { cwd: dir, encoding: 'utf8' });
    const out = JSON.parse(r.stdout) as { summary: { violations: Array<{ rule: { name: string }; from: string; to: string }> } };
    const names = new Set(out.summary.violations.map((v) => v.rule.name));
    assert.ok(names.has('layer-0-imports-upward'), `upward import caught (${[...names].join(', ')})`);
    assert.ok(names.has('no-circular'), `cycle caught (${[...names].join(', ')})`);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('every task of the registry is complete', () => {
  const types = TASKS.map((t) => t.type);
  assert.equal(new Set(types).size, types.length, 'task types are unique');
  const jsonSchema = JSON.stringify(suiteJsonSchema());
  for (const t of TASKS) {
    assert.ok(t.options instanceof z.ZodObject, `${t.type}: options schema`);
    assert.ok(t.summary.length > 0, `${t.type}: summary`);
    assert.equal(typeof t.plan, 'function', `${t.type}: plan`);
    assert.equal(typeof t.aggregate, 'function', `${t.type}: aggregate (its rows in results.json)`);
    assert.equal(typeof t.report.section, 'function', `${t.type}: report section`);
    assert.ok(t.run !== null || t.cli === null, `${t.type}: a command-line task must run on one model`);
    assert.ok(datasetFields(t.options).length > 0, `${t.type}: declares the datasets it reads`);
    for (const f of optionFields(t.options)) assert.ok((f.schema.description ?? '').length > 0, `${t.type}.${f.key}: described (suite schema and --help)`);
    assert.ok(jsonSchema.includes(`"const":"${t.type}"`), `${t.type}: in the suite's JSON Schema`);
    assert.equal(taskOfType(t.type), t);
    // A suite entry of this type with only its required datasets parses with the task's defaults.
    const entry: Record<string, unknown> = { type: t.type };
    for (const f of datasetFields(t.options)) if (f.required) entry[f.key] = f.meta.list ? ['d'] : 'd';
    for (const f of optionFields(t.options)) if (f.meta.kind !== 'dataset' && !f.schema.safeParse(undefined).success) entry[f.key] = f.meta.kind === 'path' ? 'file' : 'gaussian_noise:1';
    const parsed = taskSchema.safeParse(entry);
    assert.ok(parsed.success, `${t.type}: a minimal entry parses (${parsed.success ? '' : parsed.error.message})`);
  }
});

test('an unknown task type names the known ones', () => {
  assert.throws(() => taskOfType('nope'), /unknown task type "nope" \(tasks: zeroshot, effective-robustness, calibration, ood, shape-bias, retrieval, factors, corruption, correspondence, published, lmm\)/);
});
