/**
 * The Slurm pieces that need no cluster: the emitted scripts (directives, quoting, the command each array task
 * runs), reading squeue / sacct / scontrol output, and the submit-and-follow logic against a scripted stand-in
 * for Slurm's commands (failed shards reported with their logs and the aggregation cancelled; a rerun resubmits
 * only unfinished shards; a submission still in the queue is followed, not submitted again). The real cluster
 * is in cluster-slurm.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterRunSpec } from '../src/cluster/cluster-run.js';
import type { CommandResult, CommandRunner } from '../src/cluster/slurm/commands.js';
import { emitSlurmJob } from '../src/cluster/slurm/emit.js';
import { followSlurmJob, submitSlurmJob } from '../src/cluster/slurm/follow.js';
import { slurmJobFiles, slurmShardsScript, slurmAggregateScript, type SlurmJobFiles } from '../src/cluster/slurm/script.js';
import { arraySpec, parseSacct, parseScontrol, parseSqueue } from '../src/cluster/slurm/states.js';
import { runCli } from './helpers/cli.js';

let work = '';
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'holoclip-slurm-script-'));
});
after(async () => {
  if (work) await fs.rm(work, { recursive: true, force: true });
});

function spec(over: Partial<ClusterRunSpec> = {}): ClusterRunSpec {
  return {
    suiteName: 'nightly run',
    suiteFile: "/data/suites/it's a suite.yaml",
    suiteSha256: 'ab'.repeat(32),
    store: '/shared/store $HOME',
    out: '/shared/runs/nightly',
    benchmarksDir: '/shared/benchmarks',
    workdir: '/shared',
    shards: 4,
    report: true,
    holoclip: ['/opt/node/bin/node', '/opt/holoclip/bin/holoclip.js'],
    ...over,
  };
}

test('slurm script: directives, one array task per shard, the aggregation runs the plain suite', () => {
  const files = slurmJobFiles('/shared/runs/nightly/slurm');
  const s = slurmShardsScript(spec(), { partition: 'gpu', gpusPerTask: 1, time: '4:00:00', cpusPerTask: 8, mem: '32G', account: 'lab', qos: 'normal', sbatchArgs: ['--constraint=a100'] }, files);
  for (const line of [
    '#SBATCH --array=0-3',
    '#SBATCH --partition=gpu',
    '#SBATCH --gpus-per-task=1',
    '#SBATCH --time=4:00:00',
    '#SBATCH --cpus-per-task=8',
    '#SBATCH --mem=32G',
    '#SBATCH --account=lab',
    '#SBATCH --qos=normal',
    '#SBATCH --constraint=a100',
    '#SBATCH --output=/shared/runs/nightly/slurm/logs/shards-%A_%a.log',
    '#SBATCH --chdir=/shared',
    '#SBATCH --job-name=holoclip-nightly-run-shards',
  ]) {
    assert.ok(s.split('\n').includes(line), `missing ${line}\n${s}`);
  }
  // #SBATCH lines must come before the first command, or sbatch ignores them.
  const lines = s.split('\n');
  const firstCommand = lines.findIndex((l) => l !== '' && !l.startsWith('#'));
  assert.ok(lines.slice(firstCommand).every((l) => !l.startsWith('#SBATCH')));
  const a = slurmAggregateScript(spec({ report: false }), { gpusPerTask: 1, time: '1:00:00' }, files);
  assert.ok(!a.includes('--gpus-per-task'), 'the aggregation needs no GPU');
  assert.ok(!a.includes('--array'));
  assert.match(a, /--no-report/);
  assert.ok(!a.includes('--shard'));
});

test('slurm script: bad options are refused before anything is written', async () => {
  const files = slurmJobFiles(path.join(work, 'bad'));
  assert.throws(() => slurmShardsScript(spec(), { time: 'two hours' }, files), /--time two hours: expected a Slurm time limit/);
  assert.throws(() => slurmShardsScript(spec(), { partition: 'a b' }, files), /--partition "a b": expected one word/);
  assert.throws(() => slurmShardsScript(spec(), { sbatchArgs: ['constraint=x'] }, files), /--sbatch-arg "constraint=x"/);
  await assert.rejects(emitSlurmJob(spec({ workdir: work }), { time: 'x' }, path.join(work, 'bad')), /--time x/);
  assert.ok(!existsSync(path.join(work, 'bad')), 'nothing written');
  await assert.rejects(emitSlurmJob(spec({ workdir: work }), {}, path.join(work, 'with space')), /contains a space or %/);
});

test('slurm script: each array task runs holoclip with its own shard, words intact through the shell', async () => {
  // The emitted script, run by bash as Slurm would, with `holoclip` standing for a program that prints its arguments.
  const printer = path.join(work, 'print-args.sh');
  await fs.writeFile(printer, '#!/bin/bash\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', { mode: 0o755 });
  const files = await emitSlurmJob(spec({ workdir: work, holoclip: [printer] }), { cpusPerTask: 3 }, path.join(work, 'job'));
  for (const script of [files.shardsScript, files.aggregateScript, files.submitScript]) {
    const check = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${script}: ${check.stderr}`);
  }
  const r = spawnSync('bash', [files.shardsScript], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_JOB_ID: '77', SLURM_CPUS_PER_TASK: '3' } });
  assert.equal(r.status, 0, r.stderr);
  const words = r.stdout.split('\n').slice(1, -1);
  assert.deepEqual(words, ['run', "/data/suites/it's a suite.yaml", '--store', '/shared/store $HOME', '--out', '/shared/runs/nightly', '--benchmarks-dir', '/shared/benchmarks', '--shard', '3/4', '--threads', '3']);
  const g = spawnSync('bash', [files.aggregateScript], { encoding: 'utf8', env: { ...process.env, SLURM_CPUS_PER_TASK: '3' } });
  assert.equal(g.status, 0, g.stderr);
  assert.deepEqual(g.stdout.split('\n').slice(0, -1), ['run', "/data/suites/it's a suite.yaml", '--store', '/shared/store $HOME', '--out', '/shared/runs/nightly', '--benchmarks-dir', '/shared/benchmarks', '--threads', '3']);
  // --threads given: written as is, SLURM_CPUS_PER_TASK not used.
  const fixed = await emitSlurmJob(spec({ workdir: work, holoclip: [printer], threads: 2, preprocess: 'python' }), {}, path.join(work, 'job2'));
  const r2 = spawnSync('bash', [fixed.shardsScript], { encoding: 'utf8', env: { ...process.env, SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_JOB_ID: '1', SLURM_CPUS_PER_TASK: '9' } });
  assert.ok(r2.stdout.includes('--preprocess\npython\n--threads\n2\n--shard\n1/4\n'), r2.stdout);
});

test('slurm states: squeue, sacct and scontrol output', () => {
  const q = parseSqueue('12_0|RUNNING|None\n12_1|PENDING|Resources\n13|PENDING|Dependency\n');
  assert.deepEqual(q.get('12_0'), { state: 'RUNNING' });
  assert.deepEqual(q.get('12_1'), { state: 'PENDING', reason: 'Resources' });
  assert.deepEqual(q.get('13'), { state: 'PENDING', reason: 'Dependency' });
  const s = parseSacct('12_0|COMPLETED|0:0\n12_1|CANCELLED by 0|0:15\n12_[2-3]|PENDING|0:0\n');
  assert.deepEqual(s.get('12_1'), { state: 'CANCELLED', exitCode: '0:15' });
  assert.equal(s.size, 2);
  // scontrol -o show job, as Slurm 22.05 prints it (fields cut).
  const c = parseScontrol(
    [
      'JobId=9 ArrayJobId=6 ArrayTaskId=1 JobName=x UserId=root(0) JobState=FAILED Reason=NonZeroExitCode Dependency=(null) ExitCode=1:0 StdOut=/x/f-6_1.out',
      'JobId=6 ArrayJobId=6 ArrayTaskId=2-3 JobName=x JobState=PENDING Reason=Resources ExitCode=0:0',
      'JobId=10 JobName=agg JobState=PENDING Reason=DependencyNeverSatisfied Dependency=afterok:6_*(failed) ExitCode=0:0',
    ].join('\n'),
  );
  assert.deepEqual(c.get('6_1'), { state: 'FAILED', reason: 'NonZeroExitCode', exitCode: '1:0' });
  assert.deepEqual(c.get('10'), { state: 'PENDING', reason: 'DependencyNeverSatisfied', exitCode: '0:0' });
  assert.equal(c.size, 2);
  assert.equal(arraySpec([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
  assert.equal(arraySpec([3]), '3');
});

/**
 * A stand-in for Slurm's commands: array tasks and the aggregation move through scripted states, one step per
 * squeue call; accounting is off (sacct fails), so final states come from scontrol, as on the test cluster.
 */
