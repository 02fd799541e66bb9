/** `holoclip run SUITE --emit slurm`: writes the job scripts (./script.ts) into the job folder, atomically. */
import { chmod, mkdir } from 'node:fs/promises';
import { HoloclipError } from '../../errors.js';
import { writeFileAtomic } from '../../store/atomic.js';
import type { ClusterRunSpec } from '../cluster-run.js';
import { slurmAggregateScript, slurmJobFiles, slurmShardsScript, slurmSubmitScript, type SlurmJobFiles, type SlurmOptions } from './script.js';

/** `#SBATCH` lines take no quoting, and `%` starts a file-name pattern there. */
function checkDirectivePath(what: string, p: string): void {
  if (/[\s%]/.test(p)) throw new HoloclipError(`${what} ${p} contains a space or %, which #SBATCH lines cannot hold: choose a path without them (--job-dir, or run from another folder)`);
}

export async function emitSlurmJob(spec: ClusterRunSpec, options: SlurmOptions, jobDir: string): Promise<SlurmJobFiles> {
  const files = slurmJobFiles(jobDir);
  checkDirectivePath('the job folder', files.dir);
  checkDirectivePath('the working folder', spec.workdir);
  // Render first: an invalid option writes nothing.
  const shards = slurmShardsScript(spec, options, files);
  const aggregate = slurmAggregateScript(spec, options, files);
  const submit = slurmSubmitScript(files);
  await mkdir(files.logsDir, { recursive: true });
  await writeFileAtomic(files.shardsScript, shards);
  await writeFileAtomic(files.aggregateScript, aggregate);
  await writeFileAtomic(files.submitScript, submit);
  await chmod(files.submitScript, 0o755);
  return files;
}
