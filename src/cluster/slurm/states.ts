/** Reading Slurm's job states from squeue, sacct and scontrol output (pure). */

export interface SlurmTaskState {
  /** Slurm's state name: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, ... */
  readonly state: string;
  /** Why a pending job waits (squeue %r / scontrol Reason), e.g. Dependency, Resources. */
  readonly reason?: string;
  /** exit status:signal, when known (sacct, scontrol). */
  readonly exitCode?: string;
}

/** States after which a job never runs again (sacct and scontrol spellings). */
const FAILED_STATES = new Set(['FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', 'BOOT_FAIL', 'DEADLINE', 'PREEMPTED', 'REVOKED', 'SPECIAL_EXIT']);

export function isCompleted(s: SlurmTaskState | undefined): boolean {
  return s?.state === 'COMPLETED';
}

export function isFailed(s: SlurmTaskState | undefined): boolean {
  return s !== undefined && FAILED_STATES.has(s.state);
}

export function isFinal(s: SlurmTaskState | undefined): boolean {
  return isCompleted(s) || isFailed(s);
}

/** sacct writes "CANCELLED by 1000"; the state is the first word. */
function stateWord(text: string): string {
  return text.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
}

/** `squeue -h -r -o '%i|%T|%r'`: one line per job or array task (`123_4`), keyed as printed. */
export function parseSqueue(text: string): Map<string, SlurmTaskState> {
  const out = new Map<string, SlurmTaskState>();
  for (const line of text.split('\n')) {
    const [id, state, reason] = line.trim().split('|');
    if (!id || !state) continue;
    out.set(id, { state: stateWord(state), ...(reason && reason !== 'None' ? { reason } : {}) });
  }
  return out;
}

/** `sacct -n -P -X -o JobID,State,ExitCode`: `123_4|COMPLETED|0:0`. Array ranges still pending (`123_[5-7]`) are skipped. */
export function parseSacct(text: string): Map<string, SlurmTaskState> {
  const out = new Map<string, SlurmTaskState>();
  for (const line of text.split('\n')) {
    const [id, state, exitCode] = line.trim().split('|');
    if (!id || !state || id.includes('[')) continue;
    out.set(id, { state: stateWord(state), ...(exitCode ? { exitCode } : {}) });
  }
  return out;
}

/**
 * `scontrol -o show job ID`: one line per job, or per array task (`ArrayJobId=123 ArrayTaskId=4`); keyed
 * `123_4` for array tasks, the JobId otherwise. Lines of still-pending array ranges (`ArrayTaskId=5-7`) are skipped.
 */
export function parseScontrol(text: string): Map<string, SlurmTaskState> {
  const out = new Map<string, SlurmTaskState>();
  for (const line of text.split('\n')) {
    const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}=(\\S*)`).exec(line)?.[1];
    const jobId = field('JobId');
    const state = field('JobState');
    if (!jobId || !state) continue;
    const arrayJob = field('ArrayJobId');
    const task = field('ArrayTaskId');
    if (arrayJob && task !== undefined && !/^\d+$/.test(task)) continue;
    const id = arrayJob && task !== undefined ? `${arrayJob}_${task}` : jobId;
    const reason = field('Reason');
    const exitCode = field('ExitCode');
    out.set(id, { state: stateWord(state), ...(reason && reason !== 'None' ? { reason } : {}), ...(exitCode ? { exitCode } : {}) });
  }
  return out;
}

/** `0,1,2,5,7,8` -> `0-2,5,7-8` (sbatch --array). */
export function arraySpec(indices: readonly number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let k = 0; k < sorted.length; ) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === k ? `${sorted[k]}` : `${sorted[k]}-${sorted[j]}`);
    k = j + 1;
  }
  return parts.join(',');
}

/** `sbatch --parsable` prints `jobid` or `jobid;cluster`. */
export function parseSbatchJobId(stdout: string): string | null {
  const m = /^(\d+)(;\S+)?\s*$/.exec(stdout.trim());
  return m ? m[1]! : null;
}
