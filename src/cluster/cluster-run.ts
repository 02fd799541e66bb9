/**
 * What a sharded suite run on a cluster runs: N shard jobs (`holoclip run SUITE --shard i/N`, embedding units
 * into the shared store) and one aggregation job (a plain `holoclip run SUITE`: embeds whatever is still missing,
 * computes the metric units and writes results.json, results.csv and the report). Resolved once from the suite
 * and the flags, then rendered by each engine's emitter (Slurm, Kubernetes).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { PreprocessChoice } from '../image/index.js';
import type { DeviceChoice } from '../models/device.js';
import { canonicalKey } from '../store/canonical-json.js';
import type { ResolvedSuite } from '../suite/load-suite.js';
import { HoloclipError } from '../errors.js';

export interface ClusterRunSpec {
  readonly suiteName: string;
  /** Absolute paths, as the jobs see them (a shared file system). */
  readonly suiteFile: string;
  readonly suiteSha256: string;
  readonly store: string;
  readonly out: string;
  readonly benchmarksDir: string;
  /** The folder the jobs run in (relative paths in the suite were already resolved against the suite file). */
  readonly workdir: string;
  readonly shards: number;
  readonly preprocess?: PreprocessChoice;
  /** onnxruntime threads per job; when absent each engine passes the CPUs it allotted (Slurm) or none. */
  readonly threads?: number;
  /** `--device` of every job (absent: the suite's `device`). */
  readonly device?: DeviceChoice;
  readonly decodeWorkers?: number;
  readonly report: boolean;
  /** The command that starts holoclip on the compute nodes, as words (default: this node and this bin). */
  readonly holoclip: readonly string[];
}

export interface ClusterSpecOptions {
  readonly shards: number;
  readonly preprocess?: PreprocessChoice;
  readonly threads?: number;
  readonly device?: DeviceChoice;
  readonly decodeWorkers?: number;
  readonly report: boolean;
  readonly holoclip?: readonly string[];
  readonly workdir?: string;
}

/** The largest shard count: one per embedding unit is the useful maximum, this guards typos. */
export const MAX_SHARDS = 10000;

/** The holoclip that is running now: this Node binary and this bin script (both must be on the shared file system). */
export function currentHoloclipCommand(): string[] {
  const bin = process.argv[1];
  if (!bin) throw new HoloclipError('cannot tell which holoclip script is running: pass --holoclip-command');
  return [process.execPath, path.resolve(bin)];
}

export function clusterRunSpec(suite: ResolvedSuite, options: ClusterSpecOptions): ClusterRunSpec {
  if (!Number.isInteger(options.shards) || options.shards < 1 || options.shards > MAX_SHARDS) {
    throw new HoloclipError(`--shards must be an integer from 1 to ${MAX_SHARDS}, got ${options.shards}`);
  }
  const holoclip = options.holoclip ?? currentHoloclipCommand();
  if (holoclip.length === 0) throw new HoloclipError('--holoclip-command is empty: give the command that starts holoclip on the compute nodes');
  return {
    suiteName: suite.name,
    suiteFile: suite.file,
    suiteSha256: suite.sha256,
    store: path.resolve(suite.store),
    out: path.resolve(suite.out),
    benchmarksDir: path.resolve(suite.benchmarksDir),
    workdir: path.resolve(options.workdir ?? process.cwd()),
    shards: options.shards,
    preprocess: options.preprocess,
    threads: options.threads,
    device: options.device,
    decodeWorkers: options.decodeWorkers,
    report: options.report,
    holoclip: [...holoclip],
  };
}

/** A hash of everything that decides what the jobs compute: a resubmission reuses a previous submission's progress only under the same key. */
export function clusterRunKey(spec: ClusterRunSpec): string {
  const key = canonicalKey({
    suite: spec.suiteSha256,
    file: spec.suiteFile,
    store: spec.store,
    out: spec.out,
    benchmarks: spec.benchmarksDir,
    shards: spec.shards,
    preprocess: spec.preprocess ?? null,
  });
  return createHash('sha256').update(key).digest('hex');
}

/** The `holoclip run` arguments every job shares (after `run SUITE`). */
function commonArgs(spec: ClusterRunSpec): string[] {
  const args = ['--store', spec.store, '--out', spec.out, '--benchmarks-dir', spec.benchmarksDir];
  if (spec.preprocess) args.push('--preprocess', spec.preprocess);
  if (spec.device) args.push('--device', spec.device);
  if (spec.decodeWorkers !== undefined) args.push('--decode-workers', String(spec.decodeWorkers));
  return args;
}

/**
 * The words of a shard job after the holoclip command, without `--shard` and `--threads`, which each engine
 * appends as shell expressions of its own index and CPU count.
 */
export function shardArgs(spec: ClusterRunSpec): string[] {
  const args = ['run', spec.suiteFile, ...commonArgs(spec)];
  if (spec.threads !== undefined) args.push('--threads', String(spec.threads));
  return args;
}

/** The aggregation job's words after the holoclip command (without `--threads` when the engine supplies it). */
export function aggregateArgs(spec: ClusterRunSpec): string[] {
  const args = ['run', spec.suiteFile, ...commonArgs(spec)];
  if (spec.threads !== undefined) args.push('--threads', String(spec.threads));
  if (!spec.report) args.push('--no-report');
  return args;
}
