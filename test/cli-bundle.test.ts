/**
 * The bundled CLI (dist/bundle/, built by `npm run build` / pretest with tools/build/bundle.mjs): bin/holoclip.js
 * runs it; only commander, zod and yaml are inlined (every other package stays external, imported from
 * node_modules); zod's unused locales are left out; the start-up files import no heavy package; the worker threads
 * start from the bundle's own worker files; and bin falls back to dist/cli/ when the bundle is missing or stale.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readNpy, writeNpyAtomic } from '../src/store/npy.js';
import { makeImageFolder, runCli } from './helpers/cli.js';
import { fixtureDir, REPO_ROOT } from './helpers/fixtures.js';

interface MetaOutput {
  entryPoint?: string;
  inputs: Record<string, { bytesInOutput: number }>;
  imports: { path: string; kind: string; external?: boolean }[];
}
const BUNDLE = path.join(REPO_ROOT, 'dist', 'bundle');
const BUNDLED_PACKAGES = ['commander', 'zod', 'yaml'];
const HEAVY = ['onnxruntime-node', 'onnxruntime-common', '@huggingface/transformers', 'sharp', 'vega', 'vega-lite', 'playwright-core'];

function meta(): Record<string, MetaOutput> {
  const file = path.join(BUNDLE, 'meta.json');
  assert.ok(existsSync(file), 'dist/bundle/meta.json is missing: run `npm run build`');
  return (JSON.parse(readFileSync(file, 'utf8')) as { outputs: Record<string, MetaOutput> }).outputs;
}

const packageOf = (input: string): string | null => {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  return m ? m[1] : null;
};

/** The output files a bundle file loads before it runs: itself and its static imports, transitively. */
function staticClosure(outputs: Record<string, MetaOutput>, start: string): { files: string[]; externals: string[] } {
  const files = new Set<string>();
  const externals = new Set<string>();
  const todo = [start];
  while (todo.length > 0) {
    const f = todo.pop() as string;
    if (files.has(f)) continue;
    files.add(f);
    for (const i of outputs[f].imports) {
      if (i.kind !== 'import-statement' && i.kind !== 'require-call') continue;
      if (i.external) externals.add(i.path);
      else todo.push(i.path);
    }
  }
  return { files: [...files], externals: [...externals] };
}

function outputOfEntry(outputs: Record<string, MetaOutput>, entry: string): string {
  const hit = Object.entries(outputs).find(([, o]) => o.entryPoint === entry);
  assert.ok(hit, `no bundle file for ${entry}`);
  return hit[0];
}

test('bundle: built after tsc, and bin/holoclip.js runs it', async () => {
  const main = path.join(BUNDLE, 'main.js');
  assert.ok(existsSync(main), 'dist/bundle/main.js is missing: run `npm run build`');
  assert.ok(statSync(main).mtimeMs >= statSync(path.join(REPO_ROOT, 'dist', 'cli', 'main.js')).mtimeMs, 'dist/bundle is older than dist/cli/main.js: run `npm run build`');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-bundle-'));
  const record = path.join(dir, 'imports.txt');
  const hook = path.join(REPO_ROOT, 'test', 'helpers', 'record-imports.mjs');
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', hook, path.join(REPO_ROOT, 'bin', 'holoclip.js'), 'suite', 'check', 'suites/demo.yaml'], { cwd: REPO_ROOT, env: { ...process.env, HOLOCLIP_RECORD_IMPORTS: record }, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', resolve);
  });
  assert.equal(code, 0);
  const urls = readFileSync(record, 'utf8').trim().split('\n');
  await fs.rm(dir, { recursive: true, force: true });
  assert.ok(urls.some((u) => u.endsWith('/dist/bundle/main.js')), 'bin did not load dist/bundle/main.js');
  const unbundled = urls.filter((u) => u.includes('/dist/') && !u.includes('/dist/bundle/'));
  assert.deepEqual(unbundled, [], 'suite check loaded dist/ modules outside the bundle');
  for (const pkg of BUNDLED_PACKAGES) assert.ok(!urls.some((u) => u.includes(`/node_modules/${pkg}/`)), `suite check loaded ${pkg} from node_modules, not from the bundle`);
});

test('bundle: only commander, zod and yaml are inlined; every other package is imported from node_modules', () => {
  const outputs = meta();
  const inlined = new Set(Object.values(outputs).flatMap((o) => Object.keys(o.inputs).map(packageOf).filter((p): p is string => p !== null)));
  assert.deepEqual([...inlined].sort(), [...BUNDLED_PACKAGES].sort());
  const external = new Set(Object.values(outputs).flatMap((o) => o.imports.filter((i) => i.external && !i.path.startsWith('node:')).map((i) => i.path)));
  for (const pkg of ['onnxruntime-node', 'sharp', '@huggingface/transformers', 'vega', 'vega-lite']) assert.ok(external.has(pkg), `${pkg} is not imported as an external package`);
  // zod's locales: `import * as z` lets esbuild drop all but the English one zod configures itself with.
  const locales = Object.values(outputs).flatMap((o) => Object.keys(o.inputs).filter((i) => /node_modules\/zod\/.*\/locales\/[^/]+\.js$/.test(i)));
  assert.deepEqual([...new Set(locales)].map((l) => path.basename(l)), ['en.js'], 'zod imported as `import { z }` somewhere? (use `import * as z from \'zod\'`)');
});

