/**
 * `holoclip run SUITE --emit slurm|k8s --shards N` and `holoclip run SUITE --slurm --shards N`: the suite split
 * into N shard jobs on a cluster plus an aggregation job (src/cluster/). The flags are declared here and added
 * to `run` by run.ts.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { clusterRunSpec, type ClusterRunSpec } from '../../cluster/cluster-run.js';
import { runSlurmCommand } from '../../cluster/slurm/commands.js';
import { emitSlurmJob } from '../../cluster/slurm/emit.js';
import { followSlurmJob, logTail, submitSlurmJob } from '../../cluster/slurm/follow.js';
import { checkPathsOnVolume, emitK8sJob } from '../../cluster/k8s/emit.js';
import type { SlurmOptions } from '../../cluster/slurm/script.js';
import { HoloclipError } from '../../errors.js';
import type { PreprocessChoice } from '../../image/index.js';
import type { DeviceChoice } from '../../models/device.js';
import type { ResolvedSuite } from '../../suite/load-suite.js';
import { verifyOutputSet, OUTPUT_SET_FILE } from '../../suite/output-set.js';
import { planSuite } from '../../suite/plan.js';
import { positiveInt } from '../common-options.js';

export const EMIT_TARGETS = ['slurm', 'k8s'] as const;
export type EmitTarget = (typeof EMIT_TARGETS)[number];

export interface ClusterFlags {
  emit?: EmitTarget;
  slurm?: boolean;
  shards?: number;
  jobDir?: string;
  holoclipCommand?: string;
  partition?: string;
  gpusPerTask?: number;
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  account?: string;
  qos?: string;
  sbatchArg?: string[];
  poll: number;
  image?: string;
  pvc: string;
  mountPath?: string;
  namespace?: string;
  storageSize?: string;
  storageClass?: string;
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a number of seconds > 0');
  return n;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The words of --holoclip-command: split on spaces, with "double" or 'single' quoted words kept whole. */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) words.push(m[1] ?? m[2] ?? m[3]!);
  return words;
}

export function addClusterOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--emit <engine>', 'write the job files of a sharded run for a cluster instead of running: slurm (sbatch job array + aggregation job) or k8s (Indexed Job + aggregation Job)').choices([...EMIT_TARGETS]))
    .option('--slurm', 'submit the sharded run to Slurm (the --emit slurm files) and follow it until results.json is written; rerun after a failure to resubmit only unfinished shards')
    .option('--shards <n>', 'with --emit / --slurm: number of shard jobs (each embeds every n-th embedding unit into the shared store)', positiveInt)
    .option('--job-dir <dir>', 'with --emit / --slurm: where the job files and logs go (default OUT/slurm or OUT/k8s)')
    .option('--holoclip-command <cmd>', 'with --emit / --slurm: the command that starts holoclip in the jobs (default: this node binary and this holoclip script; for k8s: holoclip on the image\'s PATH)')
    .option('--partition <name>', 'Slurm partition')
    .option('--gpus-per-task <n>', 'GPUs per shard job (Slurm --gpus-per-task; Kubernetes nvidia.com/gpu)', nonNegativeInt)
    .option('--time <limit>', 'Slurm time limit per job (e.g. 4:00:00)')
    .option('--cpus-per-task <n>', 'CPUs per job (Slurm --cpus-per-task, also holoclip --threads; Kubernetes cpu request)', positiveInt)
    .option('--mem <size>', 'memory per job (Slurm --mem, e.g. 16G)')
    .option('--account <name>', 'Slurm account')
    .option('--qos <name>', 'Slurm QOS')
    .option('--sbatch-arg <option>', 'extra sbatch option for both jobs, repeatable (e.g. --sbatch-arg=--constraint=a100)', collect)
    .option('--poll <seconds>', 'with --slurm: seconds between squeue polls', positiveSeconds, 10)
    .option('--image <ref>', 'with --emit k8s: the container image with holoclip installed (required)')
    .option('--pvc <claim>', 'with --emit k8s: the ReadWriteMany PersistentVolumeClaim holding suite, models, data, store and outputs', 'holoclip-data')
    .option('--mount-path <dir>', 'with --emit k8s: where the claim is mounted in the pods, the same path as here (default: the current folder)')
    .option('--namespace <ns>', 'with --emit k8s: the namespace of the Jobs and the claim')
    .option('--storage-size <quantity>', 'with --emit k8s: the size pvc.yaml requests (default 100Gi)')
    .option('--storage-class <name>', 'with --emit k8s: the StorageClass of pvc.yaml (one that offers ReadWriteMany: NFS, CephFS, EFS, Filestore...)');
}

