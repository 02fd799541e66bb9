/**
 * `holoclip run SUITE --slurm --shards 3` on a real one-node Slurm cluster that the test starts and stops itself
 * (test/helpers/slurm-cluster.ts; Slurm and munge installed by tools/test-env/slurm.sh: without them this test
 * fails and says so):
 * - the shard array and the aggregation job write results.json and results.csv byte-identical to a plain run;
 * - a shard that fails is reported with its array index and log, the aggregation job is cancelled, and running
 *   the same command again resubmits only that shard and ends with the same results.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, runCli } from './helpers/cli.js';
import { sharedEmojiShift, writeStyleManifest } from './helpers/emoji-shift.js';
import { REPO_ROOT } from './helpers/fixtures.js';
import { slurmPrograms, startSlurmCluster, type SlurmCluster } from './helpers/slurm-cluster.js';

const ZOO = path.join(REPO_ROOT, 'models', 'zoo');
const SHARDS = 3;

let work = '';
let suiteFile = '';
let cluster: SlurmCluster | null = null;
let plainSeconds = 0;

before(async () => {
  slurmPrograms(); // fails the test, saying to run tools/test-env/slurm.sh, when Slurm is not installed
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-slurm-suite-'));
  const bench = await sharedEmojiShift();
  await writeStyleManifest(bench, path.join(work, 'train-small.jsonl'), 'noto', 2);
  await writeStyleManifest(bench, path.join(work, 'shift-small.jsonl'), 'fluent-3d', 1);
  const classnames = JSON.stringify(path.join(bench, 'classnames.txt'));
  suiteFile = path.join(work, 'suite.yaml');
  await fs.writeFile(
    suiteFile,
    `name: slurm-small
reference: base
benchmarks_dir: ${JSON.stringify(path.dirname(bench))}
models:
  - path: ${JSON.stringify(path.join(ZOO, 'base'))}
  - path: ${JSON.stringify(path.join(ZOO, 'loss-sigmoid'))}
datasets:
  train-small: { path: train-small.jsonl, classnames: ${classnames} }
  shift-small: { path: shift-small.jsonl, classnames: ${classnames} }
  near-ood: ${JSON.stringify(path.join(bench, 'near-ood'))}
tasks:
  - type: zeroshot
    datasets: [train-small, shift-small]
  - type: calibration
    dataset: train-small
    shifts: [shift-small]
  - type: ood
    dataset: shift-small
    ood: [near-ood]
`,
  );
  // The reference: a plain run in this process's machine, one thread (as each Slurm job: --cpus-per-task 1).
  const t0 = performance.now();
  const plain = await runCli(['run', suiteFile, '--store', path.join(work, 'store-plain'), '--out', path.join(work, 'out-plain'), '--threads', '1', '--quiet']);
  plainSeconds = (performance.now() - t0) / 1000;
  assert.equal(plain.code, 0, plain.stderr);
  cluster = await startSlurmCluster();
  console.log(`# slurm test cluster up in ${cluster.startSeconds.toFixed(1)} s; plain run ${plainSeconds.toFixed(1)} s`);
});

after(async () => {
  if (cluster) await cluster.stop();
  if (work) await fs.rm(work, { recursive: true, force: true });
});

function slurmArgs(tag: string, extra: string[] = []): string[] {
  return ['run', suiteFile, '--slurm', '--shards', String(SHARDS), '--cpus-per-task', '1', '--time', '10:00', '--poll', '0.5', '--store', path.join(work, `store-${tag}`), '--out', path.join(work, `out-${tag}`), ...extra];
}

async function sameOutputs(tag: string): Promise<void> {
  for (const f of ['results.json', 'results.csv']) {
    const want = await fs.readFile(path.join(work, 'out-plain', f));
    const got = await fs.readFile(path.join(work, `out-${tag}`, f));
    assert.ok(want.equals(got), `${f} of the Slurm run differs from the plain run's`);
  }
}

test(`slurm: --slurm --shards ${SHARDS} on a one-node cluster writes results.json byte-identical to a plain run`, { timeout: 600_000 }, async () => {
  const t0 = performance.now();
  const res = await runCli(slurmArgs('a'), { env: cluster!.env });
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(res.code, 0, `${res.stdout}\n${res.stderr}`);
  console.log(`# submit-to-results through ${SHARDS} Slurm shards + aggregation: ${seconds.toFixed(1)} s (plain run: ${plainSeconds.toFixed(1)} s)`);
  await sameOutputs('a');
  assert.match(res.stderr, new RegExp(`slurm: submitted shard array job \\d+ \\(array 0-${SHARDS - 1}, ${SHARDS} shards\\) and aggregation job \\d+ \\(afterok:\\d+\\)`));
  assert.match(res.stderr, new RegExp(`slurm: shards ${SHARDS}/${SHARDS} done`));
  assert.match(res.stdout, /time\s+[\d.]+ s from submission to results/);
  assert.ok(existsSync(path.join(work, 'out-a', 'report', 'index.html')), 'the aggregation job wrote the report');
  // One log per array task, each naming its shard; every shard embedded something (6 units over 3 shards).
  const logs = path.join(work, 'out-a', 'slurm', 'logs');
  const names = (await fs.readdir(logs)).sort();
  const shardLogs = names.filter((n) => /^shards-\d+_\d+\.log$/.test(n));
  assert.equal(shardLogs.length, SHARDS, names.join(', '));
  for (const [k, n] of shardLogs.entries()) {
    const text = await fs.readFile(path.join(logs, n), 'utf8');
    assert.match(text, new RegExp(`holoclip: shard ${k + 1}/${SHARDS} `));
    assert.match(text, /embedding units\s+2 of 6, [1-9]\d* images inferred/);
  }
  const agg = names.filter((n) => /^aggregate-\d+\.log$/.test(n));
  assert.equal(agg.length, 1);
  assert.match(await fs.readFile(path.join(logs, agg[0]!), 'utf8'), /0 images inferred/, 'the shards embedded everything before the aggregation');
});

test('slurm: a failed shard is reported with its log, the aggregation is cancelled, and a rerun resubmits only that shard', { timeout: 600_000 }, async () => {
  // A holoclip command that fails shard 2 the first time it runs.
  const marker = path.join(work, 'failed-once');
  const wrapper = path.join(work, 'fail-shard-2-once.sh');
  await fs.writeFile(
    wrapper,
    `#!/bin/bash
for a in "$@"; do
  if [ "$a" = "2/${SHARDS}" ] && [ ! -e ${JSON.stringify(marker)} ]; then touch ${JSON.stringify(marker)}; echo "injected failure of shard 2/${SHARDS}" >&2; exit 3; fi
done
exec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"
`,
    { mode: 0o755 },
  );
  const args = slurmArgs('b', ['--holoclip-command', wrapper]);
  const first = await runCli(args, { env: cluster!.env });
  assert.equal(first.code, 1, `${first.stdout}\n${first.stderr}`);
  const m = /shard 2\/3 \(array index 1\): FAILED, exit 3:0; log (\S+)/.exec(first.stderr);
  assert.ok(m, first.stderr);
  assert.match(await fs.readFile(m[1]!, 'utf8'), /injected failure of shard 2\/3/);
  assert.match(first.stderr, /injected failure of shard 2\/3/, 'the error quotes the end of the log');
  assert.match(first.stderr, /slurm: cancelled the aggregation job \d+: 1 shard failed/);
  assert.match(first.stderr, /rerun the same command; it resubmits only the shards that did not complete/);
  assert.ok(!existsSync(path.join(work, 'out-b', 'results.json')), 'no aggregation after a failed shard');
  const queue = spawnSync('squeue', ['-h', '-o', '%i %T %r'], { env: cluster!.env, encoding: 'utf8' });
  assert.equal(queue.status, 0, queue.stderr);
  assert.equal(queue.stdout.trim(), '', 'nothing left in the queue (the aggregation job was cancelled, not left waiting forever)');

  const second = await runCli(args, { env: cluster!.env });
  assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
  assert.match(second.stderr, /slurm: shards 1, 3 completed in an earlier submission; resubmitting shards 2 of 3/);
  assert.match(second.stderr, /slurm: submitted shard array job \d+ \(array 1, 1 shard\)/);
  await sameOutputs('b');
});
