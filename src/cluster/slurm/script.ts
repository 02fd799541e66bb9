/**
 * The Slurm job scripts of a sharded suite run (pure text; written by ./emit.ts):
 *   shards.sbatch     a job array, one array task per shard: `holoclip run SUITE --shard $((SLURM_ARRAY_TASK_ID+1))/N`
 *   aggregate.sbatch  `holoclip run SUITE` (metric units, results, report), submitted with --dependency=afterok:<array>
 *   submit.sh         submits both, for users who submit by hand (`holoclip run --slurm` does the same and follows them)
 * The shard count N is written into the script (not SLURM_ARRAY_TASK_COUNT), so a resubmission of some array
 * indices (`--array=1,3`) still runs the same shards.
 */
import path from 'node:path';
import { HoloclipError } from '../../errors.js';
import { aggregateArgs, shardArgs, type ClusterRunSpec } from '../cluster-run.js';
import { shellJoin, shellQuote } from '../shell.js';

export interface SlurmOptions {
  readonly partition?: string;
  readonly gpusPerTask?: number;
  /** Slurm time limit of each shard (`--time`), e.g. 2:00:00. */
  readonly time?: string;
  readonly cpusPerTask?: number;
  readonly mem?: string;
  readonly account?: string;
  readonly qos?: string;
  /** Extra sbatch options, one `#SBATCH` line each, for both jobs (e.g. --constraint=a100). */
  readonly sbatchArgs?: readonly string[];
}

export interface SlurmJobFiles {
  readonly dir: string;
  readonly shardsScript: string;
  readonly aggregateScript: string;
  readonly submitScript: string;
  readonly logsDir: string;
}

export function slurmJobFiles(dir: string): SlurmJobFiles {
  const abs = path.resolve(dir);
  return {
    dir: abs,
    shardsScript: path.join(abs, 'shards.sbatch'),
    aggregateScript: path.join(abs, 'aggregate.sbatch'),
    submitScript: path.join(abs, 'submit.sh'),
    logsDir: path.join(abs, 'logs'),
  };
}

/** The log of array task `index` of job `arrayJob` (the `--output` pattern of shards.sbatch). */
export function shardLogPath(files: SlurmJobFiles, arrayJob: string, index: number): string {
  return path.join(files.logsDir, `shards-${arrayJob}_${index}.log`);
}

export function aggregateLogPath(files: SlurmJobFiles, job: string): string {
  return path.join(files.logsDir, `aggregate-${job}.log`);
}

/** Job names: letters, digits, dot, dash, underscore (what every scheduler accepts), at most 64 characters. */
export function jobName(suiteName: string, role: string): string {
  const base = suiteName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'suite';
  return `holoclip-${base}`.slice(0, 64 - role.length - 1) + `-${role}`;
}

const TIME = /^(\d+-)?\d+(:\d{1,2}){0,2}$/;

function checkOptions(o: SlurmOptions): void {
  if (o.time !== undefined && !TIME.test(o.time)) throw new HoloclipError(`--time ${o.time}: expected a Slurm time limit (minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)`);
  for (const [flag, v] of [['--partition', o.partition], ['--mem', o.mem], ['--account', o.account], ['--qos', o.qos]] as const) {
    if (v !== undefined && (v === '' || /\s/.test(v))) throw new HoloclipError(`${flag} ${JSON.stringify(v)}: expected one word without spaces`);
  }
  for (const a of o.sbatchArgs ?? []) {
    if (!a.startsWith('-') || /[\n\r]/.test(a)) throw new HoloclipError(`--sbatch-arg ${JSON.stringify(a)}: expected one sbatch option such as --constraint=a100`);
  }
}

function directives(o: SlurmOptions, gpus: boolean): string[] {
  const lines: string[] = [];
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.account) lines.push(`#SBATCH --account=${o.account}`);
  if (o.qos) lines.push(`#SBATCH --qos=${o.qos}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  lines.push('#SBATCH --ntasks=1');
  if (o.cpusPerTask !== undefined) lines.push(`#SBATCH --cpus-per-task=${o.cpusPerTask}`);
  if (o.mem) lines.push(`#SBATCH --mem=${o.mem}`);
  if (gpus && o.gpusPerTask !== undefined && o.gpusPerTask > 0) lines.push(`#SBATCH --gpus-per-task=${o.gpusPerTask}`);
  for (const a of o.sbatchArgs ?? []) lines.push(`#SBATCH ${a}`);
  return lines;
}

