/**
 * `holoclip run SUITE --slurm`: submits the shard array and the aggregation job (afterok), then follows them with
 * squeue (and sacct, or scontrol where accounting is off), printing progress and each failed shard with its log.
 *
 * `<job dir>/state.json` remembers the last submission of this run (keyed by suite, store, out and shard count)
 * and the shards that completed. Running the same command again:
 *   - while that submission's jobs are still queued or running: follows them instead of submitting again;
 *   - after a failure: resubmits only the array indices that did not complete (the store resumes within a shard,
 *     and the aggregation job embeds whatever is still missing, so the results are the same either way).
 */
import { readFile } from 'node:fs/promises';
import { HoloclipError, errorMessage } from '../../errors.js';
import { isErrno, writeJsonAtomic } from '../../store/atomic.js';
import { clusterRunKey, type ClusterRunSpec } from '../cluster-run.js';
import type { CommandRunner } from './commands.js';
import { aggregateLogPath, shardLogPath, type SlurmJobFiles } from './script.js';
import { arraySpec, isCompleted, isFailed, isFinal, parseSacct, parseSbatchJobId, parseScontrol, parseSqueue, type SlurmTaskState } from './states.js';
import path from 'node:path';

export interface SlurmSubmission {
  /** The shard array job (null when every shard had completed before and only the aggregation was submitted). */
  readonly arrayJob: string | null;
  /** Array indices submitted (shard = index + 1). */
  readonly indices: readonly number[];
  readonly aggregateJob: string;
  /** Array indices that completed in earlier submissions. */
  readonly completedBefore: readonly number[];
  /** True when an earlier submission was still queued and is followed instead. */
  readonly resumed: boolean;
}

interface StateFile {
  readonly holoclip_slurm: 1;
  readonly key: string;
  readonly shards: number;
  readonly array_job: string | null;
  readonly indices: number[];
  readonly aggregate_job: string;
  readonly completed: number[];
}

function statePath(files: SlurmJobFiles): string {
  return path.join(files.dir, 'state.json');
}