test('bundle: the start-up files (main, the suite and score commands) import no heavy package before they run', () => {
  const outputs = meta();
  const notForSuiteCheck = [...HEAVY, 'cli-progress', 'csv-parse', 'tinyglobby'];
  for (const [entry, forbidden] of [['dist/cli/main.js', notForSuiteCheck], ['dist/cli/commands/suite.js', notForSuiteCheck], ['dist/cli/commands/score.js', HEAVY]] as const) {
    const { externals } = staticClosure(outputs, outputOfEntry(outputs, entry));
    const heavy = externals.filter((e) => forbidden.some((h) => e === h || e.startsWith(`${h}/`)));
    assert.deepEqual(heavy, [], `${entry} (bundled) imports ${heavy.join(', ')}`);
  }
});

test('bundle: every worker holoclip starts is a bundle file of its own, beside the chunks', () => {
  const outputs = meta();
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/startModuleWorker\(import\.meta\.url, '([^']+)'/g)) names.add(`${path.relative(path.join(REPO_ROOT, 'src'), dir)}/${m[1]}`);
    }
  };
  walk(path.join(REPO_ROOT, 'src'));
  assert.ok(names.size >= 2, `found ${names.size} workers`);
  for (const n of names) assert.equal(outputs[`dist/bundle/${path.basename(n)}.js`]?.entryPoint, `dist/${n}.js`, `dist/bundle/${path.basename(n)}.js is not the bundled ${n}`);
});

test('bundle: the calibration worker and the decode workers start from the bundle and give the figures of dist/', async () => {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-bundle-workers-'));
  // score ece on 1,000 x 4,000 float32 (4,000,000 values: the two-thread path).
  const rows = 1000, cols = 4000;
  const logits = new Float32Array(rows * cols);
  for (let i = 0; i < logits.length; i++) logits[i] = Math.sin(i * 0.37) * 3;
  await writeNpyAtomic(path.join(work, 'logits.npy'), logits, [rows, cols]);
  await writeNpyAtomic(path.join(work, 'labels.npy'), Int32Array.from({ length: rows }, (_, i) => (i * 7) % cols), [rows]);
  const score = ['score', 'ece', '--logits', path.join(work, 'logits.npy'), '--labels', path.join(work, 'labels.npy')];
  const bundled = await runCli(score);
  const plain = await runCli(score, { env: { HOLOCLIP_NO_BUNDLE: '1' } });
  assert.equal(bundled.code, 0, bundled.stderr);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(bundled.stdout, plain.stdout);

  const data = path.join(work, 'data');
  await makeImageFolder(data, ['bird', 'cat'], 2);
  const run = (out: string, env: NodeJS.ProcessEnv) =>
    runCli(['eval', 'zeroshot', '--model', fixtureDir('tiny-clip'), '--data', data, '--batch-size', '2', '--decode-workers', '2', '--quiet', '--store', path.join(work, `s-${out}`), '--out', path.join(work, out)], { env });
  const a = await run('bundled', {});
  assert.equal(a.code, 0, a.stderr);
  const b = await run('plain', { HOLOCLIP_NO_BUNDLE: '1' });
  assert.equal(b.code, 0, b.stderr);
  const la = await readNpy(path.join(work, 'bundled', 'logits.npy'));
  const lb = await readNpy(path.join(work, 'plain', 'logits.npy'));
  assert.deepEqual(la.shape, [4, 2]);
  assert.deepEqual([...la.data], [...lb.data]);
  await fs.rm(work, { recursive: true, force: true });
});

test('bin: runs the bundle when it is newer than dist/cli, dist/cli otherwise, and says what to run when neither is built', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-bin-'));
  await fs.mkdir(path.join(root, 'bin'));
  await fs.copyFile(path.join(REPO_ROOT, 'bin', 'holoclip.js'), path.join(root, 'bin', 'holoclip.js'));
  const bin = path.join(root, 'bin', 'holoclip.js');
  const fake = (what: string) => `export async function main() { process.stdout.write('${what}\\n'); return 0; }\n`;
  const runBin = (env: NodeJS.ProcessEnv = {}) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [bin], { env: { ...process.env, HOLOCLIP_NO_BUNDLE: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  const missing = await runBin();
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'holoclip: the compiled CLI (dist/) is missing; run `npm run build` in the holoclip folder\n');

  await fs.mkdir(path.join(root, 'dist', 'cli'), { recursive: true });
  await fs.mkdir(path.join(root, 'dist', 'bundle'), { recursive: true });
  await fs.writeFile(path.join(root, 'dist', 'cli', 'main.js'), fake('dist'));
  await fs.writeFile(path.join(root, 'dist', 'bundle', 'main.js'), fake('bundle'));
  const t = Date.now() / 1000;
  await fs.utimes(path.join(root, 'dist', 'cli', 'main.js'), t - 10, t - 10);
  await fs.utimes(path.join(root, 'dist', 'bundle', 'main.js'), t, t);
  assert.equal((await runBin()).stdout, 'bundle\n');
  assert.equal((await runBin({ HOLOCLIP_NO_BUNDLE: '1' })).stdout, 'dist\n');
  // tsc ran after the bundle was built: the bundle is stale, the compiled modules run.
  await fs.utimes(path.join(root, 'dist', 'cli', 'main.js'), t + 10, t + 10);
  assert.equal((await runBin()).stdout, 'dist\n');
  await fs.rm(path.join(root, 'dist', 'cli'), { recursive: true });
  assert.equal((await runBin()).stdout, 'bundle\n');
  await fs.rm(root, { recursive: true, force: true });
});