class FakeSlurm {
  calls: string[] = [];
  private nextId = 100;
  private tick = 0;
  /** job id -> per-tick state script (the last entry holds). */
  jobs = new Map<string, { tasks: Map<number, string[]>; aggregate?: string[]; dependsOn?: string }>();
  constructor(private readonly plan: (job: string, indices: number[]) => Map<number, string[]>) {}
  run: CommandRunner = async (cmd, args): Promise<CommandResult> => {
    this.calls.push(`${cmd} ${args.join(' ')}`);
    const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '' });
    if (cmd === 'sbatch') {
      const id = String(this.nextId++);
      const arr = args.find((a) => a.startsWith('--array='));
      if (arr) {
        const indices = arr.slice(8).split(',').flatMap((p) => {
          const [a, b] = p.split('-').map(Number);
          return Array.from({ length: (b ?? a!) - a! + 1 }, (_, k) => a! + k);
        });
        this.jobs.set(id, { tasks: this.plan(id, indices) });
      } else {
        const dep = args.find((a) => a.startsWith('--dependency='));
        const dependsOn = dep?.slice('--dependency=afterok:'.length);
        this.jobs.set(id, { tasks: new Map(), aggregate: dep ? ['PENDING', 'PENDING', 'RUNNING', 'COMPLETED'] : ['RUNNING', 'COMPLETED'], dependsOn });
      }
      return ok(`${id}\n`);
    }
    const stateAt = (script: string[]) => script[Math.min(this.tick, script.length - 1)]!;
    const aggregateState = (job: { aggregate?: string[]; dependsOn?: string }): string => {
      // afterok: never satisfied once a task of the array failed (as Slurm: DependencyNeverSatisfied).
      const dep = job.dependsOn === undefined ? undefined : this.jobs.get(job.dependsOn);
      const failed = dep !== undefined && [...dep.tasks.values()].some((t) => stateAt(t) === 'FAILED');
      return failed && stateAt(job.aggregate!) !== 'CANCELLED' ? 'PENDING' : stateAt(job.aggregate!);
    };
    if (cmd === 'squeue') {
      if (++this.tick > 200) throw new Error('the follower polled 200 times: it does not stop');
      const ids = args[args.indexOf('-j') + 1]!.split(',');
      const lines: string[] = [];
      for (const id of ids) {
        const j = this.jobs.get(id);
        if (!j) continue;
        for (const [i, t] of j.tasks) if (['PENDING', 'RUNNING'].includes(stateAt(t))) lines.push(`${id}_${i}|${stateAt(t)}|None`);
        if (j.aggregate && ['PENDING', 'RUNNING'].includes(aggregateState(j))) lines.push(`${id}|${aggregateState(j)}|Dependency`);
      }
      return ok(lines.join('\n'));
    }
    if (cmd === 'sacct') return { code: 1, stdout: '', stderr: 'Slurm accounting storage is disabled\n' };
    if (cmd === 'scontrol') {
      const id = args[args.length - 1]!;
      const j = this.jobs.get(id);
      if (!j) return { code: 1, stdout: '', stderr: 'slurm_load_jobs error: Invalid job id specified\n' };
      const lines = [...j.tasks].map(([i, t]) => `JobId=${id}${i} ArrayJobId=${id} ArrayTaskId=${i} JobState=${stateAt(t)} Reason=None ExitCode=${stateAt(t) === 'FAILED' ? '2:0' : '0:0'}`);
      if (j.aggregate) lines.push(`JobId=${id} JobState=${aggregateState(j)} Reason=None ExitCode=0:0`);
      return ok(lines.join('\n'));
    }
    if (cmd === 'scancel') {
      const j = this.jobs.get(args[0]!);
      if (j?.aggregate) j.aggregate = ['CANCELLED'];
      return ok('');
    }
    throw new Error(`unexpected ${cmd}`);
  };
}

