/** Running Slurm's client commands (sbatch, squeue, sacct, scontrol, scancel) as child processes. */
import { spawn } from 'node:child_process';
import { HoloclipError } from '../../errors.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one command and collects its output; the follower takes this as a parameter so tests can stand in for Slurm. */
export type CommandRunner = (command: string, args: readonly string[]) => Promise<CommandResult>;

export const runSlurmCommand: CommandRunner = (command, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') {
        reject(new HoloclipError(`${command} not found on PATH: --slurm submits and follows jobs with Slurm's client commands (sbatch, squeue, sacct, scontrol, scancel); run it where they are (a login node), or write the scripts with --emit slurm`));
      } else reject(new HoloclipError(`cannot run ${command}: ${err.message}`, { cause: err }));
    });
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
