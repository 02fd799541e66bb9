/**
 * CLI start-up: commands that run no model (`--help`, `score`, `suite check`) must not load onnxruntime-node,
 * transformers.js, sharp or vega (they cost seconds to load; README "Performance"). Checked on the module graph the
 * built CLI resolves (an ESM resolve hook records every URL), not on a time. bin/holoclip.js runs the bundle
 * (dist/bundle/, tools/build/bundle.mjs): a bundle file it loads stands for the dist/ modules and bundled packages
 * esbuild put in it (dist/bundle/meta.json), so the same assertions hold for the bundle as for dist/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeNpyAtomic } from '../src/store/npy.js';
import { BIN } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const HOOK = path.join(REPO_ROOT, 'test', 'helpers', 'record-imports.mjs');
const HEAVY = ['onnxruntime-node', 'onnxruntime-common', '@huggingface/transformers', 'sharp', 'vega', 'vega-lite'];

/** The packages (node_modules/<name>) and holoclip modules (dist/...) a CLI invocation loads, its exit code, and whether it ran the bundle. */
async function modulesLoadedBy(args: string[]): Promise<{ code: number | null; packages: Set<string>; holoclip: string[]; stderr: string; bundle: boolean }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-startup-'));
  const record = path.join(dir, 'imports.txt');
  const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', HOOK, BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, HOLOCLIP_RECORD_IMPORTS: record }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stderr: err }));
  });
  const recorded = (await fs.readFile(record, 'utf8')).trim().split('\n');
  await fs.rm(dir, { recursive: true, force: true });
  const urls = await expandBundleFiles(recorded);
  const packages = new Set(urls.flatMap((u) => [...u.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g)].map((m) => m[1])));
  const holoclip = [...new Set(urls.flatMap((u) => (u.includes('/dist/') ? [u.slice(u.lastIndexOf('/dist/') + 6)] : [])))].sort();
  return { code, packages, holoclip, stderr, bundle: recorded.some((u) => u.endsWith('/dist/bundle/main.js')) };
}

/** Each dist/bundle/ file in `urls` replaced by the modules it holds (its inputs in dist/bundle/meta.json), as paths. */
async function expandBundleFiles(urls: string[]): Promise<string[]> {
  const bundled = urls.filter((u) => u.includes('/dist/bundle/'));
  if (bundled.length === 0) return urls;
  const meta = JSON.parse(await fs.readFile(path.join(REPO_ROOT, 'dist', 'bundle', 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return urls.flatMap((u) => {
    if (!u.includes('/dist/bundle/')) return [u];
    const output = meta.outputs[`dist/bundle/${u.slice(u.lastIndexOf('/dist/bundle/') + 13)}`];
    assert.ok(output, `${u} is not in dist/bundle/meta.json (a bundle from another build?)`);
    return Object.keys(output.inputs).map((input) => `/${input}`);
  });
}

function assertNoHeavy(packages: Set<string>, what: string): void {
  assert.ok(packages.has('commander'), `${what}: the hook recorded nothing (commander missing)`);
  for (const heavy of HEAVY) assert.ok(!packages.has(heavy), `${what} loads ${heavy}`);
}

test('startup: holoclip --help loads the command list only, no command module and no heavy package', async () => {
  const r = await modulesLoadedBy(['--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.bundle, 'bin/holoclip.js did not run dist/bundle/main.js (build it with `npm run build`)');
  assertNoHeavy(r.packages, '--help');
  assert.deepEqual(r.holoclip, ['cli/command-list.js', 'cli/main.js', 'errors.js', 'util/fs-errors.js', 'util/version.js']);
});

test('startup: score ece and suite check load neither onnxruntime, transformers.js, sharp nor vega', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-startup-data-'));
  const logits = path.join(dir, 'logits.npy');
  await writeNpyAtomic(logits, Float32Array.from({ length: 40 }, (_, i) => Math.sin(i)), [10, 4]);
  await fs.writeFile(path.join(dir, 'labels.txt'), Array.from({ length: 10 }, (_, i) => String(i % 4)).join('\n'));
  const score = await modulesLoadedBy(['score', 'ece', '--logits', logits, '--labels', path.join(dir, 'labels.txt')]);
  assert.equal(score.code, 0, score.stderr);
  assertNoHeavy(score.packages, 'score ece');
  assert.ok(!score.holoclip.some((m) => m.startsWith('tasks/') && !m.startsWith('tasks/factors/prototypes')), `score loads task modules: ${score.holoclip.join(', ')}`);
  const check = await modulesLoadedBy(['suite', 'check', 'suites/demo.yaml']);
  assert.equal(check.code, 0, check.stderr);
  assertNoHeavy(check.packages, 'suite check');
  assert.ok(!check.holoclip.includes('suite/run-suite.js'), 'suite check loads the suite runner');
  // Running a command still loads what it needs: eval's help lists the task flags from the task definitions.
  const evalHelp = await modulesLoadedBy(['eval', 'zeroshot', '--help']);
  assert.equal(evalHelp.code, 0, evalHelp.stderr);
  assert.ok(evalHelp.holoclip.includes('tasks/zeroshot/index.js'));
  assertNoHeavy(evalHelp.packages, 'eval zeroshot --help');
  await fs.rm(dir, { recursive: true, force: true });
});

// What `suite check` validates against are tables (task specs, the corruption catalog, the dataset-type table,
// layouts, constants), not the code that runs, aggregates, reports, opens datasets or corrupts images.
const NOT_FOR_SUITE_CHECK = [
  /^cli\/commands\/run(-cluster)?\.js$/, /^cli\/progress-display\.js$/, /^cluster\//, /^suite\/run-suite\.js$/, /^report\//, /^published\//, /^lmm\//, /^formats\//,
  /^tasks\/registry\.js$/, /^tasks\/[^/]+\/(index|report|summary|run|landscape-report)\.js$/,
  /^corruptions\/(registry\.js|imagenet-c\/|3dcc\/|reference\/)/,
  /^data\/(dataset-ref|typed-spec|open-dataset|imagefolder|image-list|caption-manifest|webdataset|npz)\.js$/, /^data\/adapters\/(?!layouts\.js$)/,
  /^image\/(?!preprocess-spec\.js$|pixel-limit-default\.js$)/,
  /^models\/(open-model|clip-model|dense-encoder)\.js$/,
  /^refdata\/index\.js$/,
];

test('startup: suite check loads the validation tables only, none of the run, report, dataset-reader or image code', async () => {
  const check = await modulesLoadedBy(['suite', 'check', 'suites/demo.yaml']);
  assert.equal(check.code, 0, check.stderr);
  assertNoHeavy(check.packages, 'suite check');
  for (const pkg of ['cli-progress', 'csv-parse', 'tinyglobby']) assert.ok(!check.packages.has(pkg), `suite check loads ${pkg}`);
  const loaded = check.holoclip.filter((m) => NOT_FOR_SUITE_CHECK.some((re) => re.test(m)));
  assert.deepEqual(loaded, [], `suite check loads ${loaded.join(', ')}`);
  // It does validate: the suite loader, the task specs, the corruption catalog and the dataset-type table.
  for (const m of ['suite/load-suite.js', 'tasks/specs.js', 'tasks/zeroshot/spec.js', 'corruptions/catalog.js', 'data/dataset-types.js', 'suite/plan.js']) assert.ok(check.holoclip.includes(m), `suite check does not load ${m}`);
});
