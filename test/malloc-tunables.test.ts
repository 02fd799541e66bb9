/**
 * glibc's malloc tunables (src/util/allocator-env.ts): bin/holoclip.js run as a program sets GLIBC_TUNABLES unless
 * it is already set (empty turns them off) and runs node in the same process; `node bin/holoclip.js` leaves the
 * environment alone; the Slurm and Kubernetes job scripts set the same value the same way; bin/holoclip.js and the
 * bench script carry the value the TypeScript constant holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { k8sManifests } from '../src/cluster/k8s/manifests.js';
import type { ClusterRunSpec } from '../src/cluster/cluster-run.js';
import { slurmAggregateScript, slurmJobFiles, slurmShardsScript } from '../src/cluster/slurm/script.js';
import { glibcTunablesShellLine, HOLOCLIP_GLIBC_TUNABLES } from '../src/util/allocator-env.js';
import { REPO_ROOT } from './helpers/fixtures.js';

const BIN = path.join(REPO_ROOT, 'bin', 'holoclip.js');

/** Runs `holoclip --version` with a preload that prints what GLIBC_TUNABLES the node process got (JSON, or "unset"). */
async function tunablesSeen(how: 'program' | 'node', env: Record<string, string | undefined>): Promise<{ seen: string; version: string; pidSame: boolean }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-tunables-'));
  try {
    const preload = path.join(dir, 'print-env.cjs');
    // The pid check: the shell execs node, so the process that started is the node that runs holoclip.
    await fs.writeFile(preload, "process.stderr.write(`TUNABLES=${process.env.GLIBC_TUNABLES === undefined ? 'unset' : JSON.stringify(process.env.GLIBC_TUNABLES)} PID=${process.pid}\\n`);\n");
    const base: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: `--require ${preload}` };
    delete base.GLIBC_TUNABLES;
    for (const [k, v] of Object.entries(env)) if (v !== undefined) base[k] = v;
    const r = how === 'program' ? spawnSync(BIN, ['--version'], { env: base, encoding: 'utf8' }) : spawnSync(process.execPath, [BIN, '--version'], { env: base, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = /TUNABLES=(\S+) PID=(\d+)/.exec(r.stderr);
    assert.ok(m, `the preload did not run: ${r.stderr}`);
    return { seen: m[1], version: r.stdout.trim(), pidSame: Number(m[2]) === r.pid };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

test('bin/holoclip.js as a program: sets the tunables in the same process, keeps a value the user set', async () => {
  const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const plain = await tunablesSeen('program', {});
  assert.equal(plain.seen, JSON.stringify(HOLOCLIP_GLIBC_TUNABLES));
  assert.equal(plain.version, version);
  assert.ok(plain.pidSame, 'the shell line must exec node, not start a second process (a killed holoclip must stop)');
  assert.equal((await tunablesSeen('program', { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).seen, JSON.stringify('glibc.malloc.arena_max=2'));
  assert.equal((await tunablesSeen('program', { GLIBC_TUNABLES: '' })).seen, '""', 'an empty GLIBC_TUNABLES turns them off');
});

test('node bin/holoclip.js: the environment is left as it is', async () => {
  const r = await tunablesSeen('node', {});
  assert.equal(r.seen, 'unset');
  assert.ok(r.pidSame);
});

test('bin/holoclip.js and the bench script carry the value src/util/allocator-env.ts holds', () => {
  const bin = readFileSync(BIN, 'utf8').split('\n');
  assert.equal(bin[0], '#!/bin/sh');
  assert.equal(bin[1], `":" //; ${glibcTunablesShellLine()}; exec node "$0" "$@"`);
  const scripts = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  assert.ok(scripts.bench.startsWith(`GLIBC_TUNABLES=\${GLIBC_TUNABLES-${HOLOCLIP_GLIBC_TUNABLES}} node `), scripts.bench);
});

test('the shell line: the default when unset, the user value when set, empty stays empty', () => {
  const run = (env: NodeJS.ProcessEnv) => spawnSync('/bin/sh', ['-c', `${glibcTunablesShellLine()}; printf '%s' "$GLIBC_TUNABLES"`], { env, encoding: 'utf8' }).stdout;
  const env = { ...process.env };
  delete env.GLIBC_TUNABLES;
  assert.equal(run(env), HOLOCLIP_GLIBC_TUNABLES);
  assert.equal(run({ ...env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }), 'glibc.malloc.arena_max=2');
  assert.equal(run({ ...env, GLIBC_TUNABLES: '' }), '');
});

test('Slurm and Kubernetes job scripts set the tunables before holoclip starts', () => {
  const spec: ClusterRunSpec = {
    suiteName: 'nightly',
    suiteFile: '/shared/suite.yaml',
    suiteSha256: 'ab'.repeat(32),
    store: '/shared/store',
    out: '/shared/runs/nightly',
    benchmarksDir: '/shared/benchmarks',
    workdir: '/shared',
    shards: 2,
    report: true,
    holoclip: ['/opt/node/bin/node', '/opt/holoclip/bin/holoclip.js'],
  };
  const files = slurmJobFiles('/shared/runs/nightly/slurm');
  for (const script of [slurmShardsScript(spec, {}, files), slurmAggregateScript(spec, {}, files)]) {
    const lines = script.split('\n');
    const at = lines.indexOf(glibcTunablesShellLine());
    assert.ok(at > 0 && at < lines.findIndex((l) => l.startsWith('holoclip ')), script);
  }
  const m = k8sManifests(spec, { image: 'holoclip:1', pvc: 'data', mountPath: '/shared' });
  for (const job of [m.shards, m.aggregate]) {
    const command = (job as { spec: { template: { spec: { containers: Array<{ command: string[] }> } } } }).spec.template.spec.containers[0].command;
    assert.ok(command[2].startsWith(`${glibcTunablesShellLine()}; exec `), command[2]);
  }
});