/** Flags of a cluster run that make no sense together; null when this is not a cluster run. */
export function clusterMode(flags: ClusterFlags & { shard?: unknown }): 'emit-slurm' | 'emit-k8s' | 'slurm' | null {
  if (flags.emit && flags.slurm) throw new HoloclipError('--emit and --slurm exclude each other: --emit writes the job files, --slurm writes and submits them');
  if (!flags.emit && !flags.slurm) {
    for (const [flag, v] of [['--shards', flags.shards], ['--job-dir', flags.jobDir], ['--partition', flags.partition], ['--time', flags.time], ['--sbatch-arg', flags.sbatchArg]] as const) {
      if (v !== undefined) throw new HoloclipError(`${flag} applies to a cluster run: add --emit slurm, --emit k8s or --slurm (or use --shard i/N to run one shard here)`);
    }
    return null;
  }
  if (flags.shard !== undefined) throw new HoloclipError('--shard runs one shard here; with --emit / --slurm give --shards N and each job runs its own shard');
  if (flags.emit === 'k8s' && !flags.image) throw new HoloclipError('--emit k8s needs --image IMAGE: the container image the pods run, with holoclip installed');
  if (flags.shards === undefined) throw new HoloclipError(`${flags.slurm ? '--slurm' : `--emit ${flags.emit}`} needs --shards N (the number of shard jobs)`);
  return flags.slurm ? 'slurm' : flags.emit === 'slurm' ? 'emit-slurm' : 'emit-k8s';
}

function slurmOptions(flags: ClusterFlags): SlurmOptions {
  return {
    partition: flags.partition,
    gpusPerTask: flags.gpusPerTask,
    time: flags.time,
    cpusPerTask: flags.cpusPerTask,
    mem: flags.mem,
    account: flags.account,
    qos: flags.qos,
    sbatchArgs: flags.sbatchArg ?? [],
  };
}

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r === '' ? '.' : r.startsWith('..') ? p : r;
}

export interface ClusterRunInput {
  readonly suite: ResolvedSuite;
  readonly flags: ClusterFlags;
  readonly preprocess?: PreprocessChoice;
  readonly threads?: number;
  readonly device?: DeviceChoice;
  readonly decodeWorkers?: number;
  readonly report: boolean;
  readonly log: (line: string) => void;
}

function specOf(input: ClusterRunInput, defaultCommand?: string[]): ClusterRunSpec {
  const { flags } = input;
  const holoclip = flags.holoclipCommand === undefined ? defaultCommand : splitCommand(flags.holoclipCommand);
  return clusterRunSpec(input.suite, {
    shards: flags.shards!,
    preprocess: input.preprocess,
    // Slurm: --cpus-per-task becomes each job's thread count through SLURM_CPUS_PER_TASK unless --threads is given.
    threads: input.threads,
    device: input.device,
    decodeWorkers: input.decodeWorkers,
    report: input.report,
    holoclip,
  });
}

function warnEmptyShards(input: ClusterRunInput, spec: ClusterRunSpec): void {
  const units = planSuite(input.suite).embedding.length;
  if (spec.shards > units) input.log(`warning: ${spec.shards} shards for ${units} embedding unit${units === 1 ? '' : 's'}: shards ${units + 1}..${spec.shards} have nothing to embed`);
}

export async function emitSlurm(input: ClusterRunInput): Promise<string> {
  const spec = specOf(input);
  warnEmptyShards(input, spec);
  const files = await emitSlurmJob(spec, slurmOptions(input.flags), input.flags.jobDir ?? path.join(spec.out, 'slurm'));
  return [
    `slurm job files for suite ${spec.suiteName}, ${spec.shards} shards:`,
    `  shards     ${rel(files.shardsScript)}   (sbatch job array 0-${spec.shards - 1}: holoclip run --shard k/${spec.shards})`,
    `  aggregate  ${rel(files.aggregateScript)}   (after every shard succeeded: results.json, results.csv, report)`,
    `  submit     ${rel(files.submitScript)}   (submits both; or: holoclip run ${rel(spec.suiteFile)} --slurm --shards ${spec.shards} ... to submit and follow)`,
    `  logs       ${rel(files.logsDir)}`,
    '',
  ].join('\n');
}

/** Every path of the suite a pod opens, with what names it. */
function suitePaths(suite: ResolvedSuite, spec: ClusterRunSpec): Array<{ what: string; path: string }> {
  const paths = [
    { what: 'the suite file', path: spec.suiteFile },
    { what: 'the store', path: spec.store },
    { what: 'the output folder', path: spec.out },
    { what: 'the benchmarks folder', path: spec.benchmarksDir },
    { what: 'the working folder', path: spec.workdir },
  ];
  for (const m of suite.models) paths.push({ what: `model ${m.name}`, path: path.resolve(m.dir) });
  for (const d of suite.datasets.values()) {
    if (d.builtin) continue; // built into the benchmarks folder
    paths.push({ what: `dataset ${d.name}`, path: path.resolve(d.path) });
    if (d.classnames) paths.push({ what: `dataset ${d.name} classnames`, path: path.resolve(d.classnames) });
  }
  return paths;
}

