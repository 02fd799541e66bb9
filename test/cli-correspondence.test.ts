/**
 * `holoclip eval correspondence` end to end on the built CLI (dist/): the embedded benchmark (a small build) read as
 * spair-71k, a first run, a cached rerun with the same numbers and no inference, a run killed with SIGKILL that
 * resumes without recomputing finished features, and the errors for a model without a dense output and a folder
 * that is not in the SPair layout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { buildEmojiCorrespondence } from '../src/benchmarks/correspondence/build.js';
import { BIN, runCli } from './helpers/cli.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { withTempDir } from './helpers/temp-dir.js';

const BASE = path.join(REPO_ROOT, 'models', 'zoo', 'base');

interface CorrResult {
  task: string;
  metrics: { pck: Record<string, number>; per_level: Record<string, Record<string, number>>; per_warp?: Record<string, unknown>; pairs: number; keypoints: number };
  conventions: Record<string, unknown>;
  cache: { images_inferred: number; images_from_cache: number };
}

async function result(dir: string): Promise<CorrResult> {
  return JSON.parse(await fs.readFile(path.join(dir, 'result.json'), 'utf8')) as CorrResult;
}

async function chunks(store: string): Promise<number> {
  let n = 0;
  for (const s of await fs.readdir(path.join(store, 'dense')).catch(() => [] as string[])) {
    n += (await fs.readdir(path.join(store, 'dense', s, 'chunks')).catch(() => [] as string[])).filter((f) => f.endsWith('.keys.json')).length;
  }
  return n;
}

test('eval correspondence: first run, cached rerun, killed run resumes, bad inputs', async () => {
  await withTempDir(async (work) => {
    const data = path.join(work, 'pairs');
    await buildEmojiCorrespondence({ out: data, emoji: 4 });
    const store = path.join(work, 'store');
    const args = (out: string, extra: string[] = []) => ['eval', 'correspondence', '--model', BASE, '--data', `spair-71k:${data}`, '--store', store, '--out', path.join(work, out), '--threads', '1', '--quiet', ...extra];

    const first = await runCli(args('r1'));
    assert.equal(first.code, 0, first.stderr);
    const r1 = await result(path.join(work, 'r1'));
    assert.equal(r1.task, 'correspondence');
    assert.equal(r1.metrics.pairs, 4 * 5 * 3);
    assert.equal(r1.cache.images_inferred, 4 * 16);
    assert.deepEqual(Object.keys(r1.metrics.pck), ['0.05', '0.1', '0.15']);
    assert.deepEqual(Object.keys(r1.metrics.per_level).sort(), ['0', '1', '2']);
    assert.deepEqual(Object.keys(r1.metrics.per_warp ?? {}).sort(), ['background', 'homography', 'rotation', 'scale', 'tps']);
    assert.ok(r1.metrics.pck['0.05'] <= r1.metrics.pck['0.1'] && r1.metrics.pck['0.1'] <= r1.metrics.pck['0.15']);
    assert.equal(r1.conventions.precision, 'float16');

    const again = await runCli(args('r2'));
    assert.equal(again.code, 0, again.stderr);
    const r2 = await result(path.join(work, 'r2'));
    assert.equal(r2.cache.images_inferred, 0);
    assert.deepEqual(r2.metrics, r1.metrics);

    // Kill a run in a fresh store after its first chunks, then resume: finished features are not recomputed.
    const store2 = path.join(work, 'store2');
    const killArgs = ['eval', 'correspondence', '--model', BASE, '--data', `spair-71k:${data}`, '--store', store2, '--threads', '1', '--batch-size', '2', '--quiet'];
    const child = spawn(process.execPath, [BIN, ...killArgs, '--out', path.join(work, 'killed')], { stdio: 'ignore' });
    let finished = false;
    const exited = new Promise<void>((resolve) => child.on('close', () => { finished = true; resolve(); }));
    while (!finished && (await chunks(store2)) < 3) await new Promise((r) => setTimeout(r, 10));
    assert.ok(!finished, 'the run finished before it could be killed');
    child.kill('SIGKILL');
    await exited;
    const stored = (await chunks(store2)) * 2;
    assert.ok(stored > 0 && stored < 64);
    const resumed = await runCli([...killArgs, '--out', path.join(work, 'resumed')]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const r3 = await result(path.join(work, 'resumed'));
    assert.equal(r3.cache.images_from_cache, stored, 'the features stored before the kill are read, not recomputed');
    assert.equal(r3.cache.images_inferred, 64 - stored);
    assert.deepEqual(r3.metrics, r1.metrics);

    const noDense = await runCli(['eval', 'correspondence', '--model', path.join(REPO_ROOT, 'models', 'zoo', 'size-25pct'), '--data', `spair-71k:${data}`, '--store', store, '--out', path.join(work, 'x'), '--quiet']);
    assert.equal(noDense.code, 1);
    assert.match(noDense.stderr, /no dense output.*--dense/);
    const notSpair = await runCli(['eval', 'correspondence', '--model', BASE, '--data', `spair-71k:${work}`, '--store', store, '--out', path.join(work, 'y'), '--quiet']);
    assert.equal(notSpair.code, 1);
    assert.match(notSpair.stderr, /PairAnnotation.*does not exist/);
  });
});