async function jobFiles(name: string): Promise<{ files: SlurmJobFiles; s: ClusterRunSpec }> {
  const s = spec({ workdir: work, out: path.join(work, name, 'out') });
  const files = await emitSlurmJob(s, {}, path.join(work, name, 'slurm'));
  return { files, s };
}

test('slurm follow: a failed shard is reported with its log and the aggregation cancelled; a rerun resubmits only the unfinished shards', async () => {
  const { files, s } = await jobFiles('fail');
  const lines: string[] = [];
  const log = (l: string) => lines.push(l);
  // Shard 3 (index 2) fails in the first submission; everything completes in the second.
  let submission = 0;
  const fake = new FakeSlurm((_job, indices) => {
    submission++;
    return new Map(indices.map((i) => [i, submission === 1 && i === 2 ? ['PENDING', 'RUNNING', 'FAILED'] : ['PENDING', 'RUNNING', 'COMPLETED']]));
  });
  const sub = await submitSlurmJob(s, files, fake.run, { log });
  assert.deepEqual(sub.indices, [0, 1, 2, 3]);
  assert.match(fake.calls[0]!, /^sbatch --parsable --array=0-3 .*shards\.sbatch$/);
  assert.match(fake.calls[1]!, /^sbatch --parsable --dependency=afterok:100 .*aggregate\.sbatch$/);
  const outcome = await followSlurmJob(sub, files, s, fake.run, { pollMs: 0, log });
  assert.equal(outcome.ok, false);
  assert.ok(!outcome.ok);
  assert.deepEqual(outcome.failed.map((f) => [f.shard, f.index, f.state.state, f.state.exitCode, f.log]), [[3, 2, 'FAILED', '2:0', path.join(files.logsDir, 'shards-100_2.log')]]);
  assert.ok(fake.calls.includes('scancel 101'), fake.calls.join('\n'));
  assert.ok(lines.some((l) => l === `slurm: shard 3/4 (array task 2 of job 100) FAILED, exit 2:0: log ${path.join(files.logsDir, 'shards-100_2.log')}`), lines.join('\n'));
  const state = JSON.parse(await fs.readFile(path.join(files.dir, 'state.json'), 'utf8')) as { completed: number[] };
  assert.deepEqual(state.completed, [0, 1, 3]);

  fake.calls = [];
  const again = await submitSlurmJob(s, files, fake.run, { log });
  assert.deepEqual(again.indices, [2]);
  assert.ok(fake.calls.some((c) => /^sbatch --parsable --array=2 /.test(c)), fake.calls.join('\n'));
  assert.ok(lines.includes('slurm: shards 1, 2, 4 completed in an earlier submission; resubmitting shards 3 of 4'), lines.join('\n'));
  const ok = await followSlurmJob(again, files, s, fake.run, { pollMs: 0, log });
  assert.equal(ok.ok, true);
  const after2 = JSON.parse(await fs.readFile(path.join(files.dir, 'state.json'), 'utf8')) as { completed: number[] };
  assert.deepEqual(after2.completed, [0, 1, 2, 3]);

  // Everything completed: a third run submits the aggregation alone.
  fake.calls = [];
  const third = await submitSlurmJob(s, files, fake.run, { log });
  assert.equal(third.arrayJob, null);
  assert.deepEqual(fake.calls.filter((c) => c.startsWith('sbatch')).length, 1);
  assert.ok(!fake.calls.some((c) => c.includes('--dependency')));
});