function header(spec: ClusterRunSpec): string[] {
  return [
    '#!/bin/bash',
    `# Written by holoclip for suite ${spec.suiteName} (${spec.suiteFile}, sha256 ${spec.suiteSha256.slice(0, 12)}).`,
    '# Every path below must be the same on the compute nodes (a shared file system).',
  ];
}

function holoclipFunction(spec: ClusterRunSpec): string[] {
  return ['# The holoclip the jobs run (emitted with --holoclip-command, default: the node and holoclip that wrote this file).', `holoclip() { ${shellJoin(spec.holoclip)} "$@"; }`];
}

/** `--threads`: the given count, else the CPUs Slurm allotted to the task. */
const SLURM_THREADS = '--threads "${SLURM_CPUS_PER_TASK:-1}"';

export function slurmShardsScript(spec: ClusterRunSpec, o: SlurmOptions, files: SlurmJobFiles): string {
  checkOptions(o);
  const threads = spec.threads === undefined ? ` ${SLURM_THREADS}` : '';
  return [
    ...header(spec),
    `# One array task per shard: array index k runs shard k+1 of ${spec.shards} (embedding units into the shared store).`,
    `#SBATCH --job-name=${jobName(spec.suiteName, 'shards')}`,
    `#SBATCH --array=0-${spec.shards - 1}`,
    `#SBATCH --output=${path.join(files.logsDir, 'shards-%A_%a.log')}`,
    `#SBATCH --chdir=${spec.workdir}`,
    ...directives(o, true),
    'set -euo pipefail',
    ...holoclipFunction(spec),
    `shard=$(( SLURM_ARRAY_TASK_ID + 1 ))`,
    `echo "holoclip: shard $shard/${spec.shards} (array task $SLURM_ARRAY_TASK_ID of job $SLURM_ARRAY_JOB_ID) on $(hostname)"`,
    `holoclip ${shellJoin(shardArgs(spec))} --shard "$shard/${spec.shards}"${threads}`,
    '',
  ].join('\n');
}

export function slurmAggregateScript(spec: ClusterRunSpec, o: SlurmOptions, files: SlurmJobFiles): string {
  checkOptions(o);
  const threads = spec.threads === undefined ? ` ${SLURM_THREADS}` : '';
  return [
    ...header(spec),
    '# The aggregation: after every shard succeeded (submitted with --dependency=afterok:<array job>), a plain run',
    '# embeds whatever is still missing, computes the metric units and writes results.json, results.csv and the report.',
    `#SBATCH --job-name=${jobName(spec.suiteName, 'aggregate')}`,
    `#SBATCH --output=${path.join(files.logsDir, 'aggregate-%j.log')}`,
    `#SBATCH --chdir=${spec.workdir}`,
    ...directives(o, false),
    'set -euo pipefail',
    ...holoclipFunction(spec),
    `holoclip ${shellJoin(aggregateArgs(spec))}${threads}`,
    '',
  ].join('\n');
}

export function slurmSubmitScript(files: SlurmJobFiles): string {
  return [
    '#!/bin/bash',
    '# Submits the shard array, then the aggregation job to run after every shard succeeded.',
    '# `holoclip run SUITE --slurm ...` does the same and follows both; after a failure it resubmits only the unfinished shards.',
    'set -euo pipefail',
    `mkdir -p ${shellQuote(files.logsDir)}`,
    `array=$(sbatch --parsable ${shellQuote(files.shardsScript)})`,
    'array=${array%%;*}',
    `aggregate=$(sbatch --parsable --dependency=afterok:"$array" ${shellQuote(files.aggregateScript)})`,
    'echo "submitted: shards job $array, aggregation job ${aggregate%%;*}"',
    '',
  ].join('\n');
}