async function readState(files: SlurmJobFiles): Promise<StateFile | null> {
  let text: string;
  try {
    text = await readFile(statePath(files), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw new HoloclipError(`cannot read ${statePath(files)}: ${errorMessage(err)}`);
  }
  try {
    const v = JSON.parse(text) as StateFile;
    if (v.holoclip_slurm === 1 && typeof v.key === 'string' && Array.isArray(v.completed) && Array.isArray(v.indices)) return v;
  } catch {
    // fall through
  }
  throw new HoloclipError(`${statePath(files)} is not a holoclip Slurm state file: delete it to submit every shard again`);
}

async function writeState(files: SlurmJobFiles, state: StateFile): Promise<void> {
  await writeJsonAtomic(statePath(files), state);
}

async function slurm(run: CommandRunner, command: string, args: readonly string[]): Promise<string> {
  const r = await run(command, args);
  if (r.code !== 0) throw new HoloclipError(`${command} ${args.join(' ')} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim() || 'no output'}`);
  return r.stdout;
}

async function sbatch(run: CommandRunner, args: readonly string[]): Promise<string> {
  const out = await slurm(run, 'sbatch', ['--parsable', ...args]);
  const id = parseSbatchJobId(out);
  if (!id) throw new HoloclipError(`sbatch printed no job id: ${JSON.stringify(out.trim())}`);
  return id;
}

/** The jobs of `ids` that squeue still lists. */
async function queued(run: CommandRunner, ids: readonly string[]): Promise<Map<string, SlurmTaskState>> {
  // squeue exits non-zero for job ids it no longer knows; that means "not queued".
  const r = await run('squeue', ['-h', '-r', '-j', ids.join(','), '-o', '%i|%T|%r']);
  if (r.code !== 0) {
    if (/invalid job id/i.test(r.stderr)) return new Map();
    throw new HoloclipError(`squeue failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  }
  return parseSqueue(r.stdout);
}

export interface SubmitOptions {
  readonly log: (line: string) => void;
}

export async function submitSlurmJob(spec: ClusterRunSpec, files: SlurmJobFiles, run: CommandRunner, options: SubmitOptions): Promise<SlurmSubmission> {
  const key = clusterRunKey(spec);
  const previous = await readState(files);
  const all = Array.from({ length: spec.shards }, (_, k) => k);
  let completedBefore: number[] = [];
  if (previous && previous.key === key) {
    const ids = [previous.array_job, previous.aggregate_job].filter((x): x is string => x !== null);
    const inQueue = await queued(run, ids);
    if (inQueue.size > 0) {
      options.log(`slurm: the previous submission of this run (jobs ${ids.join(', ')}) is still in the queue: following it`);
      return { arrayJob: previous.array_job, indices: previous.indices, aggregateJob: previous.aggregate_job, completedBefore: previous.completed, resumed: true };
    }
    completedBefore = previous.completed.filter((i) => i >= 0 && i < spec.shards);
  }
  const indices = all.filter((i) => !completedBefore.includes(i));
  let arrayJob: string | null = null;
  if (indices.length > 0) {
    // --array on the command line overrides the script's #SBATCH --array (a resubmission of some shards).
    arrayJob = await sbatch(run, [`--array=${arraySpec(indices)}`, files.shardsScript]);
    if (completedBefore.length > 0) options.log(`slurm: shards ${completedBefore.map((i) => i + 1).join(', ')} completed in an earlier submission; resubmitting shards ${indices.map((i) => i + 1).join(', ')} of ${spec.shards}`);
  } else {
    options.log(`slurm: every shard completed in an earlier submission; submitting the aggregation only`);
  }
  const aggregateJob = await sbatch(run, [...(arrayJob ? [`--dependency=afterok:${arrayJob}`] : []), files.aggregateScript]);
  options.log(`slurm: submitted ${arrayJob ? `shard array job ${arrayJob} (array ${arraySpec(indices)}, ${indices.length} shard${indices.length === 1 ? '' : 's'}) and ` : ''}aggregation job ${aggregateJob}${arrayJob ? ` (afterok:${arrayJob})` : ''}`);
  await writeState(files, { holoclip_slurm: 1, key, shards: spec.shards, array_job: arrayJob, indices, aggregate_job: aggregateJob, completed: completedBefore });
  return { arrayJob, indices, aggregateJob, completedBefore, resumed: false };
}

export interface FailedShard {
  readonly shard: number;
  readonly index: number;
  readonly state: SlurmTaskState;
  readonly log: string;
}

export type SlurmOutcome =
  | { readonly ok: true; readonly aggregateLog: string }
  | { readonly ok: false; readonly failed: readonly FailedShard[]; readonly aggregate: { state: SlurmTaskState; log: string } | null };

export interface FollowOptions {
  readonly pollMs: number;
  readonly log: (line: string) => void;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The last `n` lines of a log file (empty when it cannot be read). */
export async function logTail(file: string, n = 5): Promise<string[]> {
  try {
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    return lines.slice(-n);
  } catch {
    return [];
  }
}

/** Final states of jobs that left the queue: sacct where accounting is on, else scontrol (which remembers recent jobs). */
class FinalStates {
  private sacct = true;
  constructor(private readonly run: CommandRunner) {}
  async lookup(job: string): Promise<Map<string, SlurmTaskState>> {
    if (this.sacct) {
      const r = await this.run('sacct', ['-n', '-P', '-X', '-j', job, '-o', 'JobID,State,ExitCode']);
      if (r.code === 0) {
        const m = parseSacct(r.stdout);
        if (m.size > 0) return m;
      } else {
        this.sacct = false; // accounting storage disabled: scontrol from now on
      }
    }
    const r = await this.run('scontrol', ['-o', 'show', 'job', job]);
    return r.code === 0 ? parseScontrol(r.stdout) : new Map();
  }
}

export async function followSlurmJob(sub: SlurmSubmission, files: SlurmJobFiles, spec: ClusterRunSpec, run: CommandRunner, options: FollowOptions): Promise<SlurmOutcome> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const finals = new FinalStates(run);
  const tasks = new Map<number, SlurmTaskState>();
  const completed = new Set(sub.completedBefore);
  const failed: FailedShard[] = [];
  let aggregate: SlurmTaskState | undefined;
  let lastLine = '';
  const key = clusterRunKey(spec);
  const saveCompleted = async () =>
    writeState(files, { holoclip_slurm: 1, key, shards: spec.shards, array_job: sub.arrayJob, indices: [...sub.indices], aggregate_job: sub.aggregateJob, completed: [...completed].sort((a, b) => a - b) });
  const taskId = (i: number) => `${sub.arrayJob}_${i}`;

  for (;;) {
    const ids = [...(sub.arrayJob ? [sub.arrayJob] : []), sub.aggregateJob];
    const q = await queued(run, ids);
    // Array tasks: queued ones have their live state; the others have finished (look up how, once).
    const missing = sub.indices.filter((i) => !isFinal(tasks.get(i)) && !q.has(taskId(i)));
    for (const i of sub.indices) {
      const s = q.get(taskId(i));
      if (s) tasks.set(i, s);
    }
    if (missing.length > 0 && sub.arrayJob) {
      const known = await finals.lookup(sub.arrayJob);
      for (const i of missing) {
        // Neither queued nor known yet (a task between states, or sacct lagging): asked again next poll.
        const s = known.get(taskId(i));
        if (s) tasks.set(i, s);
      }
    }
    let changed = false;
    for (const i of sub.indices) {
      const s = tasks.get(i);
      if (isCompleted(s) && !completed.has(i)) {
        completed.add(i);
        changed = true;
      } else if (isFailed(s) && !failed.some((f) => f.index === i)) {
        const f: FailedShard = { shard: i + 1, index: i, state: s!, log: shardLogPath(files, sub.arrayJob!, i) };
        failed.push(f);
        options.log(`slurm: shard ${f.shard}/${spec.shards} (array task ${i} of job ${sub.arrayJob}) ${s!.state}${s!.exitCode ? `, exit ${s!.exitCode}` : ''}: log ${f.log}`);
      }
    }
    if (changed) await saveCompleted();

    aggregate = q.get(sub.aggregateJob) ?? (await finals.lookup(sub.aggregateJob)).get(sub.aggregateJob) ?? (aggregate && isFinal(aggregate) ? aggregate : undefined);
    const count = (pred: (s: SlurmTaskState | undefined) => boolean) => sub.indices.filter((i) => pred(tasks.get(i))).length;
    const running = count((s) => s?.state === 'RUNNING' || s?.state === 'COMPLETING');
    const done = completed.size;
    const arrayFinished = sub.indices.every((i) => isFinal(tasks.get(i)));
    const line = `slurm: shards ${done}/${spec.shards} done, ${running} running, ${sub.indices.length - count(isFinal) - running} waiting${failed.length ? `, ${failed.length} failed` : ''}; aggregation ${aggregate ? aggregate.state.toLowerCase() : 'finished'}${aggregate?.reason ? ` (${aggregate.reason})` : ''}`;
    if (line !== lastLine) {
      options.log(line);
      lastLine = line;
    }

    if (failed.length > 0 && arrayFinished) {
      // afterok can no longer be satisfied: the aggregation job would wait forever (DependencyNeverSatisfied).
      if (aggregate && !isFinal(aggregate)) {
        await run('scancel', [sub.aggregateJob]);
        options.log(`slurm: cancelled the aggregation job ${sub.aggregateJob}: ${failed.length} shard${failed.length === 1 ? '' : 's'} failed`);
      }
      return { ok: false, failed: [...failed].sort((a, b) => a.index - b.index), aggregate: null };
    }
    if (aggregate === undefined || isFinal(aggregate)) {
      const log = aggregateLogPath(files, sub.aggregateJob);
      if (aggregate === undefined || isCompleted(aggregate)) return { ok: true, aggregateLog: log };
      return { ok: false, failed: [...failed], aggregate: { state: aggregate, log } };
    }
    await sleep(options.pollMs);
  }
}