test('slurm follow: a submission still in the queue is followed, not submitted again; another suite starts afresh', async () => {
  const { files, s } = await jobFiles('queued');
  const fake = new FakeSlurm((_job, indices) => new Map(indices.map((i) => [i, ['PENDING', 'PENDING', 'RUNNING', 'COMPLETED']])));
  const log = () => undefined;
  const first = await submitSlurmJob(s, files, fake.run, { log });
  fake.calls = [];
  const second = await submitSlurmJob(s, files, fake.run, { log });
  assert.equal(second.resumed, true);
  assert.equal(second.arrayJob, first.arrayJob);
  assert.ok(!fake.calls.some((c) => c.startsWith('sbatch')), 'nothing submitted');
  assert.equal((await followSlurmJob(second, files, s, fake.run, { pollMs: 0, log })).ok, true);
  // A different suite (sha256) in the same job folder: every shard again.
  const other = await submitSlurmJob({ ...s, suiteSha256: 'cd'.repeat(32) }, files, fake.run, { log });
  assert.deepEqual(other.indices, [0, 1, 2, 3]);
});

test('run --emit slurm / --slurm: flag checks, and the files written', async () => {
  const suite = path.join(work, 'cli-suite.yaml');
  const zoo = path.resolve('models', 'zoo', 'base');
  const images = path.join(work, 'imgs');
  await fs.mkdir(path.join(images, 'a'), { recursive: true });
  await fs.writeFile(suite, `name: cli\nmodels:\n  - path: ${JSON.stringify(zoo)}\ndatasets:\n  d: ${JSON.stringify(images)}\ntasks:\n  - type: zeroshot\n    datasets: [d]\n`);
  const out = path.join(work, 'cli-out');
  const noShards = await runCli(['run', suite, '--emit', 'slurm', '--out', out]);
  assert.equal(noShards.code, 1);
  assert.match(noShards.stderr, /--emit slurm needs --shards N/);
  const both = await runCli(['run', suite, '--emit', 'slurm', '--shards', '2', '--shard', '1/2', '--out', out]);
  assert.match(both.stderr, /--shard runs one shard here/);
  const stray = await runCli(['run', suite, '--partition', 'gpu', '--out', out]);
  assert.match(stray.stderr, /--partition applies to a cluster run/);
  const emitted = await runCli(['run', suite, '--emit', 'slurm', '--shards', '2', '--out', out, '--partition', 'cpu', '--time', '30']);
  assert.equal(emitted.code, 0, emitted.stderr);
  assert.match(emitted.stdout, /shards\s+\S*shards\.sbatch\s+\(sbatch job array 0-1/);
  const script = await fs.readFile(path.join(out, 'slurm', 'shards.sbatch'), 'utf8');
  assert.match(script, /^#SBATCH --partition=cpu$/m);
  assert.ok(!existsSync(path.join(out, 'results.json')), '--emit runs nothing');
});