export async function emitK8s(input: ClusterRunInput): Promise<string> {
  const { flags } = input;
  const spec = specOf(input, ['holoclip']);
  warnEmptyShards(input, spec);
  const mountPath = path.resolve(flags.mountPath ?? process.cwd());
  checkPathsOnVolume(mountPath, suitePaths(input.suite, spec));
  const { files, manifests } = await emitK8sJob(
    spec,
    { image: flags.image!, pvc: flags.pvc, mountPath, namespace: flags.namespace, cpusPerTask: flags.cpusPerTask, mem: flags.mem, gpusPerTask: flags.gpusPerTask, storageSize: flags.storageSize, storageClass: flags.storageClass },
    flags.jobDir ?? path.join(spec.out, 'k8s'),
  );
  return [
    `Kubernetes manifests for suite ${spec.suiteName}, ${spec.shards} shards (volume ${flags.pvc} at ${mountPath}):`,
    `  pvc        ${rel(files.pvc)}   (ReadWriteMany claim; apply once if it does not exist)`,
    `  shards     ${rel(files.shards)}   (Indexed Job ${manifests.shardsName}: completions ${spec.shards}, shard = JOB_COMPLETION_INDEX + 1)`,
    `  aggregate  ${rel(files.aggregate)}   (Job ${manifests.aggregateName}: results.json, results.csv, report; apply after the shards completed)`,
    `  submit     ${rel(files.submit)}   (kubectl: shards, wait, aggregation)`,
    '',
  ].join('\n');
}

async function mtimeOrNull(file: string): Promise<number | null> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

export async function runOnSlurm(input: ClusterRunInput): Promise<string> {
  const t0 = performance.now();
  const spec = specOf(input);
  warnEmptyShards(input, spec);
  const files = await emitSlurmJob(spec, slurmOptions(input.flags), input.flags.jobDir ?? path.join(spec.out, 'slurm'));
  const manifest = path.join(spec.out, OUTPUT_SET_FILE);
  const before = await mtimeOrNull(manifest);
  const sub = await submitSlurmJob(spec, files, runSlurmCommand, { log: input.log });
  const outcome = await followSlurmJob(sub, files, spec, runSlurmCommand, { pollMs: input.flags.poll * 1000, log: input.log });
  if (!outcome.ok) {
    const lines: string[] = [];
    if (outcome.failed.length > 0) {
      lines.push(`slurm: ${outcome.failed.length} of ${spec.shards} shards failed${outcome.aggregate ? '' : ', so the aggregation job did not run'}:`);
      for (const f of outcome.failed) {
        lines.push(`  shard ${f.shard}/${spec.shards} (array index ${f.index}): ${f.state.state}${f.state.exitCode ? `, exit ${f.state.exitCode}` : ''}; log ${f.log}`);
        for (const t of await logTail(f.log, 3)) lines.push(`      ${t}`);
      }
    }
    if (outcome.aggregate) {
      lines.push(`slurm: the aggregation job ${sub.aggregateJob} ended ${outcome.aggregate.state.state}${outcome.aggregate.state.exitCode ? `, exit ${outcome.aggregate.state.exitCode}` : ''}; log ${outcome.aggregate.log}`);
      for (const t of await logTail(outcome.aggregate.log, 5)) lines.push(`      ${t}`);
    }
    lines.push('Finished units are kept in the store: fix the cause and rerun the same command; it resubmits only the shards that did not complete.');
    throw new HoloclipError(lines.join('\n'));
  }
  // The aggregation job ended well: its outputs must be a whole set written by it.
  const set = await verifyOutputSet(spec.out);
  const after = await mtimeOrNull(manifest);
  if (after === null || (before !== null && after <= before)) throw new HoloclipError(`slurm: the aggregation job ${sub.aggregateJob} ended without writing ${manifest}; see its log ${outcome.aggregateLog}`);
  const seconds = (performance.now() - t0) / 1000;
  return [
    `suite                  ${spec.suiteName} (slurm: ${spec.shards} shards${sub.arrayJob ? `, array job ${sub.arrayJob}` : ''}, aggregation job ${sub.aggregateJob})`,
    ...Object.keys(set.files).map((f) => `${f.padEnd(23)}${rel(path.join(spec.out, f))}`),
    `logs                   ${rel(files.logsDir)}`,
    `time                   ${seconds.toFixed(1)} s from submission to results`,
    '',
  ].join('\n');
}
